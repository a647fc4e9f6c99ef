/*
 * echo: a WebSocket echo server written the way lws programs are.
 *
 * Each received chunk is copied once into the session's buffer, rx flow control holds
 * further input until it has been written back from the WRITEABLE callback, and the
 * fragment flags keep large or fragmented messages intact.
 *
 *   echo [-p port] [--utf8]      (port 0 picks a free one; the port is printed)
 */
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pss {
	unsigned char *buf;	/* LWS_PRE + payload */
	size_t alloc, len;
	int pending, binary, first, final;
};

static volatile int interrupted;

static int
callback_echo(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	      void *in, size_t len)
{
	struct pss *pss = (struct pss *)user;
	int flags, n;

	switch (reason) {
	case LWS_CALLBACK_RECEIVE:
		if (pss->alloc < LWS_PRE + len) {
			unsigned char *b = realloc(pss->buf, LWS_PRE + len);
			if (!b)
				return -1;
			pss->buf = b;
			pss->alloc = LWS_PRE + len;
		}
		if (len)
			memcpy(pss->buf + LWS_PRE, in, len);
		pss->len = len;
		pss->binary = lws_frame_is_binary(wsi);
		pss->first = lws_is_first_fragment(wsi);
		pss->final = lws_is_final_fragment(wsi);
		pss->pending = 1;
		lws_rx_flow_control(wsi, 0);
		lws_callback_on_writable(wsi);
		break;

	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (!pss->pending)
			break;
		flags = lws_write_ws_flags(pss->binary ? LWS_WRITE_BINARY :
					   LWS_WRITE_TEXT, pss->first, pss->final);
		n = lws_write(wsi, pss->buf + LWS_PRE, pss->len, (enum lws_write_protocol)flags);
		if (n < (int)pss->len) {
			lwsl_err("echo: write failed\n");
			return -1;
		}
		pss->pending = 0;
		lws_rx_flow_control(wsi, 1);
		break;

	case LWS_CALLBACK_CLOSED:
		free(pss->buf);
		pss->buf = NULL;
		break;

	default:
		break;
	}

	return 0;
}

/* The echo protocol comes first, so clients that ask for no subprotocol get it too. */
static struct lws_protocols protocols[] = {
	{ "lws-echo", callback_echo, sizeof(struct pss), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }	/* terminator (LWS_PROTOCOL_LIST_TERM is new in 4.3) */
};

static void
sigint_handler(int sig)
{
	(void)sig;
	interrupted = 1;
}

int
main(int argc, const char **argv)
{
	struct lws_context_creation_info info;
	struct lws_context *context;
	const char *p;

	signal(SIGINT, sigint_handler);
	signal(SIGTERM, sigint_handler);
	lws_set_log_level(LLL_ERR | LLL_WARN | LLL_USER, NULL);

	memset(&info, 0, sizeof info);
	info.port = 7681;
	if ((p = lws_cmdline_option(argc, argv, "-p")))
		info.port = atoi(p);
	if (lws_cmdline_option(argc, argv, "--utf8"))
		info.options |= LWS_SERVER_OPTION_VALIDATE_UTF8;
	info.protocols = protocols;

	context = lws_create_context(&info);
	if (!context) {
		lwsl_err("lws init failed\n");
		return 1;
	}
	printf("listening on port %d\n", lws_get_vhost_listen_port(lws_get_vhost_by_name(context, "default")));
	fflush(stdout);

	while (!interrupted)
		if (lws_service(context, 0) < 0)
			break;

	lws_context_destroy(context);
	printf("bye\n");

	return 0;
}
