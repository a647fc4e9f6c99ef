/*
 * lws_system: the context's blobs (direct and heap), the system ops from the creation
 * info, and lws_state managers with notifiers that watch and veto transitions.
 *
 * lws-diff: ours-only: 4.1.6's lws_system_blob_get_single_ptr fails on a one-piece heap blob (4.3 gives its pointer)
 */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>

#define CHECK(c) do { if (!(c)) { printf("FAIL: %s (line %d)\n", #c, __LINE__); return 1; } } while (0)

static int reboots;
static int my_reboot(void) { return ++reboots; }

static int veto_at = -1;

static int
notify(struct lws_state_manager *mgr, struct lws_state_notify_link *link,
       int current, int target)
{
	printf("  %s: %s %d -> %d\n", link->name, mgr->name, current, target);
	return target == veto_at && current != target;
}

static const char *names[] = { "zero", "one", "two", "three", "four" };

int
main(void)
{
	struct lws_context_creation_info info;
	lws_state_notify_link_t n1 = { .notify_cb = notify, .name = "n1" },
				n2 = { .notify_cb = notify, .name = "n2" };
	lws_state_notify_link_t *list[] = { &n1, NULL };
	static const uint8_t serial[] = "SN-0042";
	lws_system_ops_t ops;
	lws_state_manager_t mgr;
	struct lws_context *cx;
	lws_system_blob_t *b, *h;
	const uint8_t *ptr;
	uint8_t buf[32];
	size_t len;
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR, NULL);
	memset(&ops, 0, sizeof(ops));
	ops.reboot = my_reboot;
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.system_ops = &ops;
	cx = lws_create_context(&info);
	CHECK(cx);

	CHECK(lws_system_get_ops(cx) == &ops);
	printf("reboot op through the context: %d\n", lws_system_get_ops(cx)->reboot());

	/* a direct blob points at the caller's memory */
	b = lws_system_get_blob(cx, LWS_SYSBLOB_TYPE_DEVICE_SERIAL, 0);
	CHECK(b);
	lws_system_blob_direct_set(b, serial, strlen((const char *)serial));
	printf("direct size: %u\n", (unsigned int)lws_system_blob_get_size(b));
	len = 4;
	memset(buf, 0, sizeof(buf));
	r = lws_system_blob_get(b, buf, &len, 3);
	printf("direct get 4 at 3: %d len %u '%s'\n", r, (unsigned int)len, buf);
	len = sizeof(buf);
	r = lws_system_blob_get(b, buf, &len, 7);
	printf("direct get past the end: %d len %u\n", r, (unsigned int)len);
	CHECK(!lws_system_blob_get_single_ptr(b, &ptr) && ptr == serial);
	printf("direct single ptr: the caller's\n");

	/* a heap blob is a copy, built from pieces */
	h = lws_system_get_blob(cx, LWS_SYSBLOB_TYPE_AUTH, 1);
	CHECK(h && h != b);
	lws_system_blob_heap_empty(h);
	printf("empty heap size: %u, single ptr: %d\n",
	       (unsigned int)lws_system_blob_get_size(h),
	       lws_system_blob_get_single_ptr(h, &ptr));
	CHECK(!lws_system_blob_heap_append(h, (const uint8_t *)"token-", 6));
	CHECK(!lws_system_blob_get_single_ptr(h, &ptr) && !memcmp(ptr, "token-", 6));
	printf("one piece: single ptr ok\n");
	CHECK(!lws_system_blob_heap_append(h, (const uint8_t *)"abc", 3));
	printf("two pieces: size %u, single ptr %d\n",
	       (unsigned int)lws_system_blob_get_size(h),
	       lws_system_blob_get_single_ptr(h, &ptr));
	len = 5;
	memset(buf, 0, sizeof(buf));
	r = lws_system_blob_get(h, buf, &len, 4);
	printf("heap get 5 at 4: %d len %u '%s'\n", r, (unsigned int)len, buf);
	len = 5;
	r = lws_system_blob_get(h, buf, &len, 20);
	printf("heap get past the end: %d len %u\n", r, (unsigned int)len);
	lws_system_blob_destroy(h);
	printf("destroyed heap size: %u\n", (unsigned int)lws_system_blob_get_size(h));
	printf("blob out of range: %s\n",
	       lws_system_get_blob(cx, LWS_SYSBLOB_TYPE_DEVICE_SERIAL, -1) ? "blob" : "NULL");

	/* the context's own state manager */
	CHECK(lws_system_get_state_manager(cx));
	CHECK(lws_system_context_from_system_mgr(lws_system_get_state_manager(cx)) == cx);
	printf("system manager: '%s'\n", lws_system_get_state_manager(cx)->name);

	/* a manager of our own */
	memset(&mgr, 0, sizeof(mgr));
	mgr.name = "mine";
	mgr.state_names = names;
	lws_state_reg_notifier_list(&mgr, list);
	lws_state_reg_notifier(&mgr, &n2);
	printf("steps to 3:\n");
	lws_state_transition_steps(&mgr, 3);
	printf("state %d\n", mgr.state);
	veto_at = 4;
	printf("jump to 4, vetoed:\n");
	lws_state_transition(&mgr, 4);
	printf("state %d\n", mgr.state);
	lws_state_reg_deregister(&n2);
	veto_at = -1;
	printf("back to 1 without n2:\n");
	lws_state_transition(&mgr, 1);
	printf("state %d\n", mgr.state);
	printf("steps backwards do nothing:\n");
	lws_state_transition_steps(&mgr, 0);
	printf("state %d\n", mgr.state);

	lws_context_destroy(cx);
	printf("done\n");
	return 0;
}
