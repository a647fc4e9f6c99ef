/* lws_cache: a heap L1 in front of a Netscape cookie-jar file, the way a client keeps
 * cookies; TTL expiry, the item/footprint limits, wildcard lookups and the jar file
 * written, read back by a fresh cache, and expunged.
 * lws-diff: ours-only: lws_cache is new in 4.3 (4.1.6 has no lws-cache-ttl.h) */
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int destroyed;

static void
on_destroy(void *item, size_t size)
{
	(void)item;
	(void)size;
	destroyed++;
}

static void
get(struct lws_cache_ttl_lru *c, const char *key)
{
	const void *p;
	size_t size;

	if (lws_cache_item_get(c, key, &p, &size))
		printf("get %s: miss\n", key);
	else
		printf("get %s: %d bytes '%.*s'\n", key, (int)size, (int)size,
		       (const char *)p);
}

static void
lookup(struct lws_cache_ttl_lru *c, const char *wc)
{
	lws_cache_results_t cr;
	int n;

	memset(&cr, 0, sizeof(cr));
	n = lws_cache_lookup(c, wc, (const void **)&cr.ptr, &cr.size);
	printf("lookup %s: %d\n", wc, n);
	while (!n && !lws_cache_results_walk(&cr))
		printf("  %s (payload %d)\n", (const char *)cr.tag, (int)cr.payload_len);
}

static void
show_file(const char *path)
{
	char line[300];
	FILE *f = fopen(path, "r");

	if (!f) {
		printf("file: absent\n");
		return;
	}
	printf("file:\n");
	while (fgets(line, sizeof(line), f))
		printf("  | %s", line);
	fclose(f);
}

int
main(void)
{
	struct lws_context_creation_info info;
	struct lws_cache_creation_info ci;
	struct lws_cache_ttl_lru *l1, *jar;
	struct lws_context *cx;
	char dir[] = "/tmp/lws-cache-XXXXXX", path[64], line[200];
	const char *c1 = "host.com\tFALSE\t/\tTRUE\t%llu\tsid\tabc",
		   *c2 = "host.com\tFALSE\t/xxx\tTRUE\t%llu\tpref\tdark",
		   *c3 = "host.com\tFALSE\t/\tTRUE\t%llu\tlang\ten",
		   *c4 = "other.org\tFALSE\t/\tTRUE\t%llu\tsid\tzz";
	unsigned long long later = 4000000000ull; /* 2096: fixed, so the transcript is */

	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	cx = lws_create_context(&info);

	/* 1: a heap cache on its own */
	memset(&ci, 0, sizeof(ci));
	ci.cx = cx;
	ci.name = "heap";
	ci.ops = &lws_cache_ops_heap;
	ci.cb = on_destroy;
	l1 = lws_cache_create(&ci);
	printf("heap: %s\n", l1 ? "made" : "NULL");
	printf("write a: %d\n", lws_cache_write_through(l1, "a", (const uint8_t *)"is_a", 5,
			lws_now_usecs() + 300 * LWS_US_PER_MS, NULL));
	printf("write b: %d\n", lws_cache_write_through(l1, "b", (const uint8_t *)"is_b", 5, 0, NULL));
	printf("write big: %d\n", lws_cache_write_through(l1, "big", (const uint8_t *)"0123456789", 10, 0, NULL));
	printf("footprint %d\n", (int)lws_cache_footprint(l1));
	get(l1, "a");
	get(l1, "c");
	lookup(l1, "b*");
	printf("remove b*: %d\n", lws_cache_item_remove(l1, "b*"));
	get(l1, "b");
	get(l1, "big");
	printf("footprint %d, destroyed %d\n", (int)lws_cache_footprint(l1), destroyed);
	usleep(400000);
	get(l1, "a");
	printf("after expiry: footprint %d, destroyed %d\n", (int)lws_cache_footprint(l1), destroyed);
	lws_cache_destroy(&l1);
	printf("destroyed: %s\n", l1 ? "set" : "NULL");

	/* 2: limits: two items, least recently used goes */
	ci.max_items = 2;
	ci.cb = NULL;
	l1 = lws_cache_create(&ci);
	lws_cache_write_through(l1, "x", (const uint8_t *)"1", 1, 0, NULL);
	lws_cache_write_through(l1, "y", (const uint8_t *)"2", 1, 0, NULL);
	get(l1, "x"); /* x is now the most recently used */
	lws_cache_write_through(l1, "z", (const uint8_t *)"3", 1, 0, NULL);
	get(l1, "y");
	get(l1, "x");
	get(l1, "z");
	lws_cache_destroy(&l1);
	ci.max_items = 0;
	ci.max_footprint = 8;
	l1 = lws_cache_create(&ci);
	lws_cache_write_through(l1, "p", (const uint8_t *)"aaaa", 4, 0, NULL);
	lws_cache_write_through(l1, "q", (const uint8_t *)"bbbb", 4, 0, NULL);
	lws_cache_write_through(l1, "r", (const uint8_t *)"cc", 2, 0, NULL);
	get(l1, "p");
	get(l1, "q");
	printf("footprint %d\n", (int)lws_cache_footprint(l1));
	lws_cache_destroy(&l1);

	/* 3: heap L1 in front of a cookie jar */
	if (!mkdtemp(dir))
		return 1;
	lws_snprintf(path, sizeof(path), "%s/cookies.txt", dir);
	memset(&ci, 0, sizeof(ci));
	ci.cx = cx;
	ci.name = "jar";
	ci.ops = &lws_cache_ops_nscookiejar;
	ci.u.nscookiejar.filepath = path;
	jar = lws_cache_create(&ci);
	ci.name = "l1";
	ci.ops = &lws_cache_ops_heap;
	ci.parent = jar;
	l1 = lws_cache_create(&ci);
	printf("jar and l1: %s\n", jar && l1 ? "made" : "NULL");
	lws_snprintf(line, sizeof(line), c1, later);
	printf("write c1: %d\n", lws_cache_write_through(l1, "host.com|/|sid",
			(const uint8_t *)line, strlen(line), 0, NULL));
	lws_snprintf(line, sizeof(line), c2, later);
	printf("write c2: %d\n", lws_cache_write_through(l1, "host.com|/xxx|pref",
			(const uint8_t *)line, strlen(line), 0, NULL));
	lws_snprintf(line, sizeof(line), c3, 1000ull); /* expired long ago */
	printf("write c3: %d\n", lws_cache_write_through(l1, "host.com|/|lang",
			(const uint8_t *)line, strlen(line), 0, NULL));
	lws_snprintf(line, sizeof(line), c4, later);
	printf("write c4: %d\n", lws_cache_write_through(l1, "other.org|/|sid",
			(const uint8_t *)line, strlen(line), 0, NULL));
	printf("jar footprint %d\n", (int)lws_cache_footprint(jar));
	lws_cache_debug_dump(jar); /* debug-level log lines only: none at LLL_ERR */
	lws_cache_debug_dump(l1);
	lookup(l1, "host.com|/|*");
	lookup(l1, "host.com|/xxx|*");
	lookup(l1, "host.com|/xxx/deeper|*");
	lookup(l1, "host.com|/xx|*");
	lookup(l1, "*|/|sid");
	printf("remove host.com|/|sid: %d\n", lws_cache_item_remove(l1, "host.com|/|sid"));
	lookup(l1, "host.com|/xxx|*");
	get(l1, "host.com|/|sid");
	lws_cache_destroy(&l1);
	lws_cache_destroy(&jar);

	/* 4: the file as written; a fresh jar reads it back */
	show_file(path);
	ci.name = "jar2";
	ci.ops = &lws_cache_ops_nscookiejar;
	ci.parent = NULL;
	jar = lws_cache_create(&ci);
	ci.name = "l1b";
	ci.ops = &lws_cache_ops_heap;
	ci.parent = jar;
	l1 = lws_cache_create(&ci);
	get(l1, "host.com|/xxx|pref");
	get(l1, "host.com|/xxx|pref");
	get(l1, "nobody.net|/|x");
	lookup(l1, "*");
	printf("expunge: %d\n", lws_cache_expunge(l1));
	show_file(path);
	lws_cache_destroy(&l1);
	lws_cache_destroy(&jar);
	rmdir(dir);

	lws_context_destroy(cx);

	return 0;
}
