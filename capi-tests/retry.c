/*
 * retry: lws_retry_get_delay_ms() and lws_retry_sul_schedule() walk a backoff table:
 * the last entry repeats, jitter stays within jitter_percent, conceal_count tries are
 * concealed, and without a table the delay is 3 s plus up to 30%.
 */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>

static const uint32_t table[] = { 100, 200, 400 };
static const lws_retry_bo_t policy = {
	.retry_ms_table = table,
	.retry_ms_table_count = 3,
	.conceal_count = 4,
	.jitter_percent = 20,
};
static int fired;

static void
cb(lws_sorted_usec_list_t *sul)
{
	(void)sul;
	fired++;
}

#define CHECK(c, ...) do { if (!(c)) { printf("FAIL: "); printf(__VA_ARGS__); printf("\n"); return 1; } \
			   printf("ok   "); printf(__VA_ARGS__); printf("\n"); } while (0)

int
main(void)
{
	struct lws_context_creation_info info;
	struct lws_context *cx;
	lws_sorted_usec_list_t sul;
	uint16_t ctry = 0;
	char conceal;
	unsigned int ms;
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	cx = lws_create_context(&info);
	CHECK(cx != NULL, "context");
	lws_service(cx, -1);	/* finish startup without waiting */

	for (i = 0; i < 6; i++) {
		unsigned int base = table[i < 3 ? i : 2];
		ms = lws_retry_get_delay_ms(cx, &policy, &ctry, &conceal);
		CHECK(ms >= base && ms <= base + base / 5,
		      "try %d: %s delay within %u..%u ms, concealed=%d", i + 1,
		      i < 3 ? "table" : "last entry's", base, base + base / 5, conceal);
		CHECK(conceal == (i < 4), "try %d: concealed only for the first 4", i + 1);
	}
	CHECK(ctry == 6, "the try counter counts");

	ctry = 0;
	ms = lws_retry_get_delay_ms(cx, NULL, &ctry, &conceal);
	CHECK(ms >= 3000 && ms <= 3900 && !conceal, "no table: 3 s plus up to 30%%, never concealed");

	memset(&sul, 0, sizeof(sul));
	ctry = 0;
	CHECK(lws_retry_sul_schedule(cx, 0, &sul, &policy, cb, &ctry) == 0,
	      "lws_retry_sul_schedule schedules while concealed");
	{
		lws_usec_t until = lws_now_usecs() + 2 * LWS_US_PER_SEC;

		/* -1: don't wait in poll (lws 4.1.6 would sleep 30 s before noticing) */
		while (!fired && lws_now_usecs() < until)
			lws_service(cx, -1);
	}
	CHECK(fired == 1, "the scheduled retry fires within 2 s");
	ctry = 4;
	CHECK(lws_retry_sul_schedule(cx, 0, &sul, &policy, cb, &ctry) == 1,
	      "past conceal_count it returns 1 and schedules nothing");

	lws_context_destroy(cx);
	return 0;
}
