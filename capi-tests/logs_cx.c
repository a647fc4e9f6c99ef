/*
 * Log contexts (lws_log_cx_t): a program's own context emitting into a buffer, with its
 * level mask, context-aware and plain emitters, prepend hooks of a parent chain and of
 * the call, the function-name prefix, the 256-byte cut, hexdumps, the refcount callback,
 * and the file log context helpers (opened at the first reference, closed at the last).
 * The per-object lookups answer NULL for NULL and the process-wide context otherwise.
 */
/* lws-diff: ours-only: log contexts (lws_log_cx_t and its functions) are new in lws 4.3 */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char got[4096];
static size_t got_len;
static int lines;

/* The line without its "[date time:frac] L: " timestamp, shown with visible escapes. */
static void
show(const char *tag, int level, const char *line, size_t len)
{
	const char *p = line, *end = line + len;
	const char *ts = strstr(line, "] ");

	if (line[0] == '[' && ts && ts < end)
		p = ts + 2;
	printf("%s %d [", tag, level);
	for (; p < end; p++) {
		if (*p == '\n')
			printf("\\n");
		else if (!*p)
			printf("\\0");
		else
			putchar(*p);
	}
	printf("] len-from-timestamp %d\n", (int)(end - (ts ? ts + 2 : line)));
}

static void
emit_cx(struct lws_log_cx *cx, int level, const char *line, size_t len)
{
	lines++;
	if (got_len + len < sizeof(got)) {
		memcpy(got + got_len, line, len);
		got_len += len;
	}
	show(cx->opaque ? (const char *)cx->opaque : "cx", level, line, len);
}

static void
emit_plain(int level, const char *line)
{
	lines++;
	show("plain", level, line, strlen(line));
}

static void
prep_parent(struct lws_log_cx *cx, void *obj, char **p, char *e)
{
	(void)cx;
	(void)obj;
	*p += lws_snprintf(*p, lws_ptr_diff_size_t(e, *p), "P|");
}

static void
prep_child(struct lws_log_cx *cx, void *obj, char **p, char *e)
{
	(void)cx;
	(void)obj;
	*p += lws_snprintf(*p, lws_ptr_diff_size_t(e, *p), "C|");
}

static void
prep_obj(struct lws_log_cx *cx, void *obj, char **p, char *e)
{
	*p += lws_snprintf(*p, lws_ptr_diff_size_t(e, *p), "obj=%s(%s)|",
			   obj ? (const char *)obj : "-",
			   cx->opaque ? (const char *)cx->opaque : "?");
}

static int refcb_calls;

static void
refcb(struct lws_log_cx *cx, int _new)
{
	refcb_calls++;
	printf("refcount_cb new=%d refcount=%d\n", _new, (int)cx->refcount);
}

int
main(void)
{
	lws_log_cx_t parent, child, plain, filecx;
	char path[64], buf[512];
	unsigned char dump[20];
	struct lws_context_creation_info info;
	struct lws_context *ctx;
	FILE *f;
	size_t n;

	setvbuf(stdout, NULL, _IOLBF, 0);

	memset(&parent, 0, sizeof(parent));
	parent.u.emit_cx = emit_cx;
	parent.lll_flags = LLLF_LOG_CONTEXT_AWARE | LLL_ERR | LLL_WARN;
	parent.prepend = prep_parent;
	parent.opaque = (void *)"parent";

	memset(&child, 0, sizeof(child));
	child.u.emit_cx = emit_cx;
	child.lll_flags = LLLF_LOG_CONTEXT_AWARE | LLL_ERR | LLL_NOTICE;
	child.prepend = prep_child;
	child.opaque = (void *)"child";

	/* the level mask of the context, not the process-wide one */
	lws_set_log_level(LLL_ERR, NULL);
	_lws_log_cx(&child, NULL, NULL, LLL_NOTICE, NULL, "notice %d", 1);
	_lws_log_cx(&child, NULL, NULL, LLL_WARN, NULL, "warn is filtered");
	/* own prepend, then the call's hook for its object, then the function name */
	_lws_log_cx(&child, prep_obj, (void *)"o1", LLL_ERR, "myfunc", "with %s", "args");
	/* a message already ending in a newline gets no second one; an empty one none */
	_lws_log_cx(&child, NULL, NULL, LLL_ERR, NULL, "ends\n");
	_lws_log_cx(&child, NULL, NULL, LLL_ERR, "f", "%s", "");

	/* with a parent, the ancestors prepend (top first) and the call's hook gets the
	 * nearest parent */
	child.parent = &parent;
	_lws_log_cx(&child, prep_obj, (void *)"o2", LLL_ERR, NULL, "chained");
	/* the emitted level mask is still the child's */
	_lws_log_cx(&child, NULL, NULL, LLL_NOTICE, NULL, "child notice");
	_lws_log_cx(&child, NULL, NULL, LLL_WARN, NULL, "child has no warn");
	child.parent = NULL;

	/* the line is cut at lws's 256 bytes, ending "...\n" */
	memset(buf, 'x', 300);
	buf[300] = '\0';
	_lws_log_cx(&parent, NULL, NULL, LLL_ERR, NULL, "%s", buf);

	/* without LLLF_LOG_CONTEXT_AWARE, u.emit gets the level and the line */
	memset(&plain, 0, sizeof(plain));
	plain.u.emit = emit_plain;
	plain.lll_flags = LLL_USER;
	_lws_log_cx(&plain, prep_obj, NULL, LLL_USER, "fn", "plain %d", 2);

	/* hexdumps through a context */
	for (n = 0; n < sizeof(dump); n++)
		dump[n] = (unsigned char)(n * 13 + 30);
	lwsl_hexdump_level_cx(&child, prep_obj, (void *)"hx", LLL_NOTICE, dump,
			      sizeof(dump));
	lwsl_hexdump_level_cx(&child, NULL, NULL, LLL_NOTICE, dump, 0);
	lwsl_hexdump_level_cx(&child, NULL, NULL, LLL_NOTICE, NULL, 4);
	lwsl_hexdump_level_cx(&child, NULL, NULL, LLL_WARN, dump, 4);
	printf("lines emitted %d\n", lines);

	/* refcount: the callback sees the count after the change */
	child.refcount_cb = refcb;
	lwsl_refcount_cx(&child, 1);
	lwsl_refcount_cx(&child, 1);
	lwsl_refcount_cx(&child, -1);
	lwsl_refcount_cx(&child, 0);
	lwsl_refcount_cx(NULL, 1);
	printf("refcount %d, callbacks %d\n", (int)child.refcount, refcb_calls);

	/* the file log context: lws_log_use_cx_file opens at the first reference */
	snprintf(path, sizeof(path), "/tmp/lws-logs-cx-%d.log", (int)getpid());
	memset(&filecx, 0, sizeof(filecx));
	filecx.u.emit_cx = lws_log_emit_cx_file;
	filecx.refcount_cb = lws_log_use_cx_file;
	filecx.lll_flags = LLLF_LOG_CONTEXT_AWARE | LLL_ERR | LLL_USER;
	filecx.opaque = path;
	lwsl_refcount_cx(&filecx, 1);
	lwsl_refcount_cx(&filecx, 1);
	_lws_log_cx(&filecx, NULL, NULL, LLL_ERR, "first", "to the file %d", 1);
	_lws_log_cx(&filecx, NULL, NULL, LLL_NOTICE, NULL, "not at this level");
	lwsl_refcount_cx(&filecx, -1);
	_lws_log_cx(&filecx, prep_child, NULL, LLL_USER, NULL, "second");
	lwsl_hexdump_level_cx(&filecx, NULL, NULL, LLL_USER, "AB", 2);
	lwsl_refcount_cx(&filecx, -1);
	printf("file closed: stg %d\n", (int)(intptr_t)filecx.stg);
	/* after the last reference, nothing more reaches the file */
	_lws_log_cx(&filecx, NULL, NULL, LLL_ERR, NULL, "after close");

	f = fopen(path, "r");
	if (!f) {
		printf("log file missing\n");
		return 1;
	}
	while (fgets(buf, sizeof(buf), f)) {
		char *ts = strstr(buf, "] ");
		printf("file: %s", buf[0] == '[' && ts ? ts + 2 : buf);
	}
	fclose(f);
	unlink(path);

	/* the per-object lookups */
	printf("context_get_cx(NULL) %s, vhost_get_cx(NULL) %s, wsi_get_cx(NULL) %s\n",
	       lwsl_context_get_cx(NULL) ? "cx" : "NULL",
	       lwsl_vhost_get_cx(NULL) ? "cx" : "NULL",
	       lwsl_wsi_get_cx(NULL) ? "cx" : "NULL");

	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	lws_set_log_level(LLL_ERR | LLL_USER, emit_plain);
	ctx = lws_create_context(&info);
	if (!ctx) {
		printf("no context\n");
		return 1;
	}
	{
		lws_log_cx_t *c = lwsl_context_get_cx(ctx);

		/* the process-wide context: lws_set_log_level's mask and emitter */
		printf("context cx: flags 0x%x, emit is ours %d\n",
		       (unsigned int)c->lll_flags, c->u.emit == emit_plain);
		/* the process-wide context through _lws_log_cx, and a NULL one */
		lines = 0;
		_lws_log_cx(c, NULL, NULL, LLL_USER, "fn", "via the context's cx");
		_lws_log_cx(NULL, NULL, NULL, LLL_USER, NULL, "via NULL");
		_lws_log_cx(NULL, NULL, NULL, LLL_NOTICE, NULL, "filtered");
		/* lws_log_prepend_wsi for a NULL wsi */
		_lws_log_cx(NULL, lws_log_prepend_wsi, NULL, LLL_USER, "w", "null wsi");
		lwsl_hexdump_level_cx(c, NULL, NULL, LLL_USER, "hi", 2);
		printf("lines %d\n", lines);
	}
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
	lws_context_destroy(ctx);

	return 0;
}
