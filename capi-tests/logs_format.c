/*
 * Logging: the exact line an emit function receives in lws 4.3 (timestamp prefix,
 * newline added, cut to lws's 256-byte buffer), with level filtering and the hexdump
 * layout seen through it.  logs.c has what lws 4.1.6 does the same way.
 */
/* lws-diff: ours-only: lws 4.3 builds the whole line (timestamp prefix, newline, 256-byte cut) before calling the emit function; 4.1.6 passes the bare message */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>

#define CHECK(c) do { if (!(c)) { printf("FAIL: %s (line %d)\n", #c, __LINE__); return 1; } } while (0)

#define MAX_LINES 32

static struct {
	int level;
	char line[512];
} got[MAX_LINES];
static int ngot;

static void
capture(int level, const char *line)
{
	if (ngot < MAX_LINES) {
		got[ngot].level = level;
		strncpy(got[ngot].line, line, sizeof(got[ngot].line) - 1);
		got[ngot].line[sizeof(got[ngot].line) - 1] = '\0';
	}
	ngot++;
}

static int
digits(const char *p, int n)
{
	while (n--)
		if (*p < '0' || *p++ > '9')
			return 0;
	return 1;
}

/* "[YYYY/MM/DD HH:MM:SS:uuuu] L: " */
static int
is_prefix(const char *p, char letter)
{
	return p[0] == '[' && digits(p + 1, 4) && p[5] == '/' && digits(p + 6, 2) &&
	       p[8] == '/' && digits(p + 9, 2) && p[11] == ' ' && digits(p + 12, 2) &&
	       p[14] == ':' && digits(p + 15, 2) && p[17] == ':' && digits(p + 18, 2) &&
	       p[20] == ':' && digits(p + 21, 4) && p[25] == ']' && p[26] == ' ' &&
	       p[27] == letter && p[28] == ':' && p[29] == ' ';
}

/* The line without its timestamp, checking the prefix is there. */
static const char *
body(int i, char letter)
{
	if (i >= ngot || !is_prefix(got[i].line, letter))
		return NULL;
	return got[i].line + 30;
}

static void
show(const char *what, int i)
{
	const char *p = strstr(got[i].line, "] ");

	printf("%s: level %d: %s", what, got[i].level, p ? p + 2 : got[i].line);
}

static int
test_filter(void)
{
	const char *b;
	const char *empty = "";
	char big[400];

	ngot = 0;
	lws_set_log_level(LLL_ERR | LLL_WARN | LLL_USER, capture);
	CHECK(lwsl_visible(LLL_ERR) && lwsl_visible(LLL_USER));
	CHECK(!lwsl_visible(LLL_NOTICE) && !lwsl_visible(LLL_DEBUG));

	lwsl_err("error %d", 1);
	lwsl_notice("not shown");
	lwsl_warn("warning with newline\n");
	lwsl_user("user %s", "line");
	lwsl_debug("not shown either");
	CHECK(ngot == 3);
	CHECK(got[0].level == LLL_ERR && (b = body(0, 'E')) && !strcmp(b, "error 1\n"));
	CHECK(got[1].level == LLL_WARN && (b = body(1, 'W')) && !strcmp(b, "warning with newline\n"));
	CHECK(got[2].level == LLL_USER && (b = body(2, 'U')) && !strcmp(b, "user line\n"));
	show("filter", 0);
	show("filter", 1);
	show("filter", 2);

	/* NULL emit keeps the emitter, only the mask changes */
	lws_set_log_level(LLL_ERR | LLL_NOTICE, NULL);
	lwsl_notice("notice now");
	lwsl_user("user now hidden");
	CHECK(ngot == 4 && (b = body(3, 'N')) && !strcmp(b, "notice now\n"));
	show("filter", 3);

	/* a filter of several levels gets no timestamp; an empty message no newline */
	_lws_log(LLL_ERR | LLL_NOTICE, "two levels");
	_lws_log(LLL_ERR, "%s", empty);
	CHECK(ngot == 6 && !strcmp(got[4].line, "two levels\n"));
	CHECK((b = body(5, 'E')) && !strcmp(b, ""));
	printf("filter: multi-level line \"two levels\\n\", empty message has no newline\n");

	/* lws's line buffer is 256 bytes: longer lines are cut and end in "...\n" */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	lwsl_err("%s", big);
	CHECK(ngot == 7 && strlen(got[6].line) == 254);
	CHECK(!strcmp(got[6].line + 250, "...\n") && got[6].line[249] == 'x');
	printf("filter: a %d-char message arrives as a %d-char line ending in \"...\\n\"\n",
	       (int)strlen(big), (int)strlen(got[6].line));

	return 0;
}

static int
test_timestamp(void)
{
	char buf[64], small[8];
	int n;

	n = lwsl_timestamp(LLL_NOTICE, buf, sizeof(buf));
	CHECK(n == 30 && (int)strlen(buf) == 30 && is_prefix(buf, 'N'));
	n = lwsl_timestamp(LLL_THREAD, buf, sizeof(buf));
	CHECK(n == 30 && is_prefix(buf, 'T'));
	n = lwsl_timestamp(LLL_ERR | LLL_WARN, buf, sizeof(buf));
	CHECK(n == 0 && buf[0] == '\0');
	/* (what it returns when cut is compared with lws in logs.c) */
	lwsl_timestamp(LLL_ERR, small, sizeof(small));
	CHECK((int)strlen(small) == 7 && small[0] == '[');
	printf("timestamp: 30 chars for one level, empty for two, cut to fit\n");

	return 0;
}

static int
test_hexdump(void)
{
	static const char *want[] = {
		"\n",
		"0000: 00 01 41 42 43 20 7E 7F 80 FF 68 65 6C 6C 6F 2E    ..ABC ~...hello.\n",
		"0010: 0A 5A                                              .Z              \n",
		"\n",
	};
	unsigned char data[18] = { 0, 1, 'A', 'B', 'C', ' ', '~', 0x7f, 0x80, 0xff,
				   'h', 'e', 'l', 'l', 'o', '.', '\n', 'Z' };
	const char *b;
	int i;

	lws_set_log_level(LLL_ERR | LLL_NOTICE, capture);

	/* not visible at debug */
	ngot = 0;
	lwsl_hexdump_level(LLL_DEBUG, data, sizeof(data));
	lwsl_hexdump(data, sizeof(data));
	CHECK(ngot == 0);

	lwsl_hexdump_notice(data, sizeof(data));
	CHECK(ngot == 4);
	for (i = 0; i < 4; i++) {
		CHECK(got[i].level == LLL_NOTICE && (b = body(i, 'N')) && !strcmp(b, want[i]));
		show("hexdump", i);
	}

	ngot = 0;
	lwsl_hexdump_level(LLL_ERR, data, 0);
	lwsl_hexdump_level(LLL_ERR, NULL, 4);
	CHECK(ngot == 2);
	CHECK((b = body(0, 'E')) && !strcmp(b, "(hexdump: zero length)\n"));
	CHECK((b = body(1, 'E')) && !strcmp(b, "(hexdump: NULL ptr)\n"));
	show("hexdump", 0);
	show("hexdump", 1);

	/* lwsl_hexdump() is lwsl_hexdump_level(LLL_DEBUG, ...) */
	lws_set_log_level(LLL_DEBUG, NULL);
	ngot = 0;
	lwsl_hexdump(data, 3);
	CHECK(ngot == 3 && (b = body(1, 'D')) && !strncmp(b, "0000: 00 01 41    ", 18));
	show("hexdump", 1);

	return 0;
}

int
main(void)
{
	if (test_filter() || test_timestamp() || test_hexdump())
		return 1;

	/* the stock emitters: these go to stderr */
	lws_set_log_level(LLL_ERR, lwsl_emit_stderr);
	lwsl_err("via lwsl_emit_stderr");
	lws_set_log_level(LLL_ERR, lwsl_emit_stderr_notimestamp);
	lwsl_err("via lwsl_emit_stderr_notimestamp");
	lws_set_log_level(LLL_ERR | LLL_WARN | LLL_NOTICE, lwsl_emit_stderr);

	printf("logs: all OK\n");

	return 0;
}
