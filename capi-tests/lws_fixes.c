/*
 * lws_fixes: the triggers of memory-safety bugs lws fixed after 4.3.10 was branched,
 * replayed through the same API, driven by lws_fixes.py (which names the lws commit
 * of each).  Each must end in a clean refusal or a clean close: no crash, no callback
 * on a freed connection, and (VALGRIND=1, make asan) no invalid access.
 *
 *   lws_fixes lejp                a JSON key longer than lejp's path buffer, and nested
 *                                 keys whose joined path is (lws wrote past ctx->path)
 *   lws_fixes pending PORT WHEN   an HTTP GET to PORT (a peer that accepts and never
 *                                 answers), and the context destroyed WHEN: "now" right
 *                                 after lws_client_connect_via_info, before any service
 *                                 (the connection not yet born), or "waiting" once the
 *                                 request is out (lws freed the header table under it)
 *   lws_fixes dnsfail             a client to a name that does not resolve: either NULL
 *                                 from lws_client_connect_via_info or a wsi that later
 *                                 gets CONNECTION_ERROR, never both (lws returned a wsi
 *                                 it had already closed)
 *   lws_fixes vhost               lws_vhost_destroy on a listening vhost while one of
 *                                 its connections is open (a ws client in the same
 *                                 context), then the context destroyed (lws freed the
 *                                 vhost while it was still being walked)
 *   lws_fixes chunk PORT PATH     an HTTP GET of PATH from PORT, whose chunk sizes are
 *                                 hostile (lws shifted the size past INT_MAX)
 */
/* lws-diff: ours-only: replays bugs lws fixed after 4.3.10 (4.1.6 predates the fixes; some of the triggers crash it) */
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *mode;
static int port, done, destroyed_ctx, request_out;
static struct lws *returned, *srv_wsi;
static int errors, completed, closed_http, ws_client_closed, ws_server_closed;

/* ---- lejp -------------------------------------------------------------------- */

static signed char
lejp_cb(struct lejp_ctx *ctx, char reason)
{
	(void)ctx;
	(void)reason;
	return 0;
}

static void
lejp_case(const char *what, const char *json)
{
	static const char *const paths[] = { "a.b", "x" };
	struct lejp_ctx ctx;
	int n;

	lejp_construct(&ctx, lejp_cb, NULL, paths, LWS_ARRAY_SIZE(paths));
	n = lejp_parse(&ctx, (const unsigned char *)json, (int)strlen(json));
	printf("%s: %d%s%s\n", what, n, n < 0 ? " " : "", n < 0 ? lejp_error_to_string(n) : "");
	lejp_destruct(&ctx);
}

static int
run_lejp(void)
{
	char key[400], json[1200];

	memset(key, 'k', 300);
	key[300] = '\0';
	snprintf(json, sizeof(json), "{\"%s\":1}", key);
	lejp_case("a 300-byte key", json);

	/* three keys of 50: each fits, the joined path "k.k.k" does not */
	key[50] = '\0';
	snprintf(json, sizeof(json), "{\"%.50s\":{\"%.50s\":{\"%.50s\":1}}}", key, key, key);
	lejp_case("nested keys joined past the path", json);

	/* 127 bytes of path fit; the boundary itself */
	memset(key, 'k', 127);
	key[127] = '\0';
	snprintf(json, sizeof(json), "{\"%s\":1}", key);
	lejp_case("a 127-byte key", json);
	snprintf(json, sizeof(json), "{\"a\":{\"%.*s\":1}}", 126, key);
	lejp_case("a.<126-byte key>", json);

	return 0;
}

/* ---- client and server callbacks ------------------------------------------------ */

static int
cb_http(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	char buf[LWS_PRE + 1024], *p;
	int n;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		errors++;
		printf("CONNECTION_ERROR%s\n",
		       !returned ? "" : wsi == returned ? " (the wsi connect returned)" :
							  " (another wsi)");
		done = 1;
		break;
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		if (!strcmp(mode, "pending") && !request_out)
			printf("request going out\n");
		request_out = 1;
		break;
	case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
		printf("ESTABLISHED_CLIENT_HTTP %d\n", lws_http_client_http_response(wsi));
		break;
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
		printf("READ %d bytes\n", (int)len);
		return 0;
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP:
		p = buf + LWS_PRE;
		n = sizeof(buf) - LWS_PRE;
		if (lws_http_client_read(wsi, &p, &n) < 0) {
			printf("lws_http_client_read: -1\n");
			return -1;
		}
		return 0;
	case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
		completed++;
		printf("COMPLETED_CLIENT_HTTP\n");
		done = 1;
		break;
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
		closed_http++;
		printf("CLOSED_CLIENT_HTTP%s\n", destroyed_ctx ? " (during the destroy)" : "");
		done = 1;
		break;
	default:
		break;
	}

	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static int
cb_ws(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	(void)user;
	(void)in;
	(void)len;
	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		srv_wsi = wsi;
		printf("server: ESTABLISHED\n");
		break;
	case LWS_CALLBACK_CLOSED:
		ws_server_closed++;
		printf("server: CLOSED\n");
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		printf("client: ESTABLISHED\n");
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf("client: CONNECTION_ERROR\n");
		ws_client_closed++;
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		ws_client_closed++;
		printf("client: CLOSED\n");
		break;
	default:
		break;
	}

	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "http", cb_http, 0, 0, 0, NULL, 0 },
	{ "fix-ws", cb_ws, 0, 1024, 0, NULL, 0 },
	LWS_PROTOCOL_LIST_TERM
};

static struct lws_context *
context(int explicit_vhosts)
{
	struct lws_context_creation_info info;

	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.timeout_secs = 5;
	info.connect_timeout_secs = 5;
	if (explicit_vhosts)
		info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;

	return lws_create_context(&info);
}

static struct lws *
get(struct lws_context *cx, const char *address, int p, const char *path)
{
	struct lws_client_connect_info ci;

	memset(&ci, 0, sizeof(ci));
	ci.context = cx;
	ci.address = address;
	ci.port = p;
	ci.path = path;
	ci.host = address;
	ci.origin = address;
	ci.method = "GET";
	ci.protocol = protocols[0].name;

	return lws_client_connect_via_info(&ci);
}

static void
serve(struct lws_context *cx, int turns, int *until)
{
	while (turns-- > 0 && !(until && *until))
		if (lws_service(cx, 0) < 0)
			break;
}

/* ---- the cases ---------------------------------------------------------------- */

static int
run_pending(const char *when)
{
	struct lws_context *cx = context(0);

	returned = get(cx, "127.0.0.1", port, "/never");
	printf("connect: %s\n", returned ? "a wsi" : "NULL");
	if (!strcmp(when, "waiting")) {
		/* until the request is out, then a few turns more without waiting (the peer
		 * never answers; the timeouts are seconds away) */
		serve(cx, 2000, &request_out);
		for (int i = 0; i < 5 && !done; i++) {
			lws_service(cx, -1);
			usleep(10000);
		}
	}
	destroyed_ctx = 1;
	printf("destroying the context\n");
	lws_context_destroy(cx);
	printf("destroyed: %d error, %d closed, %d completed\n", errors, closed_http, completed);

	return completed ? 1 : 0;
}

static int
run_dnsfail(void)
{
	struct lws_context *cx = context(0);

	returned = get(cx, "no-such-host.invalid", 80, "/");
	printf("connect: %s\n", returned ? "a wsi" : "NULL");
	serve(cx, 2000, &done);
	lws_context_destroy(cx);
	printf("errors: %d\n", errors);

	/* NULL with an error reported, or a wsi and its error later: one error either way */
	return errors == 1 ? 0 : 1;
}

static int
run_vhost(void)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	struct lws_context *cx = context(1);
	struct lws_vhost *vh, *cvh;
	int i, vport;

	memset(&info, 0, sizeof(info));
	info.port = 0;	/* any free port */
	info.protocols = protocols;
	info.vhost_name = "doomed";
	vh = lws_create_vhost(cx, &info);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.vhost_name = "client";
	cvh = lws_create_vhost(cx, &info);
	if (!vh || !cvh) {
		printf("vhost: refused\n");
		return 1;
	}
	vport = lws_get_vhost_listen_port(vh);

	memset(&ci, 0, sizeof(ci));
	ci.context = cx;
	ci.vhost = cvh;
	ci.address = "127.0.0.1";
	ci.port = vport;
	ci.path = "/";
	ci.host = "127.0.0.1";
	ci.origin = "127.0.0.1";
	ci.protocol = "fix-ws";
	if (!lws_client_connect_via_info(&ci)) {
		printf("connect: NULL\n");
		return 1;
	}
	for (i = 0; i < 2000 && !srv_wsi; i++)
		lws_service(cx, 0);
	if (!srv_wsi) {
		printf("never established\n");
		return 1;
	}
	printf("destroying the listening vhost\n");
	lws_vhost_destroy(vh);
	for (i = 0; i < 2000 && !(ws_server_closed && ws_client_closed); i++)
		lws_service(cx, 0);
	printf("after: server closed %d, client closed %d\n", ws_server_closed, ws_client_closed);
	lws_context_destroy(cx);
	printf("context destroyed\n");

	return ws_server_closed == 1 && ws_client_closed == 1 ? 0 : 1;
}

static int
run_chunk(const char *path)
{
	struct lws_context *cx = context(0);

	returned = get(cx, "127.0.0.1", port, path);
	serve(cx, 5000, &done);
	lws_context_destroy(cx);
	printf("completed %d, closed %d, errors %d\n", completed, closed_http, errors);

	return 0;
}

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
	if (argc < 2) {
		fprintf(stderr, "usage: lws_fixes lejp|pending PORT WHEN|dnsfail|vhost|chunk PORT PATH\n");
		return 2;
	}
	mode = argv[1];
	if (argc > 2)
		port = atoi(argv[2]);
	if (!strcmp(mode, "lejp"))
		return run_lejp();
	if (!strcmp(mode, "pending") && argc > 3)
		return run_pending(argv[3]);
	if (!strcmp(mode, "dnsfail"))
		return run_dnsfail();
	if (!strcmp(mode, "vhost"))
		return run_vhost();
	if (!strcmp(mode, "chunk") && argc > 3)
		return run_chunk(argv[3]);
	fprintf(stderr, "lws_fixes: bad arguments\n");

	return 2;
}
