/*
 * client_edges: HTTP client corners real lws programs hit, driven by client_edges.py.
 *
 *   client_edges destroy PORT     three GETs to a port nobody listens on; the callback
 *                                 of the last failure destroys the context, as lws's
 *                                 minimal-http-client-multi does; the program's loop
 *                                 then ends and it destroys the context again
 *   client_edges pipeline PORT    five LCCSCF_PIPELINE GETs to that port: the four
 *                                 queued behind the first must fail with it
 *   client_edges tls PORT HOST FLAGS [CAFILE]
 *                                 one GET to https://127.0.0.1:PORT/ with SNI and Host
 *                                 HOST and the LCCSCF_* FLAGS, trusting CAFILE
 */
/* lws-diff: ours-only: the connection error texts are this library's (lws's depend on OpenSSL's wording) */
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int port, expected, failed, completed, flags;
static const char *mode, *host;

static int
cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	char buf[LWS_PRE + 256], *p;
	int n;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		failed++;
		if (!strcmp(mode, "tls"))
			printf("CONNECTION_ERROR%s%s\n",
			       in && strstr((const char *)in, "hostname") ? " (hostname)" : "",
			       in && strstr((const char *)in, "self-signed") ? " (self-signed)" : "");
		else
			printf("CONNECTION_ERROR %d\n", failed);
		if (failed + completed == expected && !strcmp(mode, "destroy")) {
			printf("destroying the context from the callback\n");
			lws_context_destroy(lws_get_context(wsi));
			printf("back in the callback\n");
		}
		break;
	case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
		printf("ESTABLISHED_CLIENT_HTTP %d\n", lws_http_client_http_response(wsi));
		break;
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
		printf("READ %.*s", (int)len, (const char *)in);
		return 0;
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP:
		p = buf + LWS_PRE;
		n = sizeof(buf) - LWS_PRE;
		if (lws_http_client_read(wsi, &p, &n) < 0)
			return -1;
		return 0;
	case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
		completed++;
		printf("COMPLETED\n");
		break;
	default:
		break;
	}

	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
	{ "http", cb, 0, 0, 0, NULL, 0 },
	LWS_PROTOCOL_LIST_TERM
};

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	struct lws_context *cx;
	int n, loops = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3 || (!strcmp(argv[1], "tls") && argc < 5)) {
		fprintf(stderr, "usage: client_edges destroy|pipeline PORT | tls PORT HOST FLAGS [CA]\n");
		return 2;
	}
	mode = argv[1];
	port = atoi(argv[2]);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.timeout_secs = 5;
	info.connect_timeout_secs = 5;
	if (!strcmp(mode, "tls")) {
		host = argv[3];
		flags = (int)strtol(argv[4], NULL, 0);
		info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		if (argc > 5)
			info.client_ssl_ca_filepath = argv[5];
	}
	cx = lws_create_context(&info);
	if (!cx) {
		printf("context: refused\n");
		return 1;
	}

	expected = !strcmp(mode, "destroy") ? 3 : !strcmp(mode, "pipeline") ? 5 : 1;
	for (n = 0; n < expected; n++) {
		memset(&ci, 0, sizeof(ci));
		ci.context = cx;
		ci.address = "127.0.0.1";
		ci.port = port;
		ci.path = "/";
		ci.host = host ? host : "127.0.0.1";
		ci.origin = ci.host;
		ci.method = "GET";
		ci.protocol = protocols[0].name;
		ci.ssl_connection = flags;
		if (!strcmp(mode, "pipeline"))
			ci.ssl_connection |= LCCSCF_PIPELINE;
		if (!lws_client_connect_via_info(&ci)) {
			failed++;
			printf("connect: NULL\n");
		}
	}

	/* as lws's examples loop: until lws_service says the context cannot serve */
	while (failed + completed < expected && loops++ < 1000)
		if (lws_service(cx, 0))
			break;
	if (!strcmp(mode, "destroy")) {
		printf("lws_service: %d, being destroyed: %d\n", lws_service(cx, 0),
		       lws_context_is_being_destroyed(cx));
		/* a second lws_service must not serve either */
		printf("again: %d\n", lws_service(cx, 0));
	}
	lws_context_destroy(cx);
	printf("failed %d completed %d of %d\n", failed, completed, expected);

	return failed + completed == expected ? 0 : 1;
}
