/*
 * A vhost whose protocol fails PROTOCOL_INIT.
 *
 * lws 4.1.6 crashes here (in lws_protocol_init).  lws 4.3's lws_create_vhost calls
 * lws_protocol_init(), which logs "init vhost %s failed" and still returns 0, so the
 * vhost is returned; the failed protocol is not marked initialised (no
 * PROTOCOL_DESTROY for that vhost later).  Ours does the same.
 */
/* lws-diff: ours-only: lws 4.1.6 crashes creating a vhost whose PROTOCOL_INIT fails (lws 4.3 returns the vhost, as ours does) */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>

static int
cb_fail_init(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	(void)wsi; (void)user; (void)in; (void)len;
	return reason == LWS_CALLBACK_PROTOCOL_INIT;
}

static struct lws_protocols bad_protocols[] = {
	{ "bad", cb_fail_init, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

int
main(void)
{
	struct lws_context_creation_info info;
	struct lws_context *cx;
	struct lws_vhost *vh;

	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(0, NULL);	/* the failure logs errors on purpose */

	memset(&info, 0, sizeof info);
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	cx = lws_create_context(&info);
	if (!cx) {
		printf("FAIL: context\n");
		return 1;
	}
	lws_service(cx, -1);	/* protocols of vhosts created from now on init at once */

	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = bad_protocols;
	info.vhost_name = "bad";
	vh = lws_create_vhost(cx, &info);
	printf("a vhost whose PROTOCOL_INIT fails: %s\n", vh ? "created" : "NULL");

	lws_context_destroy(cx);
	printf("context destroyed\n");

	return 0;
}
