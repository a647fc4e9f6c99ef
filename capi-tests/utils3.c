/*
 * Utilities that need no network, part 3.
 *
 * lws-lwsac.h, the chunk allocator: lwsac_use, lwsac_use_zero, lwsac_use_backfill,
 * lwsac_free, lwsac_detach, lwsac_reference, lwsac_unreference, lwsac_extend,
 * lwsac_sizeof, lwsac_get_tail_pos, lwsac_get_next, lwsac_align, lwsac_info,
 * lwsac_total_alloc, lwsac_total_overhead, lwsac_scan_extant, lws_list_ptr_insert,
 * lwsac_cached_file, lwsac_use_cached_file_start, lwsac_use_cached_file_end,
 * lwsac_use_cached_file_detach.
 *
 * lws-network-helper.h, numeric addresses: lws_parse_numeric_address,
 * lws_write_numeric_address, lws_sa46_parse_numeric_address,
 * lws_sa46_write_numeric_address, lws_sa46_compare_ads and (4.3) lws_sa46_on_net.
 *
 * Offsets are printed relative to the chunk (lws's layout is part of the API:
 * lwsac_sizeof, lwsac_get_tail_pos); no pointers are printed.
 */
/* lws-diff: ours-only `^(on_net|sa46 write|sa46 parse |compare other v6)`: lws_sa46_on_net is new in lws 4.3, 4.3's lws_sa46_write_numeric_address names the families it cannot write ("(unset)", "(unix skt)", "(AFn unsupp)") where 4.1.6 writes nothing, and lws 4.3.10's default build has IPv6 off (a 16-byte IPv4-only lws_sockaddr46, IPv6 addresses refused) where Debian's 4.1.6 has it on */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#define LWS_43 (LWS_LIBRARY_VERSION_MAJOR > 4 || \
		(LWS_LIBRARY_VERSION_MAJOR == 4 && LWS_LIBRARY_VERSION_MINOR >= 3))

#define CHECK(c) do { if (!(c)) { printf("FAIL: %s (line %d)\n", #c, __LINE__); return 1; } } while (0)

/* where p sits in the chunk c (-1: not in it) */
static long
ofs_in(struct lwsac *c, void *p)
{
	long d = (long)((char *)p - (char *)c);

	return d >= 0 && (size_t)d < lwsac_get_tail_pos(c) ? d : -1;
}

static void
chunks(const char *what, struct lwsac *ac)
{
	struct lwsac *c = ac;
	int n = 0;

	printf("%s: total_alloc %llu overhead %llu chunks:", what,
	       (unsigned long long)lwsac_total_alloc(ac),
	       (unsigned long long)lwsac_total_overhead(ac));
	while (c) {
		printf(" [%d] tail %zu", n++, lwsac_get_tail_pos(c));
		c = lwsac_get_next(c);
	}
	printf("\n");
}

static int
test_lwsac(void)
{
	struct lwsac *ac = NULL, *ac2 = NULL;
	char *p1, *p2, *p3, *p4, *p5, *p6;
	int n, z;

	printf("lwsac_sizeof: %zu %zu\n", lwsac_sizeof(0), lwsac_sizeof(1));
	printf("lwsac_align: %zu %zu %zu %zu %zu %zu\n", lwsac_align(0), lwsac_align(1),
	       lwsac_align(7), lwsac_align(8), lwsac_align(9), lwsac_align(17));
	printf("empty: total_alloc %llu overhead %llu\n",
	       (unsigned long long)lwsac_total_alloc(NULL),
	       (unsigned long long)lwsac_total_overhead(NULL));
	lwsac_info(NULL);

	p1 = lwsac_use(&ac, 10, 0);
	CHECK(p1 && ac);
	memcpy(p1, "123456789", 10);
	printf("use 10: at %ld\n", ofs_in(ac, p1));
	chunks("after use 10", ac);

	p2 = lwsac_use_zero(&ac, 13, 0);
	CHECK(p2);
	for (n = 0, z = 1; n < 13; n++)
		if (p2[n])
			z = 0;
	printf("use_zero 13: at %ld zeroed %d\n", ofs_in(ac, p2), z);
	lwsac_info(ac);

	/* bigger than a chunk: a chunk of its own */
	p3 = lwsac_use(&ac, 5000, 0);
	CHECK(p3);
	memset(p3, 'x', 5000);
	printf("use 5000: in first chunk %ld, in second at %ld\n", ofs_in(ac, p3),
	       ofs_in(lwsac_get_next(ac), p3));
	chunks("after use 5000", ac);

	/* the current chunk is full: another */
	p4 = lwsac_use(&ac, 8, 0);
	CHECK(p4);
	printf("use 8: in third at %ld\n",
	       ofs_in(lwsac_get_next(lwsac_get_next(ac)), p4));
	chunks("after use 8", ac);

	/* backfill finds room in the first chunk */
	p5 = lwsac_use_backfill(&ac, 16, 0);
	CHECK(p5);
	printf("use_backfill 16: in first at %ld\n", ofs_in(ac, p5));
	p6 = lwsac_use(&ac, 16, 0);
	printf("use 16: in first %ld, in third at %ld\n", ofs_in(ac, p6),
	       ofs_in(lwsac_get_next(lwsac_get_next(ac)), p6));
	chunks("after backfill", ac);

	printf("extend 5: %d\n", lwsac_extend(ac, 5));
	printf("extend 10000: %d\n", lwsac_extend(ac, 10000));
	chunks("after extend", ac);

	/* the earlier contents are intact */
	CHECK(!strcmp(p1, "123456789"));
	CHECK(p3[0] == 'x' && p3[4999] == 'x');

	lwsac_free(&ac);
	printf("free: head %s\n", ac ? "set" : "NULL");
	lwsac_free(&ac);

	/* a chunk size of our own */
	p1 = lwsac_use(&ac, 10, 100);
	p2 = lwsac_use(&ac, 60, 100);
	p3 = lwsac_use(&ac, 30, 100);
	printf("chunk 100: %ld %ld %ld\n", ofs_in(ac, p1), ofs_in(ac, p2),
	       ofs_in(lwsac_get_next(ac), p3));
	chunks("chunk 100", ac);
	lwsac_free(&ac);

	/* scan_extant: blobs already in the lwsac */
	p1 = lwsac_use(&ac, 4, 0);
	memcpy(p1, "abc", 4);
	p2 = lwsac_use(&ac, 6, 0);
	memcpy(p2, "abcde", 6);
	p3 = lwsac_use(&ac, 8, 0);
	memcpy(p3, "ABCDEFGH", 8);
	p4 = (char *)lwsac_scan_extant(ac, (uint8_t *)"abc", 3, 1);
	printf("scan abc nul: %s\n", p4 == p1 ? "first" : p4 == p2 ? "second" : p4 ? "other" : "none");
	p4 = (char *)lwsac_scan_extant(ac, (uint8_t *)"abcd", 4, 0);
	printf("scan abcd: %s\n", p4 == p2 ? "second" : p4 ? "other" : "none");
	p4 = (char *)lwsac_scan_extant(ac, (uint8_t *)"abcd", 4, 1);
	printf("scan abcd nul: %s\n", p4 ? "found" : "none");
	p4 = (char *)lwsac_scan_extant(ac, (uint8_t *)"bcde", 4, 1);
	printf("scan bcde nul: %s\n", p4 == p2 + 1 ? "in second" : p4 ? "other" : "none");
	/* the last bytes used are not searched */
	p4 = (char *)lwsac_scan_extant(ac, (uint8_t *)"ABCDEFGH", 8, 0);
	printf("scan ABCDEFGH at the end: %s\n", p4 ? "found" : "none");
	p4 = (char *)lwsac_scan_extant(ac, (uint8_t *)"ABCDEFG", 7, 0);
	printf("scan ABCDEFG: %s\n", p4 == p3 ? "third" : p4 ? "other" : "none");
	p4 = (char *)lwsac_scan_extant(ac, (uint8_t *)"zzz", 3, 0);
	printf("scan zzz: %s\n", p4 ? "found" : "none");
	lwsac_free(&ac);

	/* reference counting and detaching */
	lwsac_use(&ac2, 10, 0);
	lwsac_reference(ac2);
	lwsac_detach(&ac2);
	printf("detach with a reference: head %s\n", ac2 ? "set" : "NULL");
	lwsac_unreference(&ac2);
	printf("last unreference: head %s\n", ac2 ? "set" : "NULL");
	lwsac_use(&ac2, 10, 0);
	lwsac_reference(ac2);
	lwsac_unreference(&ac2);
	printf("unreference, not detached: head %s\n", ac2 ? "set" : "NULL");
	lwsac_detach(&ac2);
	printf("detach without references: head %s\n", ac2 ? "set" : "NULL");
	lwsac_detach(&ac2);
	lwsac_unreference(&ac2);

	return 0;
}

struct li {
	int v;
	lws_list_ptr next;
};

static int
sort_li(lws_list_ptr a, lws_list_ptr b)
{
	struct li *x = lws_list_ptr_container(a, struct li, next),
		  *y = lws_list_ptr_container(b, struct li, next);

	return x->v - y->v;
}

static void
test_list_ptr(void)
{
	struct li e[5] = { { 3, NULL }, { 1, NULL }, { 4, NULL }, { 1, NULL }, { 5, NULL } };
	lws_list_ptr head = NULL, lp;
	int n;

	for (n = 0; n < 5; n++)
		lws_list_ptr_insert(&head, &e[n].next, sort_li);
	printf("list_ptr sorted:");
	lp = head;
	while (lp) {
		struct li *i = lws_list_ptr_container(lp, struct li, next);
		printf(" %d%s", i->v, i == &e[1] ? "a" : i == &e[3] ? "b" : "");
		lws_list_ptr_advance(lp);
	}
	printf("\n");

	head = NULL;
	for (n = 0; n < 5; n++) {
		e[n].next = NULL;
		lws_list_ptr_insert(&head, &e[n].next, NULL);
	}
	printf("list_ptr unsorted:");
	lp = head;
	while (lp) {
		printf(" %d", lws_list_ptr_container(lp, struct li, next)->v);
		lws_list_ptr_advance(lp);
	}
	printf("\n");
}

static int
test_cached_file(void)
{
	char path[] = "/tmp/lws-utils3-XXXXXX";
	lwsac_cached_file_t cache = NULL, first;
	size_t len = 0;
	int fd = mkstemp(path), r;

	CHECK(fd >= 0);
	CHECK(write(fd, "cached contents\n", 16) == 16);
	close(fd);

	r = lwsac_cached_file(path, &cache, &len);
	printf("cached_file: %d len %zu \"%.*s\" nul %d\n", r, len, (int)len - 1,
	       (char *)cache, cache[len] == '\0');
	first = cache;
	r = lwsac_cached_file(path, &cache, &len);
	printf("cached_file again: %d same %d\n", r, cache == first);

	lwsac_use_cached_file_start(cache);
	lwsac_use_cached_file_detach(&cache);
	printf("detach while in use: cache %s\n", cache ? "set" : "NULL");
	lwsac_use_cached_file_end(&cache);
	printf("end after detach: cache %s\n", cache ? "set" : "NULL");

	r = lwsac_cached_file(path, &cache, &len);
	lwsac_use_cached_file_start(cache);
	lwsac_use_cached_file_end(&cache);
	printf("start/end: %d cache %s\n", r, cache ? "set" : "NULL");
	lwsac_use_cached_file_detach(&cache);
	printf("detach: cache %s\n", cache ? "set" : "NULL");

	unlink(path);
	cache = NULL;
	printf("cached_file missing: %d\n", lwsac_cached_file(path, &cache, &len));

	return 0;
}

static const char *parse_cases[] = {
	"192.168.1.1", "1.2.3.4", "0.0.0.0", "255.255.255.255", "256.1.1.1",
	"1.2.3", "1.2.3.4.5", "1..2.3", "1.2.3.", ".1.2.3.4", "a.b.c.d", "1.2.3.1234",
	"01.002.3.4", "1.2.3.4 ", " 1.2.3.4", "1 2.3.4", "1.2.3.-4", "1,2,3,4",
	"x=1.2.3.4", "\"1.2.3.4\"", "1.2.3.4\xc3\xa9",
	"::", "::1", "1::", "2001:db8::1", "2001:DB8:0:0:1:0:0:1", "fe80::1:2",
	"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4::5:6:7", "::ffff:1.2.3.4",
	"::FFFF:10.0.0.1", "::ffff:abcd", "::ffff", "1::ffff:1.2.3.4", ":::", "1:::2",
	"12345::", "g::1", ":", "1:2", "::1.2", "1:2:3::4.5", "a:b:c:d:e:f:1:2 ",
	"::-1", "",
};

static void
hex(const uint8_t *a, int n)
{
	int i;

	for (i = 0; i < n; i++)
		printf("%02x", a[i]);
}

static void
test_parse(void)
{
	uint8_t buf[32];
	char txt[64];
	unsigned int i;
	int n;

	for (i = 0; i < LWS_ARRAY_SIZE(parse_cases); i++) {
		memset(buf, 0xaa, sizeof(buf));
		n = lws_parse_numeric_address(parse_cases[i], buf, 16);
		printf("parse \"%s\": %d", parse_cases[i], n);
		if (n == 4 || n == 16) {
			printf(" ");
			hex(buf, n);
			n = lws_write_numeric_address(buf, n, txt, sizeof(txt));
			printf(" -> %d \"%s\"", n, txt);
		}
		printf("\n");
	}
	printf("parse max_len 3: %d\n", lws_parse_numeric_address("1.2.3.4", buf, 3));
	printf("parse max_len 4: %d\n", lws_parse_numeric_address("1.2.3.4", buf, 4));
	printf("parse v6 max_len 15: %d\n", lws_parse_numeric_address("::1", buf, 15));
}

static const char *write_cases[] = {
	"00000000000000000000000000000000", "00000000000000000000000000000001",
	"00010000000000000000000000000000", "20010db8000000000000000000000001",
	"00010000000200000000000000000003", "00000000000100000000000000000000",
	"fe800000000000000202b3fffe1e8329", "00010002000300040005000600070008",
	"00000000000000000000ffff01020304", "00000000000000000000ffff00000000",
	"00010000000000000000ffff01020304", "000000000000000000000000ffff0102",
	"0000000000000000000000000a000001", "abcd0000ef0100000000000000001234",
	"00000000ffff00000000000000000000",
};

static void
test_write(void)
{
	uint8_t a[16];
	char txt[64];
	unsigned int i, j;
	int n;

	for (i = 0; i < LWS_ARRAY_SIZE(write_cases); i++) {
		for (j = 0; j < 16; j++) {
			unsigned int v;

			sscanf(write_cases[i] + 2 * j, "%2x", &v);
			a[j] = (uint8_t)v;
		}
		memset(txt, 0, sizeof(txt));
		n = lws_write_numeric_address(a, 16, txt, sizeof(txt));
		printf("write %s: %d \"%s\"\n", write_cases[i], n, txt);
	}

	a[0] = 10; a[1] = 0; a[2] = 0; a[3] = 1;
	for (j = 0; j < 3; j++) {
		size_t lens[] = { 5, 8, 9 };

		memset(txt, 'z', sizeof(txt));
		txt[63] = '\0';
		n = lws_write_numeric_address(a, 4, txt, lens[j]);
		printf("write 10.0.0.1 len %zu: %d \"%s\"\n", lens[j], n, txt);
	}
	printf("write size 8: %d\n", lws_write_numeric_address(a, 8, txt, sizeof(txt)));
	memset(a, 0, 16);
	a[15] = 1;
	for (j = 10; j <= 12; j++) {
		n = lws_write_numeric_address(a, 16, txt, j);
		printf("write ::1 len %u: %d\n", j, n);
	}
}

static void
sa(const char *ads, lws_sockaddr46 *s)
{
	memset(s, 0, sizeof(*s));
	if (lws_sa46_parse_numeric_address(ads, s))
		printf("sa46 parse %s failed\n", ads);
}

static void
test_sa46(void)
{
	static const char *cases[] = { "10.1.2.3", "2001:db8::7", "::ffff:1.2.3.4",
				       "1.2.3", "zz::1", "::" };
	lws_sockaddr46 a, b;
	char txt[64];
	unsigned int i;
	int n;

	for (i = 0; i < LWS_ARRAY_SIZE(cases); i++) {
		memset(&a, 0, sizeof(a));
		a.sa4.sin_port = htons(443);
		n = lws_sa46_parse_numeric_address(cases[i], &a);
		printf("sa46 parse \"%s\": %d family %s port %u", cases[i], n,
		       a.sa4.sin_family == AF_INET ? "inet" :
		       a.sa4.sin_family == AF_INET6 ? "inet6" : "unset",
		       ntohs(a.sa4.sin_port));
		n = lws_sa46_write_numeric_address(&a, txt, sizeof(txt));
		printf(" -> %d \"%s\"\n", n, txt);
	}

	memset(&a, 0, sizeof(a));
	a.sa4.sin_family = AF_UNIX;
	n = lws_sa46_write_numeric_address(&a, txt, sizeof(txt));
	printf("sa46 write unix: %d \"%s\"\n", n, txt);
	a.sa4.sin_family = 99;
	n = lws_sa46_write_numeric_address(&a, txt, sizeof(txt));
	printf("sa46 write AF99: %d \"%s\"\n", n, txt);
	a.sa4.sin_family = 0;
	n = lws_sa46_write_numeric_address(&a, txt, 4);
	printf("sa46 write unset len 4: %d \"%s\"\n", n, txt);

	sa("10.1.2.3", &a);
	sa("10.1.2.3", &b);
	b.sa4.sin_port = htons(80);
	printf("compare same v4 (ports differ): %d\n", lws_sa46_compare_ads(&a, &b));
	sa("10.1.2.4", &b);
	printf("compare other v4: %d\n", lws_sa46_compare_ads(&a, &b) != 0);
	sa("::ffff:10.1.2.3", &b);
	printf("compare v4 vs mapped v6: %d\n", lws_sa46_compare_ads(&a, &b) != 0);
	sa("2001:db8::1", &a);
	sa("2001:db8::1", &b);
	printf("compare same v6: %d\n", lws_sa46_compare_ads(&a, &b));
	sa("2001:db8::2", &b);
	printf("compare other v6: %s\n", lws_sa46_compare_ads(&a, &b) < 0 ? "<0" : ">=0");
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	printf("compare unset: %d\n", lws_sa46_compare_ads(&a, &b));

#if LWS_43
	{
		static const struct {
			const char *ads, *net;
			int len;
		} on[] = {
			{ "192.168.1.77", "192.168.1.0", 24 },
			{ "192.168.1.77", "192.168.1.0", 25 },
			{ "192.168.1.177", "192.168.1.0", 25 },
			{ "192.168.2.1", "192.168.1.0", 24 },
			{ "192.168.3.1", "192.168.2.0", 23 },
			{ "192.168.3.1", "192.168.2.0", 22 },
			{ "8.8.8.8", "10.0.0.0", 0 },
			{ "10.9.8.7", "10.0.0.0", 8 },
			{ "2001:db8:1::5", "2001:db8::", 32 },
			{ "2001:db9::5", "2001:db8::", 32 },
			{ "2001:db8::5", "2001:db8::", 127 },
			{ "::ffff:10.1.1.1", "10.0.0.0", 8 },
			{ "::ffff:11.1.1.1", "10.0.0.0", 8 },
			{ "10.1.1.1", "::ffff:10.0.0.0", 104 },
		};

		for (i = 0; i < LWS_ARRAY_SIZE(on); i++) {
			sa(on[i].ads, &a);
			sa(on[i].net, &b);
			printf("on_net %s in %s/%d: %d\n", on[i].ads, on[i].net, on[i].len,
			       lws_sa46_on_net(&a, &b, on[i].len));
		}
		memset(&a, 0, sizeof(a));
		printf("on_net unset: %d\n", lws_sa46_on_net(&a, &b, 8));
	}
#endif
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	if (test_lwsac())
		return 1;
	test_list_ptr();
	if (test_cached_file())
		return 1;
	test_parse();
	test_write();
	test_sa46();

	printf("done\n");

	return 0;
}
