/*
 * Issue 19's io_uring question, measured before building anything into the library: the same
 * minimal WebSocket echo server (no library: handshake, masked frames in, unmasked frames
 * out) served two ways, so the only difference is how it talks to the kernel.
 *
 *   echo-proto --epoll -p PORT   edge-triggered epoll; recv until EAGAIN, send each echo
 *                                at once (what the library does per message)
 *   echo-proto --uring -p PORT   io_uring: multishot accept, multishot recv into a ring of
 *                                provided buffers, sends queued as SQEs and submitted
 *                                together with the wait (one io_uring_enter per loop turn)
 *
 * Driven by bench/loadgen (512 B and 16 KiB echoes); bench/uring-proto/run.py compares the
 * server CPU per message.  Messages up to 60 KiB, one frame each; not a general server.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXC 65536
#define IN_MAX (64 * 1024)
#define BUF_SZ (16 * 1024)
#define NBUFS 4096
#define BGID 1

struct conn {
	int open, upgraded, sending, recv_armed;
	size_t inlen;
	unsigned char in[IN_MAX];
	unsigned char *out;
	size_t outlen, outpos, outcap;
};

static struct conn *conns[MAXC];
static volatile sig_atomic_t stop;

static void on_sig(int s) { (void)s; stop = 1; }

static int out_add(struct conn *c, const void *p, size_t n)
{
	if (c->outlen + n > c->outcap) {
		size_t cap = c->outcap ? c->outcap : 4096;
		unsigned char *b;

		while (cap < c->outlen + n)
			cap *= 2;
		b = realloc(c->out, cap);
		if (!b)
			return -1;
		c->out = b;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, p, n);
	c->outlen += n;
	return 0;
}

/* The 101 reply for a complete request head; -1 if it is not one. */
static int handshake(struct conn *c)
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	unsigned char *end = memmem(c->in, c->inlen, "\r\n\r\n", 4), dig[20], acc[40];
	char *k, *ke, buf[256], resp[512];
	size_t hl;
	int n;

	if (!end)
		return 0;
	hl = (size_t)(end - c->in) + 4;
	c->in[hl - 1] = 0;
	k = strcasestr((char *)c->in, "Sec-WebSocket-Key:");
	if (!k)
		return -1;
	k += 18;
	while (*k == ' ')
		k++;
	ke = strstr(k, "\r\n");
	if (!ke || ke - k > 100)
		return -1;
	n = snprintf(buf, sizeof(buf), "%.*s%s", (int)(ke - k), k, guid);
	SHA1((unsigned char *)buf, (size_t)n, dig);
	EVP_EncodeBlock(acc, dig, 20);
	n = snprintf(resp, sizeof(resp), "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		     "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n"
		     "Sec-WebSocket-Protocol: lws-echo\r\n\r\n", acc);
	if (out_add(c, resp, (size_t)n))
		return -1;
	memmove(c->in, c->in + hl, c->inlen - hl);
	c->inlen -= hl;
	c->upgraded = 1;
	return 1;
}

/* Echoes every complete frame in c->in; 1 when a close was answered, -1 on bad input. */
static int frames(struct conn *c)
{
	size_t p = 0;
	int closed = 0;

	while (c->inlen - p >= 2) {
		unsigned char *f = c->in + p, hdr[10], *m;
		size_t len = f[1] & 0x7f, hl = 2, i, h = 2;
		int op = f[0] & 0x0f;

		if (!(f[1] & 0x80))
			return -1;
		if (len == 126) {
			if (c->inlen - p < 4)
				break;
			len = ((size_t)f[2] << 8) | f[3];
			hl = 4;
		} else if (len == 127) {
			if (c->inlen - p < 10)
				break;
			len = 0;
			for (i = 0; i < 8; i++)
				len = (len << 8) | f[2 + i];
			hl = 10;
		}
		if (len > IN_MAX - 14)
			return -1;
		if (c->inlen - p < hl + 4 + len)
			break;
		m = f + hl;
		for (i = 0; i < len; i++)
			m[4 + i] ^= m[i & 3];
		hdr[0] = (unsigned char)(0x80 | op);
		if (len < 126)
			hdr[1] = (unsigned char)len;
		else {
			hdr[1] = 126;
			hdr[2] = (unsigned char)(len >> 8);
			hdr[3] = (unsigned char)len;
			h = 4;
		}
		if (out_add(c, hdr, h) || out_add(c, m + 4, len))
			return -1;
		p += hl + 4 + len;
		if (op == 8) {
			closed = 1;
			break;
		}
	}
	memmove(c->in, c->in + p, c->inlen - p);
	c->inlen -= p;
	return closed;
}

/* Input arrived: 1 = something to send, 0 = nothing, -1 = close. */
static int on_input(struct conn *c)
{
	int r;

	if (!c->upgraded) {
		r = handshake(c);
		if (r <= 0)
			return r;
	}
	r = frames(c);
	return r < 0 ? -1 : 1;
}

static struct conn *conn_new(int fd)
{
	struct conn *c;

	if (fd >= MAXC)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c)
		conns[fd] = c;
	return c;
}

static void conn_free(int fd)
{
	free(conns[fd]->out);
	free(conns[fd]);
	conns[fd] = NULL;
	close(fd);
}

static int listener(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (bind(fd, (void *)&a, sizeof(a)) || listen(fd, 4096))
		return -1;
	getsockname(fd, (void *)&a, &al);
	printf("listening on port %d\n", ntohs(a.sin_port));
	fflush(stdout);
	return fd;
}

/* ---- epoll ---------------------------------------------------------------------------- */

static void ep_flush(int ep, int fd, struct conn *c)
{
	while (c->outpos < c->outlen) {
		ssize_t n = send(fd, c->out + c->outpos, c->outlen - c->outpos, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN) {
				struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLET, .data.fd = fd };

				if (!c->sending)
					epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
				c->sending = 1;
				return;
			}
			return;
		}
		c->outpos += (size_t)n;
	}
	c->outpos = c->outlen = 0;
	if (c->sending) {
		struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.fd = fd };

		epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
		c->sending = 0;
	}
}

static int run_epoll(int lfd)
{
	struct epoll_event evs[256], ev = { .events = EPOLLIN, .data.fd = lfd };
	int ep = epoll_create1(0);

	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	while (!stop) {
		int n = epoll_wait(ep, evs, 256, 1000), i;

		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd, one = 1;
			struct conn *c;

			if (fd == lfd) {
				int s;

				while ((s = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					if (!conn_new(s)) {
						close(s);
						continue;
					}
					setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					ev.events = EPOLLIN | EPOLLET;
					ev.data.fd = s;
					epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
				}
				continue;
			}
			c = conns[fd];
			if (!c)
				continue;
			if (evs[i].events & EPOLLOUT)
				ep_flush(ep, fd, c);
			if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
				int dead = 0;

				for (;;) {
					ssize_t r = recv(fd, c->in + c->inlen, IN_MAX - c->inlen, 0);

					if (r < 0 && errno == EAGAIN)
						break;
					if (r <= 0) {
						dead = 1;
						break;
					}
					c->inlen += (size_t)r;
					r = on_input(c);
					if (r < 0) {
						dead = 1;
						break;
					}
					if (r > 0)
						ep_flush(ep, fd, c);
				}
				if (dead)
					conn_free(fd);
			}
		}
	}
	return 0;
}

/* ---- io_uring ------------------------------------------------------------------------- */

enum { OP_ACCEPT = 1, OP_RECV, OP_SEND };
#define UD(op, fd) (((unsigned long long)(op) << 32) | (unsigned)(fd))

static struct io_uring ring;
static struct io_uring_buf_ring *br;
static unsigned char *bufs;

static struct io_uring_sqe *sqe_get(void)
{
	struct io_uring_sqe *s = io_uring_get_sqe(&ring);

	if (!s) {
		io_uring_submit(&ring);
		s = io_uring_get_sqe(&ring);
	}
	return s;
}

static void arm_recv(int fd)
{
	struct io_uring_sqe *s = sqe_get();

	io_uring_prep_recv_multishot(s, fd, NULL, 0, 0);
	s->flags |= IOSQE_BUFFER_SELECT;
	s->buf_group = BGID;
	io_uring_sqe_set_data64(s, UD(OP_RECV, fd));
	conns[fd]->recv_armed = 1;
}

static void ur_send(int fd, struct conn *c)
{
	struct io_uring_sqe *s;

	if (c->sending || c->outpos == c->outlen)
		return;
	s = sqe_get();
	io_uring_prep_send(s, fd, c->out + c->outpos, c->outlen - c->outpos, MSG_NOSIGNAL);
	io_uring_sqe_set_data64(s, UD(OP_SEND, fd));
	c->sending = 1;
}

static void arm_accept(int lfd)
{
	struct io_uring_sqe *s = sqe_get();

	io_uring_prep_multishot_accept(s, lfd, NULL, NULL, 0);
	io_uring_sqe_set_data64(s, UD(OP_ACCEPT, lfd));
}

static int run_uring(int lfd)
{
	struct io_uring_params p = { 0 };
	struct io_uring_buf_reg reg = { 0 };
	int i;

	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN;
	if (io_uring_queue_init_params(8192, &ring, &p) &&
	    io_uring_queue_init(8192, &ring, 0)) {
		fprintf(stderr, "io_uring_queue_init failed\n");
		return 1;
	}
	if (posix_memalign((void **)&br, 4096, NBUFS * sizeof(struct io_uring_buf)) ||
	    !(bufs = malloc((size_t)NBUFS * BUF_SZ)))
		return 1;
	io_uring_buf_ring_init(br);
	reg.ring_addr = (unsigned long)br;
	reg.ring_entries = NBUFS;
	reg.bgid = BGID;
	if (io_uring_register_buf_ring(&ring, &reg, 0)) {
		fprintf(stderr, "io_uring_register_buf_ring failed\n");
		return 1;
	}
	for (i = 0; i < NBUFS; i++)
		io_uring_buf_ring_add(br, bufs + (size_t)i * BUF_SZ, BUF_SZ, (unsigned short)i,
				      io_uring_buf_ring_mask(NBUFS), i);
	io_uring_buf_ring_advance(br, NBUFS);
	arm_accept(lfd);

	while (!stop) {
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0, returned = 0;

		if (io_uring_submit_and_wait(&ring, 1) < 0 && errno != EINTR)
			break;
		io_uring_for_each_cqe(&ring, head, cqe) {
			unsigned long long ud = io_uring_cqe_get_data64(cqe);
			int op = (int)(ud >> 32), fd = (int)(ud & 0xffffffff), res = cqe->res;
			struct conn *c;

			seen++;
			if (op == OP_ACCEPT) {
				if (res >= 0) {
					int one = 1;

					if (!conn_new(res)) {
						close(res);
					} else {
						setsockopt(res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
						arm_recv(res);
					}
				}
				if (!(cqe->flags & IORING_CQE_F_MORE))
					arm_accept(lfd);
				continue;
			}
			c = conns[fd];
			if (!c)
				continue;
			if (op == OP_RECV) {
				if (cqe->flags & IORING_CQE_F_BUFFER) {
					unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;

					if (res > 0 && c->inlen + (size_t)res <= IN_MAX) {
						memcpy(c->in + c->inlen, bufs + (size_t)bid * BUF_SZ, (size_t)res);
						c->inlen += (size_t)res;
					}
					io_uring_buf_ring_add(br, bufs + (size_t)bid * BUF_SZ, BUF_SZ,
							      (unsigned short)bid,
							      io_uring_buf_ring_mask(NBUFS), (int)returned);
					returned++;
				}
				if (res == -ENOBUFS) {
					arm_recv(fd);
					continue;
				}
				if (res <= 0 || on_input(c) < 0) {
					if (!c->sending)
						conn_free(fd);
					else
						c->open = -1;
					continue;
				}
				ur_send(fd, c);
				if (!(cqe->flags & IORING_CQE_F_MORE))
					arm_recv(fd);
			} else if (op == OP_SEND) {
				c->sending = 0;
				if (res < 0 || c->open < 0) {
					conn_free(fd);
					continue;
				}
				c->outpos += (size_t)res;
				if (c->outpos == c->outlen)
					c->outpos = c->outlen = 0;
				else
					ur_send(fd, c);
			}
		}
		if (returned)
			io_uring_buf_ring_advance(br, (int)returned);
		io_uring_cq_advance(&ring, seen);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int port = 7681, uring = 0, i, lfd, r;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-p") && i + 1 < argc)
			port = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--uring"))
			uring = 1;
	}
	signal(SIGINT, on_sig);
	signal(SIGPIPE, SIG_IGN);
	lfd = listener(port);
	if (lfd < 0)
		return 1;
	r = uring ? run_uring(lfd) : run_epoll(lfd);
	printf("bye\n");
	return r;
}
