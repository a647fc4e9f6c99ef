/*
 * tls_adopt: sockets the program accepts itself and hands to a TLS vhost with
 * lws_adopt_socket_vhost (which asks for LWS_ADOPT_ALLOW_SSL), as a program with its own
 * listener (or one inheriting sockets from systemd) does.  Driven by tls_adopt.py.
 *
 *   tls_adopt CERTDIR
 *
 * Prints "port N" for its own listener.  The vhost has a certificate and no listener of
 * its own: an adopted socket must speak TLS from its first byte, never plain text.  A
 * second vhost without a certificate takes sockets adopted with lws_adopt_descriptor_vhost
 * and LWS_ADOPT_ALLOW_SSL, which lws ignores there: those are served in clear text.
 */
/* lws-diff: ours-only: lws 4.1.6 with OpenSSL logs its handshakes and closes differently */
#include <libwebsockets.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int interrupted;

static int
http_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	if (reason == LWS_CALLBACK_FILTER_HTTP_CONNECTION)
		printf("HTTP vhost=%s is_ssl=%d uri=%s\n", lws_get_vhost_name(lws_get_vhost(wsi)),
		       lws_is_ssl(wsi), (const char *)in);

	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
	{ "http", http_cb, 0, 0, 0, NULL, 0 },
	LWS_PROTOCOL_LIST_TERM
};

static char origin[512];

static const struct lws_http_mount mount = {
	.mountpoint = "/",
	.mountpoint_len = 1,
	.origin = origin,
	.def = "index.html",
	.origin_protocol = LWSMPRO_FILE,
};

static void
sigint(int s)
{
	(void)s;
	interrupted = 1;
}

static int
own_listener(int *port)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 16) ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl)) {
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	*port = ntohs(sin.sin_port);
	return fd;
}

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_vhost *tls_vh, *plain_vh;
	char cert[512], key[512];
	struct lws_context *cx;
	int lfd, port, n = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: tls_adopt CERTDIR\n");
		return 2;
	}
	signal(SIGINT, sigint);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.timeout_secs = 10;	/* generous: the suite runs tests side by side */
	cx = lws_create_context(&info);
	if (!cx)
		return 1;

	snprintf(origin, sizeof(origin), "%s/www", argv[1]);
	snprintf(cert, sizeof(cert), "%s/a.test.pem", argv[1]);
	snprintf(key, sizeof(key), "%s/a.test.key", argv[1]);

	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
	info.vhost_name = "tls";
	info.protocols = protocols;
	info.mounts = &mount;
	info.ssl_cert_filepath = cert;
	info.ssl_private_key_filepath = key;
	tls_vh = lws_create_vhost(cx, &info);

	info.vhost_name = "plain";
	info.ssl_cert_filepath = NULL;
	info.ssl_private_key_filepath = NULL;
	plain_vh = lws_create_vhost(cx, &info);
	if (!tls_vh || !plain_vh) {
		printf("vhost creation failed\n");
		return 1;
	}

	lfd = own_listener(&port);
	if (lfd < 0)
		return 1;
	printf("port %d\n", port);

	while (!interrupted && lws_service(cx, 20) >= 0) {
		lws_sock_file_fd_type d;
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0)
			continue;
		/* alternate: even connections to the TLS vhost, odd to the plain one */
		if (!(n++ & 1)) {
			if (!lws_adopt_socket_vhost(tls_vh, fd))
				printf("adopt (tls) failed\n");
		} else {
			d.sockfd = fd;
			if (!lws_adopt_descriptor_vhost(plain_vh, LWS_ADOPT_SOCKET |
					LWS_ADOPT_HTTP | LWS_ADOPT_ALLOW_SSL, d, NULL, NULL))
				printf("adopt (plain) failed\n");
		}
	}
	close(lfd);
	lws_context_destroy(cx);
	printf("done\n");
	return 0;
}
