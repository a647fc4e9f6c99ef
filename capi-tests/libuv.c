/* lws on the program's own libuv loop, the way terminal-over-web servers embed it: the
 * context is created with LWS_SERVER_OPTION_LIBUV and the program's loop in
 * info.foreign_loops, and the program only ever runs uv_run(), never lws_service().
 * A ws echo server and a ws client to it share the context; the client's messages are
 * asked for from the program's own uv timer (lws_callback_on_writable outside any lws
 * callback, as such servers do when their own data arrives).  After
 * lws_context_destroy() the loop runs once more to let lws's handles close, and
 * uv_loop_close() must then find nothing of lws's left on it. */
/* capi-libs: -luv */
/* lws-diff: ours-only `^lws_uv_getloop`: Debian's lws 4.1.6 has it in its libuv plugin, not in the library */
#include <uv.h>
#include <libwebsockets.h>
#if !defined(LWS_WITH_LIBUV)
#error the library cannot run on a libuv loop (LWS_WITH_LIBUV)
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSGS 3

static struct lws *client;
static int echoed, server_rx, closed;
static uv_loop_t loop;
static uv_timer_t tick, guard;

struct pss {
	unsigned char buf[LWS_PRE + 64];
	size_t len;
	int sent;
};

static int cb_echo(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		   size_t len)
{
	struct pss *pss = (struct pss *)user;

	switch (reason) {
	case LWS_CALLBACK_PROTOCOL_INIT:
		printf("PROTOCOL_INIT\n");
		break;
	case LWS_CALLBACK_ESTABLISHED:
		printf("server: ESTABLISHED\n");
		break;
	case LWS_CALLBACK_RECEIVE:
		server_rx++;
		if (len > sizeof(pss->buf) - LWS_PRE)
			len = sizeof(pss->buf) - LWS_PRE;
		memcpy(pss->buf + LWS_PRE, in, len);
		pss->len = len;
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (lws_write(wsi, pss->buf + LWS_PRE, pss->len, LWS_WRITE_TEXT) < (int)pss->len)
			return -1;
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		printf("client: ESTABLISHED\n");
		client = wsi;
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		pss->len = (size_t)lws_snprintf((char *)pss->buf + LWS_PRE, 64, "tick %d",
						++pss->sent);
		if (lws_write(wsi, pss->buf + LWS_PRE, pss->len, LWS_WRITE_TEXT) < (int)pss->len)
			return -1;
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		printf("client: echo '%.*s'\n", (int)len, (const char *)in);
		if (++echoed == MSGS) {
			client = NULL;
			return -1;
		}
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		printf("client: CLOSED\n");
		closed = 1;
		uv_stop(&loop);
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf("client: CONNECTION_ERROR %s\n", in ? (const char *)in : "");
		uv_stop(&loop);
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "http", lws_callback_http_dummy, 0, 0, 0, NULL, 0 },
	{ "echo", cb_echo, sizeof(struct pss), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* The program's own work: every 20 ms, one message if the last one came back. */
static void on_tick(uv_timer_t *t)
{
	static int asked;

	(void)t;
	if (client && asked == echoed && asked < MSGS) {
		asked++;
		lws_callback_on_writable(client);
	}
}

static void on_guard(uv_timer_t *t)
{
	(void)t;
	printf("timed out\n");
	uv_stop(&loop);
}

int main(void)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	struct lws_context *cx;
	void *loops[1];
	int n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
	uv_loop_init(&loop);

	memset(&info, 0, sizeof info);
	info.port = 0;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DISABLE_IPV6;
	loops[0] = &loop;
	info.foreign_loops = loops;
	cx = lws_create_context(&info);
	if (!cx) {
		printf("context creation failed\n");
		return 1;
	}
#if LWS_LIBRARY_VERSION_MAJOR > 4 || LWS_LIBRARY_VERSION_MINOR >= 3
	printf("lws_uv_getloop is the program's loop: %s\n",
	       lws_uv_getloop(cx, 0) == &loop ? "yes" : "no");
#endif

	memset(&ci, 0, sizeof ci);
	ci.context = cx;
	ci.address = "127.0.0.1";
	ci.port = lws_get_vhost_listen_port(lws_get_vhost_by_name(cx, "default"));
	ci.path = "/";
	ci.host = ci.address;
	ci.origin = ci.address;
	ci.protocol = "echo";
	if (!lws_client_connect_via_info(&ci)) {
		printf("connect failed\n");
		return 1;
	}

	uv_timer_init(&loop, &tick);
	uv_timer_start(&tick, on_tick, 20, 20);
	uv_timer_init(&loop, &guard);
	uv_timer_start(&guard, on_guard, 20000, 0);

	uv_run(&loop, UV_RUN_DEFAULT);
	printf("loop stopped: echoes %d, server RECEIVEs %d, client closed: %s\n", echoed,
	       server_rx, closed ? "yes" : "no");

	uv_close((uv_handle_t *)&tick, NULL);
	uv_close((uv_handle_t *)&guard, NULL);
	lws_context_destroy(cx);
	/* lws's handles finish closing in the loop */
	uv_run(&loop, UV_RUN_DEFAULT);
	n = uv_loop_close(&loop);
	printf("uv_loop_close: %s\n", n ? "handles left" : "0");
	return 0;
}
