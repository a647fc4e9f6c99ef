/* A program with its own poll() loop (as in extpoll.c) and a ws server whose peer sends
 * pings without reading the pongs.  Past the library's bound on its own unsent replies
 * it stops reading that connection; the program's poll set must follow, losing POLLIN
 * for the connection (CHANGE_MODE_POLL_FD), or its level-triggered poll() would wake up
 * again and again for input nobody reads.  Once the peer reads the pongs, POLLIN comes
 * back and a message sent then is received.
 *
 * The peer is the program's own socket, speaking WebSocket by hand; both sides' socket
 * buffers are made small so the bound is reached after a few hundred KiB. */
/* lws-diff: ours-only: lws builds without LWS_WITH_EXTERNAL_POLL by default (Debian's 4.1.6 too) and has no bound on its own replies */
#include <libwebsockets.h>
#if !defined(LWS_WITH_EXTERNAL_POLL)
#error the library does not announce its descriptors (LWS_WITH_EXTERNAL_POLL)
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXFD 8

static struct pollfd fds[MAXFD + 1]; /* the last one is the peer's */
static int nfds, in_off, in_on, spins, srv_fd = -1, received, closed;

static int find(int fd)
{
	int n;

	for (n = 0; n < nfds; n++)
		if (fds[n].fd == fd)
			return n;
	return -1;
}

static int cb_http(struct lws *wsi, enum lws_callback_reasons reason, void *user,
		   void *in, size_t len)
{
	struct lws_pollargs *pa = (struct lws_pollargs *)in;
	int n;

	switch (reason) {
	case LWS_CALLBACK_ADD_POLL_FD:
		if (nfds == MAXFD)
			return -1;
		fds[nfds].fd = pa->fd;
		fds[nfds].events = (short)pa->events;
		fds[nfds++].revents = 0;
		return 0;
	case LWS_CALLBACK_DEL_POLL_FD:
		n = find(pa->fd);
		if (n < 0)
			return -1;
		fds[n] = fds[--nfds];
		return 0;
	case LWS_CALLBACK_CHANGE_MODE_POLL_FD:
		n = find(pa->fd);
		if (n < 0)
			return -1;
		if (pa->fd == srv_fd) {
			/* (only the first of each: pings left unread when reading
			 * stopped may fill the bound once more) */
			if ((fds[n].events & POLLIN) && !(pa->events & POLLIN) &&
			    !in_off++)
				printf("server connection: POLLIN withdrawn\n");
			if (!(fds[n].events & POLLIN) && (pa->events & POLLIN) &&
			    !in_on++)
				printf("server connection: POLLIN back\n");
		}
		fds[n].events = (short)pa->events;
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

static int cb_echo(struct lws *wsi, enum lws_callback_reasons reason, void *user,
		   void *in, size_t len)
{
	int small = 4096;

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		printf("server: ESTABLISHED\n");
		srv_fd = lws_get_socket_fd(wsi);
		if (setsockopt(srv_fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small))
			return -1;
		break;
	case LWS_CALLBACK_RECEIVE:
		printf("server: RECEIVE '%.*s'\n", (int)len, (const char *)in);
		received++;
		break;
	case LWS_CALLBACK_CLOSED:
		printf("server: CLOSED\n");
		closed = 1;
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "http", cb_http, 0, 0, 0, NULL, 0 },
	{ "echo", cb_echo, 0, 0, 0, NULL, 0 },
	LWS_PROTOCOL_LIST_TERM
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* one turn: poll ours and (with `pev`) the peer's socket, serve what is ready */
static int turn(struct lws_context *cx, int peer, short pev, int ms)
{
	int n, woke = 0;

	fds[nfds].fd = peer;
	fds[nfds].events = pev;
	fds[nfds].revents = 0;
	if (poll(fds, (nfds_t)nfds + 1, ms) < 0)
		return -1;
	for (n = 0; n < nfds; n++) {
		if (!fds[n].revents)
			continue;
		if (fds[n].fd == srv_fd)
			woke = 1;
		lws_service_fd(cx, &fds[n]);
	}
	lws_service(cx, -1);
	return woke;
}

/* a masked client frame (mask key 0: the payload goes as it is) */
static size_t frame(unsigned char *p, int op, const char *payload, size_t len)
{
	p[0] = (unsigned char)(0x80 | op);
	p[1] = (unsigned char)(0x80 | len);
	memset(p + 2, 0, 4);
	memcpy(p + 6, payload, len);
	return 6 + len;
}

int main(void)
{
	static const char req[] =
		"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
		"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: echo\r\n\r\n";
	struct lws_context_creation_info info;
	struct lws_context *cx;
	struct sockaddr_in sa;
	unsigned char pings[32 * 131], buf[65536], msg[16];
	char pl[125];
	size_t plen = 0, hl = 0;
	long pinged = 0, drained = 0;
	int n, peer, small = 4096;
	double end;

	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	memset(&info, 0, sizeof info);
	info.port = 0;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	cx = lws_create_context(&info);
	if (!cx)
		return 1;

	peer = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)lws_get_vhost_listen_port(
		lws_get_vhost_by_name(cx, "default")));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (peer < 0 || setsockopt(peer, SOL_SOCKET, SO_RCVBUF, &small, sizeof small) ||
	    connect(peer, (struct sockaddr *)&sa, sizeof sa) ||
	    send(peer, req, sizeof req - 1, 0) != (ssize_t)sizeof req - 1)
		return 1;

	/* the upgrade: read the answer's head */
	end = now() + 10;
	while (now() < end && !(hl >= 4 && !memcmp(buf + hl - 4, "\r\n\r\n", 4))) {
		if (turn(cx, peer, POLLIN, 100) < 0)
			return 1;
		if (fds[nfds].revents & POLLIN) {
			if (recv(peer, buf + hl, 1, 0) != 1)
				return 1;
			hl++;
		}
	}
	printf("peer: %.12s\n", buf);

	/* pings, never reading, until the server stops reading (at most 10 s) */
	memset(pl, 'p', sizeof pl);
	for (n = 0; n < 32; n++)
		plen += frame(pings + plen, 0x9, pl, sizeof pl);
	end = now() + 10;
	while (now() < end && !in_off) {
		if (turn(cx, peer, POLLOUT, 100) < 0)
			return 1;
		if (fds[nfds].revents & POLLOUT) {
			ssize_t w = send(peer, pings, plen, MSG_DONTWAIT);

			if (w > 0)
				pinged += w;
		}
	}
	printf("peer: pinged %s\n", pinged > 128 * 1024 ? "more than 128 KiB" : "less");

	/* the server's reading is stopped: poll() must not keep waking up for it */
	for (n = 0; n < 20; n++)
		spins += turn(cx, peer, 0, 10) > 0;
	printf("server connection woke the program's poll() while reading was stopped: %s\n",
	       spins > 2 ? "again and again" : "no");

	/* now read the pongs: reading resumes */
	end = now() + 10;
	while (now() < end && !in_on) {
		if (turn(cx, peer, POLLIN, 100) < 0)
			return 1;
		if (fds[nfds].revents & POLLIN) {
			ssize_t r = recv(peer, buf, sizeof buf, MSG_DONTWAIT);

			if (r > 0)
				drained += r;
		}
	}
	printf("peer: read pongs: %s\n", drained ? "yes" : "no");

	/* a message after the pings still left is received once they are read */
	if (send(peer, msg, frame(msg, 0x1, "after", 5), 0) != 11)
		return 1;
	end = now() + 10;
	while (now() < end && !received) {
		if (turn(cx, peer, POLLIN, 100) < 0)
			return 1;
		if (fds[nfds].revents & POLLIN)
			(void)!recv(peer, buf, sizeof buf, MSG_DONTWAIT);
	}
	close(peer);
	end = now() + 10;
	while (now() < end && !closed)
		if (turn(cx, -1, 0, 100) < 0)
			return 1;
	lws_context_destroy(cx);
	printf("POLLIN given back each time it was withdrawn: %s\n",
	       in_off && in_off == in_on ? "yes" : "no");
	return 0;
}
