/*
 * own_bound: a server that echoes each message from inside its RECEIVE callback (lws
 * lets a program write there; what the socket does not take is buffered), driven by
 * own_bound.py to check the bound on the replies the library makes itself (pongs):
 * with pongs and echoes interleaved in the unsent output, reading stops past the bound
 * and must resume once the peer has read everything.
 *
 *   own_bound PORT
 */
/* lws-diff: ours-only: lws has no bound on its own replies (it never stops reading) */
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
	if (reason != LWS_CALLBACK_RECEIVE)
		return 0;
	buf = malloc(LWS_PRE + len + 1);
	if (!buf)
		return -1;
	memcpy(buf + LWS_PRE, in, len);
	n = lws_write(wsi, buf + LWS_PRE, len, lws_frame_is_binary(wsi) ?
		      LWS_WRITE_BINARY : LWS_WRITE_TEXT);
	free(buf);
	return n < (int)len ? -1 : 0;
}

static const struct lws_protocols protocols[] = {
	{ "own-bound", cb, 0, 0, 0, NULL, 0 },
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
