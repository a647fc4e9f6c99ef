/* A program with its own poll() loop, the way brokers embed lws: the library's
 * descriptors reach the program only through the ADD_POLL_FD / DEL_POLL_FD /
 * CHANGE_MODE_POLL_FD callbacks (bracketed by LOCK_POLL / UNLOCK_POLL) to protocols[0],
 * and the program hands ready ones back with lws_service_fd().  When
 * lws_service_adjust_timeout() says work is pending that no descriptor will announce
 * (here: a WRITEABLE request the program makes from outside any callback), the turn
 * ends with lws_service(ctx, -1), which does it without blocking.  A ws echo server and
 * a ws client to it share the context.  The server holds one message back with
 * lws_rx_flow_control(), which withdraws POLLIN from the program's set until the program
 * lets it in again.
 *
 * Descriptors are named by who they belong to: L the listener, C the client, S the
 * server's side of the connection. */
/* lws-diff: ours-only: lws builds without LWS_WITH_EXTERNAL_POLL by default (Debian's 4.1.6 and 4.3.10's default configuration), so it announces no descriptor and the program's loop never sees one; this build always announces them */
#include <libwebsockets.h>
#if !defined(LWS_WITH_EXTERNAL_POLL)
#error the library does not announce its descriptors (LWS_WITH_EXTERNAL_POLL)
#endif
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXFD 16
#define MSGS 5

static struct pollfd fds[MAXFD];
static char names[MAXFD];
static int nfds, lock_depth, lock_pairs, bad_lock, in_service_fd, in_connect, creating;
static int rx_via_fd, rx_via_service, echoed, done, closed_both, fd_mismatch;
static int ask_outside, in_service, flow_off, client_sent;
static struct lws *server_conn;
static struct lws_context *cx;
static struct lws *client;

static int find(int fd)
{
	int n;

	for (n = 0; n < nfds; n++)
		if (fds[n].fd == fd)
			return n;
	return -1;
}

static const char *ev(int e)
{
	switch (e & (POLLIN | POLLOUT)) {
	case POLLIN: return "IN";
	case POLLOUT: return "OUT";
	case POLLIN | POLLOUT: return "IN|OUT";
	default: return "-";
	}
}

static int poll_cb(struct lws *wsi, enum lws_callback_reasons reason, void *in, size_t len)
{
	struct lws_pollargs *pa = (struct lws_pollargs *)in;
	int n;

	switch (reason) {
	case LWS_CALLBACK_LOCK_POLL:
		if (lock_depth++)
			bad_lock = 1;
		if (len > 1)
			bad_lock = 1;
		return 0;
	case LWS_CALLBACK_UNLOCK_POLL:
		if (--lock_depth)
			bad_lock = 1;
		lock_pairs++;
		return 0;
	case LWS_CALLBACK_ADD_POLL_FD:
		if (!lock_depth)
			bad_lock = 1;
		if (find(pa->fd) >= 0 || nfds == MAXFD) {
			printf("ADD of a descriptor already watched\n");
			return -1;
		}
		fds[nfds].fd = pa->fd;
		fds[nfds].events = (short)pa->events;
		fds[nfds].revents = 0;
		names[nfds] = creating ? 'L' : in_connect ? 'C' : 'S';
		if (names[nfds] != 'L' && lws_get_socket_fd(wsi) != pa->fd)
			fd_mismatch++;
		printf("ADD %c %s%s\n", names[nfds], ev(pa->events),
		       in_service_fd ? " (while serving a descriptor)" : "");
		nfds++;
		return 0;
	case LWS_CALLBACK_DEL_POLL_FD:
		if (!lock_depth)
			bad_lock = 1;
		n = find(pa->fd);
		if (n < 0) {
			printf("DEL of an unknown descriptor\n");
			return -1;
		}
		printf("DEL %c\n", names[n]);
		nfds--;
		fds[n] = fds[nfds];
		names[n] = names[nfds];
		return 0;
	case LWS_CALLBACK_CHANGE_MODE_POLL_FD:
		if (!lock_depth)
			bad_lock = 1;
		n = find(pa->fd);
		if (n < 0) {
			printf("CHANGE_MODE of an unknown descriptor\n");
			return -1;
		}
		if (pa->prev_events != fds[n].events)
			printf("CHANGE_MODE %c: prev_events %s, we had %s\n", names[n],
			       ev(pa->prev_events), ev(fds[n].events));
		/* The interest a client's connect needs comes and goes; only the
		 * first change of C is in the transcript (its later ones depend on
		 * how fast the kernel takes the data). */
		if ((names[n] == 'C' && in_connect) || names[n] == 'S')
			printf("CHANGE_MODE %c %s -> %s\n", names[n], ev(pa->prev_events),
			       ev(pa->events));
		fds[n].events = (short)pa->events;
		return 0;
	default:
		return 0;
	}
}

static int cb_http(struct lws *wsi, enum lws_callback_reasons reason, void *user,
		   void *in, size_t len)
{
	switch (reason) {
	case LWS_CALLBACK_LOCK_POLL:
	case LWS_CALLBACK_UNLOCK_POLL:
	case LWS_CALLBACK_ADD_POLL_FD:
	case LWS_CALLBACK_DEL_POLL_FD:
	case LWS_CALLBACK_CHANGE_MODE_POLL_FD:
		return poll_cb(wsi, reason, in, len);
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

struct pss {
	unsigned char buf[LWS_PRE + 64];
	size_t len;
	int sent;
};

static int cb_echo(struct lws *wsi, enum lws_callback_reasons reason, void *user,
		   void *in, size_t len)
{
	struct pss *pss = (struct pss *)user;

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		printf("server: ESTABLISHED%s\n",
		       in_service_fd ? " (inside lws_service_fd)" : "");
		break;
	case LWS_CALLBACK_RECEIVE:
		if (in_service_fd)
			rx_via_fd++;
		else
			rx_via_service++;
		if (len > sizeof(pss->buf) - LWS_PRE)
			len = sizeof(pss->buf) - LWS_PRE;
		memcpy(pss->buf + LWS_PRE, in, len);
		pss->len = len;
		lws_callback_on_writable(wsi);
		if (len == 9 && !memcmp(in, "message 2", 9)) {
			/* hold the next message back: the program stops watching
			 * for input until it lets it in again */
			printf("server: rx flow off\n");
			server_conn = wsi;
			flow_off = 1;
			lws_rx_flow_control(wsi, 0);
		}
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (lws_write(wsi, pss->buf + LWS_PRE, pss->len, LWS_WRITE_TEXT) < (int)pss->len)
			return -1;
		break;
	case LWS_CALLBACK_CLOSED:
		printf("server: CLOSED\n");
		closed_both++;
		break;

	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		printf("client: ESTABLISHED\n");
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (pss->sent == MSGS - 1)
			printf("client: WRITEABLE for the last message%s\n",
			       in_service ? " inside lws_service(ctx, -1)" : "");
		pss->len = (size_t)lws_snprintf((char *)pss->buf + LWS_PRE, 64, "message %d",
						++pss->sent);
		if (lws_write(wsi, pss->buf + LWS_PRE, pss->len, LWS_WRITE_TEXT) < (int)pss->len)
			return -1;
		client_sent = pss->sent;
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		printf("client: echo '%.*s'\n", (int)len, (const char *)in);
		if (++echoed == MSGS)
			return -1;
		if (echoed == MSGS - 1) {
			/* the last one is asked for by the program's own code */
			client = wsi;
			ask_outside = 1;
		} else
			lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		printf("client: CLOSED\n");
		closed_both++;
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf("client: CONNECTION_ERROR %s\n", in ? (const char *)in : "");
		done = 1;
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "http", cb_http, 0, 0, 0, NULL, 0 },
	{ "echo", cb_echo, sizeof(struct pss), 0, 0, NULL, 0 },
	LWS_PROTOCOL_LIST_TERM
};

int main(void)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	struct pollfd foreign;
	int n, turns = 0, served = 0, not_cleared = 0, pfd[2];

	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	memset(&info, 0, sizeof info);
	info.port = 0;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	creating = 1;
	cx = lws_create_context(&info);
	creating = 0;
	if (!cx) {
		printf("context creation failed\n");
		return 1;
	}

	/* Not ours: left alone, revents untouched. */
	if (pipe(pfd))
		return 1;
	foreign.fd = pfd[0];
	foreign.events = POLLIN;
	foreign.revents = POLLIN;
	n = lws_service_fd(cx, &foreign);
	printf("foreign descriptor: %d, revents %s\n", n, foreign.revents == POLLIN ?
	       "untouched" : "changed");
	close(pfd[0]);
	close(pfd[1]);
	printf("lws_service_fd(NULL pollfd): %d\n", lws_service_fd(cx, NULL));

	memset(&ci, 0, sizeof ci);
	ci.context = cx;
	ci.address = "127.0.0.1";
	ci.port = lws_get_vhost_listen_port(lws_get_vhost_by_name(cx, "default"));
	ci.path = "/";
	ci.host = ci.address;
	ci.origin = ci.address;
	ci.protocol = "echo";
	in_connect = 1;
	if (!lws_client_connect_via_info(&ci)) {
		printf("connect failed\n");
		return 1;
	}
	in_connect = 0;

	while (!done && closed_both < 2 && turns++ < 2000) {
		int to;

		if (flow_off && client_sent >= 3) {
			/* message 3 is waiting in the socket: let it in */
			flow_off = 0;
			printf("server: rx flow on\n");
			lws_rx_flow_control(server_conn, 1);
		}
		if (ask_outside) {
			ask_outside = 0;
			lws_callback_on_writable(client);
			to = lws_service_adjust_timeout(cx, 1000, 0);
			printf("adjust_timeout with a WRITEABLE request pending: %d\n", to);
		} else
			to = lws_service_adjust_timeout(cx, 1000, 0);

		n = poll(fds, (nfds_t)nfds, to);
		if (n < 0)
			break;
		for (n = 0; n < nfds; n++) {
			int fd = fds[n].fd, r;

			if (!fds[n].revents)
				continue;
			in_service_fd = 1;
			/* the listener through the per-thread form (thread 0) */
			if (names[n] == 'L')
				r = lws_service_fd_tsi(cx, &fds[n], 0);
			else
				r = lws_service_fd(cx, &fds[n]);
			in_service_fd = 0;
			served++;
			/* The table may have changed under us (a DEL moves the last
			 * entry); only check the entry if it is still this fd. */
			if (!r && n < nfds && fds[n].fd == fd && fds[n].revents)
				not_cleared++;
		}
		if (!to) {
			in_service = 1;
			lws_service(cx, -1);
			in_service = 0;
		}
	}
	printf("echoes: %d, server RECEIVEs inside lws_service_fd: %s\n", echoed,
	       rx_via_fd ? (rx_via_service ? "some" : "all") : "none");
	printf("descriptors served: %s, revents left set: %d\n", served ? "some" : "none",
	       not_cleared);
	printf("lws_get_socket_fd() matched the announced fd: %s\n",
	       fd_mismatch ? "no" : "yes");
	lws_context_destroy(cx);
	printf("descriptors still watched: %d\n", nfds);
	printf("LOCK_POLL/UNLOCK_POLL: %s\n", bad_lock ? "unbalanced" :
	       lock_pairs ? "balanced around every change" : "never");
	return 0;
}
