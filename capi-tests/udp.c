/* UDP through the raw-skt role: an echo "server" socket bound with
 * lws_create_adopt_udp(LWS_CAUDP_BIND), a client socket connected to it by
 * lws_create_adopt_udp, and a second client the program made itself and adopted with
 * LWS_ADOPT_RAW_SOCKET_UDP.  Each datagram is one RAW_RX; lws_get_udp() tells who sent
 * it, and the server's lws_write(LWS_WRITE_RAW) goes back to that sender.
 * Then datagrams the socket cannot take: one end of an AF_UNIX datagram socketpair
 * with the smallest send buffer (it holds only a few unread ones) adopted as UDP writes far more than the peer holds
 * in one WRITEABLE; they must all arrive, in order, and the next WRITEABLE must wait
 * until they left; past the library's bound (1024 datagrams) further ones are
 * dropped, the first ones still arrive in order. */
/* lws-diff: ours-only: lws 4.1.6's lws_create_adopt_udp has another signature (no fi_wsi_name) and its struct lws_udp another layout */
#include <libwebsockets.h>
#if !defined(LWS_WITH_UDP)
#error the library has no UDP (LWS_WITH_UDP)
#endif
#include <arpa/inet.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ROUNDS 3

struct pss {
	unsigned char buf[LWS_PRE + 128];
	size_t len;
	int sent;
};

static int done, closes, burst;
static struct lws *server;
static unsigned short port_c1, port_c2;
static char tag_c1 = '1', tag_c2 = '2';

static unsigned short local_port(int fd)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	if (getsockname(fd, (struct sockaddr *)&sa, &sl))
		return 0;
	return ntohs(sa.sin_port);
}

static const char *who(struct lws *wsi)
{
	const char *t = (const char *)lws_get_opaque_user_data(wsi);

	if (!t)
		return "server";
	return *t == '1' ? "client1" : "client2";
}

static int cb_udp(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		  size_t len)
{
	struct pss *pss = (struct pss *)user;
	const struct lws_udp *udp;
	unsigned short from;

	switch (reason) {
	case LWS_CALLBACK_RAW_SKT_BIND_PROTOCOL:
		printf("%s: RAW_SKT_BIND_PROTOCOL\n", who(wsi));
		break;
	case LWS_CALLBACK_RAW_ADOPT:
		printf("%s: RAW_ADOPT, lws_get_udp %s\n", who(wsi),
		       lws_get_udp(wsi) ? "set" : "NULL");
		if (lws_get_opaque_user_data(wsi))
			lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_RAW_RX:
		udp = lws_get_udp(wsi);
		from = ntohs(udp->sa46.sa4.sin_port);
		if (wsi == server) {
			if (len > 5 && !memcmp(in, "burst", 5))
				burst++;
			printf("server: RAW_RX '%.*s' from %s\n", (int)len, (const char *)in,
			       from == port_c1 ? "client1" : from == port_c2 ? "client2" :
			       "someone else");
			if (len > sizeof(pss->buf) - LWS_PRE)
				len = sizeof(pss->buf) - LWS_PRE;
			memcpy(pss->buf + LWS_PRE, in, len);
			pss->len = len;
			lws_callback_on_writable(wsi);
			break;
		}
		printf("%s: RAW_RX '%.*s'\n", who(wsi), (int)len, (const char *)in);
		if (pss->sent == ROUNDS) {
			done++;
			return -1;
		}
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_RAW_WRITEABLE:
		if (wsi != server)
			pss->len = (size_t)lws_snprintf((char *)pss->buf + LWS_PRE, 64,
							"%s says %d", who(wsi), ++pss->sent);
		if (lws_write(wsi, pss->buf + LWS_PRE, pss->len, LWS_WRITE_RAW) !=
		    (int)pss->len) {
			printf("%s: short write\n", who(wsi));
			return -1;
		}
		break;
	case LWS_CALLBACK_RAW_CLOSE:
		printf("%s: RAW_CLOSE\n", who(wsi));
		closes++;
		break;
	default:
		break;
	}
	return 0;
}

/* the socketpair part */
#define PAIR_N 200  /* far more than the smallest send buffer holds unread */
#define OVER_N 1500 /* past the library's queue bound, 1024 datagrams */
#define QUEUE_BOUND 1024
static int pair_phase, pair_got, pair_order_ok = 1, pair_closed;

static int cb_pair(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		   size_t len)
{
	unsigned char buf[LWS_PRE + 16];
	int i, l, n = reason == LWS_CALLBACK_RAW_WRITEABLE ?
			(pair_phase == 0 ? PAIR_N : OVER_N) : 0;

	(void)user;
	(void)in;
	(void)len;
	switch (reason) {
	case LWS_CALLBACK_RAW_ADOPT:
		printf("pair: RAW_ADOPT\n");
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_RAW_WRITEABLE:
		if (pair_phase == 1)
			/* what is still in the peer's kernel queue is at most a few */
			printf("pair: next WRITEABLE once the queue left: %s\n",
			       pair_got >= PAIR_N - 32 ? "yes" : "no");
		if (pair_phase == 2) {
			printf("pair: WRITEABLE after the bound\n");
			return -1;
		}
		for (i = 0; i < n; i++) {
			l = lws_snprintf((char *)buf + LWS_PRE, 16, "%d", i);
			if (lws_write(wsi, buf + LWS_PRE, (size_t)l, LWS_WRITE_RAW) != l) {
				printf("pair: short write\n");
				return -1;
			}
		}
		printf("pair: wrote %d datagrams, lws_send_pipe_choked: %d\n", n,
		       lws_send_pipe_choked(wsi));
		pair_phase++;
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_RAW_CLOSE:
		printf("pair: RAW_CLOSE\n");
		pair_closed = 1;
		break;
	default:
		break;
	}
	return 0;
}

/* reads what the peer end has; datagrams count up from 0 in each phase */
static void pair_read(int fd)
{
	char d[32];
	ssize_t r;

	while ((r = recv(fd, d, sizeof d - 1, MSG_DONTWAIT)) > 0) {
		d[r] = '\0';
		if (atoi(d) != (pair_got < PAIR_N ? pair_got : pair_got - PAIR_N))
			pair_order_ok = 0;
		pair_got++;
	}
}

static const struct lws_protocols protocols[] = {
	{ "udp-echo", cb_udp, sizeof(struct pss), 0, 0, NULL, 0 },
	{ "udp-pair", cb_pair, 0, 0, 0, NULL, 0 },
	LWS_PROTOCOL_LIST_TERM
};

int main(void)
{
	struct lws_context_creation_info info;
	struct lws_context *cx;
	struct lws_vhost *vh;
	struct lws *c1, *c2, *cp;
	lws_sock_file_fd_type fd;
	struct sockaddr_in sa;
	unsigned short sport;
	int n = 0, s, s3 = socket(AF_INET, SOCK_DGRAM, 0), sp[2], got1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	cx = lws_create_context(&info);
	if (!cx)
		return 1;
	vh = lws_get_vhost_by_name(cx, "default");

	server = lws_create_adopt_udp(vh, "127.0.0.1", 0, LWS_CAUDP_BIND, "udp-echo", NULL,
				      NULL, NULL, NULL, NULL);
	if (!server) {
		printf("server socket failed\n");
		return 1;
	}
	sport = local_port(lws_get_socket_fd(server));
	printf("server: bound to 127.0.0.1:%s\n", sport ? "(a port)" : "nothing");

	/* client 1: lws makes the socket and connects it to the server */
	c1 = lws_create_adopt_udp(vh, "127.0.0.1", sport, 0, "udp-echo", NULL, NULL, &tag_c1,
				  NULL, NULL);
	if (!c1) {
		printf("client1 socket failed\n");
		return 1;
	}
	port_c1 = local_port(lws_get_socket_fd(c1));
	printf("client1: writes go to the server: %s\n",
	       ntohs(lws_get_udp(c1)->sa46.sa4.sin_port) == sport ? "yes" : "no");

	while (done < 1 && n++ < 400)
		lws_service(cx, 50);

	/* client 2 (once client 1 is done, so the server answers one sender at a time):
	 * the program's own socket, adopted */
	s = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(sport);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof sa))
		return 1;
	port_c2 = local_port(s);
	fd.sockfd = s;
	c2 = lws_adopt_descriptor_vhost_via_info(&(lws_adopt_desc_t){
		.vh = vh, .type = LWS_ADOPT_RAW_SOCKET_UDP, .fd = fd,
		.vh_prot_name = "udp-echo", .opaque = &tag_c2 });
	if (!c2) {
		printf("client2 adoption failed\n");
		return 1;
	}

	n = 0;
	while (done < 2 && n++ < 400)
		lws_service(cx, 50);
	printf("rounds done: %d clients\n", done);

	/* three datagrams queued at once from a plain socket: each is its own RAW_RX */
	for (n = 1; n <= 3; n++) {
		char d[16];
		int l = lws_snprintf(d, sizeof d, "burst %d", n);

		if (sendto(s3, d, (size_t)l, 0, (struct sockaddr *)&sa, sizeof sa) != l)
			return 1;
	}
	n = 0;
	while (burst < 3 && n++ < 100)
		lws_service(cx, 50);
	close(s3);

	n = 1; /* the kernel rounds it up to its minimum, a few KiB */
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sp) ||
	    setsockopt(sp[0], SOL_SOCKET, SO_SNDBUF, &n, sizeof n))
		return 1;
	fd.sockfd = sp[0];
	cp = lws_adopt_descriptor_vhost_via_info(&(lws_adopt_desc_t){
		.vh = vh, .type = LWS_ADOPT_RAW_SOCKET_UDP, .fd = fd,
		.vh_prot_name = "udp-pair" });
	if (!cp) {
		printf("pair: adoption failed\n");
		return 1;
	}
	n = 0;
	while (!pair_closed && n++ < 800) {
		lws_service(cx, 10);
		pair_read(sp[1]);
	}
	pair_read(sp[1]);
	/* the first PAIR_N to arrive are the first batch (checked by pair_read) */
	got1 = pair_got < PAIR_N ? pair_got : PAIR_N;
	printf("pair: %d of %d arrived\n", got1, PAIR_N);
	printf("pair: over the bound: at least %d arrived: %s, some dropped: %s\n",
	       QUEUE_BOUND, pair_got - got1 >= QUEUE_BOUND ? "yes" : "no",
	       pair_got - got1 < OVER_N ? "yes" : "no");
	printf("pair: in order from the first of each batch: %s\n",
	       pair_order_ok ? "yes" : "no");
	close(sp[1]);

	lws_context_destroy(cx);
	printf("closes: %d\n", closes + pair_closed);
	return 0;
}
