/*
 * tls_server: a TLS (https + wss) server as an lws program turns it on, driven by
 * tls_server.py, which makes the certificates with the openssl CLI at run time.
 *
 *   tls_server CERTDIR PORT PORT_CC PORT_STALL
 *
 * Three vhosts a.test, b.test and c.test share PORT, each with its own certificate
 * (SNI chooses among them), serving CERTDIR/www over https and an "echo" ws protocol.
 * A fourth vhost, cc.test on PORT_CC, requires a client certificate signed by the test
 * CA.  The context's timeout_secs is generous (10 s: the suite runs tests side by side
 * on a loaded machine).  A second context, with timeout_secs 2, listens on PORT_STALL
 * with b.test's certificate, so a peer stopping mid-handshake there is closed soon.
 */
/* lws-diff: ours-only: the transcript names the vhost each connection lands on, and lws 4.1.6 with OpenSSL logs and times its handshakes differently */
#include <libwebsockets.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile int interrupted;
static struct lws_context *gcx;
static const char *certdir;

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)n + 1);
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* "reload": b.test's certificate file was replaced by b2.test's: tell lws */
static int
reload(void)
{
	char path[512], kpath[512];
	size_t clen, klen;
	char *c, *k;
	int rc;

	snprintf(path, sizeof(path), "%s/b2.test.pem", certdir);
	snprintf(kpath, sizeof(kpath), "%s/b2.test.key", certdir);
	c = slurp(path, &clen);
	k = slurp(kpath, &klen);
	if (!c || !k)
		return -1;
	snprintf(path, sizeof(path), "%s/b.test.pem", certdir);
	snprintf(kpath, sizeof(kpath), "%s/b.test.key", certdir);
	rc = lws_tls_cert_updated(gcx, path, kpath, c, clen, k, klen);
	free(c);
	free(k);
	return rc;
}

struct pss {
	char buf[LWS_PRE + 256];
	size_t len;
	int after_big;
};

#define BIG (1024 * 1024)
static unsigned char *bigbuf;

static int
echo_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct pss *p = (struct pss *)user;
	union lws_tls_cert_info_results *r;
	char big[sizeof(*r) + 64];

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		r = (union lws_tls_cert_info_results *)big;
		printf("ESTABLISHED vhost=%s is_ssl=%d get_ssl=%s reused=%d", lws_get_vhost_name(lws_get_vhost(wsi)),
		       lws_is_ssl(wsi), lws_get_ssl(wsi) ? "set" : "NULL", lws_tls_session_is_reused(wsi));
		if (!lws_tls_peer_cert_info(wsi, LWS_TLS_CERT_INFO_COMMON_NAME, r, 64))
			printf(" peer_cn=%s", r->ns.name);
		else
			printf(" peer_cn=(none)");
		printf("\n");
		break;
	case LWS_CALLBACK_RECEIVE:
		if (len > sizeof(p->buf) - LWS_PRE)
			len = sizeof(p->buf) - LWS_PRE;
		memcpy(p->buf + LWS_PRE, in, len);
		p->len = len;
		if (len == 3 && !memcmp(in, "big", 3)) {
			/* more than the socket takes at once: the rest stays buffered (TLS
			 * records or our own buffer) and WRITEABLE waits until it is out */
			bigbuf = realloc(bigbuf, LWS_PRE + BIG);
			if (!bigbuf)
				return -1;
			memset(bigbuf + LWS_PRE, 'b', BIG);
			if (lws_write(wsi, bigbuf + LWS_PRE, BIG, LWS_WRITE_BINARY) < BIG)
				return -1;
			printf("big: partial=%d choked=%d\n", lws_partial_buffered(wsi),
			       lws_send_pipe_choked(wsi));
			p->after_big = 1;
			p->len = 0;
			lws_callback_on_writable(wsi);
			break;
		}
		if (len == 6 && !memcmp(in, "reload", 6)) {
			printf("lws_tls_cert_updated: %d\n", reload());
			p->len = (size_t)snprintf(p->buf + LWS_PRE, sizeof(p->buf) - LWS_PRE, "reloaded");
		}
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (p->after_big) {
			printf("WRITEABLE after big: partial=%d\n", lws_partial_buffered(wsi));
			p->after_big = 0;
			memcpy(p->buf + LWS_PRE, "done", 4);
			p->len = 4;
		}
		if (lws_write(wsi, (unsigned char *)p->buf + LWS_PRE, p->len, LWS_WRITE_TEXT) < (int)p->len)
			return -1;
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "http", lws_callback_http_dummy, 0, 0, 0, NULL, 0 },
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

/* the second context's own service loop: one thread per context, as lws has it */
static void *
serve_stall(void *cx2)
{
	while (!interrupted)
		if (lws_service((struct lws_context *)cx2, 0) < 0)
			break;
	return NULL;
}

static void
sigint(int s)
{
	(void)s;
	interrupted = 1;
}

int
main(int argc, char **argv)
{
	static char cert[3][512], key[3][512], ca[512], cccert[512], cckey[512];
	static const char *names[] = { "a.test", "b.test", "c.test" };
	struct lws_context_creation_info info;
	struct lws_context *cx, *cx2;
	struct lws_vhost *vh;
	pthread_t stall;
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 5) {
		fprintf(stderr, "usage: tls_server CERTDIR PORT PORT_CC PORT_STALL\n");
		return 2;
	}
	signal(SIGINT, sigint);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.timeout_secs = 10;
	cx = lws_create_context(&info);
	if (!cx)
		return 1;
	gcx = cx;
	certdir = argv[1];

	snprintf(origin, sizeof(origin), "%s/www", argv[1]);
	for (i = 0; i < 3; i++) {
		snprintf(cert[i], sizeof(cert[i]), "%s/%s.pem", argv[1], names[i]);
		snprintf(key[i], sizeof(key[i]), "%s/%s.key", argv[1], names[i]);
		memset(&info, 0, sizeof(info));
		info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
		/* with a certificate, what lws implies anyway: a.test says it explicitly */
		if (!i)
			info.options |= LWS_SERVER_OPTION_CREATE_VHOST_SSL_CTX;
		info.port = atoi(argv[2]);
		info.iface = "127.0.0.1";
		info.vhost_name = names[i];
		info.protocols = protocols;
		info.mounts = &mount;
		info.ssl_cert_filepath = cert[i];
		info.ssl_private_key_filepath = key[i];
		/* OpenSSL-only settings are accepted and ignored */
		info.ssl_cipher_list = "HIGH:!aNULL";
		vh = lws_create_vhost(cx, &info);
		if (!vh) {
			printf("vhost %s: refused\n", names[i]);
			return 1;
		}
		{
			union lws_tls_cert_info_results *r;
			char big[sizeof(*r) + 64];
			r = (union lws_tls_cert_info_results *)big;
			if (!lws_tls_vhost_cert_info(vh, LWS_TLS_CERT_INFO_COMMON_NAME, r, 64))
				printf("vhost %s: cert cn=%s\n", names[i], r->ns.name);
			else
				printf("vhost %s: no cert info\n", names[i]);
		}
	}

	snprintf(ca, sizeof(ca), "%s/ca.pem", argv[1]);
	snprintf(cccert, sizeof(cccert), "%s/cc.test.pem", argv[1]);
	snprintf(cckey, sizeof(cckey), "%s/cc.test.key", argv[1]);
	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6 |
		       LWS_SERVER_OPTION_REQUIRE_VALID_OPENSSL_CLIENT_CERT;
	info.port = atoi(argv[3]);
	info.iface = "127.0.0.1";
	info.vhost_name = "cc.test";
	info.protocols = protocols;
	info.mounts = &mount;
	info.ssl_cert_filepath = cccert;
	info.ssl_private_key_filepath = cckey;
	info.ssl_ca_filepath = ca;
	if (!lws_create_vhost(cx, &info)) {
		printf("vhost cc.test: refused\n");
		return 1;
	}

	/* a TLS vhost whose certificate is missing is refused, the context stays */
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.vhost_name = "broken";
	info.protocols = protocols;
	info.ssl_cert_filepath = "/nonexistent/cert.pem";
	info.ssl_private_key_filepath = "/nonexistent/key.pem";
	printf("vhost broken: %s\n", lws_create_vhost(cx, &info) ? "created" : "refused");

	/* the stalled-handshake context: its only vhost closes slow handshakes after 2 s */
	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6 | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.port = atoi(argv[4]);
	info.iface = "127.0.0.1";
	info.vhost_name = "stall.test";
	info.protocols = protocols;
	info.ssl_cert_filepath = cert[1];
	info.ssl_private_key_filepath = key[1];
	info.timeout_secs = 2;
	cx2 = lws_create_context(&info);
	if (!cx2) {
		printf("context stall.test: refused\n");
		return 1;
	}

	if (pthread_create(&stall, NULL, serve_stall, cx2))
		return 1;

	printf("listening\n");
	while (!interrupted)
		if (lws_service(cx, 0) < 0)
			break;
	interrupted = 1;
	lws_cancel_service(cx2);
	pthread_join(stall, NULL);
	lws_context_destroy(cx2);
	lws_context_destroy(cx);
	free(bigbuf);
	printf("bye\n");
	return 0;
}
