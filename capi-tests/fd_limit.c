/*
 * fd_limit: info.fd_limit_per_thread bounds how many descriptors a context watches (its
 * own, listeners, connections), as lws's poll table does: at the limit it stops
 * accepting, and the connections beyond it wait in the kernel's queue until others go.
 *
 * The limit is 32.  10 clients connect first (all taken), then 40 more: about 20 fit
 * (the context's own descriptors take one or two, so the exact number is not printed),
 * none is closed; then the first 10 leave and 10 of the waiting ones are taken.
 */
#include <libwebsockets.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int instantiated;

static int
cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	if (reason == LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED)
		instantiated++;
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
	{ "http", cb, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void
spin(struct lws_context *ctx, int ms)
{
	int i;

	for (i = 0; i < ms; i++) {
		lws_service(ctx, -1);
		usleep(1000);
	}
}

/* connects n clients; returns how many of them the server has closed after a while */
static int
batch(struct lws_context *ctx, int port, int *fds, int n)
{
	struct sockaddr_in sa;
	char c;
	int i, closed = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < n; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&sa, sizeof(sa)))
			return -1;
	}
	spin(ctx, 300);
	for (i = 0; i < n; i++) {
		struct timeval tv = { 0, 20000 };

		setsockopt(fds[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (recv(fds[i], &c, 1, 0) == 0)
			closed++;
	}
	return closed;
}

int
main(void)
{
	struct lws_context_creation_info info;
	struct lws_context *ctx;
	struct lws_vhost *vh;
	int first[10], second[40], port, n, i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof(info));
	info.port = 0;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	info.fd_limit_per_thread = 32;
	ctx = lws_create_context(&info);
	if (!ctx)
		return 1;
	vh = lws_get_vhost_by_name(ctx, "default");
	port = vh ? lws_get_vhost_listen_port(vh) : -1;
	if (port <= 0)
		return 1;

	n = batch(ctx, port, first, 10);
	printf("10 clients: %d instantiated, %d closed by the server\n", instantiated, n);
	instantiated = 0;
	n = batch(ctx, port, second, 40);
	printf("40 more: 17..21 instantiated: %s, closed by the server: %d\n",
	       instantiated >= 17 && instantiated <= 21 ? "yes" : "no", n);
	if (instantiated < 17 || instantiated > 21)
		fprintf(stderr, "instantiated %d\n", instantiated);
	instantiated = 0;
	for (i = 0; i < 10; i++)
		close(first[i]);
	spin(ctx, 300);
	printf("the first 10 leave: %d more instantiated\n", instantiated);
	for (i = 0; i < 40; i++)
		close(second[i]);
	spin(ctx, 100);
	lws_context_destroy(ctx);
	printf("done\n");

	return 0;
}
