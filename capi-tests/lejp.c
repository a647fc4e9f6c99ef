/*
 * lejp: reads a server configuration the way an lws application does, with the
 * streaming JSON parser: paths of interest with wildcards, values collected into a C
 * struct, the input given whole and one byte per call (every event is printed, so the
 * two runs can be compared), a string longer than one chunk, \u escapes, comments,
 * a top-level array, trailing bytes after the document, refused documents with their
 * codes and texts, a callback that refuses, lejp_change_callback on a "schema" member,
 * and a nested parser (lejp_parser_push / lejp_parser_pop).
 */
/* lws-diff: ours-only `val='3e2'`: lws 4.3 reports an exponent without a point as a float (4.1.6: an int) */
/* lws-diff: ours-only `arrays 7 deep`: lws 4.3 tracks 8 array indexes (LEJP_MAX_INDEX_DEPTH; 4.1.6: 5) */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>

static const char *const cfg_paths[] = {
	"name",			/* 1 */
	"listen[].port",	/* 2 */
	"listen[].tls",		/* 3 */
	"vhosts.*.root",	/* 4 */
	"vhosts.*.ratio",	/* 5 */
	"vhosts.*.limits[]",	/* 6 */
	"banner",		/* 7 */
	"motd",			/* 8 */
	"vhosts.*",		/* 9 */
};

struct cfg {
	char name[32];
	int ports[4], tls[4], nports;
	char vhost_roots[4][64];
	int nroots;
	double ratio_sum;
	long limit_sum;
	size_t motd_len;
	int motd_chunks;
	char banner[64];
	int verbose;
};

static const char *reason_name(int r)
{
	switch (r) {
	case LEJPCB_CONSTRUCTED: return "CONSTRUCTED";
	case LEJPCB_DESTRUCTED: return "DESTRUCTED";
	case LEJPCB_START: return "START";
	case LEJPCB_COMPLETE: return "COMPLETE";
	case LEJPCB_FAILED: return "FAILED";
	case LEJPCB_PAIR_NAME: return "PAIR_NAME";
	case LEJPCB_VAL_TRUE: return "VAL_TRUE";
	case LEJPCB_VAL_FALSE: return "VAL_FALSE";
	case LEJPCB_VAL_NULL: return "VAL_NULL";
	case LEJPCB_VAL_NUM_INT: return "VAL_NUM_INT";
	case LEJPCB_VAL_NUM_FLOAT: return "VAL_NUM_FLOAT";
	case LEJPCB_VAL_STR_START: return "VAL_STR_START";
	case LEJPCB_VAL_STR_CHUNK: return "VAL_STR_CHUNK";
	case LEJPCB_VAL_STR_END: return "VAL_STR_END";
	case LEJPCB_ARRAY_START: return "ARRAY_START";
	case LEJPCB_ARRAY_END: return "ARRAY_END";
	case LEJPCB_OBJECT_START: return "OBJECT_START";
	case LEJPCB_OBJECT_END: return "OBJECT_END";
	}
	return "?";
}

/* printable form of n bytes: non-ASCII and control bytes as \xNN */
static void show(const char *s, int n)
{
	int k;

	for (k = 0; k < n; k++) {
		unsigned char c = (unsigned char)s[k];
		if (c < 0x20 || c >= 0x7f || c == '\\')
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

static void show_event(struct lejp_ctx *ctx, char reason)
{
	int k;

	printf("  %-13s sp=%d path='%s' match=%d", reason_name(reason), ctx->sp,
	       ctx->path, ctx->path_match);
	if (ctx->ipos) {
		printf(" i=");
		for (k = 0; k < ctx->ipos; k++)
			printf("%s%d", k ? "," : "", ctx->i[k]);
	}
	if (reason == LEJPCB_VAL_STR_CHUNK) {
		printf(" chunk=%d '", ctx->npos);
		show(ctx->buf, 8);
		printf("...'");
	} else if (reason & LEJP_FLAG_CB_IS_VALUE) {
		printf(" val='");
		show(ctx->buf, reason == LEJPCB_VAL_STR_END ? ctx->npos : (int)strlen(ctx->buf));
		printf("'");
	}
	printf("\n");
}

static signed char cfg_cb(struct lejp_ctx *ctx, char reason)
{
	struct cfg *c = (struct cfg *)ctx->user;
	char wild[32];
	int n;

	if (c->verbose)
		show_event(ctx, reason);

	if (!(reason & LEJP_FLAG_CB_IS_VALUE) || !ctx->path_match)
		return 0;

	switch (ctx->path_match - 1) {
	case 0:
		lws_strncpy(c->name, ctx->buf, sizeof(c->name));
		break;
	case 1:
		if (c->nports < 4)
			c->ports[c->nports++] = atoi(ctx->buf);
		break;
	case 2:
		if (c->nports && c->nports <= 4)
			c->tls[c->nports - 1] = reason == LEJPCB_VAL_TRUE;
		break;
	case 3:
		n = lejp_get_wildcard(ctx, 0, wild, sizeof(wild));
		if (c->nroots < 4)
			lws_snprintf(c->vhost_roots[c->nroots++], 64, "%s=%s (wildcard len %d)",
				     wild, reason == LEJPCB_VAL_NULL ? "(null)" : ctx->buf, n);
		break;
	case 4:
		c->ratio_sum += atof(ctx->buf);
		break;
	case 5:
		c->limit_sum += (long)atof(ctx->buf);
		break;
	case 6:
		lws_strncpy(c->banner, ctx->buf, sizeof(c->banner));
		break;
	case 7:
		c->motd_len += ctx->npos;
		if (reason == LEJPCB_VAL_STR_CHUNK)
			c->motd_chunks++;
		break;
	}
	return 0;
}

static const char config[] =
	"# edge server configuration\n"
	"{\n"
	"  \"name\": \"edge-1\",   # the host name\n"
	"  \"listen\": [ { \"port\": 443, \"tls\": true },\n"
	"              { \"port\": 80, \"tls\": false } ],\n"
	"  \"vhosts\": {\n"
	"    \"alpha\": { \"root\": \"/srv/alpha\", \"ratio\": 0.75,\n"
	"               \"limits\": [1, -2, 3e2, 12.5E+1] },\n"
	"    \"beta\": { \"root\": null, \"ratio\": -1.5e-3, \"extra\": {\"x\": [[1],[2,3]]} }\n"
	"  },\n"
	"  \"banner\": \"caf\\u00e9 \\u20ac \\u0041 \\\"q\\\" \\\\ \\/ \\t\",\n"
	"  \"motd\": \"@MOTD@\"\n"
	"}  trailing";

static void summary(struct cfg *c)
{
	int n;

	printf("config: name=%s ports=", c->name);
	for (n = 0; n < c->nports; n++)
		printf("%s%d%s", n ? "," : "", c->ports[n], c->tls[n] ? "/tls" : "");
	printf(" ratio_sum=%.4f limit_sum=%ld motd=%zu bytes in %d chunks + end\n",
	       c->ratio_sum, c->limit_sum, c->motd_len, c->motd_chunks);
	for (n = 0; n < c->nroots; n++)
		printf("  root %s\n", c->vhost_roots[n]);
	printf("  banner '");
	show(c->banner, (int)strlen(c->banner));
	printf("'\n");
}

static char doc[4096];

static void build_doc(void)
{
	const char *at = strstr(config, "@MOTD@");
	char motd[601];
	int n;

	for (n = 0; n < 600; n++)
		motd[n] = (char)('a' + n % 26);
	motd[600] = '\0';
	lws_snprintf(doc, sizeof(doc), "%.*s%s%s", (int)(at - config), config, motd,
		     at + 6);
}

static void parse_config(int bytewise, int verbose)
{
	struct lejp_ctx ctx;
	struct cfg c;
	int m = LEJP_CONTINUE, n, len = (int)strlen(doc), calls = 0;

	memset(&c, 0, sizeof(c));
	c.verbose = verbose;
	printf("== config, %s\n", bytewise ? "one byte per call" : "one call");
	lejp_construct(&ctx, cfg_cb, &c, cfg_paths, LWS_ARRAY_SIZE(cfg_paths));
	if (bytewise) {
		for (n = 0; n < len && m == LEJP_CONTINUE; n++, calls++)
			m = lejp_parse(&ctx, (const unsigned char *)doc + n, 1);
		printf("result %d after %d calls, %d bytes not given, line %u\n", m, calls,
		       len - n, ctx.line);
	} else {
		m = lejp_parse(&ctx, (const unsigned char *)doc, len);
		printf("result %d (bytes left over after the document), line %u\n", m, ctx.line);
	}
	lejp_destruct(&ctx);
	summary(&c);
}

/* --- a top-level array ------------------------------------------------------ */

static const char array_doc[] = "[1, [true, null], {\"k\": \"v\"}]xy";
static const char *const arr_paths[] = { "[]", "[].k", "[][]" };

static signed char arr_cb(struct lejp_ctx *ctx, char reason)
{
	show_event(ctx, reason);
	return 0;
}

/* --- refused documents ------------------------------------------------------ */

static signed char quiet_cb(struct lejp_ctx *ctx, char reason)
{
	(void)ctx;
	if (reason == LEJPCB_FAILED)
		printf("  (FAILED reported)");
	return 0;
}

static signed char refusing_cb(struct lejp_ctx *ctx, char reason)
{
	if (reason == LEJPCB_FAILED)
		printf("  (FAILED reported)");
	if (reason == LEJPCB_VAL_NUM_INT && !strcmp(ctx->buf, "13"))
		return 1;
	return 0;
}

static void try_doc(const char *what, const char *json, lejp_callback cb)
{
	struct lejp_ctx ctx;
	int m;

	printf("%-26s ", what);
	lejp_construct(&ctx, cb, NULL, NULL, 0);
	m = lejp_parse(&ctx, (const unsigned char *)json, (int)strlen(json));
	printf(" -> %d '%s'\n", m, lejp_error_to_string(m));
	lejp_destruct(&ctx);
}

/* --- lejp_change_callback ---------------------------------------------------- */

static const char schema_doc[] = "{\"schema\":\"v2\",\"body\":{\"size\":7}}";
static const char *const schema_paths[] = { "schema", "body.size" };

static signed char v2_cb(struct lejp_ctx *ctx, char reason)
{
	printf("  v2: %s path='%s' match=%d\n", reason_name(reason), ctx->path,
	       ctx->path_match);
	return 0;
}

static signed char schema_cb(struct lejp_ctx *ctx, char reason)
{
	printf("  schema: %s path='%s'\n", reason_name(reason), ctx->path);
	if (reason == LEJPCB_VAL_STR_END && ctx->path_match == 1 && !strcmp(ctx->buf, "v2"))
		lejp_change_callback(ctx, v2_cb);
	return 0;
}

/* --- a nested parser for one member ------------------------------------------ */

static const char nested_doc[] =
	"{\"id\":5,\"payload\":{\"kind\":\"k1\",\"data\":[7,8]},\"id\":6}";
static const char *const outer_paths[] = { "id", "payload" };
static const char *const inner_paths[] = { "kind", "data[]" };

static signed char inner_cb(struct lejp_ctx *ctx, char reason)
{
	printf("  inner: %s path='%s' match=%d pst_sp=%d", reason_name(reason), ctx->path,
	       ctx->path_match, ctx->pst_sp);
	if (reason & LEJP_FLAG_CB_IS_VALUE)
		printf(" val='%s'", ctx->buf);
	printf("\n");
	if (reason == LEJPCB_OBJECT_END && !ctx->sp)
		printf("  pop -> %d\n", lejp_parser_pop(ctx));
	return 0;
}

static signed char outer_cb(struct lejp_ctx *ctx, char reason)
{
	printf("  outer: %s path='%s' match=%d pst_sp=%d", reason_name(reason), ctx->path,
	       ctx->path_match, ctx->pst_sp);
	if (reason & LEJP_FLAG_CB_IS_VALUE)
		printf(" val='%s'", ctx->buf);
	printf("\n");
	if (reason == LEJPCB_OBJECT_START && ctx->path_match == 2)
		printf("  push -> %d\n",
		       lejp_parser_push(ctx, NULL, inner_paths, LWS_ARRAY_SIZE(inner_paths),
					inner_cb));
	return 0;
}

int main(void)
{
	struct lejp_ctx ctx;
	char deep[64], wild[8];
	int m, n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
	build_doc();

	parse_config(0, 1);
	parse_config(1, 1);

	printf("== top-level array, whole\n");
	lejp_construct(&ctx, arr_cb, NULL, arr_paths, LWS_ARRAY_SIZE(arr_paths));
	m = lejp_parse(&ctx, (const unsigned char *)array_doc, (int)strlen(array_doc));
	printf("result %d\n", m);

	printf("== wildcards\n");
	{
		static const char *const wp[] = { "a.*.c.*", "a.*" };
		static const char json[] = "{\"a\":{\"bee\":{\"c\":{\"dd\":1}}, \"zz\":2}}";
		struct lejp_ctx w;

		lejp_construct(&w, quiet_cb, NULL, wp, LWS_ARRAY_SIZE(wp));
		for (n = 0; n < (int)sizeof(json) - 1; n++) {
			m = lejp_parse(&w, (const unsigned char *)json + n, 1);
			if (w.path_match && json[n] == ':') {
				printf("path '%s' match=%d wildcards=%d:", w.path, w.path_match,
				       w.wildcount);
				for (m = 0; m < w.wildcount; m++) {
					int r = lejp_get_wildcard(&w, m, wild, sizeof(wild));
					printf(" [%d]='%s'(%d)", m, wild, r);
				}
				m = lejp_get_wildcard(&w, 0, wild, 2);
				printf(" small='%s'(%d)", wild, m);
				printf(" none=%d", lejp_get_wildcard(&w, 5, wild, sizeof(wild)));
				/* forget the match and look again, as after changing paths */
				w.path_match = 0;
				lejp_check_path_match(&w);
				printf(" recheck=%d/%d\n", w.path_match, w.wildcount);
			}
		}
	}

	printf("== refused documents\n");
	try_doc("incomplete", "{\"a\": [1, 2", quiet_cb);
	try_doc("no brace", "x", quiet_cb);
	try_doc("empty object", "{}", quiet_cb);
	try_doc("no colon", "{\"a\" 1}", quiet_cb);
	try_doc("no quote", "{a:1}", quiet_cb);
	try_doc("bad value", "{\"a\": @}", quiet_cb);
	try_doc("no fraction", "{\"a\":1.}", quiet_cb);
	try_doc("double minus", "{\"a\":--1}", quiet_cb);
	try_doc("two points", "{\"a\":1.2.3}", quiet_cb);
	try_doc("bad exponent", "{\"a\":1e}", quiet_cb);
	try_doc("two exponents", "{\"a\":1e2e3}", quiet_cb);
	try_doc("bad token", "{\"a\":tru}", quiet_cb);
	try_doc("bad escape", "{\"a\":\"\\q\"}", quiet_cb);
	try_doc("bad hex", "{\"a\":\"\\u12g4\"}", quiet_cb);
	try_doc("control char", "{\"a\":\"x\ty\"}", quiet_cb);
	try_doc("no comma", "{\"a\":1 2}", quiet_cb);
	try_doc("stray ]", "{\"a\":]}", quiet_cb);
	try_doc("] closes object", "{\"a\":{\"b\":1]}", quiet_cb);
	try_doc("array not closed", "{\"a\":[1:2]}", quiet_cb);
	try_doc("too many digits", "{\"a\":123456789012345678901}", quiet_cb);
	try_doc("callback refuses", "{\"a\":12,\"b\":13,\"c\":14}", refusing_cb);
	for (n = 0; n < 13; n++)
		deep[n] = '[';
	deep[n] = '\0';
	try_doc("nested too deep", deep, quiet_cb);
	memcpy(deep, "{\"a\":", 5);
	for (n = 5; n < 5 + 7; n++)
		deep[n] = '[';
	deep[n] = '\0';
	try_doc("arrays 7 deep (ok so far)", deep, quiet_cb);

	printf("== error texts\n");
	for (n = 1; n >= -24; n--)
		printf("%d '%s'\n", n, lejp_error_to_string(n));

	printf("== change callback on schema\n");
	lejp_construct(&ctx, schema_cb, NULL, schema_paths, LWS_ARRAY_SIZE(schema_paths));
	m = lejp_parse(&ctx, (const unsigned char *)schema_doc, (int)strlen(schema_doc));
	printf("result %d\n", m);
	lejp_destruct(&ctx);

	printf("== nested parser\n");
	lejp_construct(&ctx, outer_cb, NULL, outer_paths, LWS_ARRAY_SIZE(outer_paths));
	m = lejp_parse(&ctx, (const unsigned char *)nested_doc, (int)strlen(nested_doc));
	printf("result %d pst_sp=%d\n", m, ctx.pst_sp);
	printf("pop at the outermost -> %d\n", lejp_parser_pop(&ctx));
	lejp_destruct(&ctx);

	return 0;
}
