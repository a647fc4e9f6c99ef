/*
 * autobahn-client: drives an Autobahn fuzzing server (e.g. `kosoku -m fuzzingserver`):
 * asks for the case count, runs every case echoing what the server sends, then asks the
 * server to write its reports.
 *
 * Replies are written straight from the RECEIVE callback (lws buffers what the socket
 * cannot take at once): a conformance driver wants the echo of every chunk in order and
 * nothing else, and needs no WRITEABLE bookkeeping for that.
 *
 *   autobahn-client [-a address] [-p port] [--agent name] [--case N] [--deflate]
 *                   [--tls [--ca FILE] [--host NAME]]
 *
 * --tls connects with wss:// (LCCSCF_USE_SSL), trusting FILE (else the system's CAs),
 * NAME as SNI, Host and the name verified (default: the address).
 */
#include <libwebsockets.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { GET_COUNT, RUN_CASE, UPDATE_REPORTS, DONE };

static struct lws_context *context;
static const char *address = "127.0.0.1", *agent = "lws-rs", *host;
static int tls;
static int port = 9001, stage = GET_COUNT, case_count, current_case = 1, only_case;
static lws_sorted_usec_list_t sul_next;
static unsigned char *buf;
static size_t buf_len;

static void
next_connection(lws_sorted_usec_list_t *sul)
{
	struct lws_client_connect_info i;
	char path[256];

	(void)sul;
	switch (stage) {
	case GET_COUNT:
		lws_snprintf(path, sizeof(path), "/getCaseCount");
		break;
	case RUN_CASE:
		lws_snprintf(path, sizeof(path), "/runCase?case=%d&agent=%s", current_case, agent);
		lwsl_info("case %d of %d\n", current_case, case_count);
		break;
	case UPDATE_REPORTS:
		lws_snprintf(path, sizeof(path), "/updateReports?agent=%s", agent);
		break;
	default:
		return;
	}
	memset(&i, 0, sizeof(i));
	i.context = context;
	i.address = address;
	i.port = port;
	i.path = path;
	i.host = host ? host : address;
	i.origin = i.host;
	if (tls)
		i.ssl_connection = LCCSCF_USE_SSL;
	if (!lws_client_connect_via_info(&i)) {
		lwsl_err("connect failed\n");
		stage = DONE;
	}
}

static void
connection_done(void)
{
	switch (stage) {
	case GET_COUNT:
		printf("%d cases\n", case_count);
		stage = case_count ? RUN_CASE : UPDATE_REPORTS;
		if (only_case)
			current_case = only_case;
		break;
	case RUN_CASE:
		if (!only_case && current_case < case_count) {
			current_case++;
			break;
		}
		stage = UPDATE_REPORTS;
		break;
	case UPDATE_REPORTS:
		stage = DONE;
		return;
	}
	fflush(stdout);
	lws_sul_schedule(context, 0, &sul_next, next_connection, 1);
}

static int
callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	int flags;

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		/*
		 * The fuzzing server sends multi-MiB messages in loopback-MTU segments
		 * (64 KiB) and reads nothing until it has sent them; with the default
		 * 128 KiB receive buffer the kernel drops such segments and TCP backs off
		 * for minutes.  A bigger buffer keeps the run about protocol, not TCP.
		 */
		{
			int sz = 4 * 1024 * 1024;
			setsockopt(lws_get_socket_fd(wsi), SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
		}
		/*
		 * Inflate into 64 KiB RECEIVE chunks (the protocol's rx_buffer_size caps
		 * this) instead of the extension's default 1 KiB: every chunk is echoed as a
		 * fragment, and the fuzzing server spends its time per frame, so 1 KiB
		 * chunks made 129 frames of each 128 KiB message and most of the run.
		 */
		lws_set_extension_option(wsi, "permessage-deflate", "rx_buf_size", "16");
		break;

	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (stage == GET_COUNT) {
			char n[16];
			lws_strncpy(n, in, len + 1 < sizeof(n) ? len + 1 : sizeof(n));
			case_count = atoi(n);
			break;
		}
		if (buf_len < LWS_PRE + len) {
			unsigned char *b = realloc(buf, LWS_PRE + len);
			if (!b)
				return -1;
			buf = b;
			buf_len = LWS_PRE + len;
		}
		if (len)
			memcpy(buf + LWS_PRE, in, len);
		flags = lws_write_ws_flags(lws_frame_is_binary(wsi) ? LWS_WRITE_BINARY :
					   LWS_WRITE_TEXT, lws_is_first_fragment(wsi),
					   lws_is_final_fragment(wsi));
		if (lws_write(wsi, buf + LWS_PRE, len, (enum lws_write_protocol)flags) < (int)len)
			return -1;
		break;

	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		lwsl_user("case %d: connection error: %s\n", current_case,
			  in ? (const char *)in : "");
		/* fallthru */
	case LWS_CALLBACK_CLIENT_CLOSED:
		connection_done();
		break;

	default:
		break;
	}

	return 0;
}

static struct lws_protocols protocols[] = {
	{ "autobahn", callback, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }	/* terminator (LWS_PROTOCOL_LIST_TERM is new in 4.3) */
};

/* --deflate: permessage-deflate offered/accepted, listed the way lws programs list it. */
static const struct lws_extension extensions[] = {
	{ "permessage-deflate", lws_extension_callback_pm_deflate,
	  "permessage-deflate; client_no_context_takeover; client_max_window_bits" },
	{ NULL, NULL, NULL }
};

int
main(int argc, const char **argv)
{
	struct lws_context_creation_info info;
	const char *p;

	lws_set_log_level(LLL_ERR | LLL_WARN | LLL_USER, NULL);
	if ((p = lws_cmdline_option(argc, argv, "-a")))
		address = p;
	if ((p = lws_cmdline_option(argc, argv, "-p")))
		port = atoi(p);
	if ((p = lws_cmdline_option(argc, argv, "--agent")))
		agent = p;
	if ((p = lws_cmdline_option(argc, argv, "--case")))
		only_case = atoi(p);
	host = lws_cmdline_option(argc, argv, "--host");
	tls = !!lws_cmdline_option(argc, argv, "--tls");
	/* 64 KiB reads and RECEIVE chunks (see CLIENT_ESTABLISHED) */
	protocols[0].rx_buffer_size = 65536;

	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
	if (lws_cmdline_option(argc, argv, "--deflate"))
		info.extensions = extensions;
#if defined(LWS_WITH_TLS)
	if (tls) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.client_ssl_ca_filepath = lws_cmdline_option(argc, argv, "--ca");
	}
#else
	if (tls) {
		lwsl_err("--tls: this libwebsockets has no TLS\n");
		return 1;
	}
#endif
	context = lws_create_context(&info);
	if (!context)
		return 1;

	next_connection(NULL);
	while (stage != DONE)
		if (lws_service(context, 0) < 0)
			break;

	lws_context_destroy(context);
	free(buf);
	printf("done\n");

	return 0;
}
