/* lws_map: a string-keyed settings table, a custom hash/compare (case-insensitive
 * keys) and a map living in an lwsac.
 * lws-diff: ours-only: lws_map is new in 4.3 (4.1.6 has no lws-map.h) */
#include <libwebsockets.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int frees;

static lws_map_hash_t
ci_hash(const lws_map_key_t key, size_t kl)
{
	const unsigned char *p = (const unsigned char *)key;
	lws_map_hash_t h = 5381;

	while (kl--)
		h = h * 33 + (lws_map_hash_t)tolower(*p++);

	return h;
}

static int
ci_compare(const lws_map_key_t k1, size_t kl1, const lws_map_value_t k2, size_t kl2)
{
	const unsigned char *a = (const unsigned char *)k1, *b = (const unsigned char *)k2;

	if (kl1 != kl2)
		return 1;
	while (kl1--)
		if (tolower(*a++) != tolower(*b++))
			return 1;

	return 0;
}

static void
counting_free(void *p)
{
	frees++;
	free(p);
}

static void *
counting_alloc(struct lws_map *mo, size_t x)
{
	(void)mo;
	return malloc(x);
}

static void
show(lws_map_t *map, const char *key)
{
	struct lws_map_item *it = lws_map_item_lookup_ks(map, key);

	if (!it) {
		printf("%s: absent\n", key);
		return;
	}
	printf("%s: '%.*s' (key %d bytes '%.*s', value %d bytes)\n", key,
	       (int)lws_map_item_value_len(it), (const char *)lws_map_item_value(it),
	       (int)lws_map_item_key_len(it), (int)lws_map_item_key_len(it),
	       (const char *)lws_map_item_key(it), (int)lws_map_item_value_len(it));
}

int
main(void)
{
	lws_map_info_t info;
	lws_map_t *map;
	struct lws_map_item *it;
	struct lwsac *ac = NULL;
	char key[32], val[32];
	int n, found = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR, NULL);

	/* 1: defaults, modulo 0 (lws picks 8) */
	memset(&info, 0, sizeof(info));
	map = lws_map_create(&info);
	printf("default map: %s\n", map ? "made" : "NULL");
	lws_map_item_create_ks(map, "host", "example.com", 11);
	lws_map_item_create_ks(map, "port", "7681", 4);
	it = lws_map_item_create_ks(map, "empty", NULL, 0);
	printf("empty value item: %s, len %d\n", it ? "made" : "NULL",
	       (int)lws_map_item_value_len(it));
	show(map, "host");
	show(map, "port");
	show(map, "HOST");
	show(map, "hos");
	/* same key again: replaces, the old item is gone */
	lws_map_item_create_ks(map, "port", "443", 3);
	show(map, "port");
	/* a binary key with a NUL inside */
	lws_map_item_create(map, (const lws_map_key_t)"a\0b", 3,
			    (const lws_map_value_t)"bin", 3);
	it = lws_map_item_lookup(map, (const lws_map_key_t)"a\0b", 3);
	printf("binary key: %.*s\n", it ? 3 : 6,
	       it ? (const char *)lws_map_item_value(it) : "absent");
	it = lws_map_item_lookup(map, (const lws_map_key_t)"a", 1);
	printf("its prefix: %s\n", it ? "found" : "absent");
	it = lws_map_item_lookup_ks(map, "host");
	lws_map_item_destroy(it);
	show(map, "host");
	show(map, "port");

	/* many items spread over the buckets */
	for (n = 0; n < 200; n++) {
		lws_snprintf(key, sizeof(key), "k%d", n);
		lws_snprintf(val, sizeof(val), "v%d", n * 3);
		lws_map_item_create_ks(map, key, val, strlen(val) + 1);
	}
	for (n = 0; n < 200; n++) {
		lws_snprintf(key, sizeof(key), "k%d", n);
		lws_snprintf(val, sizeof(val), "v%d", n * 3);
		it = lws_map_item_lookup_ks(map, key);
		if (it && !strcmp((const char *)lws_map_item_value(it), val))
			found++;
	}
	printf("200 items: %d found with their values\n", found);
	for (n = 0; n < 200; n += 2) {
		lws_snprintf(key, sizeof(key), "k%d", n);
		lws_map_item_destroy(lws_map_item_lookup_ks(map, key));
	}
	found = 0;
	for (n = 0; n < 200; n++) {
		lws_snprintf(key, sizeof(key), "k%d", n);
		if (lws_map_item_lookup_ks(map, key))
			found++;
	}
	printf("after removing the even ones: %d left\n", found);
	lws_map_destroy(&map);
	printf("destroyed: map is %s\n", map ? "set" : "NULL");
	lws_map_destroy(&map); /* NULL map: nothing happens */

	/* 2: custom callbacks, a single bucket */
	memset(&info, 0, sizeof(info));
	info._hash = ci_hash;
	info._compare = ci_compare;
	info._alloc = counting_alloc;
	info._free = counting_free;
	info.modulo = 1;
	map = lws_map_create(&info);
	lws_map_item_create_ks(map, "Content-Type", "text/html", 9);
	lws_map_item_create_ks(map, "Accept", "*/*", 3);
	show(map, "content-type");
	show(map, "ACCEPT");
	lws_map_item_create_ks(map, "CONTENT-TYPE", "text/plain", 10);
	printf("frees after the replace: %d\n", frees);
	show(map, "Content-type");
	lws_map_destroy(&map);
	printf("frees after destroy: %d\n", frees);

	/* 3: items in an lwsac, freed all at once */
	memset(&info, 0, sizeof(info));
	info._alloc = lws_map_alloc_lwsac;
	info._free = lws_map_free_lwsac;
	info.opaque = (void *)&ac;
	info.aux = (void *)(size_t)256;
	map = lws_map_create(&info);
	for (n = 0; n < 50; n++) {
		lws_snprintf(key, sizeof(key), "name-%d", n);
		lws_map_item_create_ks(map, key, key, strlen(key) + 1);
	}
	printf("lwsac map: %s\n", ac ? "lwsac in use" : "no lwsac");
	show(map, "name-42");
	show(map, "name-50");
	lws_map_destroy(&map);
	lwsac_free(&ac);
	printf("lwsac freed: %s\n", ac ? "set" : "NULL");

	return 0;
}
