/*
 * Utilities that need no network: the lws_dll2 list family (lws_dll2_add_head,
 * lws_dll2_add_tail, lws_dll2_add_before, lws_dll2_add_sorted, lws_dll2_remove,
 * lws_dll2_clear, lws_dll2_owner_clear, lws_dll2_foreach_safe, lws_dll2_is_detached,
 * _lws_dll2_search_sz_pl via lws_dll2_search_sz_pl; lws_dll2_add_sorted_priv is 4.3),
 * lws_parse_uri, lws_json_simple_find, lws_json_simple_strcmp, lws_http_basic_auth_gen
 * lws_get_count_threads and (4.3) lws_wsi_tag.
 */
/* lws-diff: ours-only `^(dll2 sorted_priv|wsi_tag):`: lws_dll2_add_sorted_priv and lws_wsi_tag are new in lws 4.3 */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>

#define LWS_43 (LWS_LIBRARY_VERSION_MAJOR > 4 || \
		(LWS_LIBRARY_VERSION_MAJOR == 4 && LWS_LIBRARY_VERSION_MINOR >= 3))

#define CHECK(c) do { if (!(c)) { printf("FAIL: %s (line %d)\n", #c, __LINE__); return 1; } } while (0)

struct item {
	int key;
	const char *name;
	lws_dll2_t list;
};

static struct item items[6] = {
	{ 5, "five", { NULL, NULL, NULL } }, { 1, "one", { NULL, NULL, NULL } },
	{ 3, "three", { NULL, NULL, NULL } }, { 3, "three-b", { NULL, NULL, NULL } },
	{ 9, "nine", { NULL, NULL, NULL } }, { 0, NULL, { NULL, NULL, NULL } },
};

/* prints the list forwards and backwards and checks the links agree with the owner */
static int
show(const char *what, lws_dll2_owner_t *o)
{
	char fw[128] = "", bw[128] = "";
	struct lws_dll2 *prev = NULL;
	unsigned int n = 0;

	lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(o)) {
		struct item *it = lws_container_of(d, struct item, list);

		if (d->prev != prev || lws_dll2_owner(d) != o)
			return 1;
		prev = d;
		n++;
		snprintf(fw + strlen(fw), sizeof(fw) - strlen(fw), " %d", it->key);
	} lws_end_foreach_dll(d);
	if (prev != lws_dll2_get_tail(o) || n != o->count)
		return 1;
	for (prev = lws_dll2_get_tail(o); prev; prev = prev->prev)
		snprintf(bw + strlen(bw), sizeof(bw) - strlen(bw), " %d",
			 lws_container_of(prev, struct item, list)->key);
	printf("dll2 %s: count %u, fwd [%s ], back [%s ]\n", what, (unsigned int)o->count,
	       fw, bw);
	return 0;
}

static int visits;

static int
visit_remove_odd(struct lws_dll2 *d, void *user)
{
	struct item *it = lws_container_of(d, struct item, list);

	visits++;
	if (it->key & 1)
		lws_dll2_remove(d); /* the walk must survive this */
	return it->key == *(int *)user;
}

static int
by_key(const struct lws_dll2 *d, const struct lws_dll2 *i)
{
	return lws_container_of(d, struct item, list)->key -
	       lws_container_of(i, struct item, list)->key;
}

#if LWS_43
static int
by_key_priv(void *priv, const struct lws_dll2 *d, const struct lws_dll2 *i)
{
	(*(int *)priv)++;
	return by_key(d, i);
}
#endif

static void
detach_all(lws_dll2_owner_t *o)
{
	lws_start_foreach_dll_safe(struct lws_dll2 *, d, d1, lws_dll2_get_head(o)) {
		lws_dll2_remove(d);
	} lws_end_foreach_dll_safe(d, d1);
}

static int
test_dll2(void)
{
	lws_dll2_owner_t o;
	struct item *f;
	int stop, i, n;

	memset(&o, 0xff, sizeof(o));
	lws_dll2_owner_clear(&o);
	CHECK(!o.head && !o.tail && !o.count);
	CHECK(show("empty", &o) == 0);
	printf("dll2 detached: new %d\n", lws_dll2_is_detached(&items[0].list));

	lws_dll2_add_tail(&items[0].list, &o);	/* 5 */
	lws_dll2_add_tail(&items[1].list, &o);	/* 5 1 */
	lws_dll2_add_head(&items[2].list, &o);	/* 3 5 1 */
	lws_dll2_add_head(&items[4].list, &o);	/* 9 3 5 1 */
	CHECK(show("added", &o) == 0);
	printf("dll2 detached: member %d\n", lws_dll2_is_detached(&items[0].list));

	lws_dll2_add_before(&items[3].list, &items[4].list);	/* before the head */
	CHECK(show("before head", &o) == 0);
	lws_dll2_remove(&items[3].list);
	lws_dll2_add_before(&items[3].list, &items[1].list);	/* before the tail */
	CHECK(show("before tail", &o) == 0);

	lws_dll2_remove(&items[4].list);	/* head */
	CHECK(show("head removed", &o) == 0);
	lws_dll2_remove(&items[1].list);	/* tail */
	CHECK(show("tail removed", &o) == 0);
	lws_dll2_remove(&items[0].list);	/* middle */
	CHECK(show("middle removed", &o) == 0);
	lws_dll2_remove(&items[0].list);	/* not on a list: nothing happens */
	CHECK(show("removed twice", &o) == 0);
	printf("dll2 detached: removed %d\n", lws_dll2_is_detached(&items[0].list));

	/* search by the name member: exact length only */
	f = lws_dll2_search_sz_pl(&o, "three-b", 7, struct item, list, name);
	printf("dll2 search three-b: %s\n", f ? f->name : "(none)");
	f = lws_dll2_search_sz_pl(&o, "three-bx", 5, struct item, list, name);
	printf("dll2 search three: %s\n", f ? f->name : "(none)");
	f = lws_dll2_search_sz_pl(&o, "thr", 3, struct item, list, name);
	printf("dll2 search thr: %s\n", f ? f->name : "(none)");

	detach_all(&o);
	CHECK(show("emptied", &o) == 0);

	/* sorted insertion: equal keys go before those already there */
	for (i = 0; i < 5; i++)
		lws_dll2_add_sorted(&items[i].list, &o, by_key);
	CHECK(show("sorted", &o) == 0);
	lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(&o)) {
		printf("dll2 sorted name: %s\n", lws_container_of(d, struct item, list)->name);
	} lws_end_foreach_dll(d);

	/* a walk that unlinks as it goes, stopped by the callback */
	visits = 0;
	stop = 5;
	n = lws_dll2_foreach_safe(&o, &stop, visit_remove_odd);
	printf("dll2 foreach stop at 5: %d after %d visits\n", n, visits);
	CHECK(show("after walk", &o) == 0);
	visits = 0;
	stop = -1;
	n = lws_dll2_foreach_safe(&o, &stop, visit_remove_odd);
	printf("dll2 foreach to the end: %d after %d visits\n", n, visits);
	CHECK(show("after walk 2", &o) == 0);

	/* lws_dll2_clear forgets the links without touching the list */
	lws_dll2_clear(&items[2].list);
	printf("dll2 cleared: detached %d, owner count still %u\n",
	       lws_dll2_is_detached(&items[2].list), (unsigned int)o.count);
	lws_dll2_owner_clear(&o);
	for (i = 0; i < 5; i++)
		lws_dll2_clear(&items[i].list);

#if LWS_43
	{
		int calls = 0;

		for (i = 4; i >= 0; i--)
			lws_dll2_add_sorted_priv(&items[i].list, &o, &calls, by_key_priv);
		printf("dll2 sorted_priv: %d compares\n", calls);
		CHECK(show("sorted_priv", &o) == 0);
		detach_all(&o);
	}
#endif
	return 0;
}

#if LWS_43
/* lws_wsi_tag: an accepted connection and a client, each counted per context from 0 */
static int tags_seen;

static int
tag_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	(void)user;
	(void)in;
	(void)len;
	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		printf("wsi_tag: server %s\n", lws_wsi_tag(wsi));
		tags_seen++;
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		printf("wsi_tag: client %s\n", lws_wsi_tag(wsi));
		tags_seen++;
		break;
	default:
		break;
	}
	return 0;
}

static struct lws_protocols tag_protocols[] = {
	{ "tag", tag_cb, 0, 0, 0, NULL, 0 },
	LWS_PROTOCOL_LIST_TERM
};

static int
test_wsi_tag(void)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	struct lws_context *cx;
	int i;

	printf("wsi_tag: %s\n", lws_wsi_tag(NULL));
	memset(&info, 0, sizeof(info));
	info.port = 0;
	info.protocols = tag_protocols;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	cx = lws_create_context(&info);
	CHECK(cx);
	memset(&ci, 0, sizeof(ci));
	ci.context = cx;
	ci.address = "127.0.0.1";
	ci.port = lws_get_vhost_listen_port(lws_get_vhost_by_name(cx, "default"));
	ci.path = "/";
	ci.host = "localhost";
	ci.protocol = "tag";
	CHECK(lws_client_connect_via_info(&ci));
	for (i = 0; i < 500 && tags_seen < 2; i++)
		lws_service(cx, 10);
	lws_context_destroy(cx);
	CHECK(tags_seen == 2);
	return 0;
}
#endif

static void
uri(const char *in, int port_in)
{
	const char *prot = "?", *ads = "?", *path = "?";
	char buf[128];
	int port = port_in;

	lws_strncpy(buf, in, sizeof(buf));
	if (lws_parse_uri(buf, &prot, &ads, &port, &path))
		printf("uri '%s': failed\n", in);
	else
		printf("uri '%s': prot '%s' ads '%s' port %d path '%s'\n", in, prot, ads, port,
		       path);
}

static void
json_find(const char *j, const char *name)
{
	size_t alen = 12345;
	const char *p = lws_json_simple_find(j, strlen(j), name, &alen);

	if (p)
		printf("json %s in %s: '%.*s' (%d)\n", name, j, (int)alen, p, (int)alen);
	else
		printf("json %s in %s: not found\n", name, j);
}

static int
sign(int n)
{
	return n < 0 ? -1 : n > 0;
}

int
main(void)
{
	struct lws_context_creation_info info;
	struct lws_context *cx;
	const char *j = "{\"a\":\"x\\\"y\",\"b\": 12 ,\"c\":\t[1,2],\"d\":{\"e\":true}}";
	char b[64];
	int n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	if (test_dll2())
		return 1;

	uri("http://example.com/a/b?c=d", 0);
	uri("https://example.com", 0);
	uri("ws://localhost:7681/chat", 0);
	uri("wss://h:8443", 0);
	uri("http://[::1]:8080/x", 0);
	uri("https://[fe80::1%eth0]/", 0);
	uri("ws://[::1", 0);
	uri("mqtt://broker/t", 1883);
	uri("example.com:81/p", 7);
	uri("example.com/p", 7);
	uri("http://+/var/run/sock:/my/path", 0);
	uri("http://h:12ab/x", 0);
	uri("http://h/", 0);
	uri("", 7);
	uri("://x", 7);

	json_find(j, "\"a\":");
	json_find(j, "\"b\":");
	json_find(j, "\"c\":");
	json_find(j, "\"d\":");
	json_find(j, "\"e\":");
	json_find(j, "\"z\":");
	json_find("{\"a\": ", "\"a\":");
	json_find("{\"a\":\"open", "\"a\":");
	json_find("{\"a\":1}", "\"a\":1}x");

	printf("json strcmp e true: %d\n",
	       lws_json_simple_strcmp(j, strlen(j), "\"e\":", "true"));
	printf("json strcmp e tru: %d\n", lws_json_simple_strcmp(j, strlen(j), "\"e\":", "tru"));
	printf("json strcmp e trux: sign %d\n",
	       sign(lws_json_simple_strcmp(j, strlen(j), "\"e\":", "trux")));
	printf("json strcmp b 12: %d\n", lws_json_simple_strcmp(j, strlen(j), "\"b\":", "12"));
	printf("json strcmp b 13: sign %d\n",
	       sign(lws_json_simple_strcmp(j, strlen(j), "\"b\":", "13")));
	printf("json strcmp b 11: sign %d\n",
	       sign(lws_json_simple_strcmp(j, strlen(j), "\"b\":", "11")));
	printf("json strcmp z: %d\n", lws_json_simple_strcmp(j, strlen(j), "\"z\":", "x"));

	memset(b, 'x', sizeof(b));
	n = lws_http_basic_auth_gen("Aladdin", "open sesame", b, sizeof(b));
	printf("basic auth: %d '%s'\n", n, b);
	memset(b, 'x', sizeof(b));
	n = lws_http_basic_auth_gen("", "", b, 11);
	printf("basic auth empty: %d '%s'\n", n, b);
	n = lws_http_basic_auth_gen("Aladdin", "open sesame", b, 30);
	printf("basic auth small: %d\n", n);
	{
		char big[200], user[130];

		memset(user, 'u', sizeof(user) - 1);
		user[sizeof(user) - 1] = '\0';
		n = lws_http_basic_auth_gen(user, "pw", big, sizeof(big));
		printf("basic auth long: %d\n", n);
	}

	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	cx = lws_create_context(&info);
	CHECK(cx);
	printf("count threads: %d\n", lws_get_count_threads(cx));
	lws_context_destroy(cx);

#if LWS_43
	if (test_wsi_tag())
		return 1;
#endif
	printf("done\n");
	return 0;
}
