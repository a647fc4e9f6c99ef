/*
 * permessage-deflate end to end (driven by pm_deflate_interop.py).
 *
 *   pm_deflate_interop count PORT     a server with the extension that counts what it
 *                                     receives (no echo, no copy) and prints each
 *                                     connection's end; for inflation-bomb frames
 *   pm_deflate_interop count-flow PORT  the same, turning rx flow off after every
 *                                     RECEIVE and on again from a timer
 *   pm_deflate_interop count-limit PORT the same, with each connection's inflation
 *                                     limit lowered to 100000 bytes (our "rx_max_size"
 *                                     option, which lws would ignore)
 *   pm_deflate_interop client PORT    a client with the extension: sends a set of
 *                                     messages (small, large and compressible, binary,
 *                                     fragmented), checks their echoes, prints whether
 *                                     the extension was in use; exit 0 when all came back
 *
 * Whether the extension is active on a connection is asked the way an lws program can:
 * lws_set_extension_option() answers -1 when it is not.
 */
/* lws-diff: ours-only: Debian's lws 4.1.6 runs the extension differently (its chunking and its CLIENT_CONNECTION_ERROR texts) */
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct lws_extension extensions[] = {
	{ "permessage-deflate", lws_extension_callback_pm_deflate,
	  "permessage-deflate; client_no_context_takeover; client_max_window_bits" },
	{ NULL, NULL, NULL }
};

static volatile int interrupted;
static int client_done, client_ok;

/* --- count: totals per connection */
struct count_pss {
	unsigned long long bytes;
	unsigned long messages;
	int flow_off;		/* rx flow is off (count-flow): no RECEIVE may come */
	unsigned long late;	/* RECEIVEs that came while it was off */
};
static int flow_mode, limit_mode;

static int
cb_count(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct count_pss *pss = user;
	(void)in;
	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		printf("established, deflate %s\n",
		       lws_set_extension_option(wsi, "permessage-deflate", "rx_buf_size", "10") ?
		       "off" : "on");
		if (limit_mode)
			printf("limit set: %d\n", lws_set_extension_option(wsi,
				"permessage-deflate", "rx_max_size", "100000"));
		break;
	case LWS_CALLBACK_RECEIVE:
		if (pss->flow_off)
			pss->late++;
		pss->bytes += len;
		if (lws_is_final_fragment(wsi))
			pss->messages++;
		if (flow_mode) {
			/* stop input after every chunk; a timer lets it go on */
			pss->flow_off = 1;
			lws_rx_flow_control(wsi, 0);
			lws_set_timer_usecs(wsi, 200);
		}
		break;
	case LWS_CALLBACK_TIMER:
		pss->flow_off = 0;
		lws_rx_flow_control(wsi, 1);
		break;
	case LWS_CALLBACK_CLOSED:
		printf("closed after %lu messages, %llu bytes", pss->messages, pss->bytes);
		if (flow_mode)
			printf(", %lu while rx flow was off", pss->late);
		printf("\n");
		break;
	default:
		break;
	}
	return 0;
}

/* --- client: the messages, sent one after the other, each echoed whole */
#define BIG (200 * 1024)
static unsigned char *expect_buf, *got_buf;
static size_t expect_len, got_len;
static int step, frag_step;

static size_t
make_message(int n, unsigned char *p, int *binary)
{
	size_t i, len = 0;
	*binary = 0;
	switch (n) {
	case 0:
		len = (size_t)lws_snprintf((char *)p, 64, "hello");
		break;
	case 1: /* compressible text, larger than any chunk */
		for (i = 0; i < BIG; i++)
			p[i] = (unsigned char)"The quick brown fox jumps over the lazy dog. "[i % 45];
		len = BIG;
		break;
	case 2: /* binary noise: compresses badly */
		for (i = 0; i < 10000; i++)
			p[i] = (unsigned char)((i * 2654435761u) >> 13);
		*binary = 1;
		len = 10000;
		break;
	case 3: /* sent in two fragments */
		for (i = 0; i < 3000; i++)
			p[i] = (unsigned char)('a' + i % 26);
		len = 3000;
		break;
	case 4: /* empty */
		len = 0;
		break;
	}
	return len;
}

static int
cb_client(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	static unsigned char out[LWS_PRE + BIG];
	int binary;
	(void)user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		printf("client established, deflate %s\n",
		       lws_set_extension_option(wsi, "permessage-deflate", "compression_level", "6") ?
		       "off" : "on");
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf("connection error: %s\n", in ? (const char *)in : "(null)");
		client_done = 1;
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		expect_len = make_message(step, expect_buf, &binary);
		memcpy(out + LWS_PRE, expect_buf, expect_len);
		if (step == 3) {
			/* first half without FIN; the rest as a continuation on the next turn */
			size_t h = frag_step ? expect_len / 2 : 0, n = frag_step ? expect_len - h
								      : expect_len / 2;
			int wp = frag_step ? LWS_WRITE_CONTINUATION : LWS_WRITE_TEXT;
			if (!frag_step)
				wp |= LWS_WRITE_NO_FIN;
			if (lws_write(wsi, out + LWS_PRE + h, n, (enum lws_write_protocol)wp) != (int)n)
				return -1;
			if (!frag_step++)
				lws_callback_on_writable(wsi);
			break;
		}
		if (lws_write(wsi, out + LWS_PRE, expect_len,
			      binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT) != (int)expect_len)
			return -1;
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (lws_is_first_fragment(wsi))
			got_len = 0;
		if (got_len + len > BIG)
			return -1;
		memcpy(got_buf + got_len, in, len);
		got_len += len;
		if (!lws_is_final_fragment(wsi))
			break;
		binary = lws_frame_is_binary(wsi);
		{
			int b;
			make_message(step, expect_buf, &b);
			int same = got_len == expect_len && !memcmp(got_buf, expect_buf, got_len) &&
				   b == binary;
			printf("message %d (%zu bytes): %s\n", step, expect_len,
			       same ? "echoed" : "WRONG");
			if (!same) {
				client_done = 1;
				return -1;
			}
		}
		if (++step == 5) {
			client_ok = 1;
			lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
			return -1;
		}
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		client_done = 1;
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols count_protocols[] = {
	{ "count", cb_count, sizeof(struct count_pss), 0, 0, NULL, 0 },
	LWS_PROTOCOL_LIST_TERM
};

static const struct lws_protocols client_protocols[] = {
	{ "client", cb_client, 0, 0, 0, NULL, 0 },
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
	int client;

	if (argc < 3)
		return 2;
	client = !strcmp(argv[1], "client");
	flow_mode = !strcmp(argv[1], "count-flow");
	limit_mode = !strcmp(argv[1], "count-limit");
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGINT, on_signal);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
	memset(&info, 0, sizeof info);
	info.extensions = extensions;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
	if (client) {
		info.port = CONTEXT_PORT_NO_LISTEN;
		info.protocols = client_protocols;
	} else {
		info.port = atoi(argv[2]);
		info.protocols = count_protocols;
	}
	cx = lws_create_context(&info);
	if (!cx)
		return 1;
	if (client) {
		struct lws_client_connect_info i;
		expect_buf = malloc(BIG);
		got_buf = malloc(BIG);
		memset(&i, 0, sizeof i);
		i.context = cx;
		i.address = "127.0.0.1";
		i.port = atoi(argv[2]);
		i.path = "/";
		i.host = "127.0.0.1";
		i.origin = "127.0.0.1";
		i.protocol = NULL;
		if (!lws_client_connect_via_info(&i))
			client_done = 1;
		while (!client_done && !interrupted)
			if (lws_service(cx, 0) < 0)
				break;
	} else {
		printf("listening\n");
		while (!interrupted)
			if (lws_service(cx, 0) < 0)
				break;
	}
	lws_context_destroy(cx);
	free(expect_buf);
	free(got_buf);
	if (client)
		printf("client %s\n", client_ok ? "ok" : "failed");
	return client && !client_ok;
}
