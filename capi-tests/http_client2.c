/*
 * http_client2: HTTP client behaviours around the connection itself, driven by
 * http_client2.py (a plain server on PORT, a TLS one on TLSPORT).
 *
 *   http_client2 PORT TLSPORT CAFILE MODE [ARG...]
 *
 * warm SECS DELAY_MS  two LCCSCF_PIPELINE GETs to the same place, the second started
 *                     DELAY_MS after the first completed, keep_warm_secs SECS: within
 *                     it the second takes the idle connection's socket
 * noread              GET /big, RECEIVE_CLIENT_HTTP never reads: closed once the
 *                     unread bytes pass the bound, without COMPLETED
 * reset               GET /first; at COMPLETED_CLIENT_HTTP lws_client_reset() to
 *                     /second and return -1: the same wsi fetches /second
 * resets              lws_client_reset() five times on one wsi: the fifth is refused
 * https               GET /tohttps, which redirects to https://localhost:TLSPORT/secure
 * downgrade           GET https://localhost:TLSPORT/tohttp, which redirects to clear text:
 *                     refused without LCCSCF_ACCEPT_TLS_DOWNGRADE_REDIRECTS
 * downgrade-ok        the same with LCCSCF_ACCEPT_TLS_DOWNGRADE_REDIRECTS: followed
 */
/* lws-diff: ours-only: lws 4.1.6 has no keep_warm_secs, and lws_client_reset is not in its header */
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct lws_context *cx;
static int port, tlsport, finished, started, want;
static const char *mode;
static lws_usec_t second_at;

static void
out(struct lws *wsi, const char *what)
{
	printf("[%s] %s\n", wsi ? (const char *)lws_get_opaque_user_data(wsi) : "?", what);
}

static int
cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	char buf[LWS_PRE + 1024], *px, line[256];
	struct lws *w;
	int lenx, n;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		snprintf(line, sizeof(line), "CONNECTION_ERROR: %s", in ? (const char *)in : "(null)");
		out(wsi, line);
		finished++;
		break;
	case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
		snprintf(line, sizeof(line), "ESTABLISHED_CLIENT_HTTP %u is_ssl=%d",
			 lws_http_client_http_response(wsi), lws_is_ssl(wsi));
		out(wsi, line);
		if (!strcmp(mode, "resets")) {
			for (n = 0; n < 5; n++) {
				w = wsi;
				printf("lws_client_reset %d: %s\n", n + 1,
				       lws_client_reset(&w, 0, "127.0.0.1", port, "/x", NULL, 0) ?
				       "wsi" : "NULL");
			}
		}
		break;
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
		snprintf(line, sizeof(line), "body: %.*s", (int)len, (const char *)in);
		if (len && line[strlen(line) - 1] == '\n')
			line[strlen(line) - 1] = '\0';
		out(wsi, line);
		break;
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP:
		if (!strcmp(mode, "noread"))
			return 0;
		px = buf + LWS_PRE;
		lenx = (int)sizeof(buf) - LWS_PRE;
		if (lws_http_client_read(wsi, &px, &lenx) < 0)
			return -1;
		return 0;
	case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
		out(wsi, "COMPLETED_CLIENT_HTTP");
		if (!strcmp(mode, "reset") && !strcmp(lws_get_opaque_user_data(wsi), "first")) {
			/* the transaction is done: the same wsi goes on to /second */
			w = wsi;
			lws_set_opaque_user_data(wsi, (void *)"second");
			printf("lws_client_reset: %s\n",
			       lws_client_reset(&w, 0, "127.0.0.1", port, "second", "127.0.0.1", 0) ?
			       "wsi" : "NULL");
			return -1;
		}
		if (!strcmp(mode, "warm") && !second_at)
			second_at = lws_now_usecs() + (lws_usec_t)want * 1000;
		if (!strcmp(mode, "resets"))
			return -1;
		break;
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
		out(wsi, "CLOSED_CLIENT_HTTP");
		finished++;
		break;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
	{ "http", cb, 0, 0, 0, NULL, 0 },
	LWS_PROTOCOL_LIST_TERM
};

static void
get(const char *path, const char *name, int flags, uint16_t warm)
{
	struct lws_client_connect_info ci;

	memset(&ci, 0, sizeof(ci));
	ci.context = cx;
	ci.address = flags & LCCSCF_USE_SSL ? "localhost" : "127.0.0.1";
	ci.port = flags & LCCSCF_USE_SSL ? tlsport : port;
	ci.host = ci.address;
	ci.path = path;
	ci.method = "GET";
	ci.protocol = "http";
	ci.ssl_connection = flags;
	ci.keep_warm_secs = warm;
	ci.opaque_user_data = (void *)name;
	started++;
	if (!lws_client_connect_via_info(&ci)) {
		printf("[%s] connect: NULL\n", name);
		finished++;
	}
}

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	uint16_t warm = 0;
	time_t end;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 5) {
		fprintf(stderr, "usage: http_client2 PORT TLSPORT CAFILE MODE [ARG...]\n");
		return 2;
	}
	port = atoi(argv[1]);
	tlsport = atoi(argv[2]);
	mode = argv[4];
	lws_set_log_level(LLL_ERR, NULL);

	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.client_ssl_ca_filepath = argv[3];
	info.timeout_secs = 10;
	cx = lws_create_context(&info);
	if (!cx) {
		printf("context: refused\n");
		return 1;
	}
	if (!strcmp(mode, "warm") && argc >= 7) {
		warm = (uint16_t)atoi(argv[5]);
		want = atoi(argv[6]);
		get("/a", "A", LCCSCF_PIPELINE, warm);
	} else if (!strcmp(mode, "noread"))
		get("/big", "big", 0, 0);
	else if (!strcmp(mode, "reset"))
		get("/first", "first", 0, 0);
	else if (!strcmp(mode, "resets"))
		get("/r", "r", 0, 0);
	else if (!strcmp(mode, "https"))
		get("/tohttps", "redir", 0, 0);
	else if (!strcmp(mode, "downgrade"))
		get("/tohttp", "down", LCCSCF_USE_SSL, 0);
	else if (!strcmp(mode, "downgrade-ok"))
		get("/tohttp", "downok", LCCSCF_USE_SSL | LCCSCF_ACCEPT_TLS_DOWNGRADE_REDIRECTS, 0);
	else
		return 2;

	end = time(NULL) + 30;
	while ((finished < started || second_at > 0) && time(NULL) < end) {
		if (second_at > 0 && lws_now_usecs() >= second_at) {
			second_at = -1;
			get("/b", "B", LCCSCF_PIPELINE, warm);
		}
		if (lws_service(cx, 20) < 0)
			break;
	}
	lws_context_destroy(cx);
	printf("end (tlsport %s)\n", tlsport ? "set" : "unset");
	return 0;
}
