/*
 * client: a WebSocket client written the way lws programs are.
 *
 * It connects, sends N numbered text messages (one per WRITEABLE), prints what comes
 * back, then closes with a reason.  With --retry it keeps the connection up: when the
 * connection fails or drops it reconnects with backoff (lws_retry_sul_schedule), the
 * pattern lws's own clients use.
 *
 *   client [-a address] [-p port] [--path /] [--protocol lws-echo] [-n count] [--retry]
 *          [--timeout secs] [--ping-secs N --hangup-secs M]
 *
 * --ping-secs/--hangup-secs set the idle policy of the connection (retry_and_idle_policy):
 * a PING after N idle seconds, hang up when nothing came back for M.
 */
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct lws_context *context;
static struct lws *client_wsi;
static const char *address = "127.0.0.1", *path = "/", *protocol = "lws-echo";
static int port = 7681, count = 3, retry, sent, received, interrupted, connections;
static lws_sorted_usec_list_t sul_connect;
static uint16_t retry_count;

static const uint32_t backoff_ms[] = { 100, 200, 400, 800, 1000 };
static lws_retry_bo_t retry_policy = {
	.retry_ms_table = backoff_ms,
	.retry_ms_table_count = LWS_ARRAY_SIZE(backoff_ms),
	.conceal_count = 20,
	.jitter_percent = 10,
};

static void connect_client(lws_sorted_usec_list_t *sul);

/* wsi: the connection that failed or closed (its retry policy is used), or NULL */
static void
schedule_retry(struct lws *wsi)
{
	int r;

	if (!retry || interrupted) {
		interrupted = 1;
		return;
	}
	if (wsi)
		r = lws_retry_sul_schedule_retry_wsi(wsi, &sul_connect, connect_client,
						     &retry_count);
	else
		r = lws_retry_sul_schedule(context, 0, &sul_connect, &retry_policy,
					   connect_client, &retry_count);
	if (r) {
		printf("giving up after %d tries\n", retry_count);
		interrupted = 1;
		return;
	}
	printf("retrying (try %d)\n", retry_count);
	fflush(stdout);
}

static void
connect_client(lws_sorted_usec_list_t *sul)
{
	struct lws_client_connect_info i;

	(void)sul;
	memset(&i, 0, sizeof(i));
	i.context = context;
	i.address = address;
	i.port = port;
	i.path = path;
	i.host = i.address;
	i.origin = i.address;
	i.protocol = protocol;
	i.pwsi = &client_wsi;
	i.retry_and_idle_policy = &retry_policy;

	if (!lws_client_connect_via_info(&i))
		schedule_retry(NULL);
}

static int
callback_client(struct lws *wsi, enum lws_callback_reasons reason, void *user,
		void *in, size_t len)
{
	unsigned char buf[LWS_PRE + 64];
	int n;

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf("connection error: %s\n", in ? (const char *)in : "(null)");
		fflush(stdout);
		client_wsi = NULL;
		schedule_retry(wsi);
		break;

	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		connections++;
		retry_count = 0;
		sent = received = 0;
		printf("established (connection %d)\n", connections);
		fflush(stdout);
		lws_callback_on_writable(wsi);
		break;

	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (sent >= count)
			break;
		n = lws_snprintf((char *)buf + LWS_PRE, sizeof(buf) - LWS_PRE, "message %d", ++sent);
		if (lws_write(wsi, buf + LWS_PRE, (size_t)n, LWS_WRITE_TEXT) < n)
			return -1;
		break;

	case LWS_CALLBACK_CLIENT_RECEIVE:
		printf("received: %.*s\n", (int)len, (const char *)in);
		fflush(stdout);
		if (++received == count && !retry) {
			lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, (unsigned char *)"done", 4);
			return -1;
		}
		if (sent < count)
			lws_callback_on_writable(wsi);
		break;

	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		printf("server closed with %d\n", len >= 2 ?
		       ((unsigned char *)in)[0] << 8 | ((unsigned char *)in)[1] : 0);
		break;

	case LWS_CALLBACK_CLIENT_CLOSED:
		printf("closed\n");
		fflush(stdout);
		client_wsi = NULL;
		schedule_retry(wsi);
		break;

	default:
		break;
	}

	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "lws-echo", callback_client, 0, 0, 0, NULL, 0 },
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
	const char *p;

	signal(SIGINT, sigint_handler);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	if ((p = lws_cmdline_option(argc, argv, "-a")))
		address = p;
	if ((p = lws_cmdline_option(argc, argv, "-p")))
		port = atoi(p);
	if ((p = lws_cmdline_option(argc, argv, "--path")))
		path = p;
	if ((p = lws_cmdline_option(argc, argv, "--protocol")))
		protocol = p;
	if ((p = lws_cmdline_option(argc, argv, "-n")))
		count = atoi(p);
	retry = !!lws_cmdline_option(argc, argv, "--retry");
	if ((p = lws_cmdline_option(argc, argv, "--ping-secs")))
		retry_policy.secs_since_valid_ping = (uint16_t)atoi(p);
	if ((p = lws_cmdline_option(argc, argv, "--hangup-secs")))
		retry_policy.secs_since_valid_hangup = (uint16_t)atoi(p);

	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	if ((p = lws_cmdline_option(argc, argv, "--timeout")))
		info.timeout_secs = (unsigned int)atoi(p);

	context = lws_create_context(&info);
	if (!context) {
		lwsl_err("lws init failed\n");
		return 1;
	}

	connect_client(&sul_connect);
	while (!interrupted)
		if (lws_service(context, 0) < 0)
			break;

	lws_context_destroy(context);
	printf("bye\n");

	return 0;
}
