/*
 * context: contexts and vhosts without any traffic: explicit vhosts, listen ports,
 * lookups, PROTOCOL_INIT/DESTROY per vhost, bad arguments failing cleanly.  (NULL
 * arguments that lws itself dereferences are in null_args.c, a vhost whose PROTOCOL_INIT
 * fails in vhost_init_fail.c.)
 */
#include <libwebsockets.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int inits, destroys;
static char order[256];

static int
cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	(void)user; (void)in; (void)len;
	switch (reason) {
	case LWS_CALLBACK_PROTOCOL_INIT:
		inits++;
		strcat(order, "I:");
		strcat(order, lws_get_vhost_name(lws_get_vhost(wsi)));
		strcat(order, " ");
		break;
	case LWS_CALLBACK_PROTOCOL_DESTROY:
		destroys++;
		strcat(order, "D:");
		strcat(order, lws_get_vhost_name(lws_get_vhost(wsi)));
		strcat(order, " ");
		break;
	default:
		break;
	}
	return 0;
}

static int
cb_quiet(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	(void)wsi; (void)reason; (void)user; (void)in; (void)len;
	return 0;
}

static struct lws_protocols protocols[] = {
	{ "one", cb, 0, 0, 0, NULL, 0 },
	{ "two", cb, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }	/* terminator (LWS_PROTOCOL_LIST_TERM is new in 4.3) */
};

/* for the vhosts that may or may not be created: they leave no trace in the counts */
static struct lws_protocols quiet_protocols[] = {
	{ "quiet", cb_quiet, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

#define CHECK(c, what) do { if (!(c)) { printf("FAIL: %s\n", what); return 1; } \
			    printf("ok   %s\n", what); } while (0)

/* A port on 127.0.0.1 that a socket of ours listens on (not an lws vhost). */
static int
port_in_use(int *fd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	*fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (*fd < 0 || bind(*fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(*fd, 1) ||
	    getsockname(*fd, (struct sockaddr *)&sa, &len))
		return -1;

	return ntohs(sa.sin_port);
}

/* An observation: printed either way, so the transcript shows what happened. */
#define SEE(c, what) printf("%s %s\n", (c) ? "yes " : "no  ", what)

int
main(void)
{
	struct lws_context_creation_info info;
	struct lws_context *cx;
	struct lws_vhost *a, *b, *c;
	int port_a, uv = 42, n, fd;

	setvbuf(stdout, NULL, _IOLBF, 0);	/* the transcript up to a crash, if any */
	lws_set_log_level(0, NULL);	/* the failures below log errors on purpose */

	memset(&info, 0, sizeof info);
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	info.user = &uv;
	cx = lws_create_context(&info);
	CHECK(cx != NULL, "context with explicit vhosts");
	CHECK(lws_context_user(cx) == &uv, "lws_context_user");
	CHECK(lws_get_vhost_by_name(cx, "default") == NULL, "no default vhost with EXPLICIT_VHOSTS");

	memset(&info, 0, sizeof info);
	info.port = 0;
	info.protocols = protocols;
	info.vhost_name = "a";
	info.iface = "127.0.0.1";
	info.user = &port_a;
	a = lws_create_vhost(cx, &info);
	CHECK(a != NULL, "vhost a on an ephemeral port");
	port_a = lws_get_vhost_listen_port(a);
	CHECK(port_a > 0 && lws_get_vhost_port(a) == port_a, "ephemeral port is reported");
	CHECK(lws_get_vhost_user(a) == &port_a, "lws_get_vhost_user");

	/* lws runs PROTOCOL_INIT of the vhosts there are in the first lws_service */
	printf("PROTOCOL_INIT before the first lws_service: %d\n", inits);
	n = lws_service(cx, -1);
	printf("first lws_service(cx, -1) = %d, PROTOCOL_INIT now: %d\n", n, inits);
	CHECK(inits == 2, "PROTOCOL_INIT for each protocol of vhost a");

	/* ... and at once for a vhost created after that */
	info.vhost_name = "b";
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.iface = NULL;
	b = lws_create_vhost(cx, &info);
	CHECK(b != NULL, "vhost b without listener");
	CHECK(inits == 4, "PROTOCOL_INIT for each protocol of vhost b, at once");
	CHECK(lws_get_vhost_by_name(cx, "a") == a && lws_get_vhost_by_name(cx, "b") == b,
	      "vhosts by name");
	CHECK(!strcmp(lws_vhost_name_to_protocol(b, "two")->name, "two"), "protocol by name");

	info.protocols = quiet_protocols;
	info.vhost_name = "c";
	info.port = port_a;
	info.iface = "127.0.0.1";
	c = lws_create_vhost(cx, &info);
	SEE(c != NULL, "a second vhost on vhost a's port shares its listener");
	if (c)
		lws_vhost_destroy(c);
	info.vhost_name = "e";
	info.port = port_in_use(&fd);
	CHECK(info.port > 0, "a port some other socket listens on");
	c = lws_create_vhost(cx, &info);
	SEE(c == NULL, "binding a port some other socket listens on fails the vhost");
	if (c)
		lws_vhost_destroy(c);
	close(fd);
	info.vhost_name = "d";
	info.port = 0;
	info.iface = "no-such-interface0";
	c = lws_create_vhost(cx, &info);
	SEE(c != NULL, "an interface that does not exist (yet) still gives a vhost");
	if (c)
		lws_vhost_destroy(c);
	info.protocols = protocols;

	lws_vhost_destroy(b);
	CHECK(destroys == 2 && lws_get_vhost_by_name(cx, "b") == NULL,
	      "lws_vhost_destroy: PROTOCOL_DESTROY, gone");

	CHECK(lws_service(cx, -1) == 0, "lws_service with nothing to do returns");
	lws_cancel_service(cx);
	CHECK(lws_service(cx, 0) == 0, "lws_cancel_service wakes lws_service");

	lws_context_destroy(cx);
	CHECK(destroys == 4, "context destroy: PROTOCOL_DESTROY for the rest");
	printf("order: %s\n", order);

	/* the NULL context lws itself checks for */
	printf("lws_service(NULL, 0) = %d\n", lws_service(NULL, 0));
	lws_context_destroy(NULL);
	printf("ok   lws_context_destroy(NULL) is a no-op\n");

	return 0;
}
