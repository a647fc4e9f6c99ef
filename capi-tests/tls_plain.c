/*
 * tls_plain: TLS vhosts that also take plain text on their port, each with one of the
 * option sets lws programs use, driven by tls_plain.py.
 *
 *   tls_plain CERTDIR PORT_STRICT PORT_REDIRECT PORT_HTTP PORT_NOPEEK
 *
 * strict    ALLOW_NON_SSL_ON_SSL_PORT alone: plain text is closed
 * redirect  ALLOW_NON_SSL_ON_SSL_PORT + REDIRECT_HTTP_TO_HTTPS: plain text gets a 301
 *           to the same URL over https
 * http      ALLOW_NON_SSL_ON_SSL_PORT + ALLOW_HTTP_ON_HTTPS_LISTENER: plain text served
 * nopeek    REDIRECT_HTTP_TO_HTTPS + ALLOW_HTTP_ON_HTTPS_LISTENER without
 *           ALLOW_NON_SSL_ON_SSL_PORT: they do nothing alone, plain text is closed
 *
 * Each serves CERTDIR/www and an "echo" ws protocol; the transcript says for each
 * request and ws connection which vhost took it and whether it came over TLS.
 */
/* lws-diff: ours-only: lws 4.1.6 with OpenSSL logs and times its handshakes differently, and takes a ws upgrade in clear text on a redirecting vhost */
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int interrupted;

struct pss {
	char buf[LWS_PRE + 256];
	size_t len;
};

static int
http_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	if (reason == LWS_CALLBACK_FILTER_HTTP_CONNECTION)
		printf("HTTP vhost=%s is_ssl=%d uri=%s\n", lws_get_vhost_name(lws_get_vhost(wsi)),
		       lws_is_ssl(wsi), (const char *)in);

	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static int
echo_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct pss *p = (struct pss *)user;

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		printf("ESTABLISHED vhost=%s is_ssl=%d\n", lws_get_vhost_name(lws_get_vhost(wsi)),
		       lws_is_ssl(wsi));
		break;
	case LWS_CALLBACK_RECEIVE:
		if (len > sizeof(p->buf) - LWS_PRE)
			len = sizeof(p->buf) - LWS_PRE;
		memcpy(p->buf + LWS_PRE, in, len);
		p->len = len;
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (lws_write(wsi, (unsigned char *)p->buf + LWS_PRE, p->len, LWS_WRITE_TEXT) < (int)p->len)
			return -1;
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "http", http_cb, 0, 0, 0, NULL, 0 },
	{ "echo", echo_cb, sizeof(struct pss), 256, 0, NULL, 0 },
	LWS_PROTOCOL_LIST_TERM
};

static char origin[512];

static const struct lws_http_mount mount = {
	.mountpoint = "/",
	.mountpoint_len = 1,
	.origin = origin,
	.def = "index.html",
	.origin_protocol = LWSMPRO_FILE,
};

static void
sigint(int s)
{
	(void)s;
	interrupted = 1;
}

int
main(int argc, char **argv)
{
	static const char *names[] = { "strict", "redirect", "http", "nopeek" };
	static const uint64_t opts[] = {
		LWS_SERVER_OPTION_ALLOW_NON_SSL_ON_SSL_PORT,
		LWS_SERVER_OPTION_ALLOW_NON_SSL_ON_SSL_PORT |
			LWS_SERVER_OPTION_REDIRECT_HTTP_TO_HTTPS,
		LWS_SERVER_OPTION_ALLOW_NON_SSL_ON_SSL_PORT |
			LWS_SERVER_OPTION_ALLOW_HTTP_ON_HTTPS_LISTENER,
		LWS_SERVER_OPTION_REDIRECT_HTTP_TO_HTTPS |
			LWS_SERVER_OPTION_ALLOW_HTTP_ON_HTTPS_LISTENER,
	};
	struct lws_context_creation_info info;
	char cert[512], key[512];
	struct lws_context *cx;
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 6) {
		fprintf(stderr, "usage: tls_plain CERTDIR PORT PORT PORT PORT\n");
		return 2;
	}
	signal(SIGINT, sigint);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.timeout_secs = 10;	/* generous: the suite runs tests side by side */
	cx = lws_create_context(&info);
	if (!cx)
		return 1;

	snprintf(origin, sizeof(origin), "%s/www", argv[1]);
	snprintf(cert, sizeof(cert), "%s/a.test.pem", argv[1]);
	snprintf(key, sizeof(key), "%s/a.test.key", argv[1]);
	for (i = 0; i < 4; i++) {
		memset(&info, 0, sizeof(info));
		info.options = LWS_SERVER_OPTION_DISABLE_IPV6 | opts[i];
		info.port = atoi(argv[2 + i]);
		info.iface = "127.0.0.1";
		info.vhost_name = names[i];
		info.protocols = protocols;
		info.mounts = &mount;
		info.ssl_cert_filepath = cert;
		info.ssl_private_key_filepath = key;
		if (!lws_create_vhost(cx, &info)) {
			printf("vhost %s: refused\n", names[i]);
			return 1;
		}
	}

	printf("listening\n");
	while (!interrupted)
		if (lws_service(cx, 0) < 0)
			break;
	lws_context_destroy(cx);
	printf("bye\n");
	return 0;
}
