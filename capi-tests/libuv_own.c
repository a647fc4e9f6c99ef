/* lws on a libuv loop of its own: LWS_SERVER_OPTION_LIBUV without foreign_loops, the
 * way lws's eventlib examples run with --uv.  lws makes the loop (lws_uv_getloop hands
 * it out, the program puts its own timer on it) and lws_service() runs it until it is
 * stopped.  A ws echo server and a ws client to it share the context; the client's
 * messages are asked for from the program's timer (against lws 4.1.6, which has no
 * lws_uv_getloop in its library, from the client's callbacks).  Once the client is done the
 * program raises SIGINT: lws catches it on its loop and calls info.signal_cb, which
 * destroys the context as lws's examples do; lws_service() then returns 1, and the
 * program's own lws_context_destroy() finishes.  A second context without signal_cb
 * is stopped by SIGTERM alone (raised before lws_service: libuv holds it until its
 * loop runs). */
/* capi-libs: -luv */
/* lws-diff: ours-only `^lws_uv_getloop`: Debian's lws 4.1.6 has it in its libuv plugin, not in the library (there the client's messages are asked for from its callbacks) */
#include <uv.h>
#include <libwebsockets.h>
#if !defined(LWS_WITH_LIBUV)
#error the library cannot run on a libuv loop (LWS_WITH_LIBUV)
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LWS_43 (LWS_LIBRARY_VERSION_MAJOR > 4 || LWS_LIBRARY_VERSION_MINOR >= 3)

#define MSGS 3

static struct lws_context *cx;
static struct lws *client;
static int echoed, server_rx, closed, signals;
#if LWS_43
static uv_timer_t tick, guard;
#endif

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
#if !LWS_43
		lws_callback_on_writable(wsi);
#endif
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
#if !LWS_43
		lws_callback_on_writable(wsi);
#endif
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		printf("client: CLOSED, raising SIGINT\n");
		closed = 1;
		raise(SIGINT);
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf("client: CONNECTION_ERROR %s\n", in ? (const char *)in : "");
		raise(SIGINT);
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

#if LWS_43
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
	raise(SIGINT);
}

#endif

static void on_signal(void *handle, int signum)
{
	(void)handle;
	printf("signal_cb: %s, destroying the context\n", signum == SIGINT ? "SIGINT" : "other");
	signals++;
	lws_context_destroy(cx);
}

int main(void)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	int n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	memset(&info, 0, sizeof info);
	info.port = 0;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DISABLE_IPV6;
	info.signal_cb = on_signal;
	cx = lws_create_context(&info);
	if (!cx) {
		printf("context creation failed\n");
		return 1;
	}
#if LWS_43
	uv_loop_t *loop = lws_uv_getloop(cx, 0);

	printf("lws_uv_getloop: %s\n", loop ? "a loop" : "NULL");
	if (!loop)
		return 1;
	uv_timer_init(loop, &tick);
	uv_timer_start(&tick, on_tick, 20, 20);
	uv_timer_init(loop, &guard);
	uv_timer_start(&guard, on_guard, 20000, 0);
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

	n = lws_service(cx, 0);
	printf("lws_service returned %d: echoes %d, server RECEIVEs %d, client closed: %s, "
	       "signal_cb calls %d\n", n, echoed, server_rx, closed ? "yes" : "no", signals);
#if LWS_43
	uv_close((uv_handle_t *)&tick, NULL);
	uv_close((uv_handle_t *)&guard, NULL);
#endif
	lws_context_destroy(cx);

	/* without signal_cb, SIGTERM stops it by itself */
	info.signal_cb = NULL;
	info.port = CONTEXT_PORT_NO_LISTEN;
	cx = lws_create_context(&info);
	if (!cx) {
		printf("second context creation failed\n");
		return 1;
	}
	raise(SIGTERM);
	n = lws_service(cx, 0);
	printf("second context: SIGTERM ended lws_service: %d\n", n);
	lws_context_destroy(cx);
	printf("done\n");
	return 0;
}
