/*
 * The option gate: a creation, vhost or connect info asking for something this build
 * does not do yet is refused when it is made, never run without it.  Above all, a vhost
 * given a certificate must not come up serving plain text, and a client asked for TLS
 * must not connect in the clear.  Each case below sets one option on an otherwise
 * working info and expects the creation to fail; the same info without it must work.
 *
 * Feature macros decide which cases apply: once a feature works, its macro is defined
 * by our header and its case is no longer one to refuse.
 */
/* lws-diff: ours-only: Debian's lws 4.1.6 has TLS, extensions and raw, so it accepts these options */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>

static int
cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	(void)wsi; (void)reason; (void)user; (void)in; (void)len;
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "p", cb, 0, 0, 0, NULL, 0 },
	LWS_PROTOCOL_LIST_TERM
};

static int dummy_ext(struct lws_context *c, const struct lws_extension *e, struct lws *w,
		     enum lws_extension_callback_reasons r, void *u, void *in, size_t len)
{
	(void)c; (void)e; (void)w; (void)r; (void)u; (void)in; (void)len;
	return 0;
}

static const struct lws_extension exts[] = {
	{ "permessage-deflate", dummy_ext, "permessage-deflate; client_no_context_takeover" },
	{ NULL, NULL, NULL }
};

/* permessage-deflate is run by the library; any other extension cannot be. */
static const struct lws_extension other_exts[] = {
	{ "permessage-deflate", lws_extension_callback_pm_deflate, "permessage-deflate" },
	{ "x-webkit-deflate-frame", dummy_ext, "x-webkit-deflate-frame" },
	{ NULL, NULL, NULL }
};

/* Whether an error line named the refused extension. */
static int named_in_log;

static void
emit(int level, const char *line)
{
	if (level == LLL_ERR && strstr(line, "x-webkit-deflate-frame"))
		named_in_log = 1;
	fprintf(stderr, "%s", line);
}

static void
base(struct lws_context_creation_info *info)
{
	memset(info, 0, sizeof(*info));
	info->port = CONTEXT_PORT_NO_LISTEN;
	info->protocols = protocols;
	info->options = LWS_SERVER_OPTION_DISABLE_IPV6;
}

static int failures;

static void
expect(const char *what, struct lws_context_creation_info *info, int want_ok)
{
	struct lws_context *cx = lws_create_context(info);
	printf("%s: %s\n", what, cx ? "created" : "refused");
	if (!!cx != want_ok)
		failures++;
	if (cx)
		lws_context_destroy(cx);
}

int
main(void)
{
	struct lws_context_creation_info info;
	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR, emit);

	base(&info);
	expect("plain", &info, 1);

#if !defined(LWS_WITH_TLS)
	base(&info); info.ssl_cert_filepath = "cert.pem"; info.ssl_private_key_filepath = "key.pem";
	expect("ssl_cert_filepath", &info, 0);
	base(&info); info.server_ssl_cert_mem = "x"; info.server_ssl_cert_mem_len = 1;
	expect("server_ssl_cert_mem", &info, 0);
	base(&info); info.ssl_ca_filepath = "ca.pem";
	expect("ssl_ca_filepath", &info, 0);
	base(&info); info.client_ssl_ca_filepath = "ca.pem";
	expect("client_ssl_ca_filepath", &info, 0);
	base(&info); info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	expect("LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT", &info, 0);
	base(&info); info.options |= LWS_SERVER_OPTION_REDIRECT_HTTP_TO_HTTPS;
	expect("LWS_SERVER_OPTION_REDIRECT_HTTP_TO_HTTPS", &info, 0);
#else
	/* TLS is built in; what it does not do is still refused */
	base(&info); info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	expect("LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT", &info, 1);
	/* plain text on a TLS port works as lws does it (tls_plain.py); on a vhost
	 * without a certificate these options change nothing, as in lws */
	base(&info); info.options |= LWS_SERVER_OPTION_REDIRECT_HTTP_TO_HTTPS;
	expect("LWS_SERVER_OPTION_REDIRECT_HTTP_TO_HTTPS", &info, 1);
	base(&info); info.options |= LWS_SERVER_OPTION_ALLOW_NON_SSL_ON_SSL_PORT;
	expect("LWS_SERVER_OPTION_ALLOW_NON_SSL_ON_SSL_PORT", &info, 1);
	base(&info); info.options |= LWS_SERVER_OPTION_ALLOW_HTTP_ON_HTTPS_LISTENER;
	expect("LWS_SERVER_OPTION_ALLOW_HTTP_ON_HTTPS_LISTENER", &info, 1);
	/* a listening TLS context with no certificate, which lws's program fills in
	 * through OpenSSL: there is no SSL_CTX here, refused; with a certificate, or on
	 * a vhost that does not listen, it changes nothing (as in lws) */
	base(&info); info.port = 0;
	info.options |= LWS_SERVER_OPTION_CREATE_VHOST_SSL_CTX;
	expect("LWS_SERVER_OPTION_CREATE_VHOST_SSL_CTX without a certificate", &info, 0);
	base(&info); info.options |= LWS_SERVER_OPTION_CREATE_VHOST_SSL_CTX;
	expect("LWS_SERVER_OPTION_CREATE_VHOST_SSL_CTX, not listening", &info, 1);
	/* a certificate that cannot be read fails the vhost (and so the context) */
	base(&info); info.ssl_cert_filepath = "/nonexistent/cert.pem";
	info.ssl_private_key_filepath = "/nonexistent/key.pem";
	expect("unreadable ssl_cert_filepath", &info, 0);
#endif
	/* an empty string is "not set", as lws treats it */
	base(&info); info.ssl_cert_filepath = "";
	expect("empty ssl_cert_filepath", &info, 1);

#if defined(LWS_WITHOUT_EXTENSIONS)
	base(&info); info.extensions = exts;
	expect("extensions", &info, 0);
#else
	base(&info); info.extensions = exts;
	expect("permessage-deflate", &info, 1);
	base(&info); info.extensions = other_exts;
	expect("an extension other than permessage-deflate", &info, 0);
	printf("refused extension named in the log: %s\n", named_in_log ? "yes" : "no");
	if (!named_in_log)
		failures++;
#endif
	base(&info); info.extensions = &exts[1];
	expect("empty extensions list", &info, 1);

#if !defined(LWS_ROLE_RAW)
	base(&info); info.options |= LWS_SERVER_OPTION_ONLY_RAW;
	expect("LWS_SERVER_OPTION_ONLY_RAW", &info, 0);
	base(&info); info.listen_accept_role = "raw-skt";
	expect("listen_accept_role", &info, 0);
#endif
#if !defined(LWS_WITH_LIBUV)
	base(&info); info.options |= LWS_SERVER_OPTION_LIBUV;
	expect("LWS_SERVER_OPTION_LIBUV", &info, 0);
#endif
	/* several service threads work (capi-tests/smp.c) */
	base(&info); info.count_threads = 2;
	expect("count_threads 2", &info, 1);

	/* an explicit vhost refuses on its own, the context stays */
	{
		struct lws_context *cx;
		struct lws_vhost *vh;
		base(&info);
		info.options |= LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
		cx = lws_create_context(&info);
		if (!cx) {
			printf("explicit context: refused\n");
			return 1;
		}
#if !defined(LWS_WITH_TLS)
		base(&info); info.ssl_cert_filepath = "cert.pem"; info.vhost_name = "tls";
		vh = lws_create_vhost(cx, &info);
		printf("TLS vhost: %s\n", vh ? "created" : "refused");
		if (vh)
			failures++;
#endif
		base(&info); info.vhost_name = "plain";
		vh = lws_create_vhost(cx, &info);
		printf("plain vhost: %s\n", vh ? "created" : "refused");
		if (!vh)
			failures++;

		/* clients */
		{
			struct lws_client_connect_info ci;
#if !defined(LWS_WITH_TLS)
			struct lws *w;
#endif
			memset(&ci, 0, sizeof(ci));
			ci.context = cx;
			ci.address = "127.0.0.1";
			ci.port = 9;
			ci.path = "/";
			ci.host = ci.address;
#if !defined(LWS_WITH_TLS)
			ci.ssl_connection = LCCSCF_USE_SSL;
			w = lws_client_connect_via_info(&ci);
			printf("client LCCSCF_USE_SSL: %s\n", w ? "started" : "refused");
			if (w)
				failures++;
			ci.ssl_connection = 0;
#endif
		}
		lws_context_destroy(cx);
	}

	printf("%s\n", failures ? "FAIL" : "ok");
	return !!failures;
}
