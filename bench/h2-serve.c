/*
 * h2-serve: the HTTP/2 bench's server, a static-file server written the way lws's
 * minimal http servers are (one file mount, the stock "http" protocol), built against
 * each library by bench/h2.py.
 *
 *   h2-serve -p PORT -d DIR [--prior] [--cert PEM --key PEM]
 *
 * Plain text serves HTTP/1.1; --prior (LWS_SERVER_OPTION_H2_PRIOR_KNOWLEDGE) makes it
 * h2c with prior knowledge instead, which is how lws 4.1 serves h2c at all;
 * --cert/--key serve TLS, where ALPN offers lws's default "h2,http/1.1".  Port 0 picks a free one; "listening on port N" is printed once the
 * context exists, "bye" after SIGINT.
 */
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile int interrupted;

static void
on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static struct lws_protocols protocols[] = {
	{ "http", lws_callback_http_dummy, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

int
main(int argc, const char **argv)
{
	struct lws_context_creation_info info;
	struct lws_http_mount mount;
	struct lws_context *context;
	const char *p;
	int port = 7681;

	signal(SIGINT, on_sigint);
	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	if ((p = lws_cmdline_option(argc, argv, "-p")))
		port = atoi(p);

	memset(&mount, 0, sizeof(mount));
	mount.mountpoint = "/";
	mount.mountpoint_len = 1;
	mount.origin = lws_cmdline_option(argc, argv, "-d");
	if (!mount.origin)
		mount.origin = ".";
	mount.def = "index.html";
	mount.origin_protocol = LWSMPRO_FILE;

	memset(&info, 0, sizeof(info));
	info.port = port;
	info.protocols = protocols;
	info.mounts = &mount;
	/* as lws's minimal servers: one address family, so both libraries listen alike */
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	if (lws_cmdline_option(argc, argv, "--prior"))
		info.options |= LWS_SERVER_OPTION_H2_PRIOR_KNOWLEDGE;
	if ((p = lws_cmdline_option(argc, argv, "--cert"))) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = p;
		info.ssl_private_key_filepath = lws_cmdline_option(argc, argv, "--key");
	}

	context = lws_create_context(&info);
	if (!context) {
		fprintf(stderr, "h2-serve: context creation failed\n");
		return 1;
	}
	printf("listening on port %d\n",
	       lws_get_vhost_listen_port(lws_get_vhost_by_name(context, "default")));

	while (!interrupted)
		if (lws_service(context, 0) < 0)
			break;

	lws_context_destroy(context);
	printf("bye\n");

	return 0;
}
