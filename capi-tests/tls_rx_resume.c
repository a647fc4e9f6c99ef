/*
 * tls_rx_resume: a wss client reading in 64 KiB pieces (its protocol's rx_buffer_size)
 * must keep reading when TLS input it has not decrypted yet is carried from one service
 * turn to the next while more arrives in its socket.  Driven by tls_rx_resume.py, which
 * makes the certificates.
 *
 *   tls_rx_resume CERTDIR
 *
 * One thread runs two contexts, a TLS server and a client, turn by turn, so the order of
 * events is fixed:
 *  1. the server sends a burst of small messages (each its own TLS record), about 57 KB
 *     on the wire: less than one read, more than is decrypted at once;
 *  2. the client runs exactly one turn: it takes the burst from its socket in one read
 *     and decrypts part of it; the rest is held for its next turn;
 *  3. the server sends a second such burst, which lands in the client's socket;
 *  4. the client runs until it has both bursts (or makes no progress for 2 s).
 * Then a message far larger than the client's 64 KiB chunks, both contexts running.
 * All of it is done three times: plain wss; with permessage-deflate (the client
 * inflating into 64 KiB chunks, as examples-c/autobahn-client does); with rx flow
 * control (the client stops its input after each message and allows it again before
 * each of its turns, so input waits in the library's stash and inside TLS at once).
 * Every payload byte is checked.
 */
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define BURST 55
#define SMALL 1000
#define BIG (200 * 1000)

static const char *certdir;
static struct lws *srv_wsi, *cli_wsi;
static int cli_up, cli_closed, to_send, sent, deflate_on, flow_on;

/* what the client received: whole messages, the current one's offset, bad bytes */
static int got, bad;
static size_t off;

static unsigned char txbuf[LWS_PRE + BIG];

static size_t
msg_len(int i)
{
	return i < 2 * BURST ? SMALL : BIG;
}

/* payload byte j of message i: scrambled, so deflate cannot shrink it */
static unsigned char
pat(int i, size_t j)
{
	uint32_t x = (uint32_t)i * 0x9E3779B1u ^ (uint32_t)j * 0x85EBCA6Bu;

	x ^= x >> 15;
	x *= 0x2C1B3C6Du;
	x ^= x >> 12;
	x *= 0x297A2D39u;
	x ^= x >> 15;
	return (unsigned char)(x >> 24);
}

static int
srv_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	size_t n, j;

	(void)user;
	(void)in;
	(void)len;
	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		srv_wsi = wsi;
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (!to_send)
			break;
		/* one message per WRITEABLE, as lws programs write */
		n = msg_len(sent);
		for (j = 0; j < n; j++)
			txbuf[LWS_PRE + j] = pat(sent, j);
		if (lws_write(wsi, txbuf + LWS_PRE, n, LWS_WRITE_BINARY) < (int)n)
			return -1;
		sent++;
		if (--to_send)
			lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLOSED:
		srv_wsi = NULL;
		break;
	default:
		break;
	}
	return 0;
}

static int
cli_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	const unsigned char *p = in;
	size_t j;

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		cli_wsi = wsi;
		cli_up = 1;
		/* inflate into chunks as large as the protocol's rx_buffer_size */
		if (deflate_on)
			lws_set_extension_option(wsi, "permessage-deflate", "rx_buf_size", "16");
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		for (j = 0; j < len; j++)
			if (off + j >= msg_len(got) || p[j] != pat(got, off + j))
				bad++;
		off += len;
		if (lws_is_final_fragment(wsi)) {
			if (off != msg_len(got))
				bad++;
			got++;
			off = 0;
			if (flow_on)
				lws_rx_flow_control(wsi, 0);
		}
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		fprintf(stderr, "client connection error: %s\n", in ? (const char *)in : "");
		/* fallthru */
	case LWS_CALLBACK_CLIENT_CLOSED:
		cli_closed = 1;
		cli_wsi = NULL;
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols srv_protocols[] = {
	{ "push", srv_cb, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static const struct lws_protocols cli_protocols[] = {
	{ "push", cli_cb, 0, 65536, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static const struct lws_extension exts[] = {
	{ "permessage-deflate", lws_extension_callback_pm_deflate,
	  "permessage-deflate; client_no_context_takeover; client_max_window_bits" },
	{ NULL, NULL, NULL }
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* one turn of the client, its input allowed again first when it stops it */
static void
client_turn(struct lws_context *cli)
{
	if (flow_on && cli_wsi)
		lws_rx_flow_control(cli_wsi, 1);
	lws_service(cli, -1);
}

/* bytes waiting in the client's socket */
static int
unread(void)
{
	int n = 0;

	if (!cli_wsi || ioctl(lws_get_socket_fd(cli_wsi), FIONREAD, &n))
		return -1;
	return n;
}

/* the server writes `n` more messages, the client not running meanwhile; then waits
 * until what went out has arrived in the client's socket */
static int
server_sends(struct lws_context *srv, int n)
{
	double end = now() + 5;
	int last = -1, q;

	to_send = n;
	lws_callback_on_writable(srv_wsi);
	while (to_send && srv_wsi && now() < end)
		lws_service(srv, -1);
	if (to_send)
		return -1;
	/* a few more turns: records the socket took late */
	for (q = 0; q < 5; q++)
		lws_service(srv, -1);
	while (now() < end) {
		q = unread();
		if (q > 0 && q == last)
			return 0;
		last = q;
		usleep(2000);
	}
	return -1;
}

static int
variant(const char *name, int deflate, int flow)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	struct lws_context *srv, *cli;
	char cert[512], key[512], ca[512];
	int port, fails = 0, want, last_got;
	double end, idle;

	deflate_on = deflate;
	flow_on = flow;
	srv_wsi = cli_wsi = NULL;
	cli_up = cli_closed = to_send = sent = got = bad = 0;
	off = 0;
	lws_snprintf(cert, sizeof(cert), "%s/a.test.pem", certdir);
	lws_snprintf(key, sizeof(key), "%s/a.test.key", certdir);
	lws_snprintf(ca, sizeof(ca), "%s/ca.pem", certdir);

	memset(&info, 0, sizeof(info));
	info.port = 0;
	info.iface = "127.0.0.1";
	info.protocols = srv_protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_DISABLE_IPV6;
	info.ssl_cert_filepath = cert;
	info.ssl_private_key_filepath = key;
	info.extensions = deflate ? exts : NULL;
	srv = lws_create_context(&info);

	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = cli_protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.client_ssl_ca_filepath = ca;
	info.extensions = deflate ? exts : NULL;
	cli = lws_create_context(&info);
	if (!srv || !cli) {
		printf("%s: context creation failed\n", name);
		return 1;
	}
	port = lws_get_vhost_listen_port(lws_get_vhost_by_name(srv, "default"));

	memset(&ci, 0, sizeof(ci));
	ci.context = cli;
	ci.address = "127.0.0.1";
	ci.port = port;
	ci.path = "/";
	ci.host = ci.origin = "a.test";
	ci.protocol = "push";
	ci.ssl_connection = LCCSCF_USE_SSL;
	if (!lws_client_connect_via_info(&ci)) {
		printf("%s: connect failed\n", name);
		return 1;
	}
	end = now() + 10;
	while ((!cli_up || !srv_wsi) && !cli_closed && now() < end) {
		lws_service(srv, -1);
		lws_service(cli, -1);
		usleep(1000);
	}
	if (!cli_up || !srv_wsi) {
		printf("%s: not established\n", name);
		fails++;
		goto out;
	}

	/* 1. + 2.: a burst, then a single client turn */
	if (server_sends(srv, BURST)) {
		printf("%s: burst 1 not sent\n", name);
		fails++;
		goto out;
	}
	client_turn(cli);
	/* 3. */
	if (server_sends(srv, BURST)) {
		printf("%s: burst 2 not sent\n", name);
		fails++;
		goto out;
	}
	/* 4.: the client alone, until it has both or stops making progress */
	want = 2 * BURST;
	last_got = got;
	idle = now() + 2;
	while (got < want && !cli_closed && now() < idle) {
		client_turn(cli);
		if (got != last_got) {
			last_got = got;
			idle = now() + 2;
		}
		usleep(500);
	}
	printf("%s: two bursts of %d x %d bytes: %d messages received%s\n", name, BURST,
	       SMALL, got, got == want ? "" : (unread() > 0 ?
	       ", the client asleep with input unread in its socket" : ""));
	if (got != want) {
		fails++;
		goto out;
	}

	/* a message larger than the client's chunks, both running */
	to_send = 1;
	lws_callback_on_writable(srv_wsi);
	end = now() + 10;
	while (got < want + 1 && !cli_closed && now() < end) {
		lws_service(srv, -1);
		client_turn(cli);
	}
	printf("%s: one message of %d bytes: %s\n", name, BIG,
	       got == want + 1 ? "received" : "not received");
	if (got != want + 1)
		fails++;
out:
	printf("%s: payload bytes wrong: %d\n", name, bad);
	if (bad)
		fails++;
	lws_context_destroy(cli);
	lws_context_destroy(srv);
	return fails;
}

int
main(int argc, char **argv)
{
	int fails = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: tls_rx_resume CERTDIR\n");
		return 2;
	}
	certdir = argv[1];
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
	fails += variant("wss", 0, 0);
	fails += variant("wss + permessage-deflate", 1, 0);
	fails += variant("wss + rx flow control", 0, 1);
	printf("%s\n", fails ? "FAILED" : "ok");
	return !!fails;
}
