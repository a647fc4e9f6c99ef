/*
 * tls_verify: the OpenSSL-named TLS callbacks lws programs handle, driven by
 * tls_verify.py (certificates made at run time).
 *
 *   tls_verify server CERTDIR PORT
 *   tls_verify client CERTDIR PORT MODE
 *
 * Both sides ask for SSL_INFO at handshake start and end (OpenSSL's SSL_CB_HANDSHAKE_START
 * and _DONE, 0x10 and 0x20: the test does not include OpenSSL's header).
 *
 * The server's vhost "srv.test" requires a client certificate
 * (REQUIRE_VALID_OPENSSL_CLIENT_CERT) and refuses, in PERFORM_CLIENT_CERT_VERIFICATION,
 * the one whose CN is "bad-user".  A second TLS vhost, "refuser", answers
 * LOAD_EXTRA_SERVER_VERIFY_CERTS with 1, so it must not be created.
 *
 * The client's vhost trusts the test CA only through LOAD_EXTRA_CLIENT_VERIFY_CERTS
 * (lws_tls_client_vhost_extra_cert_mem with CERTDIR/ca.der) and makes one wss
 * connection.  MODE: "ok" (certificate "user"), "pin" (PERFORM_SERVER_CERT_VERIFICATION
 * refuses the server), "baduser" (certificate "bad-user"), "wronghost" (SNI and the
 * name verified: wrong.test).
 */
/* lws-diff: ours-only: the callbacks' user/in are OpenSSL objects in lws (NULL here), and lws calls the PERFORM ones once per certificate of the chain */
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int interrupted, done;
static const char *certdir, *mode = "";

static void
sigint(int s)
{
	(void)s;
	interrupted = 1;
}

static const char *
peer_cn(struct lws *wsi)
{
	static char big[sizeof(union lws_tls_cert_info_results) + 64];
	union lws_tls_cert_info_results *r = (union lws_tls_cert_info_results *)big;

	if (lws_tls_peer_cert_info(wsi, LWS_TLS_CERT_INFO_COMMON_NAME, r, 64))
		return "(none)";
	return r->ns.name;
}

static int
add_ca(struct lws_vhost *vh)
{
	char path[512];
	uint8_t der[4096];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/ca.der", certdir);
	f = fopen(path, "rb");
	if (!f)
		return -1;
	n = fread(der, 1, sizeof(der), f);
	fclose(f);
	return lws_tls_client_vhost_extra_cert_mem(vh, der, n);
}

static int
cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	unsigned char buf[LWS_PRE + 16];
	const char *vn = lws_get_vhost_name(lws_get_vhost(wsi));

	switch (reason) {
	case LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS:
		printf("LOAD_EXTRA_SERVER_VERIFY_CERTS vhost=%s user=%s in_is_vhost=%d\n", vn,
		       user ? "set" : "NULL", in == (void *)lws_get_vhost(wsi));
		return !strcmp(vn, "refuser");
	case LWS_CALLBACK_OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS:
		printf("LOAD_EXTRA_CLIENT_VERIFY_CERTS vhost=%s user=%s\n", vn,
		       user ? "set" : "NULL");
		if (!strcmp(vn, "cli"))
			printf("  extra CA: %d\n", add_ca(lws_get_vhost(wsi)));
		break;
	case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
		printf("PERFORM_SERVER_CERT_VERIFICATION preverify_ok=%d peer_cn=%s -> %d\n",
		       (int)len, len ? peer_cn(wsi) : "-", !strcmp(mode, "pin"));
		return !strcmp(mode, "pin");
	case LWS_CALLBACK_SSL_INFO:
		printf("SSL_INFO where=0x%x ret=%d\n", ((struct lws_ssl_info *)in)->where,
		       ((struct lws_ssl_info *)in)->ret);
		break;
	case LWS_CALLBACK_OPENSSL_PERFORM_CLIENT_CERT_VERIFICATION:
		printf("PERFORM_CLIENT_CERT_VERIFICATION preverify_ok=%d peer_cn=%s -> %d\n",
		       (int)len, peer_cn(wsi), !strcmp(peer_cn(wsi), "bad-user"));
		return !strcmp(peer_cn(wsi), "bad-user");

	case LWS_CALLBACK_ESTABLISHED:
		printf("server ESTABLISHED peer_cn=%s\n", peer_cn(wsi));
		break;
	case LWS_CALLBACK_RECEIVE:
		printf("server RECEIVE %.*s\n", (int)len, (const char *)in);
		if (len > 16)
			len = 16;
		memcpy(buf + LWS_PRE, in, len);
		if (lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_TEXT) != (int)len)
			return -1;
		break;

	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (!strcmp(mode, "baduser"))
			/* the reason is how the server's close was seen: not compared */
			printf("CONNECTION_ERROR\n");
		else
			printf("CONNECTION_ERROR: %s\n", in ? (const char *)in : "(null)");
		done = 1;
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		printf("client ESTABLISHED peer_cn=%s\n", peer_cn(wsi));
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		memcpy(buf + LWS_PRE, "hi", 2);
		if (lws_write(wsi, buf + LWS_PRE, 2, LWS_WRITE_TEXT) != 2)
			return -1;
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		printf("client RECEIVE %.*s\n", (int)len, (const char *)in);
		return -1;
	case LWS_CALLBACK_CLIENT_CLOSED:
		printf("client CLOSED\n");
		done = 1;
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

static void
path(char *out, size_t n, const char *name, const char *ext)
{
	snprintf(out, n, "%s/%s.%s", certdir, name, ext);
}

int
main(int argc, char **argv)
{
	static char cert[512], key[512], ca[512], ccert[512], ckey[512];
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	struct lws_context *cx;
	struct lws_vhost *vh;
	int server;
	time_t end;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 4 || (strcmp(argv[1], "server") && argc < 5)) {
		fprintf(stderr, "usage: tls_verify server|client CERTDIR PORT [MODE]\n");
		return 2;
	}
	server = !strcmp(argv[1], "server");
	certdir = argv[2];
	if (!server)
		mode = argv[4];
	signal(SIGINT, sigint);
	lws_set_log_level(LLL_ERR, NULL);

	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.timeout_secs = 5;
	cx = lws_create_context(&info);
	if (!cx)
		return 1;

	if (server) {
		path(cert, sizeof(cert), "srv.test", "pem");
		path(key, sizeof(key), "srv.test", "key");
		path(ca, sizeof(ca), "ca", "pem");
		memset(&info, 0, sizeof(info));
		info.options = LWS_SERVER_OPTION_DISABLE_IPV6 |
			       LWS_SERVER_OPTION_REQUIRE_VALID_OPENSSL_CLIENT_CERT;
		info.port = atoi(argv[3]);
		info.iface = "127.0.0.1";
		info.vhost_name = "srv.test";
		info.protocols = protocols;
		info.ssl_cert_filepath = cert;
		info.ssl_private_key_filepath = key;
		info.ssl_ca_filepath = ca;
		info.ssl_info_event_mask = 0x10 | 0x20;
		if (!lws_create_vhost(cx, &info))
			return 1;
		info.port = CONTEXT_PORT_NO_LISTEN;
		info.vhost_name = "refuser";
		printf("vhost refuser: %s\n", lws_create_vhost(cx, &info) ? "created" : "refused");
		printf("listening\n");
		while (!interrupted)
			if (lws_service(cx, 0) < 0)
				break;
		lws_context_destroy(cx);
		printf("bye\n");
		return 0;
	}

	path(ccert, sizeof(ccert), !strcmp(mode, "baduser") ? "bad-user" : "user", "pem");
	path(ckey, sizeof(ckey), !strcmp(mode, "baduser") ? "bad-user" : "user", "key");
	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6 | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.vhost_name = "cli";
	info.protocols = protocols;
	info.client_ssl_cert_filepath = ccert;
	info.client_ssl_private_key_filepath = ckey;
	info.ssl_info_event_mask = 0x10 | 0x20;
	vh = lws_create_vhost(cx, &info);
	if (!vh)
		return 1;

	memset(&ci, 0, sizeof(ci));
	ci.context = cx;
	ci.vhost = vh;
	ci.address = "127.0.0.1";
	ci.port = atoi(argv[3]);
	ci.host = !strcmp(mode, "wronghost") ? "wrong.test" : "srv.test";
	ci.origin = ci.host;
	ci.path = "/";
	ci.protocol = "echo";
	ci.ssl_connection = LCCSCF_USE_SSL;
	if (!lws_client_connect_via_info(&ci)) {
		printf("connect: NULL\n");
		done = 1;
	}
	end = time(NULL) + 20;
	while (!done && !interrupted && time(NULL) < end)
		if (lws_service(cx, 50) < 0)
			break;
	lws_context_destroy(cx);
	return 0;
}
