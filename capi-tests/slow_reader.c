/*
 * slow_reader: an echo server with timeout_secs 2, driven by slow_reader.py: a peer with
 * a tiny receive window floods pings without reading (so the pongs pile up past the
 * bound on the library's own replies and reading stops), then reads them back a few
 * bytes at a time for much longer than timeout_secs.  It is reading all along, so the
 * connection must stay up and every pong must arrive.
 *
 *   slow_reader PORT [LOGLEVEL]
 */
/* lws-diff: ours-only: lws has no bound on its own replies and no stall timer */
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile int interrupted;

static int
cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	unsigned char *buf;
	int n;

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		printf("established\n");
		break;
	case LWS_CALLBACK_CLOSED:
		printf("closed\n");
		break;
	case LWS_CALLBACK_RECEIVE:
		buf = malloc(LWS_PRE + len + 1);
		if (!buf)
			return -1;
		memcpy(buf + LWS_PRE, in, len);
		n = lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_TEXT);
		free(buf);
		return n < (int)len ? -1 : 0;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "slow-reader", cb, 0, 0, 0, NULL, 0 },
	LWS_PROTOCOL_LIST_TERM
};

static void
on_signal(int s)
{
	(void)s;
	interrupted = 1;
}

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_context *cx;

	if (argc < 2)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGINT, on_signal);
	lws_set_log_level(argc > 2 ? atoi(argv[2]) : LLL_ERR | LLL_WARN, NULL);
	memset(&info, 0, sizeof info);
	info.port = atoi(argv[1]);
	info.protocols = protocols;
	/* the stall timer's period: a peer taking nothing for this long is closed */
	info.timeout_secs = 2;
	cx = lws_create_context(&info);
	if (!cx)
		return 1;
	printf("listening\n");
	while (!interrupted && lws_service(cx, 0) >= 0)
		;
	lws_context_destroy(cx);
	printf("bye\n");
	return 0;
}
