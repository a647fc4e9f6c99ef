/* The raw roles: a raw echo vhost (LWS_SERVER_OPTION_ONLY_RAW), a raw client to it
 * (method "RAW"), an adopted pipe (raw-file role) and an adopted socketpair end (raw
 * socket); the driver raw.py is a netcat-like peer.  Callbacks are printed as
 * "TAG: EVENT" lines; the driver checks them and prints them sorted (the order between
 * connections depends on the poller). */
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

static int interrupted, pipe_w = -1, port, client_done, pipe_done, pair_done, server_closes;
static struct lws_context *cx;
static struct lws_vhost *vh;

struct pss {
	unsigned char buf[LWS_PRE + 256];
	size_t len;
	int client;
};

static const char *who(struct lws *wsi, struct pss *pss)
{
	(void)wsi;
	return pss && pss->client ? "client" : "server";
}

static int cb_echo(struct lws *wsi, enum lws_callback_reasons reason, void *user,
		   void *in, size_t len)
{
	struct pss *pss = (struct pss *)user;
	char tmp[64];
	int n;

	switch (reason) {
	case LWS_CALLBACK_RAW_SKT_BIND_PROTOCOL:
		/* lws binds a raw client's protocol before it sets the client's
		 * opaque_user_data, so who binds cannot be told here */
		printf("bind: RAW_SKT_BIND_PROTOCOL\n");
		break;
	case LWS_CALLBACK_RAW_ADOPT:
		printf("server: RAW_ADOPT\n");
		break;
	case LWS_CALLBACK_RAW_CONNECTED:
		pss->client = 1;
		printf("client: RAW_CONNECTED\n");
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_RAW_RX:
		printf("%s: RAW_RX %.*s\n", who(wsi, pss), (int)len, (const char *)in);
		if (pss->client) {
			client_done = 1;
			lws_cancel_service(cx); /* see main() */
			return -1; /* closes it */
		}
		if (len > sizeof(pss->buf) - LWS_PRE)
			len = sizeof(pss->buf) - LWS_PRE;
		memcpy(pss->buf + LWS_PRE, in, len);
		pss->len = len;
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_RAW_WRITEABLE:
		if (pss->client) {
			memcpy(pss->buf + LWS_PRE, "ping", 4);
			pss->len = 4;
		}
		printf("%s: RAW_WRITEABLE\n", who(wsi, pss));
		n = lws_write(wsi, pss->buf + LWS_PRE, pss->len, LWS_WRITE_RAW);
		if (n < (int)pss->len)
			return -1;
		break;
	case LWS_CALLBACK_RAW_SKT_DROP_PROTOCOL:
		printf("%s: RAW_SKT_DROP_PROTOCOL\n", who(wsi, pss));
		break;
	case LWS_CALLBACK_RAW_CLOSE:
		printf("%s: RAW_CLOSE\n", who(wsi, pss));
		if (!pss->client) {
			server_closes++;
			lws_cancel_service(cx);
		}
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf("client: CONNECTION_ERROR %s\n", in ? (const char *)in : "");
		client_done = 1;
		lws_cancel_service(cx);
		break;

	/* the adopted pipe */
	case LWS_CALLBACK_RAW_ADOPT_FILE:
		printf("pipe: RAW_ADOPT_FILE\n");
		break;
	case LWS_CALLBACK_RAW_RX_FILE:
		n = (int)read(lws_get_socket_fd(wsi), tmp, sizeof(tmp));
		printf("pipe: RAW_RX_FILE %.*s\n", n > 0 ? n : 0, tmp);
		if (pipe_w >= 0) {
			close(pipe_w); /* next: hang-up, then RAW_CLOSE_FILE */
			pipe_w = -1;
		}
		if (n == 0)
			return -1;
		break;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		printf("pipe: RAW_CLOSE_FILE\n");
		pipe_done = 1;
		lws_cancel_service(cx);
		break;
	default:
		break;
	}
	return 0;
}

/* The socketpair end adopted as a raw socket on its own protocol. */
static int cb_pair(struct lws *wsi, enum lws_callback_reasons reason, void *user,
		   void *in, size_t len)
{
	(void)user;
	switch (reason) {
	case LWS_CALLBACK_RAW_ADOPT:
		printf("pair: RAW_ADOPT\n");
		break;
	case LWS_CALLBACK_RAW_RX:
		printf("pair: RAW_RX %.*s\n", (int)len, (const char *)in);
		lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		break;
	case LWS_CALLBACK_RAW_CLOSE:
		printf("pair: RAW_CLOSE\n");
		pair_done = 1;
		lws_cancel_service(cx);
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "raw-echo", cb_echo, sizeof(struct pss), 0, 0, NULL, 0 },
	{ "pair", cb_pair, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

int main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	lws_sock_file_fd_type fd;
	int pfd[2], sp[2], steps = 0;
	static int marker = 1;

	/* Each step ends from a callback that also calls lws_cancel_service(): lws 4's
	 * lws_service() does not return after timeout_ms when nothing happens (lws 4.1.6
	 * waits up to 30 s), so the step's last turn would otherwise sit in poll(). */
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGINT, sigint);
	port = argc > 1 ? atoi(argv[1]) : 7681;
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	memset(&info, 0, sizeof info);
	info.port = port;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_ONLY_RAW | LWS_SERVER_OPTION_DISABLE_IPV6;
	info.listen_accept_role = "raw-skt";
	info.listen_accept_protocol = "raw-echo";
	cx = lws_create_context(&info);
	if (!cx) {
		printf("context creation failed\n");
		return 1;
	}
	vh = lws_get_vhost_by_name(cx, "default");

	/* 1: a pipe's read end, adopted as a raw file */
	if (pipe(pfd))
		return 1;
	fd.filefd = pfd[0];
	if (!lws_adopt_descriptor_vhost(vh, LWS_ADOPT_RAW_FILE_DESC, fd, "raw-echo", NULL)) {
		printf("pipe adoption failed\n");
		return 1;
	}
	pipe_w = pfd[1];
	if (write(pipe_w, "hello-pipe", 10) != 10)
		return 1;
	while (!pipe_done && steps++ < 200)
		lws_service(cx, 50);

	/* 2: a socketpair end adopted as a raw socket bound to "pair" */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp))
		return 1;
	fd.sockfd = sp[0];
	if (!lws_adopt_descriptor_vhost(vh, LWS_ADOPT_SOCKET, fd, "pair", NULL)) {
		printf("socket adoption failed\n");
		return 1;
	}
	if (write(sp[1], "hello-pair", 10) != 10)
		return 1;
	steps = 0;
	while (!pair_done && steps++ < 200)
		lws_service(cx, 50);
	close(sp[1]);

	/* 3: a raw client to our own raw vhost */
	memset(&ci, 0, sizeof ci);
	ci.context = cx;
	ci.address = "127.0.0.1";
	ci.port = port;
	ci.host = "127.0.0.1";
	ci.method = "RAW";
	ci.protocol = "raw-echo";
	ci.local_protocol_name = "raw-echo";
	ci.opaque_user_data = &marker;
	if (!lws_client_connect_via_info(&ci)) {
		printf("raw client failed\n");
		return 1;
	}
	steps = 0;
	while (!client_done && steps++ < 200)
		lws_service(cx, 50);
	/* let the server side see the close */
	steps = 0;
	while (!server_closes && steps++ < 200)
		lws_service(cx, 20);

	/* 4: the driver's own raw peer */
	printf("ready\n");
	while (!interrupted)
		lws_service(cx, 100);
	lws_context_destroy(cx);
	printf("end\n");
	return 0;
}
