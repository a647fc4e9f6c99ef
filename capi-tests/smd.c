/*
 * lws_smd: peers with class filters, messages of each class made with lws_smd_msg_printf
 * and with alloc/send, delivery only from the service loop and in send order, messages
 * sent from a second thread, the early peer from the creation info (which sees the
 * context's SYSTEM_STATE messages), and, on 4.3, the queue depth and TTL.
 *
 * lws-diff: ours-only `^(depth 3|delivered after the TTL|  D: |then a fresh)`: 4.1.6's creation info has no smd_queue_depth / smd_ttl_us
 */
#include <libwebsockets.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LWS_43 (LWS_LIBRARY_VERSION_MAJOR > 4 || \
		(LWS_LIBRARY_VERSION_MAJOR == 4 && LWS_LIBRARY_VERSION_MINOR >= 3))

#define CHECK(c) do { if (!(c)) { printf("FAIL: %s (line %d)\n", #c, __LINE__); return 1; } } while (0)

#define CL_USER (1u << LWSSMDCL_USER_BASE_BITNUM_)
#define LWSSMDCL_USER_BASE_BITNUM_ 24

static int delivered, operational;
static int no_ts;

static int
peer_cb(void *opaque, lws_smd_class_t _class, lws_usec_t timestamp, void *buf,
	size_t len)
{
	if (!timestamp)
		no_ts++;
	delivered++;
	printf("  %s: class 0x%x len %u '%.*s'\n", (const char *)opaque,
	       (unsigned int)_class, (unsigned int)len, len > 32 ? 32 : (int)len,
	       (const char *)buf);
	return 0;
}

static int
early_cb(void *opaque, lws_smd_class_t _class, lws_usec_t timestamp, void *buf,
	 size_t len)
{
	(void)timestamp;
	if (_class == LWSSMDCL_SYSTEM_STATE) {
		if (len == strlen("{\"state\":\"OPERATIONAL\"}") &&
		    !memcmp(buf, "{\"state\":\"OPERATIONAL\"}", len))
			operational = 1;
		return 0;
	}
	return peer_cb(opaque, _class, timestamp, buf, len);
}

/* one service call per batch of sends: every send wakes the loop, so it returns */
static void
pump(struct lws_context *cx, int want)
{
	int guard = 0;

	while (delivered < want && guard++ < 50)
		lws_service(cx, 0);
}

static struct lws_context *thread_cx;

static void *
sender(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 5; i++) {
		if (lws_smd_msg_printf(thread_cx, LWSSMDCL_NETWORK,
				       "{\"from\":\"thread\",\"n\":%d}", i))
			printf("thread send %d failed\n", i);
		usleep(2000);
	}
	return NULL;
}

int
main(void)
{
	struct lws_context_creation_info info;
	struct lws_smd_peer *a, *b, *c;
	struct lws_context *cx;
	pthread_t t;
	char big[400];
	void *p;
	int n, guard = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR, NULL);

	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.early_smd_cb = early_cb;
	info.early_smd_opaque = (void *)"early";
	info.early_smd_class_filter = LWSSMDCL_SYSTEM_STATE | CL_USER;
	cx = lws_create_context(&info);
	CHECK(cx);

	while (!operational && guard++ < 50)
		lws_service(cx, 0);
	printf("early peer saw the system state reach OPERATIONAL: %s\n",
	       operational ? "yes" : "no");

	a = lws_smd_register(cx, (void *)"A", 0, LWSSMDCL_INTERACTION, peer_cb);
	b = lws_smd_register(cx, (void *)"B", 0,
			     LWSSMDCL_INTERACTION | LWSSMDCL_NETWORK, peer_cb);
	c = lws_smd_register(cx, (void *)"C", 0, CL_USER, peer_cb);
	CHECK(a && b && c);

	/* a class nobody listens to is not even allocated; printf of it is a no-op */
	printf("alloc for an unwanted class: %s\n",
	       lws_smd_msg_alloc(cx, 1u << 20, 8) ? "allocated" : "NULL");
	printf("printf for an unwanted class: %d\n",
	       lws_smd_msg_printf(cx, 1u << 20, "nobody %d", 1));

	printf("four messages sent\n");
	CHECK(!lws_smd_msg_printf(cx, LWSSMDCL_INTERACTION, "{\"btn\":%d}", 1));
	CHECK(!lws_smd_msg_printf(cx, LWSSMDCL_NETWORK, "{\"link\":\"%s\"}", "up"));
	CHECK(!lws_smd_msg_printf(cx, CL_USER, "user %s", "one"));
	CHECK(!lws_smd_msg_printf(cx, LWSSMDCL_INTERACTION, "{\"btn\":%d}", 2));
	printf("delivered before the service loop ran: %d\n", delivered);
	pump(cx, 6);
	printf("delivered: %d\n", delivered);

	/* alloc + fill + send; and an allocation abandoned with free */
	p = lws_smd_msg_alloc(cx, LWSSMDCL_INTERACTION, 5);
	CHECK(p);
	memcpy(p, "bytes", 5);
	CHECK(!lws_smd_msg_send(cx, p));
	p = lws_smd_msg_alloc(cx, LWSSMDCL_INTERACTION, 3);
	CHECK(p);
	lws_smd_msg_free(&p);
	printf("free clears the pointer: %s\n", p ? "no" : "yes");
	delivered = 0;
	pump(cx, 2);
	printf("delivered: %d\n", delivered);

	/* the payload limit is 384 bytes */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	printf("printf of 399 bytes: %d\n",
	       lws_smd_msg_printf(cx, LWSSMDCL_INTERACTION, "%s", big));
	/* lws itself aborts from 383 bytes on (it allocates two more than the text) */
	big[382] = '\0';
	delivered = 0;
	printf("printf of 382 bytes: %d\n",
	       lws_smd_msg_printf(cx, CL_USER, "%s", big) ? 1 : 0);
	/* print only the length of that one */
	pump(cx, 2);

	/* unregistered peers get nothing more */
	lws_smd_unregister(a);
	delivered = 0;
	CHECK(!lws_smd_msg_printf(cx, LWSSMDCL_INTERACTION, "after A left"));
	pump(cx, 1);
	printf("delivered after A unregistered: %d\n", delivered);

	/* a second thread sends while this one services */
	delivered = 0;
	thread_cx = cx;
	CHECK(!pthread_create(&t, NULL, sender, NULL));
	pump(cx, 5);
	pthread_join(t, NULL);
	printf("delivered from the thread: %d\n", delivered);

	printf("messages without a timestamp: %d\n", no_ts);

	lws_smd_unregister(b);
	/* c is left registered: the context destroy cleans it up */
	lws_context_destroy(cx);

#if LWS_43
	/* 4.3: the queue depth and TTL come from the creation info */
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.smd_queue_depth = 3;
	info.smd_ttl_us = 100000;
	cx = lws_create_context(&info);
	CHECK(cx);
	a = lws_smd_register(cx, (void *)"D", 0, LWSSMDCL_INTERACTION, peer_cb);
	CHECK(a);
	for (n = 0; n < 4; n++)
		printf("depth 3: send %d -> %d\n", n,
		       lws_smd_msg_printf(cx, LWSSMDCL_INTERACTION, "q%d", n));
	usleep(200000);
	delivered = 0;
	lws_service(cx, 0);
	printf("delivered after the TTL ran out: %d\n", delivered);
	CHECK(!lws_smd_msg_printf(cx, LWSSMDCL_INTERACTION, "fresh"));
	pump(cx, 1);
	printf("then a fresh one: %d\n", delivered);
	lws_context_destroy(cx);
#else
	(void)n;
#endif
	printf("done\n");
	return 0;
}
