/*
 * echo: a WebSocket echo server written the way lws programs are.
 *
 * Each received chunk is copied once, to the end of the session's queue, and written
 * back from WRITEABLE callbacks in order, one chunk per callback, with the fragment
 * flags that keep large or fragmented messages intact.  The server keeps reading while
 * it echoes, so a peer that sends a whole large message before reading any of the echo
 * (most do) is served; rx flow control only stops input when a session has more than
 * ECHO_MAX_QUEUED bytes waiting to go out.  In the steady state (a message in, its echo
 * out) nothing is allocated.
 *
 *   echo [-p port] [--utf8] [--deflate] [--cert PEM --key PEM]
 *
 * (port 0 picks a free one; the port is printed; --cert and --key serve wss:// instead)
 */
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ECHO_MAX_QUEUED (64u * 1024u * 1024u)
#define ECHO_CHUNKS 64		/* chunk descriptors per session */

struct chunk {
	size_t ofs, len;	/* payload at buf + ofs, with LWS_PRE usable bytes before it */
	int binary, first, final;
};

struct pss {
	unsigned char *buf;
	size_t alloc, used;	/* bytes of buf in use (from 0) */
	struct chunk chunks[ECHO_CHUNKS];
	unsigned int head, count;	/* queued chunk descriptors */
	size_t queued;		/* payload bytes queued */
	int flow_off;
};

static volatile int interrupted;

static int
reserve(struct pss *pss, size_t need)
{
	size_t n = pss->alloc ? pss->alloc : 4096;
	unsigned char *b;

	if (need <= pss->alloc)
		return 0;
	while (n < need)
		n *= 2;
	b = realloc(pss->buf, n);
	if (!b)
		return -1;
	pss->buf = b;
	pss->alloc = n;

	return 0;
}

/*
 * Appends a received chunk.  A chunk continuing the message of the last queued one is
 * merged into it, so a large message arriving faster than it can be echoed becomes one
 * queued write rather than thousands.
 */
static int
queue_chunk(struct pss *pss, const void *in, size_t len, int binary, int first, int final)
{
	struct chunk *c = NULL;

	if (!pss->count)
		pss->used = 0;	/* queue empty: reuse the buffer from its start */
	else
		c = &pss->chunks[(pss->head + pss->count - 1) % ECHO_CHUNKS];

	if (c && !c->final && !first) {
		if (reserve(pss, c->ofs + c->len + len))
			return -1;
		memcpy(pss->buf + c->ofs + c->len, in, len);
		c->len += len;
		c->final = final;
	} else {
		if (pss->count == ECHO_CHUNKS || reserve(pss, pss->used + LWS_PRE + len))
			return -1;
		c = &pss->chunks[(pss->head + pss->count) % ECHO_CHUNKS];
		c->ofs = pss->used + LWS_PRE;
		c->len = len;
		c->binary = binary;
		c->first = first;
		c->final = final;
		if (len)
			memcpy(pss->buf + c->ofs, in, len);
		pss->count++;
	}
	/* the next chunk's LWS_PRE may overlap this payload's tail: it is written first */
	pss->used = c->ofs + c->len - (c->len < LWS_PRE ? c->len : LWS_PRE);
	pss->queued += len;

	return 0;
}

static int
callback_echo(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	      void *in, size_t len)
{
	struct pss *pss = (struct pss *)user;
	struct chunk *c;
	int n;

	switch (reason) {
	case LWS_CALLBACK_RECEIVE:
		if (queue_chunk(pss, in, len, lws_frame_is_binary(wsi),
				lws_is_first_fragment(wsi), lws_is_final_fragment(wsi))) {
			lwsl_err("echo: cannot queue\n");
			return -1;
		}
		if (!pss->flow_off && (pss->count >= ECHO_CHUNKS - 1 ||
				       pss->queued > ECHO_MAX_QUEUED)) {
			pss->flow_off = 1;
			lws_rx_flow_control(wsi, 0);
		}
		lws_callback_on_writable(wsi);
		break;

	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (!pss->count)
			break;
		c = &pss->chunks[pss->head];
		n = lws_write(wsi, pss->buf + c->ofs, c->len, (enum lws_write_protocol)
			      lws_write_ws_flags(c->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT,
						 c->first, c->final));
		if (n < (int)c->len) {
			lwsl_err("echo: write failed\n");
			return -1;
		}
		pss->head = (pss->head + 1) % ECHO_CHUNKS;
		pss->count--;
		pss->queued -= c->len;
		if (pss->flow_off && pss->count < ECHO_CHUNKS / 2 &&
		    pss->queued < ECHO_MAX_QUEUED / 2) {
			pss->flow_off = 0;
			lws_rx_flow_control(wsi, 1);
		}
		if (pss->count)
			lws_callback_on_writable(wsi);
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

/* --deflate: permessage-deflate offered/accepted, listed the way lws programs list it. */
static const struct lws_extension extensions[] = {
	{ "permessage-deflate", lws_extension_callback_pm_deflate,
	  "permessage-deflate; client_no_context_takeover; client_max_window_bits" },
	{ NULL, NULL, NULL }
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
	if (lws_cmdline_option(argc, argv, "--deflate"))
		info.extensions = extensions;
	if ((p = lws_cmdline_option(argc, argv, "--cert"))) {
		/* TLS, the way lws programs turn it on */
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = p;
		info.ssl_private_key_filepath = lws_cmdline_option(argc, argv, "--key");
	}

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
