/*
 * tls_client: an lws wss client (LCCSCF_USE_SSL), driven by tls_client.py.
 *
 *   tls_client PORT HOST FLAGS CAFILE COUNT [SERVER_CERT SERVER_KEY]
 *
 * Connects COUNT times, one after the other, to wss://127.0.0.1:PORT/ with SNI and Host
 * HOST and the LCCSCF_* FLAGS, trusting CAFILE; each connection sends "hi" and expects
 * it back.  With SERVER_CERT and SERVER_KEY the same vhost is also a TLS echo server on
 * PORT, so the client talks to our own server.  Prints what each connection saw.
 */
/* lws-diff: ours-only: the verification failure texts are this library's (lws's depend on OpenSSL's wording) */
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct lws_context *cx;
static struct lws_vhost *vh;
static const char *host;
static int port, flags, left, done, echoed;

static int connect_one(void);

static int
cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	unsigned char buf[LWS_PRE + 16];
	union lws_tls_cert_info_results *r;
	char big[sizeof(*r) + 64];

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf("CONNECTION_ERROR: %s\n", in ? (const char *)in : "(null)");
		if (connect_one())
			done = 1;
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		r = (union lws_tls_cert_info_results *)big;
		printf("ESTABLISHED is_ssl=%d reused=%d", lws_is_ssl(wsi), lws_tls_session_is_reused(wsi));
		if (!lws_tls_peer_cert_info(wsi, LWS_TLS_CERT_INFO_COMMON_NAME, r, 64))
			printf(" peer_cn=%s", r->ns.name);
		printf("\n");
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		memcpy(buf + LWS_PRE, "hi", 2);
		if (lws_write(wsi, buf + LWS_PRE, 2, LWS_WRITE_TEXT) != 2)
			return -1;
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		printf("RECEIVE %.*s\n", (int)len, (const char *)in);
		echoed++;
		return -1;
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (connect_one())
			done = 1;
		break;
	/* the server side: echo */
	case LWS_CALLBACK_RECEIVE:
		if (len > 16)
			len = 16;
		memcpy(buf + LWS_PRE, in, len);
		if (lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_TEXT) != (int)len)
			return -1;
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "echo", cb, 0, 256, 0, NULL, 0 },
	LWS_PROTOCOL_LIST_TERM
};

static int
connect_one(void)
{
	struct lws_client_connect_info ci;

	if (!left)
		return 1;
	left--;
	memset(&ci, 0, sizeof(ci));
	ci.context = cx;
	ci.vhost = vh;
	ci.address = "127.0.0.1";
	ci.port = port;
	ci.host = host;
	ci.origin = host;
	ci.path = "/";
	ci.protocol = "echo";
	ci.ssl_connection = flags;
	if (!lws_client_connect_via_info(&ci)) {
		printf("connect: NULL\n");
		return connect_one();
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	time_t end;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 6) {
		fprintf(stderr, "usage: tls_client PORT HOST FLAGS CAFILE COUNT [CERT KEY]\n");
		return 2;
	}
	port = atoi(argv[1]);
	host = argv[2];
	flags = (int)strtol(argv[3], NULL, 0);
	left = atoi(argv[5]);
	lws_set_log_level(LLL_ERR, NULL);

	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_DISABLE_IPV6;
	info.protocols = protocols;
	info.port = CONTEXT_PORT_NO_LISTEN;
	if (argc >= 8)
		info.client_ssl_ca_filepath = argv[4];
	info.timeout_secs = 5;
	if (argc >= 8) {
		info.port = port;
		info.iface = "127.0.0.1";
		info.vhost_name = host;
		info.ssl_cert_filepath = argv[6];
		info.ssl_private_key_filepath = argv[7];
	}
	cx = lws_create_context(&info);
	if (!cx) {
		printf("context: refused\n");
		return 1;
	}
	vh = lws_get_vhost_by_name(cx, argc >= 8 ? host : "default");
	if (argc < 8) {
		/* the client side set up on the existing vhost, as lws programs may do */
		memset(&info, 0, sizeof(info));
		info.client_ssl_ca_filepath = argv[4];
		if (lws_init_vhost_client_ssl(&info, vh)) {
			printf("lws_init_vhost_client_ssl: failed\n");
			return 1;
		}
	}
	if (getenv("EXTRA_CA_DER")) {
		FILE *f = fopen(getenv("EXTRA_CA_DER"), "rb");
		uint8_t der[4096];
		size_t dl = f ? fread(der, 1, sizeof(der), f) : 0;

		if (f)
			fclose(f);
		printf("lws_tls_client_vhost_extra_cert_mem: %d\n",
		       lws_tls_client_vhost_extra_cert_mem(vh, der, dl));
	}
	if (connect_one())
		done = 1;
	end = time(NULL) + 20;
	while (!done && time(NULL) < end)
		if (lws_service(cx, 50) < 0)
			break;
	lws_context_destroy(cx);
	printf("echoed %d\n", echoed);
	return 0;
}
