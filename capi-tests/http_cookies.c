/*
 * http_cookies: an HTTP client keeping cookies in lws's Netscape cookie jar
 * (info.http_nsc_filepath + LCCSCF_CACHE_COOKIES), driven by http_cookies.py, whose
 * server sets cookies and answers each request with the cookies it received.
 *
 *   http_cookies PORT JARFILE PATH[:nocache] ...
 *
 * Makes one GET per PATH to 127.0.0.1:PORT, one after the other, on one context (so
 * with one jar), and prints each answer's body.  ":nocache" leaves LCCSCF_CACHE_COOKIES
 * out for that request.
 */
/* lws-diff: ours-only: lws 4.1.6 has no cookie jar (LWS_WITH_CACHE_NSCOOKIEJAR is 4.2+) */
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct lws_context *cx;
static int port, next, count, busy;
static char **paths;

static int
cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	char buf[LWS_PRE + 1024], *px;
	int lenx;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf("CONNECTION_ERROR: %s\n", in ? (const char *)in : "(null)");
		busy = 0;
		break;
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
		printf("%.*s", (int)len, (const char *)in);
		break;
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP:
		px = buf + LWS_PRE;
		lenx = (int)sizeof(buf) - LWS_PRE;
		if (lws_http_client_read(wsi, &px, &lenx) < 0)
			return -1;
		return 0;
	case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
		lws_cancel_service(lws_get_context(wsi));
		break;
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
		busy = 0;
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
get(const char *spec)
{
	static char path[256];
	struct lws_client_connect_info ci;
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);

	if (n >= sizeof(path))
		n = sizeof(path) - 1;
	memcpy(path, spec, n);
	path[n] = '\0';
	memset(&ci, 0, sizeof(ci));
	ci.context = cx;
	ci.address = "127.0.0.1";
	ci.port = port;
	ci.host = ci.address;
	ci.path = path;
	ci.method = "GET";
	ci.protocol = "http";
	if (!colon || strcmp(colon, ":nocache"))
		ci.ssl_connection = LCCSCF_CACHE_COOKIES;
	printf("GET %s%s: ", path, colon ? " (no LCCSCF_CACHE_COOKIES)" : "");
	busy = 1;
	if (!lws_client_connect_via_info(&ci)) {
		printf("connect: NULL\n");
		busy = 0;
	}
}

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	time_t end;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 4) {
		fprintf(stderr, "usage: http_cookies PORT JARFILE PATH...\n");
		return 2;
	}
	port = atoi(argv[1]);
	paths = argv + 3;
	count = argc - 3;
	lws_set_log_level(LLL_ERR, NULL);

	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.http_nsc_filepath = argv[2];
	cx = lws_create_context(&info);
	if (!cx) {
		printf("context: refused\n");
		return 1;
	}
	end = time(NULL) + 30;
	while (time(NULL) < end) {
		if (!busy) {
			if (next == count)
				break;
			get(paths[next++]);
		}
		if (lws_service(cx, 50) < 0)
			break;
	}
	lws_context_destroy(cx);
	return 0;
}
