/*
 * Small lookups and helpers: lws_vhost_user (the default vhost's user pointer),
 * lws_get_peer_simple_fd (a loopback peer, a non-socket), lws_urlencode (escaping and
 * its output-length rule).  lws_protocol_get is checked in a callback that has a wsi.
 */
#include <libwebsockets.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* lws 4.1.6 marks lws_protocol_get deprecated; it is still the API */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

static int protocol_get_ok = -1;

static int
cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
   size_t len)
{
	(void)user;
	(void)in;
	(void)len;
	if (reason == LWS_CALLBACK_PROTOCOL_INIT && wsi)
		protocol_get_ok = lws_protocol_get(wsi) == lws_get_protocol(wsi) &&
				  lws_protocol_get(wsi) &&
				  !strcmp(lws_protocol_get(wsi)->name, "misc3");

	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "misc3", cb, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

int
main(void)
{
	struct lws_context_creation_info info;
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct lws_context *cx;
	struct lws_vhost *vh;
	char name[64], esc[64];
	int marker = 42, l, c, a, n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.user = &marker;
	cx = lws_create_context(&info);
	if (!cx)
		return 1;
	vh = lws_get_vhost_by_name(cx, "default");
	printf("default vhost: %d\n", vh != NULL);
	if (vh)
		printf("lws_vhost_user: %d (same as lws_get_vhost_user %d)\n",
		       lws_vhost_user(vh) == &marker,
		       lws_vhost_user(vh) == lws_get_vhost_user(vh));
	/* protocols are initialised by the first service */
	lws_service(cx, 0);
	printf("lws_protocol_get in PROTOCOL_INIT: %d\n", protocol_get_ok);
	lws_context_destroy(cx);

	/* a loopback TCP pair */
	l = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(l, (struct sockaddr *)&sin, sizeof(sin)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&sin, &sl))
		return 1;
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (struct sockaddr *)&sin, sizeof(sin)))
		return 1;
	a = accept(l, NULL, NULL);
	printf("peer of accepted: %s\n", lws_get_peer_simple_fd(a, name, sizeof(name)));
	printf("peer of listener: %s\n", lws_get_peer_simple_fd(l, name, sizeof(name)));
	n = open("/dev/null", 0);
	printf("peer of a file: %s\n", lws_get_peer_simple_fd(n, name, sizeof(name)));
	printf("peer, short buffer: '%s'\n", lws_get_peer_simple_fd(a, name, 4));
	close(n);
	close(a);
	close(c);
	close(l);

	printf("urlencode: '%s'\n",
	       lws_urlencode(esc, "a b&c=d/\xc3\xa9~_.-", (int)sizeof(esc)));
	printf("urlencode len 6: '%s'\n", lws_urlencode(esc, "abcdef", 6));
	printf("urlencode len 8: '%s'\n", lws_urlencode(esc, "&&&", 8));
	printf("urlencode len 3: '%s'\n", lws_urlencode(esc, "abc", 3));
	printf("urlencode empty: '%s'\n", lws_urlencode(esc, "", (int)sizeof(esc)));

	return 0;
}
