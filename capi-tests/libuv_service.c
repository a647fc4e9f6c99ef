/* lws_service on the program's libuv loop, the way lws's foreign-libuv SMP example
 * drives it: the context gets the program's loops in info.foreign_loops and asks for
 * two service threads; lws_get_count_threads says how many to start (one: a libuv
 * context is served by one thread, as in lws's default build), and each such thread
 * loops on lws_service_tsi(context, 0, tsi), which runs the program's loop (lws's libuv
 * run_pt).  When the echo is done, the program's own uv timer destroys the context from
 * inside the loop and closes itself, as the example's signal handler does: the loop
 * then winds down, lws_service_tsi returns 1, the program's second
 * lws_context_destroy finishes, and uv_loop_close finds nothing left. */
/* capi-libs: -luv -lpthread */
#include <uv.h>
#include <libwebsockets.h>
#if !defined(LWS_WITH_LIBUV)
#error the library cannot run on a libuv loop (LWS_WITH_LIBUV)
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSGS 3

static struct lws_context *cx;
static uv_loop_t loops[2];
static uv_timer_t done_check;
static int echoed, interrupted, turns;

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
	case LWS_CALLBACK_RECEIVE:
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
		/* fallthru */
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (reason == LWS_CALLBACK_CLIENT_ESTABLISHED) {
			lws_callback_on_writable(wsi);
			break;
		}
		pss->len = (size_t)lws_snprintf((char *)pss->buf + LWS_PRE, 64, "msg %d",
						++pss->sent);
		if (lws_write(wsi, pss->buf + LWS_PRE, pss->len, LWS_WRITE_TEXT) < (int)pss->len)
			return -1;
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		printf("client: echo '%.*s'\n", (int)len, (const char *)in);
		if (++echoed < MSGS)
			lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf("client: CONNECTION_ERROR %s\n", in ? (const char *)in : "");
		echoed = MSGS;
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

/* The program's own timer on loop 0: once the echo is done (or after ~10 s), it does
 * what the example's signal handler does. */
static void on_check(uv_timer_t *t)
{
	static int ticks;

	if (echoed < MSGS && ++ticks < 1000)
		return;
	uv_timer_stop(t);
	uv_close((uv_handle_t *)t, NULL);
	if (!interrupted) {
		interrupted = 1;
		lws_context_destroy(cx);
	}
}

static void *thread_service(void *arg)
{
	int tsi = (int)(intptr_t)arg, n;

	while ((n = lws_service_tsi(cx, 0, tsi)) >= 0 && !interrupted)
		turns++;
	printf("thread %d: lws_service_tsi returned %d\n", tsi, n);
	return NULL;
}

int main(void)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	void *foreign[2] = { &loops[0], &loops[1] };
	pthread_t th[2];
	int n, count;

	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR, NULL);
	for (n = 0; n < 2; n++)
		uv_loop_init(&loops[n]);

	memset(&info, 0, sizeof info);
	info.port = 0;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DISABLE_IPV6;
	info.foreign_loops = foreign;
	info.count_threads = 2;
	cx = lws_create_context(&info);
	if (!cx) {
		printf("context creation failed\n");
		return 1;
	}
	count = lws_get_count_threads(cx);
	printf("service threads: %d\n", count);

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
	uv_timer_init(&loops[0], &done_check);
	uv_timer_start(&done_check, on_check, 10, 10);

	for (n = 0; n < count && n < 2; n++)
		pthread_create(&th[n], NULL, thread_service, (void *)(intptr_t)n);
	while (--n >= 0)
		pthread_join(th[n], NULL);

	lws_context_destroy(cx);
	printf("echoes %d, service loop returned after %s\n", echoed,
	       turns ? "turns" : "one run of the loop");
	for (n = 0; n < 2; n++)
		printf("uv_loop_close %d: %s\n", n, uv_loop_close(&loops[n]) ? "handles left" : "0");
	return 0;
}
