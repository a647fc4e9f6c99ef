/*
 * h2_client: HTTP client transactions over HTTP/2, written as an lws 4.3 http client
 * program is (the same callbacks as over HTTP/1.1), against a server the driver
 * (h2_client.py) runs: nghttpd, or a Python h2 server that misbehaves on purpose.
 *
 *   h2_client PORT METHOD PATH [OPTION...]
 *
 * Options: tls=CAFILE (https with ALPN "h2,http/1.1", the server's CA), prior
 * (LCCSCF_H2_PRIOR_KNOWLEDGE on plain text), body=N (an N-byte request body in 3000-byte
 * LWS_WRITE_HTTP pieces, the last LWS_WRITE_HTTP_FINAL), pipeline=N (N transactions
 * with LCCSCF_PIPELINE, their lines prefixed "[i] "), manual=CREDIT
 * (LCCSCF_H2_MANUAL_RXFLOW with manual_initial_tx_credit CREDIT; each piece read is
 * granted back with lws_wsi_tx_credit), quirks (the LCCSCF_H2_QUIRK_* flags),
 * longpoll (lws_h2_client_stream_long_poll_rxonly once established), rxflow (rx flow
 * turned off at ESTABLISHED, on again 300 ms later from LWS_CALLBACK_TIMER: no data
 * may arrive meanwhile), settings (info.http2_settings: header table 8192, initial
 * window 100000, frames up to 32768, header list 20000), alpn=LIST (info.alpn, the
 * context's and its vhost's list, and no alpn in the connect info).
 *
 * With PORT "self" the same context also listens (on a free port) and serves the files
 * of capi-tests/, so the client talks HTTP/2 to our own server.
 */
/* lws-diff: ours-only: lws 4.1.6 lacks lws_wsi_tx_credit and lws_h2_client_stream_long_poll_rxonly, and its h2 client moves the transaction to another wsi */
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <stdarg.h>
#include <stdint.h>

struct txn {
	unsigned long long rx;
	unsigned int fnv;
	long sent;
	int done;
};

static struct txn txns[8];
static long body_len = -1;
static int pipeline, finished, manual, longpoll, grants, rxflow, rxflow_off;
static struct lws *cur;

static struct txn *
t_of(struct lws *wsi)
{
	return &txns[(intptr_t)lws_get_opaque_user_data(wsi) & 7];
}

static void
out(const char *fmt, ...)
{
	va_list ap;

	if (pipeline && cur)
		printf("[%d] ", (int)(intptr_t)lws_get_opaque_user_data(cur));
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

static unsigned int
fnv_of_body(long n)
{
	unsigned int h = 2166136261u;
	long k;

	for (k = 0; k < n; k++)
		h = (h ^ (unsigned char)('a' + k % 26)) * 16777619u;
	return h;
}

static int
cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	char buf[LWS_PRE + 4096], *px, **pp, *end, v[128];
	struct txn *t;
	int n, lenx;

	(void)user;
	cur = wsi;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		pp = (char **)in;
		end = *pp + len;
		if (lws_add_http_header_by_name(wsi, (const unsigned char *)"x-lws-test:",
				(const unsigned char *)"hello", 5,
				(unsigned char **)pp, (unsigned char *)end))
			return -1;
		if (body_len >= 0) {
			n = lws_snprintf(v, sizeof(v), "%ld", body_len);
			if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH,
					(const unsigned char *)v, n,
					(unsigned char **)pp, (unsigned char *)end))
				return -1;
			lws_client_http_body_pending(wsi, 1);
		}
		break;

	case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE:
		t = t_of(wsi);
		if (body_len >= 0 && t->sent < body_len) {
			long chunk = body_len - t->sent > 3000 ? 3000 : body_len - t->sent;
			int final = t->sent + chunk == body_len;

			if (!t->sent)
				/* the server's SETTINGS gave each stream 2^14-1 */
				out("lws_get_peer_write_allowance: %lld\n",
				    (long long)lws_get_peer_write_allowance(wsi));
			px = buf + LWS_PRE;
			for (n = 0; n < chunk; n++)
				px[n] = (char)('a' + (t->sent + n) % 26);
			t->sent += chunk;
			if (final)
				lws_client_http_body_pending(wsi, 0);
			if (lws_write(wsi, (unsigned char *)px, (size_t)chunk,
				      final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)chunk)
				return -1;
			if (!final)
				lws_callback_on_writable(wsi);
			else
				out("WRITEABLE: body of %ld sent\n", t->sent);
		}
		break;

	case LWS_CALLBACK_WSI_CREATE:
		out("WSI_CREATE\n");
		break;

	case LWS_CALLBACK_CLIENT_HTTP_REDIRECT:
		out("REDIRECT %u to %s\n", (unsigned int)len, (const char *)in);
		break;

	case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
		t = t_of(wsi);
		t->rx = 0;
		t->fnv = 2166136261u;
		out("ESTABLISHED_CLIENT_HTTP status %u\n", lws_http_client_http_response(wsi));
		/* over h2 the transaction is a stream of a network connection */
		out("lws_get_network_wsi: %s\n",
		    lws_get_network_wsi(wsi) == wsi ? "itself" : "another wsi");
		if (lws_hdr_copy(wsi, v, sizeof(v), WSI_TOKEN_HTTP_CONTENT_TYPE) > 0)
			out("content-type: %s\n", v);
		n = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH);
		if (n > 0 && lws_hdr_copy(wsi, v, sizeof(v), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0)
			out("content-length: %s\n", v);
		if (lws_hdr_custom_copy(wsi, v, sizeof(v), "x-answer:", 9) > 0)
			out("x-answer: %s\n", v);
		if (lws_hdr_custom_copy(wsi, v, sizeof(v), "x-checksum:", 11) > 0)
			out("x-checksum before the body: %s\n", v);
		if (manual)
			out("server's window on the stream: %d\n",
			    lws_wsi_tx_credit(wsi, LWSTXCR_PEER_TO_US, 0));
		if (longpoll)
			out("lws_h2_client_stream_long_poll_rxonly: %d\n",
			    lws_h2_client_stream_long_poll_rxonly(wsi));
		if (rxflow) {
			lws_rx_flow_control(wsi, 0);
			rxflow_off = 1;
			lws_set_timer_usecs(wsi, 300 * LWS_US_PER_MS);
		}
		break;

	case LWS_CALLBACK_TIMER:
		out("rx flow on again, %llu bytes received meanwhile\n", t_of(wsi)->rx);
		rxflow_off = 0;
		lws_rx_flow_control(wsi, 1);
		break;

	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
		t = t_of(wsi);
		if (rxflow_off) {
			out("data while rx flow was off\n");
			rxflow_off = 0;
		}
		for (n = 0; n < (int)len; n++)
			t->fnv = (t->fnv ^ ((unsigned char *)in)[n]) * 16777619u;
		t->rx += len;
		if (manual) {
			/* the window given back only as the program consumes */
			if (lws_wsi_tx_credit(wsi, LWSTXCR_PEER_TO_US, (int)len))
				out("lws_wsi_tx_credit failed\n");
			grants++;
		}
		break;

	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP:
		px = buf + LWS_PRE;
		lenx = (int)sizeof(buf) - LWS_PRE;
		if (lws_http_client_read(wsi, &px, &lenx) < 0) {
			out("lws_http_client_read: -1\n");
			return -1;
		}
		return 0;

	case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
		t = t_of(wsi);
		out("COMPLETED_CLIENT_HTTP: body length %llu fnv %08x\n", t->rx, t->fnv);
		/* an h2 answer's trailers join its header fields by now */
		if (lws_hdr_custom_copy(wsi, v, sizeof(v), "x-answer:", 9) > 0)
			out("at the end, x-answer: %s\n", v);
		if (lws_hdr_custom_copy(wsi, v, sizeof(v), "x-checksum:", 11) > 0)
			out("trailer x-checksum: %s\n", v);
		if (body_len > 0 && t->rx == (unsigned long long)body_len)
			out("the body came back %s\n",
			    t->fnv == fnv_of_body(body_len) ? "intact" : "CHANGED");
		if (manual)
			out("granted in %s pieces\n", grants > 4 ? "many" : "few");
		t->done = 1;
		break;

	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
		t = t_of(wsi);
		if (!t->done)
			out("closed after %llu body bytes\n", t->rx);
		out("CLOSED_CLIENT_HTTP\n");
		finished++;
		break;

	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		out("CLIENT_CONNECTION_ERROR: %s\n", in ? (const char *)in : "(null)");
		finished++;
		break;

	default:
		break;
	}

	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "http", cb, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static const struct lws_protocol_vhost_options mime_c = { NULL, NULL, ".c", "text/plain" };

static const struct lws_http_mount mount = {
	.extra_mimetypes = &mime_c,
	.mountpoint = "/",
	.mountpoint_len = 1,
	.origin = "capi-tests",
	.def = "index.html",
	.origin_protocol = LWSMPRO_FILE,
};

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info i;
	struct lws_context *context;
	const char *ca = NULL, *vh_alpn = NULL;
	int settings = 0;
	int n, flags = 0, count = 1, credit = 0;
	time_t start = time(NULL);

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 4) {
		fprintf(stderr, "usage: h2_client PORT METHOD PATH [OPTION...]\n");
		return 2;
	}
	for (n = 4; n < argc; n++) {
		if (!strncmp(argv[n], "tls=", 4)) {
			ca = argv[n] + 4;
			flags |= LCCSCF_USE_SSL;
		} else if (!strcmp(argv[n], "prior"))
			flags |= LCCSCF_H2_PRIOR_KNOWLEDGE;
		else if (!strncmp(argv[n], "body=", 5))
			body_len = atol(argv[n] + 5);
		else if (!strncmp(argv[n], "pipeline=", 9)) {
			pipeline = count = atoi(argv[n] + 9);
			flags |= LCCSCF_PIPELINE;
		} else if (!strncmp(argv[n], "manual=", 7)) {
			manual = 1;
			credit = atoi(argv[n] + 7);
			flags |= LCCSCF_H2_MANUAL_RXFLOW;
		} else if (!strcmp(argv[n], "quirks"))
			flags |= LCCSCF_H2_QUIRK_NGHTTP2_END_STREAM |
				 LCCSCF_H2_QUIRK_OVERFLOWS_TXCR;
		else if (!strcmp(argv[n], "longpoll"))
			longpoll = 1;
		else if (!strcmp(argv[n], "rxflow"))
			rxflow = 1;
		else if (!strcmp(argv[n], "settings"))
			settings = 1;
		else if (!strncmp(argv[n], "alpn=", 5))
			vh_alpn = argv[n] + 5;
	}
	if (count > 8)
		count = 8;

	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.client_ssl_ca_filepath = ca;
	info.alpn = vh_alpn;
	if (settings) {
		info.http2_settings[0] = 1;
		info.http2_settings[H2SET_HEADER_TABLE_SIZE] = 8192;
		info.http2_settings[H2SET_INITIAL_WINDOW_SIZE] = 100000;
		info.http2_settings[H2SET_MAX_FRAME_SIZE] = 32768;
		info.http2_settings[H2SET_MAX_HEADER_LIST_SIZE] = 20000;
	}
	if (!strcmp(argv[1], "self")) {
		info.port = 0;
		info.mounts = &mount;
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	}
	context = lws_create_context(&info);
	if (!context)
		return 1;

	memset(&i, 0, sizeof(i));
	i.context = context;
	i.address = "127.0.0.1";
	i.port = atoi(argv[1]);
	if (!strcmp(argv[1], "self"))
		i.port = lws_get_vhost_listen_port(lws_get_vhost_by_name(context, "default"));
	i.host = i.address;
	i.method = argv[2];
	i.protocol = protocols[0].name;
	i.ssl_connection = flags | (ca ? LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK : 0);
	i.alpn = vh_alpn ? NULL : "h2,http/1.1";
	i.manual_initial_tx_credit = credit;
	for (n = 0; n < count; n++) {
		static char paths[8][128];

		lws_snprintf(paths[n], sizeof(paths[n]), "%s", argv[3]);
		i.path = paths[n];
		i.opaque_user_data = (void *)(intptr_t)n;
		if (!lws_client_connect_via_info(&i))
			printf("connect %d failed at once\n", n);
	}
	while (finished < count && time(NULL) - start < 30)
		if (lws_service(context, 100) < 0)
			break;
	if (finished < count)
		printf("timed out with %d of %d finished\n", finished, count);
	lws_context_destroy(context);
	printf("end\n");
	return 0;
}
