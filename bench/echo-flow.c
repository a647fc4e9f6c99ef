/*
 * echo-flow: the echo server most lws programs are, for the benchmark's large-message rows.
 *
 * Unlike examples-c/echo.c (which queues whole messages and keeps reading), this one holds
 * one received chunk at a time: RECEIVE copies the chunk into the session's buffer, stops
 * input with lws_rx_flow_control(wsi, 0) and asks for WRITEABLE; WRITEABLE writes the
 * chunk back with the same fragment flags and turns input back on.  So the library's cost
 * of stopping and resuming input (whatever of a read it had to hold back, parsed again
 * later) is paid once per chunk, as in the programs people write from lws's examples.
 *
 *   echo-flow [-p port] [--serv-buf BYTES] [--rx-buf BYTES]
 *
 * Defaults: pt_serv_buf_size 64 KiB, rx_buffer_size 1 MiB (RECEIVE chunks are then as large
 * as what one read brings).  Port 0 picks a free port; the port is printed.
 */
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pss {
	unsigned char *buf;	/* LWS_PRE headroom + the held chunk */
	size_t alloc, len;
	int binary, first, final, held;
};

static volatile int interrupted;

static int
callback_echo(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	      void *in, size_t len)
{
	struct pss *pss = (struct pss *)user;
	unsigned char *b;
	int n;

	switch (reason) {
	case LWS_CALLBACK_RECEIVE:
		if (pss->held) {
			/* input is off while a chunk is held: the library broke its word */
			lwsl_err("echo-flow: RECEIVE while a chunk is held\n");
			return -1;
		}
		if (LWS_PRE + len > pss->alloc) {
			b = realloc(pss->buf, LWS_PRE + len);
			if (!b)
				return -1;
			pss->buf = b;
			pss->alloc = LWS_PRE + len;
		}
		memcpy(pss->buf + LWS_PRE, in, len);
		pss->len = len;
		pss->binary = lws_frame_is_binary(wsi);
		pss->first = lws_is_first_fragment(wsi);
		pss->final = lws_is_final_fragment(wsi);
		pss->held = 1;
		lws_rx_flow_control(wsi, 0);
		lws_callback_on_writable(wsi);
		break;

	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (!pss->held)
			break;
		n = lws_write(wsi, pss->buf + LWS_PRE, pss->len, (enum lws_write_protocol)
			      lws_write_ws_flags(pss->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT,
						 pss->first, pss->final));
		if (n < (int)pss->len) {
			lwsl_err("echo: write failed\n");
			return -1;
		}
		pss->held = 0;
		lws_rx_flow_control(wsi, 1);
		break;

	case LWS_CALLBACK_CLOSED:
		free(pss->buf);
		pss->buf = NULL;
		pss->alloc = 0;
		break;

	default:
		break;
	}

	return 0;
}

static struct lws_protocols protocols[] = {
	{ "lws-echo", callback_echo, sizeof(struct pss), 1024 * 1024, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
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
	info.pt_serv_buf_size = 64 * 1024;
	if ((p = lws_cmdline_option(argc, argv, "--serv-buf")))
		info.pt_serv_buf_size = (unsigned int)atoi(p);
	if ((p = lws_cmdline_option(argc, argv, "--rx-buf")))
		protocols[0].rx_buffer_size = (size_t)atol(p);
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
