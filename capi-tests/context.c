/*
 * context: contexts and vhosts without any traffic: explicit vhosts, listen ports,
 * lookups, PROTOCOL_INIT/DESTROY per vhost, bad arguments failing cleanly.
 */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>

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
cb_fail_init(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	(void)wsi; (void)user; (void)in; (void)len;
	return reason == LWS_CALLBACK_PROTOCOL_INIT;
}

static struct lws_protocols protocols[] = {
	{ "one", cb, 0, 0, 0, NULL, 0 },
	{ "two", cb, 0, 0, 0, NULL, 0 },
	LWS_PROTOCOL_LIST_TERM
};

static struct lws_protocols bad_protocols[] = {
	{ "bad", cb_fail_init, 0, 0, 0, NULL, 0 },
	LWS_PROTOCOL_LIST_TERM
};

#define CHECK(c, what) do { if (!(c)) { printf("FAIL: %s\n", what); return 1; } \
			    printf("ok   %s\n", what); } while (0)

int
main(void)
{
	struct lws_context_creation_info info;
	struct lws_context *cx;
	struct lws_vhost *a, *b, *c;
	int port_a, uv = 42;

	lws_set_log_level(0, NULL);	/* the failures below log errors on purpose */

	CHECK(lws_create_context(NULL) == NULL, "NULL info fails");

	memset(&info, 0, sizeof info);
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	info.user = &uv;
	cx = lws_create_context(&info);
	CHECK(cx != NULL, "context with explicit vhosts");
	CHECK(lws_context_user(cx) == &uv, "lws_context_user");
	CHECK(lws_get_vhost_by_name(cx, "default") == NULL, "no default vhost with EXPLICIT_VHOSTS");
	CHECK(lws_context_is_being_destroyed(cx) == 0, "not being destroyed");

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

	info.vhost_name = "b";
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.iface = NULL;
	b = lws_create_vhost(cx, &info);
	CHECK(b != NULL, "vhost b without listener");
	CHECK(lws_get_vhost_by_name(cx, "a") == a && lws_get_vhost_by_name(cx, "b") == b,
	      "vhosts by name");
	CHECK(!strcmp(lws_vhost_name_to_protocol(b, "two")->name, "two"), "protocol by name");
	CHECK(inits == 4, "PROTOCOL_INIT for each protocol of each vhost");

	info.vhost_name = "c";
	info.port = port_a;
	info.iface = "127.0.0.1";
	c = lws_create_vhost(cx, &info);
	CHECK(c == NULL, "binding a port in use fails");
	info.port = 0;
	info.iface = "no-such-interface0";
	CHECK(lws_create_vhost(cx, &info) == NULL, "unknown interface fails");
	info.iface = NULL;
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = bad_protocols;
	CHECK(lws_create_vhost(cx, &info) == NULL, "a failing PROTOCOL_INIT fails the vhost");

	lws_vhost_destroy(b);
	CHECK(destroys == 2 && lws_get_vhost_by_name(cx, "b") == NULL,
	      "lws_vhost_destroy: PROTOCOL_DESTROY, gone");

	CHECK(lws_service(cx, -1) == 0, "lws_service with nothing to do returns");
	lws_cancel_service(cx);
	CHECK(lws_service(cx, 0) == 0, "lws_cancel_service wakes lws_service");

	lws_context_destroy(cx);
	CHECK(destroys == 4, "context destroy: PROTOCOL_DESTROY for the rest");
	printf("order: %s\n", order);

	/* NULLs from C fail the way lws fails, without crashing */
	CHECK(lws_service(NULL, 0) < 0, "lws_service(NULL)");
	CHECK(lws_get_vhost_by_name(NULL, "a") == NULL, "lws_get_vhost_by_name(NULL)");
	CHECK(lws_callback_on_writable(NULL) < 0, "lws_callback_on_writable(NULL)");
	CHECK(lws_write(NULL, NULL, 0, LWS_WRITE_TEXT) < 0, "lws_write(NULL)");
	lws_context_destroy(NULL);
	lws_cancel_service(NULL);
	printf("ok   NULL destroy/cancel are no-ops\n");

	return 0;
}
