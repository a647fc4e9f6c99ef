/* A program's own event library (info.event_lib_custom, a struct lws_event_loop_ops),
 * as lws's eventlib-custom example embeds lws: the library hands the program's ops
 * every descriptor to watch (init_vhost_listen_wsi, sock_accept), every change (io with
 * LWS_EV_START/STOP and LWS_EV_READ/WRITE) and every close (wsi_logical_close); the
 * program polls them in its own loop, whose object reaches the ops through
 * foreign_loops[0] and init_pt, and hands ready ones back with lws_service_fd().  A ws
 * echo server and a client to it share the context. */
/* lws-diff: ours-only: Debian's lws 4.1.6 has no event_lib_custom */
#include <libwebsockets.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXFD 16
#define MSGS 3

struct my_loop {
	struct pollfd fds[MAXFD];
	int count;
};

/* the ops' per-thread area (evlib_size_pt) */
struct my_pt {
	struct my_loop *loop;
};

static struct my_loop the_loop;
static int listeners, accepted, io_calls, closes, bad, destroyed, echoed, closed_both;

static struct pollfd *find(struct my_loop *l, int fd)
{
	int n;

	for (n = 0; n < l->count; n++)
		if (l->fds[n].fd == fd)
			return &l->fds[n];
	return NULL;
}

static int add(struct lws *wsi)
{
	struct my_pt *pt = (struct my_pt *)lws_evlib_wsi_to_evlib_pt(wsi);
	int fd = lws_get_socket_fd(wsi);

	if (!pt || fd < 0 || find(pt->loop, fd) || pt->loop->count == MAXFD) {
		bad++;
		return 1;
	}
	pt->loop->fds[pt->loop->count].fd = fd;
	pt->loop->fds[pt->loop->count].events = POLLIN;
	pt->loop->fds[pt->loop->count++].revents = 0;
	return 0;
}

static int op_init_pt(struct lws_context *cx, void *loop, int tsi)
{
	struct my_pt *pt = (struct my_pt *)lws_evlib_tsi_to_evlib_pt(cx, tsi);

	printf("init_pt: tsi %d, the program's loop: %s\n", tsi,
	       loop == &the_loop ? "yes" : "no");
	pt->loop = (struct my_loop *)loop;
	return 0;
}

static int op_listen(struct lws *wsi)
{
	listeners++;
	return add(wsi);
}

static int op_accept(struct lws *wsi)
{
	accepted++;
	return add(wsi);
}

static void op_io(struct lws *wsi, unsigned int flags)
{
	struct my_pt *pt = (struct my_pt *)lws_evlib_wsi_to_evlib_pt(wsi);
	struct pollfd *p = find(pt->loop, lws_get_socket_fd(wsi));
	short e = (short)((flags & LWS_EV_READ ? POLLIN : 0) |
			  (flags & LWS_EV_WRITE ? POLLOUT : 0));

	io_calls++;
	if (!p || !(flags & (LWS_EV_START | LWS_EV_STOP))) {
		bad++;
		return;
	}
	if (flags & LWS_EV_START)
		p->events |= e;
	else
		p->events &= (short)~e;
}

static int op_close(struct lws *wsi)
{
	struct my_pt *pt = (struct my_pt *)lws_evlib_wsi_to_evlib_pt(wsi);
	struct pollfd *p = find(pt->loop, lws_get_socket_fd(wsi));

	closes++;
	if (!p) {
		bad++;
		return 1;
	}
	*p = pt->loop->fds[--pt->loop->count];
	return 0;
}

static void op_destroy_pt(struct lws_context *cx, int tsi)
{
	(void)cx;
	(void)tsi;
	destroyed++;
}

static const struct lws_event_loop_ops my_ops = {
	.name = "my-loop",
	.init_pt = op_init_pt,
	.init_vhost_listen_wsi = op_listen,
	.sock_accept = op_accept,
	.io = op_io,
	.wsi_logical_close = op_close,
	.destroy_pt = op_destroy_pt,
	.evlib_size_pt = sizeof(struct my_pt),
};

static const lws_plugin_evlib_t my_evlib = {
	.hdr = { "my loop", "lws_evlib_plugin", "", 0 },
	.ops = &my_ops,
};

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
		if (len > sizeof(pss->buf) - LWS_PRE)
			len = sizeof(pss->buf) - LWS_PRE;
		memcpy(pss->buf + LWS_PRE, in, len);
		pss->len = len;
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (reason == LWS_CALLBACK_CLIENT_WRITEABLE)
			pss->len = (size_t)lws_snprintf((char *)pss->buf + LWS_PRE, 64,
							"message %d", ++pss->sent);
		if (lws_write(wsi, pss->buf + LWS_PRE, pss->len, LWS_WRITE_TEXT) <
		    (int)pss->len)
			return -1;
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		printf("client: ESTABLISHED\n");
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		printf("client: echo '%.*s'\n", (int)len, (const char *)in);
		if (++echoed == MSGS)
			return -1;
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLOSED:
	case LWS_CALLBACK_CLIENT_CLOSED:
		closed_both++;
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf("client: CONNECTION_ERROR %s\n", in ? (const char *)in : "");
		closed_both = 2;
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "http", lws_callback_http_dummy, 0, 0, 0, NULL, 0 },
	{ "echo", cb_echo, sizeof(struct pss), 0, 0, NULL, 0 },
	LWS_PROTOCOL_LIST_TERM
};

int main(void)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	struct lws_context *cx;
	void *loops[1] = { &the_loop };
	int n, turns = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
	memset(&info, 0, sizeof info);
	info.port = 0;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	info.event_lib_custom = &my_evlib;
	info.foreign_loops = loops;
	/* as lws's eventlib SMP example asks: the program's loop is served by one thread,
	 * and lws_get_count_threads says how many to start */
	info.count_threads = 2;
	cx = lws_create_context(&info);
	if (!cx) {
		printf("context creation failed\n");
		return 1;
	}
	printf("service threads: %d\n", lws_get_count_threads(cx));
	printf("after creation: %d listener(s) in the program's loop\n", listeners);

	memset(&ci, 0, sizeof ci);
	ci.context = cx;
	ci.address = "127.0.0.1";
	ci.port = lws_get_vhost_listen_port(lws_get_vhost_by_name(cx, "default"));
	ci.path = "/";
	ci.host = ci.address;
	ci.origin = ci.address;
	ci.protocol = "echo";
	if (!lws_client_connect_via_info(&ci))
		return 1;

	/* the program's loop: only poll() and lws_service_fd() */
	while (closed_both < 2 && turns++ < 1000) {
		n = poll(the_loop.fds, (nfds_t)the_loop.count,
			 lws_service_adjust_timeout(cx, 1000, 0));
		if (n < 0)
			break;
		for (n = 0; n < the_loop.count; n++) {
			int fd = the_loop.fds[n].fd;

			if (!the_loop.fds[n].revents)
				continue;
			/* a close swaps the last entry in: look at this slot again */
			if (lws_service_fd(cx, &the_loop.fds[n]) && n < the_loop.count &&
			    the_loop.fds[n].fd != fd)
				n--;
		}
	}
	printf("echoes: %d; sock_accept calls: %d, io calls: %s, wsi_logical_close calls: %d\n",
	       echoed, accepted, io_calls ? "some" : "none", closes);
	lws_context_destroy(cx);
	printf("after destroy: destroy_pt %d, descriptors left in the program's loop: %d, "
	       "ops misuse: %d\n", destroyed, the_loop.count, bad);
	return 0;
}
