/*
 * lws_buflist: the segment FIFO a program keeps as a `struct lws_buflist *`
 * (lws_buflist_append_segment, lws_buflist_next_segment_len, lws_buflist_use_segment,
 * lws_buflist_total_len, lws_buflist_linear_copy, lws_buflist_destroy_all_segments;
 * lws_buflist_linear_use and lws_buflist_fragment_use are new in 4.3).
 */
/* lws-diff: ours-only `^43 `: lws_buflist_linear_use and lws_buflist_fragment_use are new in lws 4.3 */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>

#define LWS_43 (LWS_LIBRARY_VERSION_MAJOR > 4 || \
		(LWS_LIBRARY_VERSION_MAJOR == 4 && LWS_LIBRARY_VERSION_MINOR >= 3))

static void
show_next(struct lws_buflist **head)
{
	uint8_t *p = (uint8_t *)"x";
	size_t n = lws_buflist_next_segment_len(head, &p);

	printf("next: %zu '%.*s'%s\n", n, (int)n, p ? (const char *)p : "",
	       p ? "" : " (NULL)");
}

int
main(void)
{
	struct lws_buflist *head = NULL;
	uint8_t buf[32], *p;
	int n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	show_next(&head);
	printf("empty total: %zu\n", lws_buflist_total_len(&head));

	printf("append hello: %d\n",
	       lws_buflist_append_segment(&head, (const uint8_t *)"hello", 5));
	printf("head set: %d\n", head != NULL);
	printf("append world: %d\n",
	       lws_buflist_append_segment(&head, (const uint8_t *)" world", 6));
	printf("append !: %d\n",
	       lws_buflist_append_segment(&head, (const uint8_t *)"!", 1));
	printf("total: %zu\n", lws_buflist_total_len(&head));
	show_next(&head);

	/* LWS_PRE spare bytes precede the data, as for lws_write() */
	lws_buflist_next_segment_len(&head, &p);
	memset(p - LWS_PRE, 0x55, LWS_PRE);
	show_next(&head);

	printf("use 2: %zu\n", lws_buflist_use_segment(&head, 2));
	show_next(&head);
	/* the used part of the first segment still counts */
	printf("total after use: %zu\n", lws_buflist_total_len(&head));

	memset(buf, 0, sizeof(buf));
	n = lws_buflist_linear_copy(&head, 0, buf, sizeof(buf));
	printf("linear_copy 0: %d '%s'\n", n, buf);
	memset(buf, 0, sizeof(buf));
	n = lws_buflist_linear_copy(&head, 4, buf, 4);
	printf("linear_copy 4,4: %d '%s'\n", n, buf);
	memset(buf, 0, sizeof(buf));
	n = lws_buflist_linear_copy(&head, 11, buf, 8);
	printf("linear_copy 11: %d '%s'\n", n, buf);
	n = lws_buflist_linear_copy(&head, 12, buf, 8);
	printf("linear_copy 12: %d\n", n);

	printf("use 3: %zu\n", lws_buflist_use_segment(&head, 3));
	show_next(&head);
	printf("total: %zu\n", lws_buflist_total_len(&head));
	printf("use 6: %zu\n", lws_buflist_use_segment(&head, 6));
	show_next(&head);
	printf("use 1: %zu\n", lws_buflist_use_segment(&head, 1));
	printf("head NULL: %d\n", head == NULL);
	show_next(&head);
	lws_buflist_next_segment_len(&head, NULL);

	/* a drain loop the way lws's own users write it */
	for (n = 0; n < 4; n++) {
		char s[8];

		lws_snprintf(s, sizeof(s), "seg%d", n);
		if (lws_buflist_append_segment(&head, (const uint8_t *)s, strlen(s)) < 0)
			return 1;
	}
	while (lws_buflist_next_segment_len(&head, &p)) {
		size_t len = lws_buflist_next_segment_len(&head, &p);
		size_t take = len > 3 ? 3 : len, left;
		char got[4];

		memcpy(got, p, take);
		got[take] = '\0';
		/* the segment may be freed by this: p is not read after it */
		left = lws_buflist_use_segment(&head, take);
		printf("drain: '%s' left %zu\n", got, left);
	}
	printf("drained: %d\n", head == NULL);

#if LWS_43
	{
		char first, fin;

		if (lws_buflist_append_segment(&head, (const uint8_t *)"abc", 3) < 0)
			return 1;
		if (lws_buflist_append_segment(&head, (const uint8_t *)"defgh", 5) < 0)
			return 1;
		if (lws_buflist_append_segment(&head, (const uint8_t *)"ij", 2) < 0)
			return 1;

		memset(buf, 0, sizeof(buf));
		n = lws_buflist_linear_use(&head, buf, 5);
		printf("43 linear_use 5: %d '%s', next %zu\n", n, buf,
		       lws_buflist_next_segment_len(&head, NULL));

		memset(buf, 0, sizeof(buf));
		n = lws_buflist_fragment_use(&head, buf, 2, &first, &fin);
		printf("43 fragment_use 2: %d '%s' first %d fin %d\n", n, buf, first, fin);
		memset(buf, 0, sizeof(buf));
		n = lws_buflist_fragment_use(&head, buf, 10, &first, &fin);
		printf("43 fragment_use 10: %d '%s' first %d fin %d\n", n, buf, first, fin);
		memset(buf, 0, sizeof(buf));
		n = lws_buflist_fragment_use(&head, buf, 10, &first, &fin);
		printf("43 fragment_use 10: %d '%s' first %d fin %d\n", n, buf, first, fin);
		n = lws_buflist_fragment_use(&head, buf, 10, &first, &fin);
		printf("43 fragment_use empty: %d\n", n);

		if (lws_buflist_append_segment(&head, (const uint8_t *)"xy", 2) < 0)
			return 1;
		n = lws_buflist_linear_use(&head, buf, sizeof(buf));
		printf("43 linear_use all: %d, head NULL %d\n", n, head == NULL);
	}
#endif

	/* destroy frees whatever is left and clears the head */
	if (lws_buflist_append_segment(&head, (const uint8_t *)"left", 4) < 0)
		return 1;
	if (lws_buflist_append_segment(&head, (const uint8_t *)"over", 4) < 0)
		return 1;
	lws_buflist_use_segment(&head, 1);
	lws_buflist_destroy_all_segments(&head);
	printf("destroyed: %d total %zu\n", head == NULL, lws_buflist_total_len(&head));
	lws_buflist_destroy_all_segments(&head);

	return 0;
}
