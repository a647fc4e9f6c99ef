/*
 * h2_server: the HTTP server over HTTP/2, driven by h2_server.py (curl, nghttp, h2load
 * and hand-made frames from Python).
 *
 *   h2_server PORT TLSPORT WWWDIR LOGINFILE CERT KEY [PRIORPORT]
 *
 * Two vhosts with the same mounts: "plain" on PORT (h2 with prior knowledge, h2c, and
 * HTTP/1.1 as before) and "tls" on TLSPORT (ALPN "h2,http/1.1", lws's default list;
 * keepalive_timeout 2 s); with PRIORPORT, a third, "prior", with
 * LWS_SERVER_OPTION_H2_PRIOR_KNOWLEDGE: h2 on every plain-text connection, and its own
 * SETTINGS (info.http2_settings: 7 streams, a 2048-byte header list).
 *
 *   /          files from WWWDIR (index.html by default)
 *   /secret    files from WWWDIR/secret behind basic auth (LOGINFILE)
 *   /dyn       callback mount of "h2-test": the answer is built with
 *              lws_add_http_common_headers + lws_finalize_write_http_header and sent
 *              in pieces from HTTP_WRITEABLE ("?n=N" bytes of a pattern; "/dyn/nolen"
 *              announces no length and ends with LWS_WRITE_HTTP_FINAL)
 *   /post      counts the request body (HTTP_BODY), answers at HTTP_BODY_COMPLETION
 *              (with an x-checksum trailer and x-test head field when sent)
 *   /net       reports what the stream knows of its connection
 *   /dyn/file  index.html through lws_serve_http_file
 *
 * and the ws protocol "echo", over HTTP/1.1 upgrades and over h2 (RFC 8441).
 *
 * stdout: "listening", then a line per request that carries "x-test: NAME" (its method,
 * path, authority and the lws tokens for them), so the driver can check how headers map.
 */
/* lws-diff: ours-only: h2_server.py checks our limits (100 streams, flood and rapid-reset limits, 431 for an oversized header list), which lws 4.1.6 does not have */
#include <libwebsockets.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int interrupted;
static const char *www;

struct pss {
	size_t len, sent;
	int nolen;
	unsigned long long rx;
	uint32_t sum;
	char reply[256];
	int reply_len;
	int held;		/* /post?hold=1: rx flow stopped until the timer */
	unsigned long long rx_held;	/* body bytes seen while stopped (must stay 0) */
};

static void
sigint_handler(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void
tok(struct lws *wsi, enum lws_token_indexes t, char *buf, int len)
{
	buf[0] = '\0';
	if (lws_hdr_total_length(wsi, t) > 0)
		lws_hdr_copy(wsi, buf, len, t);
	else
		strcpy(buf, "-");
}

static int
send_reply(struct lws *wsi, struct pss *pss)
{
	uint8_t buf[LWS_PRE + 512], *start = &buf[LWS_PRE], *p = start,
		*end = &buf[sizeof(buf) - 1];

	if (lws_add_http_common_headers(wsi, HTTP_STATUS_OK, "text/plain",
					(lws_filepos_t)pss->reply_len, &p, end) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	memcpy(start, pss->reply, (size_t)pss->reply_len);
	if (lws_write(wsi, start, (size_t)pss->reply_len, LWS_WRITE_HTTP_FINAL) !=
	    pss->reply_len)
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int
cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct pss *pss = (struct pss *)user;
	uint8_t buf[LWS_PRE + 16384], *start = &buf[LWS_PRE], *p = start,
		*end = &buf[sizeof(buf) - 1];
	char m[32], path[256], auth[128], geturi[256], xt[64], arg[32], uri[256];
	size_t n, i;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		/* the whole path ("in" is what follows the mountpoint for a POST) */
		tok(wsi, WSI_TOKEN_GET_URI, uri, sizeof(uri));
		if (uri[0] == '-')
			tok(wsi, WSI_TOKEN_POST_URI, uri, sizeof(uri));
		if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_COLON_PATH) &&
		    lws_hdr_custom_length(wsi, "x-test:", 7) > 0) {
			lws_hdr_custom_copy(wsi, xt, sizeof(xt), "x-test:", 7);
			tok(wsi, WSI_TOKEN_HTTP_COLON_METHOD, m, sizeof(m));
			tok(wsi, WSI_TOKEN_HTTP_COLON_PATH, path, sizeof(path));
			tok(wsi, WSI_TOKEN_HTTP_COLON_AUTHORITY, auth, sizeof(auth));
			tok(wsi, WSI_TOKEN_GET_URI, geturi, sizeof(geturi));
			printf("%s: HTTP in=%s :method=%s :path=%s :authority=%s GET_URI=%s "
			       "POST_URI=%d\n", xt, (const char *)in, m, path, auth, geturi,
			       lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI));
		}
		if (!strncmp(uri, "/net", 4)) {
			struct lws *nwsi = lws_get_network_wsi(wsi);
			int est = lws_h2_get_peer_txcredit_estimate(wsi), grew;

			/* grant the peer 1000 more bytes (WINDOW_UPDATE on stream and connection) */
			grew = !lws_h2_update_peer_txcredit(wsi, (unsigned int)-1, 1000) &&
			       lws_h2_get_peer_txcredit_estimate(wsi) == est + 1000;
			pss->reply_len = lws_snprintf(pss->reply, sizeof(pss->reply),
				"network wsi is %s, allowance %s, tx credit %s, peer credit %s, "
				"network allowance %s, peer estimate %s\n",
				nwsi && nwsi != wsi ? "the parent" : "itself",
				lws_get_peer_write_allowance(wsi) > 0 ? "positive" : "none",
				lws_wsi_tx_credit(wsi, LWSTXCR_US_TO_PEER, 0) > 0 ? "positive" : "none",
				lws_wsi_tx_credit(wsi, LWSTXCR_PEER_TO_US, 0) > 0 ? "positive" : "none",
				nwsi && lws_get_peer_write_allowance(nwsi) > 0 ? "positive" : "none",
				est > 0 && grew ? "grew by 1000" : "unchanged");
			return send_reply(wsi, pss);
		}
		if (!strncmp(uri, "/post", 5)) {
			/* the body comes; "?hold=1": not before 300 ms */
			if (lws_get_urlarg_by_name_safe(wsi, "hold", arg, sizeof(arg)) > 0) {
				pss->held = 1;
				lws_rx_flow_control(wsi, 0);
				lws_set_timer_usecs(wsi, 300000);
			}
			return 0;
		}
		if (!strcmp(uri, "/dyn/file")) {
			/* lws_serve_http_file, with a header of our own built by the
			 * builder (so it is in the wsi's format: HPACK on h2) */
			char fp[512];
			int r;

			if (lws_add_http_header_by_name(wsi, (const unsigned char *)"x-served:",
						(const unsigned char *)"by-api", 6, &p, end))
				return -1;
			lws_snprintf(fp, sizeof(fp), "%s/index.html", www);
			r = lws_serve_http_file(wsi, fp, "text/html", (const char *)start,
						lws_ptr_diff(p, start));
			if (r < 0 || (r > 0 && lws_http_transaction_completed(wsi)))
				return -1;
			return 0;
		}
		/* /dyn */
		pss->nolen = !strcmp(uri, "/dyn/nolen");
		pss->len = 1000;
		if (lws_get_urlarg_by_name_safe(wsi, "n", arg, sizeof(arg)) > 0)
			pss->len = (size_t)atol(arg);
		pss->sent = 0;
		if (lws_add_http_common_headers(wsi, HTTP_STATUS_OK, "application/octet-stream",
				pss->nolen ? (lws_filepos_t)LWS_ILLEGAL_HTTP_CONTENT_LEN :
					     (lws_filepos_t)pss->len,
				&p, end) ||
		    lws_add_http_header_by_name(wsi, (const unsigned char *)"x-Pieces:",
						(const unsigned char *)"yes", 3, &p, end) ||
		    lws_finalize_write_http_header(wsi, start, &p, end))
			return 1;
		lws_callback_on_writable(wsi);
		return 0;

	case LWS_CALLBACK_HTTP_WRITEABLE:
		n = pss->len - pss->sent;
		if (n > 7000)
			n = 7000;
		for (i = 0; i < n; i++)
			start[i] = (uint8_t)('a' + (pss->sent + i) % 26);
		pss->sent += n;
		if (lws_write(wsi, start, n, pss->sent == pss->len ?
				LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
			return -1;
		if (pss->sent < pss->len) {
			lws_callback_on_writable(wsi);
			return 0;
		}
		return lws_http_transaction_completed(wsi) ? -1 : 0;

	case LWS_CALLBACK_TIMER:
		pss->held = 0;
		lws_rx_flow_control(wsi, 1);
		return 0;

	case LWS_CALLBACK_HTTP_BODY:
		if (pss->held)
			pss->rx_held += len;
		pss->rx += len;
		for (i = 0; i < len; i++)
			pss->sum = pss->sum * 31 + ((const uint8_t *)in)[i];
		return 0;

	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		pss->reply_len = lws_snprintf(pss->reply, sizeof(pss->reply),
					      "got %llu sum %u, %llu while held", pss->rx,
					      pss->sum, pss->rx_held);
		/* trailers (h2): read like the head's fields once the body is complete */
		if (lws_hdr_custom_length(wsi, "x-checksum:", 11) > 0) {
			lws_hdr_custom_copy(wsi, xt, sizeof(xt), "x-checksum:", 11);
			pss->reply_len += lws_snprintf(pss->reply + pss->reply_len,
					sizeof(pss->reply) - (size_t)pss->reply_len,
					", trailer x-checksum=%s", xt);
		}
		if (lws_hdr_custom_length(wsi, "x-test:", 7) > 0) {
			lws_hdr_custom_copy(wsi, xt, sizeof(xt), "x-test:", 7);
			pss->reply_len += lws_snprintf(pss->reply + pss->reply_len,
					sizeof(pss->reply) - (size_t)pss->reply_len,
					", head x-test=%s", xt);
		}
		pss->reply_len += lws_snprintf(pss->reply + pss->reply_len,
					       sizeof(pss->reply) - (size_t)pss->reply_len, "\n");
		return send_reply(wsi, pss);

	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

struct ess {
	char msg[LWS_PRE + 512];
	size_t len;
};

/* "echo": each message back, from SERVER_WRITEABLE (over h1 or h2 alike) */
static int
echo_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct ess *e = (struct ess *)user;

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		printf("echo: ESTABLISHED on %s\n",
		       lws_get_network_wsi(wsi) != wsi ? "an h2 stream" : "its own connection");
		break;
	case LWS_CALLBACK_RECEIVE:
		if (len > sizeof(e->msg) - LWS_PRE)
			return -1;
		memcpy(e->msg + LWS_PRE, in, len);
		e->len = len;
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (lws_write(wsi, (unsigned char *)e->msg + LWS_PRE, e->len, LWS_WRITE_TEXT) !=
		    (int)e->len)
			return -1;
		break;
	case LWS_CALLBACK_CLOSED:
		printf("echo: CLOSED\n");
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "http", lws_callback_http_dummy, 0, 0, 0, NULL, 0 },
	{ "h2-test", cb, sizeof(struct pss), 0, 0, NULL, 0 },
	{ "echo", echo_cb, sizeof(struct ess), 0, 0, NULL, 0 },
	LWS_PROTOCOL_LIST_TERM
};

int
main(int argc, char **argv)
{
	static struct lws_http_mount m_root, m_secret, m_dyn, m_post, m_net;
	static char origin_secret[512];
	struct lws_context_creation_info info;
	struct lws_context *cx;
	struct lws_vhost *v1, *v2, *v3 = NULL;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 7) {
		fprintf(stderr, "usage: h2_server PORT TLSPORT WWWDIR LOGINFILE CERT KEY\n");
		return 1;
	}
	signal(SIGINT, sigint_handler);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
	lws_snprintf(origin_secret, sizeof(origin_secret), "%s/secret", argv[3]);
	www = argv[3];

	m_net.mountpoint = "/net";
	m_net.mountpoint_len = 4;
	m_net.origin = "h2-test";
	m_net.origin_protocol = LWSMPRO_CALLBACK;
	m_post = m_net;
	m_post.mount_next = &m_net;
	m_post.mountpoint = "/post";
	m_post.mountpoint_len = 5;
	m_dyn = m_net;
	m_dyn.mount_next = &m_post;
	m_dyn.mountpoint = "/dyn";
	m_dyn.mountpoint_len = 4;
	m_secret.mount_next = &m_dyn;
	m_secret.mountpoint = "/secret";
	m_secret.mountpoint_len = 7;
	m_secret.origin = origin_secret;
	m_secret.def = "index.html";
	m_secret.origin_protocol = LWSMPRO_FILE;
	m_secret.basic_auth_login_file = argv[4];
	m_root.mount_next = &m_secret;
	m_root.mountpoint = "/";
	m_root.mountpoint_len = 1;
	m_root.origin = argv[3];
	m_root.def = "index.html";
	m_root.origin_protocol = LWSMPRO_FILE;

	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS |
		       LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.timeout_secs = 5;
	cx = lws_create_context(&info);
	if (!cx)
		return 1;

	memset(&info, 0, sizeof(info));
	info.port = atoi(argv[1]);
	info.protocols = protocols;
	info.vhost_name = "plain";
	info.mounts = &m_root;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	v1 = lws_create_vhost(cx, &info);

	info.port = atoi(argv[2]);
	info.vhost_name = "tls";
	/* an idle connection is closed after 2 s (with GOAWAY on h2) */
	info.keepalive_timeout = 2;
	info.ssl_cert_filepath = argv[5];
	info.ssl_private_key_filepath = argv[6];
	v2 = lws_create_vhost(cx, &info);
	if (argc > 7) {
		info.port = atoi(argv[7]);
		info.vhost_name = "prior";
		info.ssl_cert_filepath = NULL;
		info.ssl_private_key_filepath = NULL;
		info.keepalive_timeout = 0;
		info.options = LWS_SERVER_OPTION_DISABLE_IPV6 |
			       LWS_SERVER_OPTION_H2_PRIOR_KNOWLEDGE;
		/* lws's per-vhost SETTINGS: [0] nonzero means "use [1..6]" */
		info.http2_settings[0] = 1;
		info.http2_settings[H2SET_MAX_CONCURRENT_STREAMS] = 7;
		info.http2_settings[H2SET_MAX_HEADER_LIST_SIZE] = 2048;
		v3 = lws_create_vhost(cx, &info);
	}
	if (!v1 || !v2 || (argc > 7 && !v3)) {
		fprintf(stderr, "vhost creation failed\n");
		lws_context_destroy(cx);
		return 1;
	}

	printf("listening\n");
	while (!interrupted)
		if (lws_service(cx, 0) < 0)
			break;
	lws_context_destroy(cx);
	printf("bye\n");
	return 0;
}
