/*
 * Logging as lws 4.1.6 and 4.3 both do it: level filtering (which messages reach the
 * emit function, with which level), the message text, lwsl_timestamp(), the hexdump
 * layout and the stock emitters.  The line around the message (4.3's timestamp prefix
 * and added newline) is 4.3 behaviour: logs_format.c.
 */
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

/*
 * Line i's message: without a timestamp prefix (4.3 adds one, with the level's letter)
 * and without a final newline (4.3 adds one), into msg.
 */
static const char *
message(int i, char *msg, size_t len)
{
	const char *p = got[i].line;
	size_t n;

	if (p[0] == '[' && strlen(p) >= 30 && is_prefix(p, p[27]))
		p += 30;
	lws_strncpy(msg, p, len);
	n = strlen(msg);
	if (n && msg[n - 1] == '\n')
		msg[n - 1] = '\0';

	return msg;
}

static void
show(const char *what, int i)
{
	char msg[512];

	printf("%s: level %d: \"%s\"\n", what, got[i].level, message(i, msg, sizeof(msg)));
}

static int
test_filter(void)
{
	const char *empty = "";
	char big[400], msg[512];
	size_t n;
	int i;

	ngot = 0;
	lws_set_log_level(LLL_ERR | LLL_WARN | LLL_USER, capture);
	CHECK(lwsl_visible(LLL_ERR) && lwsl_visible(LLL_WARN) && lwsl_visible(LLL_USER));
	CHECK(!lwsl_visible(LLL_NOTICE) && !lwsl_visible(LLL_DEBUG));

	lwsl_err("error %d", 1);
	lwsl_notice("not shown");
	lwsl_warn("warning with newline\n");
	lwsl_user("user %s", "line");
	lwsl_debug("not shown either");
	CHECK(ngot == 3);
	CHECK(got[0].level == LLL_ERR && got[1].level == LLL_WARN && got[2].level == LLL_USER);
	for (i = 0; i < 3; i++)
		show("filter", i);

	/* NULL emit keeps the emitter, only the mask changes */
	lws_set_log_level(LLL_ERR | LLL_NOTICE, NULL);
	lwsl_notice("notice now");
	lwsl_user("user now hidden");
	CHECK(ngot == 4 && got[3].level == LLL_NOTICE);
	show("filter", 3);

	/* a filter of several levels is passed on as it is; so is an empty message */
	_lws_log(LLL_ERR | LLL_NOTICE, "two levels");
	_lws_log(LLL_ERR, "%s", empty);
	CHECK(ngot == 6);
	show("filter", 4);
	show("filter", 5);

	/* lws formats into a 256-byte buffer: longer lines are cut and end in "..." */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	lwsl_err("%s", big);
	CHECK(ngot == 7 && strlen(got[6].line) < 256);
	message(6, msg, sizeof(msg));
	n = strlen(msg);
	CHECK(n > 200 && !strcmp(msg + n - 3, "...") && msg[n - 4] == 'x');
	printf("filter: a %d-char message arrives cut to fit, ending in \"...\"\n",
	       (int)strlen(big));

	return 0;
}

static int
test_timestamp(void)
{
	char buf[64], small[8];
	int n;

	n = lwsl_timestamp(LLL_NOTICE, buf, sizeof(buf));
	CHECK(n == 30 && (int)strlen(buf) == 30 && is_prefix(buf, 'N'));
	n = lwsl_timestamp(LLL_USER, buf, sizeof(buf));
	CHECK(n == 30 && is_prefix(buf, 'U'));
	n = lwsl_timestamp(LLL_ERR | LLL_WARN, buf, sizeof(buf));
	CHECK(n == 0 && buf[0] == '\0');
	printf("timestamp: \"[YYYY/MM/DD HH:MM:SS:uuuu] N: \" (30 chars) for one level, "
	       "empty for two\n");
	n = lwsl_timestamp(LLL_ERR, small, sizeof(small));
	CHECK((int)strlen(small) == 7 && small[0] == '[');
	printf("timestamp: cut to %d bytes returns %d\n", (int)sizeof(small), n);

	return 0;
}

static int
test_hexdump(void)
{
	unsigned char data[18] = { 0, 1, 'A', 'B', 'C', ' ', '~', 0x7f, 0x80, 0xff,
				   'h', 'e', 'l', 'l', 'o', '.', '\n', 'Z' };
	int i;

	lws_set_log_level(LLL_ERR | LLL_NOTICE, capture);

	/* not visible at debug */
	ngot = 0;
	lwsl_hexdump_level(LLL_DEBUG, data, sizeof(data));
	lwsl_hexdump(data, sizeof(data));
	CHECK(ngot == 0);

	lwsl_hexdump_notice(data, sizeof(data));
	CHECK(ngot == 4);
	for (i = 0; i < 4; i++)
		show("hexdump", i);

	ngot = 0;
	lwsl_hexdump_level(LLL_ERR, data, 0);
	lwsl_hexdump_level(LLL_ERR, NULL, 4);
	CHECK(ngot == 2);
	show("hexdump", 0);
	show("hexdump", 1);

	/* lwsl_hexdump() is lwsl_hexdump_level(LLL_DEBUG, ...) */
	lws_set_log_level(LLL_DEBUG, NULL);
	ngot = 0;
	lwsl_hexdump(data, 3);
	CHECK(ngot == 3);
	for (i = 0; i < 3; i++)
		show("hexdump", i);

	return 0;
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);	/* the transcript up to a crash, if any */
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
