/* One port for HTTP and a raw protocol (lws's raw-fallback server): the vhost has
 * LWS_SERVER_OPTION_FALLBACK_TO_APPLY_LISTEN_ACCEPT_CONFIG with listen_accept_role
 * "raw-skt" and listen_accept_protocol "raw-echo", so a connection whose first bytes
 * are an HTTP request is served as HTTP and any other goes to "raw-echo", which echoes
 * what it gets.  Given a certificate and key (argv[2], argv[3]) the vhost is TLS with
 * LWS_SERVER_OPTION_ALLOW_NON_SSL_ON_SSL_PORT and nothing else for plain text, as
 * lws's raw-fallback server with -s: a TLS peer is served HTTP, and any plain-text peer,
 * HTTP or not, goes to "raw-echo".  The driver raw_fallback.py is the peer. */
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int interrupted;

struct pss {
	unsigned char buf[LWS_PRE + 256];
	size_t len;
};

static int cb_http(struct lws *wsi, enum lws_callback_reasons reason, void *user,
		   void *in, size_t len)
{
	uint8_t buf[LWS_PRE + 256], *start = &buf[LWS_PRE], *p = start,
		*end = &buf[sizeof(buf) - 1];
	static const char body[] = "served as http\n";

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		printf("http: HTTP %s\n", (const char *)in);
		if (lws_add_http_common_headers(wsi, HTTP_STATUS_OK, "text/plain",
						sizeof(body) - 1, &p, end))
			return 1;
		if (lws_finalize_write_http_header(wsi, start, &p, end))
			return 1;
		lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		memcpy(start, body, sizeof(body) - 1);
		if (lws_write(wsi, start, sizeof(body) - 1, LWS_WRITE_HTTP_FINAL) !=
		    (int)sizeof(body) - 1)
			return 1;
		if (lws_http_transaction_completed(wsi))
			return -1;
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

static int cb_raw(struct lws *wsi, enum lws_callback_reasons reason, void *user,
		  void *in, size_t len)
{
	struct pss *pss = (struct pss *)user;

	switch (reason) {
	case LWS_CALLBACK_RAW_ADOPT:
		printf("raw: RAW_ADOPT\n");
		break;
	case LWS_CALLBACK_RAW_RX:
		/* the peers end their lines with \n: printed without it */
		printf("raw: RAW_RX '%.*s'\n", (int)(len && ((char *)in)[len - 1] == '\n' ?
						    len - 1 : len), (const char *)in);
		if (len > sizeof(pss->buf) - LWS_PRE)
			len = sizeof(pss->buf) - LWS_PRE;
		memcpy(pss->buf + LWS_PRE, in, len);
		pss->len = len;
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_RAW_WRITEABLE:
		if (lws_write(wsi, pss->buf + LWS_PRE, pss->len, LWS_WRITE_RAW) < (int)pss->len)
			return -1;
		break;
	case LWS_CALLBACK_RAW_CLOSE:
		printf("raw: RAW_CLOSE\n");
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "http", cb_http, 0, 0, 0, NULL, 0 },
	{ "raw-echo", cb_raw, sizeof(struct pss), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

int main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_context *cx;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGINT, sigint);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	memset(&info, 0, sizeof info);
	info.port = argc > 1 ? atoi(argv[1]) : 7681;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_FALLBACK_TO_APPLY_LISTEN_ACCEPT_CONFIG |
		       LWS_SERVER_OPTION_DISABLE_IPV6;
	info.listen_accept_role = "raw-skt";
	info.listen_accept_protocol = "raw-echo";
#if defined(LWS_WITH_TLS)
	if (argc > 3) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT |
				LWS_SERVER_OPTION_ALLOW_NON_SSL_ON_SSL_PORT;
		info.ssl_cert_filepath = argv[2];
		info.ssl_private_key_filepath = argv[3];
	}
#endif
	cx = lws_create_context(&info);
	if (!cx) {
		printf("context creation failed\n");
		return 1;
	}
	printf("ready\n");
	while (!interrupted)
		lws_service(cx, 100);
	lws_context_destroy(cx);
	printf("end\n");
	return 0;
}
