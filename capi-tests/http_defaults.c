/*
 * How a vhost gets its protocols when the program gives no array (lws's default:
 * one HTTP protocol that answers 404 and keeps connections alive), when it gives
 * them through info.pprotocols (an array of pointers), and info.finalize at the end.
 *
 *   http_defaults -p PORT -d WWWDIR -m none|pp
 *
 * Prints "listening", then on SIGINT "finalize <vhost name> <arg>" from info.finalize.
 *
 * lws-diff: ours-only: its driver checks lws 4.3's answers (HTTP details differ in 4.1.6)
 */
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int interrupted;
static int finalize_arg = 42;

static void
sigint_handler(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void
finalized(struct lws_vhost *vh, void *arg)
{
	printf("finalize %s %d\n", lws_get_vhost_name(vh), *(int *)arg);
}

static int
callback_dyn(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
	     size_t len)
{
	uint8_t buf[LWS_PRE + 512], *start = &buf[LWS_PRE], *p = start,
		*end = &buf[sizeof(buf) - 1];
	char body[128];
	int n;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		n = lws_snprintf(body, sizeof(body), "dyn %s via %s\n", (const char *)in,
				 lws_get_protocol(wsi)->name);
		if (lws_add_http_common_headers(wsi, HTTP_STATUS_OK, "text/plain",
						(lws_filepos_t)n, &p, end) ||
		    lws_finalize_http_header(wsi, &p, end))
			return 1;
		memcpy(p, body, (size_t)n);
		p += n;
		if (lws_write(wsi, start, lws_ptr_diff_size_t(p, start),
			      LWS_WRITE_HTTP_FINAL) != lws_ptr_diff(p, start))
			return 1;
		return lws_http_transaction_completed(wsi) ? -1 : 0;
	default:
		break;
	}

	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols p_http = { "http", lws_callback_http_dummy, 0, 0, 0, NULL, 0 };
static const struct lws_protocols p_dyn = { "dyn", callback_dyn, 0, 0, 0, NULL, 0 };
static const struct lws_protocols *pprotocols[] = { &p_http, &p_dyn, NULL };

int
main(int argc, const char **argv)
{
	struct lws_context_creation_info info;
	struct lws_http_mount m_root, m_dyn;
	struct lws_context *context;
	const char *www = "www", *mode = "none";
	int port = 7681, i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "-p"))
			port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "-d"))
			www = argv[i + 1];
		else if (!strcmp(argv[i], "-m"))
			mode = argv[i + 1];
	}
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
	signal(SIGINT, sigint_handler);

	memset(&m_dyn, 0, sizeof(m_dyn));
	m_dyn.mountpoint = "/dyn";
	m_dyn.mountpoint_len = 4;
	m_dyn.origin = "dyn";
	m_dyn.origin_protocol = LWSMPRO_CALLBACK;

	memset(&m_root, 0, sizeof(m_root));
	m_root.mountpoint = "/";
	m_root.mountpoint_len = 1;
	m_root.origin = www;
	m_root.def = "index.html";
	m_root.origin_protocol = LWSMPRO_FILE;

	memset(&info, 0, sizeof(info));
	info.port = port;
	info.mounts = &m_root;
	info.vhost_name = "defaults";
	info.finalize = finalized;
	info.finalize_arg = &finalize_arg;
	if (!strcmp(mode, "pp")) {
		m_root.mount_next = &m_dyn;
		info.pprotocols = pprotocols;
	}
	context = lws_create_context(&info);
	if (!context) {
		fprintf(stderr, "lws_create_context failed\n");
		return 1;
	}
	printf("listening on port %d\n", port);
	while (!interrupted)
		if (lws_service(context, 0) < 0)
			break;
	lws_context_destroy(context);

	return 0;
}
