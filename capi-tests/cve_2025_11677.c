/*
 * cve_2025_11677: the upgrade-confirm use-after-free (CVE-2025-11677) cannot happen here.
 *
 * In lws, a callback that closed or rejected the connection during
 * LWS_CALLBACK_HTTP_CONFIRM_UPGRADE left the library using the freed wsi.  This test
 * connects to itself once per way a CONFIRM_UPGRADE handler can end a connection
 * (return -1; lws_set_timeout(LWS_TO_KILL_SYNC) then 0 or -1; LWS_TO_KILL_ASYNC;
 * lws_close_reason then -1) and once normally, and prints every server callback the
 * connection gets after the handler killed it.  None may come after WSI_DESTROY, none
 * may bind a protocol or answer the upgrade, and the run must be clean under valgrind
 * (VALGRIND=1).
 */
/* lws-diff: ours-only: lws 4.1.6 has the bug: it dies with SIGSEGV in /kill-sync, the use-after-free this test is about */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *cases[] = {
	"/normal", "/reject", "/kill-sync", "/kill-sync-reject", "/kill-async",
	"/close-reason-reject",
};
#define NCASES (int)(sizeof(cases) / sizeof(cases[0]))

static int cur, client_done, failed;
static struct lws *killed;	/* the server wsi the handler ended, until WSI_DESTROY */
static struct lws *destroyed;	/* ... and after: no callback may name it any more */

static const char *
rname(int r)
{
	switch (r) {
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: return "HTTP_CONFIRM_UPGRADE";
	case LWS_CALLBACK_HTTP_BIND_PROTOCOL: return "HTTP_BIND_PROTOCOL";
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL: return "HTTP_DROP_PROTOCOL";
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: return "FILTER_PROTOCOL_CONNECTION";
	case LWS_CALLBACK_ESTABLISHED: return "ESTABLISHED";
	case LWS_CALLBACK_ADD_HEADERS: return "ADD_HEADERS";
	case LWS_CALLBACK_CLOSED: return "CLOSED";
	case LWS_CALLBACK_CLOSED_HTTP: return "CLOSED_HTTP";
	case LWS_CALLBACK_WSI_DESTROY: return "WSI_DESTROY";
	case LWS_CALLBACK_WS_SERVER_DROP_PROTOCOL: return "WS_SERVER_DROP_PROTOCOL";
	case LWS_CALLBACK_SERVER_WRITEABLE: return "SERVER_WRITEABLE";
	case LWS_CALLBACK_RECEIVE: return "RECEIVE";
	default: return NULL;
	}
}

static int
server_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
	  size_t len)
{
	const char *n = rname((int)reason);

	(void)user; (void)in; (void)len;
	if (wsi && wsi == destroyed) {
		printf("  FAIL: callback %d after WSI_DESTROY\n", (int)reason);
		failed = 1;
	}
	if (wsi && wsi == killed && n)
		printf("  server after kill: %s\n", n);
	if (reason == LWS_CALLBACK_WSI_DESTROY && wsi == killed) {
		killed = NULL;
		destroyed = wsi;
	}
	if (reason != LWS_CALLBACK_HTTP_CONFIRM_UPGRADE)
		return lws_callback_http_dummy(wsi, reason, user, in, len);

	printf("  server: HTTP_CONFIRM_UPGRADE %s\n", cases[cur]);
	if (!strcmp(cases[cur], "/normal"))
		return 0;
	killed = wsi;
	if (!strcmp(cases[cur], "/reject"))
		return -1;
	if (!strcmp(cases[cur], "/kill-sync")) {
		lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_SYNC);
		return 0;
	}
	if (!strcmp(cases[cur], "/kill-sync-reject")) {
		lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_SYNC);
		return -1;
	}
	if (!strcmp(cases[cur], "/kill-async")) {
		lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		return 0;
	}
	lws_close_reason(wsi, LWS_CLOSE_STATUS_GOINGAWAY, (unsigned char *)"bye", 3);
	return -1;
}

static int
ws_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	(void)user; (void)len;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		printf("  client: established\n");
		client_done = 1;
		return -1;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf("  client: connection error\n");
		(void)in;
		client_done = 1;
		break;
	default:
		break;
	}
	return server_cb(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
	{ "http", server_cb, 0, 0, 0, NULL, 0 },
	{ "cve", ws_cb, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

int
main(void)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	struct lws_context *ctx;
	struct lws_vhost *vh;
	int port, i, k;

	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof(info));
	info.port = 0;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	ctx = lws_create_context(&info);
	if (!ctx)
		return 1;
	vh = lws_get_vhost_by_name(ctx, "default");
	port = vh ? lws_get_vhost_listen_port(vh) : -1;
	if (port <= 0)
		return 1;

	for (i = 0; i < NCASES; i++) {
		cur = i;
		client_done = 0;
		destroyed = NULL;	/* the next case's wsis may reuse the address */
		printf("%s\n", cases[i]);
		memset(&ci, 0, sizeof(ci));
		ci.context = ctx;
		ci.address = "127.0.0.1";
		ci.port = port;
		ci.path = cases[i];
		ci.host = "127.0.0.1";
		ci.origin = "127.0.0.1";
		ci.protocol = "cve";
		if (!lws_client_connect_via_info(&ci)) {
			printf("  connect failed\n");
			return 1;
		}
		/* turns that do not wait (up to ~4 s), then ~0.3 s more: what the server does
		 * after the client has its answer */
		for (k = 0; k < 4000 && !client_done; k++) {
			lws_service(ctx, -1);
			usleep(1000);
		}
		for (k = 0; k < 300; k++) {
			lws_service(ctx, -1);
			usleep(1000);
		}
		if (!client_done) {
			printf("  client: no outcome\n");
			failed = 1;
		}
		if (killed) {
			printf("  server wsi still alive after its handler killed it\n");
			killed = NULL;
		}
	}
	lws_context_destroy(ctx);
	printf("%s\n", failed ? "FAILED" : "done");

	return failed;
}
