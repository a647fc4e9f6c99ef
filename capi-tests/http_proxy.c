/*
 * http_proxy: clients of a vhost with an HTTP proxy, driven by http_proxy.py (which runs
 * the proxy, logging each CONNECT, and a ws + HTTP server in clear text on PORT and over
 * TLS on TLSPORT).
 *
 *   http_proxy HOW PROXY PORT TLSPORT CAFILE CASE...
 *
 * HOW: "info"  the proxy is the creation info's http_proxy_address
 *      "port"  http_proxy_address without a port, http_proxy_port PROXY's port
 *      "set"   lws_set_proxy() on the vhost after it is made (bad strings first)
 *      "env"   neither: lws reads the http_proxy environment variable
 * CASE (one after the other):
 *      ws       ws://127.0.0.1:PORT/, sends "hi", prints the echo
 *      wss      the same over TLS to localhost:TLSPORT
 *      get      GET http://127.0.0.1:PORT/plain, prints status and body
 *      gets     GET https://localhost:TLSPORT/secure
 *      nowhere  GET http://nowhere.invalid/ (the proxy cannot reach it: 502)
 *      redirect GET http://127.0.0.1:PORT/redir, a 302 to /plain: the next hop goes
 *               through the proxy too
 */
/* lws-diff: ours-only `CONNECTION_ERROR: (http_proxy -> 502|proxy not h1)$`: lws 4.3 names the proxy's status ("http_proxy -> %u"), 4.1.6 says "proxy not h1" */
/* lws-diff: ours-only `bad port`: deliberate: lws takes "host:port" with a port atoi reads as 0 and returns 0 (its clients then go around the proxy); ours refuses it with -1 and an error */
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct lws_context *cx;
static struct lws_vhost *vh;
static int port, tlsport, next_case, ncases, done;
static char **cases;
static lws_usec_t completed_at;

static void start_next(void);

static int
cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	char buf[LWS_PRE + 512], *px = buf + LWS_PRE;
	int lenx = (int)sizeof(buf) - LWS_PRE;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf("  CONNECTION_ERROR: %s\n", in ? (const char *)in : "(null)");
		start_next();
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		printf("  ESTABLISHED is_ssl=%d\n", lws_is_ssl(wsi));
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		memcpy(px, "hi", 2);
		if (lws_write(wsi, (unsigned char *)px, 2, LWS_WRITE_TEXT) != 2)
			return -1;
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		printf("  RECEIVE %.*s\n", (int)len, (const char *)in);
		return -1;
	case LWS_CALLBACK_CLIENT_CLOSED:
		printf("  CLOSED\n");
		start_next();
		break;
	case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
		printf("  ESTABLISHED_CLIENT_HTTP %u is_ssl=%d\n",
		       lws_http_client_http_response(wsi), lws_is_ssl(wsi));
		break;
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
		printf("  body: %.*s", (int)len, (const char *)in);
		break;
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP:
		if (lws_http_client_read(wsi, &px, &lenx) < 0)
			return -1;
		return 0;
	case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
		printf("  COMPLETED_CLIENT_HTTP\n");
		completed_at = lws_now_usecs();
		break;
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
		/* the servers close after their answer (over TLS with a close_notify, the
		 * socket left open): that close, not the client's idle timer, ends it */
		printf("  CLOSED_CLIENT_HTTP%s\n", completed_at &&
		       lws_now_usecs() - completed_at > 3 * LWS_US_PER_SEC ?
		       " (by the idle timer, not the server's close)" : "");
		completed_at = 0;
		start_next();
		break;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
	{ "echo", cb, 0, 512, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void
start_next(void)
{
	struct lws_client_connect_info ci;
	const char *c;

	if (next_case >= ncases) {
		done = 1;
		return;
	}
	c = cases[next_case++];
	printf("%s:\n", c);
	memset(&ci, 0, sizeof(ci));
	ci.context = cx;
	ci.vhost = vh;
	ci.address = "127.0.0.1";
	ci.port = port;
	ci.path = "/";
	ci.protocol = "echo";
	if (!strcmp(c, "wss") || !strcmp(c, "gets")) {
		ci.address = "localhost";
		ci.port = tlsport;
		ci.ssl_connection = LCCSCF_USE_SSL;
	}
	if (!strcmp(c, "get"))
		ci.path = "/plain";
	if (!strcmp(c, "redirect"))
		ci.path = "/redir";
	if (!strcmp(c, "gets"))
		ci.path = "/secure";
	if (!strcmp(c, "nowhere")) {
		ci.address = "nowhere.invalid";
		ci.port = 80;
	}
	if (!strcmp(c, "get") || !strcmp(c, "gets") || !strcmp(c, "nowhere") ||
	    !strcmp(c, "redirect")) {
		ci.method = "GET";
		ci.alpn = "http/1.1";
	}
	ci.host = ci.address;
	if (!lws_client_connect_via_info(&ci)) {
		printf("  connect: NULL\n");
		start_next();
	}
}

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	char noport[128], *colon;
	time_t end;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 7) {
		fprintf(stderr, "usage: http_proxy HOW PROXY PORT TLSPORT CAFILE CASE...\n");
		return 2;
	}
	port = atoi(argv[3]);
	tlsport = atoi(argv[4]);
	cases = argv + 6;
	ncases = argc - 6;
	/* HP_DEBUG=1 in the environment: lws's info logs on stderr */
	lws_set_log_level(getenv("HP_DEBUG") ? LLL_ERR | LLL_WARN | LLL_NOTICE | LLL_INFO :
			  LLL_ERR, NULL);

	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.protocols = protocols;
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.client_ssl_ca_filepath = argv[5];
	info.timeout_secs = 10;
	if (!strcmp(argv[1], "info"))
		info.http_proxy_address = argv[2];
	if (!strcmp(argv[1], "port")) {
		/* "host:port" split into the address and http_proxy_port */
		snprintf(noport, sizeof(noport), "%s", argv[2]);
		colon = strrchr(noport, ':');
		if (!colon)
			return 2;
		*colon = '\0';
		info.http_proxy_address = noport;
		info.http_proxy_port = (unsigned int)atoi(colon + 1);
	}
	cx = lws_create_context(&info);
	if (!cx) {
		printf("context: refused\n");
		return 1;
	}
	vh = lws_get_vhost_by_name(cx, "default");
	if (!strcmp(argv[1], "set")) {
		printf("lws_set_proxy(NULL string) = %d\n", lws_set_proxy(vh, NULL));
		printf("lws_set_proxy(no port) = %d\n", lws_set_proxy(vh, "127.0.0.1"));
		printf("lws_set_proxy(bad port) = %d\n", lws_set_proxy(vh, "127.0.0.1:port"));
		printf("lws_set_proxy(proxy) = %d\n", lws_set_proxy(vh, argv[2]));
	}
	start_next();
	end = time(NULL) + 30;
	while (!done && time(NULL) < end)
		if (lws_service(cx, 50) < 0)
			break;
	lws_context_destroy(cx);
	printf("%s\n", done ? "done" : "timed out");
	return 0;
}
