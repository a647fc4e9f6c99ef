/*
 * ws_flow_echo: the flow-controlled echo (RECEIVE copies the chunk, rx flow off, WRITEABLE
 * writes it back and turns rx on), driven by ws_flow_echo.py with many small messages in
 * one write (several messages per read: all but the first wait while rx is off) and a
 * message larger than the service buffer but within rx_buffer_size.  The server counts
 * what the library must never do: a RECEIVE while input is off.
 *
 *   ws_flow_echo [--rx BYTES]   (rx_buffer_size; pt_serv_buf_size is 4096)
 */
#include <libwebsockets.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pss {
	unsigned char *buf;
	size_t alloc, len;
	int binary, first, final, held;
};

static volatile int interrupted;
static int violations, messages;
static size_t bytes;

static int
callback_flow(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	      void *in, size_t len)
{
	struct pss *pss = (struct pss *)user;
	unsigned char *b;
	int n;

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED: {
		/* small writes must not wait for Nagle: the accepted socket has it off */
		int v = 0;
		socklen_t vl = sizeof(v);

		if (getsockopt(lws_get_socket_fd(wsi), IPPROTO_TCP, TCP_NODELAY, &v, &vl))
			v = -1;
		printf("established: TCP_NODELAY %d\n", v);
		break;
	}

	case LWS_CALLBACK_RECEIVE:
		if (pss->held) {
			violations++;
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
		if (n < (int)pss->len)
			return -1;
		bytes += pss->len;
		messages += pss->final;
		pss->held = 0;
		lws_rx_flow_control(wsi, 1);
		break;

	case LWS_CALLBACK_CLOSED:
		printf("closed: %d messages, %zu bytes echoed, %d RECEIVE while input was off\n",
		       messages, bytes, violations);
		free(pss->buf);
		pss->buf = NULL;
		break;

	default:
		break;
	}

	return 0;
}

static struct lws_protocols protocols[] = {
	{ "flow", callback_flow, sizeof(struct pss), 0, 0, NULL, 0 },
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

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGINT, sigint_handler);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	memset(&info, 0, sizeof info);
	info.port = 0;
	info.pt_serv_buf_size = 4096;
	protocols[0].rx_buffer_size = 256 * 1024;
	if ((p = lws_cmdline_option(argc, argv, "--rx")))
		protocols[0].rx_buffer_size = (size_t)atol(p);
	info.protocols = protocols;

	context = lws_create_context(&info);
	if (!context)
		return 1;
	printf("listening on port %d\n", lws_get_vhost_listen_port(lws_get_vhost_by_name(context, "default")));

	while (!interrupted)
		if (lws_service(context, 0) < 0)
			break;

	lws_context_destroy(context);
	printf("bye\n");

	return 0;
}
