/*
 * lws_smd: peers that unregister themselves, or another peer, from inside a delivery.
 * The message being delivered is not affected; the gone peers get nothing more, and
 * the others still get everything, in order.
 *
 * lws-diff: ours-only: lws frees the peer while its delivery loop still uses it (a use after free)
 */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>

#define CHECK(c) do { if (!(c)) { printf("FAIL: %s (line %d)\n", #c, __LINE__); return 1; } } while (0)

static struct lws_smd_peer *pe, *pf, *pg;
static struct lws_context *cx;
static int delivered;

static int
cb(void *opaque, lws_smd_class_t _class, lws_usec_t timestamp, void *buf, size_t len)
{
	const char *who = (const char *)opaque;

	(void)_class;
	(void)timestamp;
	delivered++;
	printf("  %s: '%.*s'\n", who, (int)len, (const char *)buf);
	if (!strcmp(who, "E") && pe) {
		/* leaves from inside its own first delivery */
		lws_smd_unregister(pe);
		pe = NULL;
	}
	if (!strcmp(who, "F") && pg) {
		/* removes the peer after it in the same round */
		lws_smd_unregister(pg);
		pg = NULL;
		/* and sends a new message from inside the delivery */
		if (lws_smd_msg_printf(cx, LWSSMDCL_INTERACTION, "sent from F"))
			printf("  send from F failed\n");
	}
	return 0;
}

int
main(void)
{
	struct lws_context_creation_info info;
	int guard = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	cx = lws_create_context(&info);
	CHECK(cx);

	CHECK(lws_smd_register(cx, (void *)"D", 0, LWSSMDCL_INTERACTION, cb));
	pe = lws_smd_register(cx, (void *)"E", 0, LWSSMDCL_INTERACTION, cb);
	pf = lws_smd_register(cx, (void *)"F", 0, LWSSMDCL_INTERACTION, cb);
	pg = lws_smd_register(cx, (void *)"G", 0, LWSSMDCL_INTERACTION, cb);
	CHECK(pe && pf && pg);

	CHECK(!lws_smd_msg_printf(cx, LWSSMDCL_INTERACTION, "m%d", 1));
	CHECK(!lws_smd_msg_printf(cx, LWSSMDCL_INTERACTION, "m%d", 2));
	/* E gets m1 only; D and F get m1, m2 and the message F sends while delivering */
	while (delivered < 7 && guard++ < 20)
		lws_service(cx, 0);
	printf("delivered: %d\n", delivered);
	/* nothing is left over for the gone peers */
	delivered = 0;
	CHECK(!lws_smd_msg_printf(cx, LWSSMDCL_INTERACTION, "m3"));
	while (delivered < 2 && guard++ < 40)
		lws_service(cx, 0);
	printf("delivered: %d\n", delivered);
	lws_smd_unregister(pf);
	lws_context_destroy(cx);
	printf("done\n");
	return 0;
}
