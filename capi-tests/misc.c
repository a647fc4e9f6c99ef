/*
 * lws-misc.h / lws-sha1-base64.h helpers: command line options, lws_strncpy,
 * lws_snprintf, time, random, hex, base64, SHA-1, constant-time compare.
 * (lws_hex_from_byte_array, new in lws 4.3, is in api43.c; the version in version.c.)
 */
/* lws-diff: ours-only `^random: lws_hex_random`: lws 4.3's lws_hex_random fills len - 1 hex chars, 4.1.6's one fewer */
#include <libwebsockets.h>
#include <fcntl.h>
#include <unistd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

/* checks of what lws 4.3 does differently from older lws (see the markers) */
#define LWS_43 (LWS_LIBRARY_VERSION_MAJOR > 4 || \
		(LWS_LIBRARY_VERSION_MAJOR == 4 && LWS_LIBRARY_VERSION_MINOR >= 3))

#define CHECK(c) do { if (!(c)) { printf("FAIL: %s (line %d)\n", #c, __LINE__); return 1; } } while (0)

static const char *
show(const char *p)
{
	return p ? p : "(null)";
}

static int
test_cmdline(void)
{
	const char *a1[] = { "app", "-d", "15", "--port=7681", "-vvv", "-x" };
	const char *a2[] = { "-d", "--host", "h", "-d" };
	const char *p;

	p = lws_cmdline_option(6, a1, "-d");
	CHECK(p && !strcmp(p, "15"));
	p = lws_cmdline_option(6, a1, "--port");
	CHECK(p && !strcmp(p, "7681"));
	p = lws_cmdline_option(6, a1, "-v");
	CHECK(p && !strcmp(p, "vv"));
	/* an option given last has an empty value, not NULL */
	p = lws_cmdline_option(6, a1, "-x");
	CHECK(p && !*p);
	CHECK(!lws_cmdline_option(6, a1, "-z"));
	/* argv[0] is skipped; the last occurrence wins; a following option is a value */
	p = lws_cmdline_option(4, a2, "-d");
	CHECK(p && !*p);
	p = lws_cmdline_option(3, a2, "-d");
	CHECK(!p);
	p = lws_cmdline_option(4, a2, "--host");
	CHECK(p && !strcmp(p, "h"));
	printf("cmdline: -d=\"%s\" --port=\"%s\" -v=\"%s\" -x=\"%s\" -z=%s\n",
	       lws_cmdline_option(6, a1, "-d"), lws_cmdline_option(6, a1, "--port"),
	       lws_cmdline_option(6, a1, "-v"), lws_cmdline_option(6, a1, "-x"),
	       show(lws_cmdline_option(6, a1, "-z")));

	return 0;
}

static int
test_builtin(void)
{
	struct lws_context_creation_info info;
	const char *a1[] = { "app", "-d", "1047" };
	const char *a2[] = { "app" };
	const char *a3[] = { "app", "--ignore-sigterm" };

	memset(&info, 0, sizeof(info));
	lws_cmdline_option_handle_builtin(3, a1, &info);
	CHECK(lwsl_visible(LLL_DEBUG) && lwsl_visible(LLL_USER) && !lwsl_visible(LLL_INFO));
	printf("builtin: -d 1047 enables debug and user, not info\n");

	/* without -d the default is err, warn, notice and user */
	lws_cmdline_option_handle_builtin(1, a2, &info);
	CHECK(lwsl_visible(LLL_ERR) && lwsl_visible(LLL_WARN) && lwsl_visible(LLL_NOTICE));
	CHECK(lwsl_visible(LLL_USER) && !lwsl_visible(LLL_DEBUG));
	printf("builtin: no -d gives err|warn|notice|user\n");

	/* --ignore-sigterm: SIGTERM no longer ends the process */
	lws_cmdline_option_handle_builtin(2, a3, &info);
	raise(SIGTERM);
	printf("builtin: --ignore-sigterm survived SIGTERM\n");

	return 0;
}

static int
test_strings(void)
{
	char d[8], e[8];
	int n;

	memset(d, 'z', sizeof(d));
	CHECK(lws_strncpy(d, "abcdefghij", sizeof(d)) == d);
	CHECK(!strcmp(d, "abcdefg"));
	memset(d, 'z', sizeof(d));
	lws_strncpy(d, "ab", sizeof(d));
	CHECK(!strcmp(d, "ab") && d[7] == '\0' && d[3] == '\0');
	memset(e, 'z', sizeof(e));
	lws_strnncpy(e, "abcdef", 3, sizeof(e));
	CHECK(!strcmp(e, "abc"));
	lws_strnncpy(e, "abcdefghijkl", 12, sizeof(e));
	CHECK(!strcmp(e, "abcdefg"));
	printf("strings: lws_strncpy \"%s\", lws_strnncpy \"%s\"\n", d, e);

	/* lws_snprintf never returns more than the buffer's size (snprintf would say 15) */
	n = lws_snprintf(d, sizeof(d), "%d.%d-%s", 4, 3, "truncated");
	CHECK(n > 0 && n <= (int)sizeof(d) && !strcmp(d, "4.3-tru"));
	printf("lws_snprintf: truncated to %d bytes: returns %d, \"%s\"\n", (int)sizeof(d), n, d);
	n = lws_snprintf(d, sizeof(d), "%d", 43);
	CHECK(n == 2 && !strcmp(d, "43"));
	printf("lws_snprintf: %d \"%s\"\n", n, d);

	return 0;
}

static int
test_time_random(void)
{
	struct lws_context_creation_info info;
	struct lws_context *cx;
	unsigned char r1[32], r2[32];
	lws_usec_t t1, t2;
	char hex[10];
	int i;

	t1 = lws_now_usecs();
	t2 = lws_now_usecs();
	CHECK(t1 > 0 && t2 >= t1);
	CHECK(lws_now_secs() > 1600000000ul);
	printf("time: lws_now_usecs is monotonic, lws_now_secs is wall clock\n");

	/* lws reads the context's random fd: a context is needed (NULL: null_args.c) */
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	cx = lws_create_context(&info);
	CHECK(cx);
	memset(r1, 0, sizeof(r1));
	memset(r2, 0, sizeof(r2));
	CHECK(lws_get_random(cx, r1, sizeof(r1)) == sizeof(r1));
	CHECK(lws_get_random(cx, r2, sizeof(r2)) == sizeof(r2));
	CHECK(memcmp(r1, r2, sizeof(r1)));
	printf("random: two 32-byte draws differ\n");
	CHECK(lws_hex_random(cx, hex, sizeof(hex)) == 0);
	for (i = 0; hex[i]; i++)
		CHECK(strchr("0123456789abcdef", hex[i]));
	printf("random: lws_hex_random into %d bytes gave %d hex chars\n", (int)sizeof(hex),
	       (int)strlen(hex));
#if LWS_43
	CHECK(strlen(hex) == 9);
#endif
	lws_context_destroy(cx);

	return 0;
}

static void
hex_print(const uint8_t *b, size_t len)
{
	while (len--)
		printf("%02x", *b++);
}

static int
test_hex(void)
{
	uint8_t b[8];

	memset(b, 0, sizeof(b));
	CHECK(lws_hex_to_byte_array("0aFf10", b, 8) == 3);
	CHECK(b[0] == 0x0a && b[1] == 0xff && b[2] == 0x10);
	CHECK(lws_hex_to_byte_array("0aF", b, 8) == -1);
	CHECK(lws_hex_to_byte_array("zz", b, 8) == -1);
	/* lws needs room for one byte more than it decodes */
	CHECK(lws_hex_to_byte_array("0102", b, 2) == -1);
	CHECK(lws_hex_to_byte_array("0102", b, 3) == 2);

	CHECK(b[0] == 1 && b[1] == 2);
	printf("hex: \"0aFf10\" -> 3 bytes; odd, bad and exact-size input -> -1; \"0102\" -> ");
	hex_print(b, 2);
	printf("\n");

	return 0;
}

static int
test_b64(void)
{
	static const char *plain[] = { "any carnal pleasure.", "any carnal pleasure",
				       "any carnal pleasur", "Admin:kloikloi", "" };
	static const char *coded[] = { "YW55IGNhcm5hbCBwbGVhc3VyZS4=", "YW55IGNhcm5hbCBwbGVhc3VyZQ==",
				       "YW55IGNhcm5hbCBwbGVhc3Vy", "QWRtaW46a2xvaWtsb2k=", "" };
	char buf[64];
	int i, n;

	for (i = 0; i < 5; i++) {
		n = lws_b64_encode_string(plain[i], (int)strlen(plain[i]), buf, sizeof(buf));
		CHECK(n == (int)strlen(coded[i]) && !strcmp(buf, coded[i]));
		n = lws_b64_decode_string(coded[i], buf, sizeof(buf));
		CHECK(n == (int)strlen(plain[i]) && !strcmp(buf, plain[i]));
		printf("b64: \"%s\" <-> \"%s\"\n", plain[i], coded[i]);
	}

	/* the output must have room for the text, its NUL and one more byte */
	CHECK(lws_b64_encode_string("abc", 3, buf, 5) == -1);
	CHECK(lws_b64_encode_string("abc", 3, buf, 6) == 4);
	/* url alphabet out; both alphabets, newlines and missing padding accepted in */
	CHECK(lws_b64_encode_string_url("\xfb\xff", 2, buf, sizeof(buf)) == 4 &&
	      !strcmp(buf, "-_8="));
	CHECK(lws_b64_decode_string("-_8", buf, sizeof(buf)) == 2 &&
	      (unsigned char)buf[0] == 0xfb && (unsigned char)buf[1] == 0xff);
	CHECK(lws_b64_decode_string("QWRt\naW46", buf, sizeof(buf)) == 6 &&
	      !strcmp(buf, "Admin:"));
	CHECK(lws_b64_decode_string_len("YWJjZGVm", 4, buf, sizeof(buf)) == 3 &&
	      !strcmp(buf, "abc"));
	/* too little room: decoding stops a group early */
	CHECK(lws_b64_decode_string("YWJjZGVm", buf, 5) == 3);
	printf("b64: sizes, url alphabet and lenient decoding OK\n");

	return 0;
}

static int
test_sha1_bcmp(void)
{
	static const unsigned char abc_sha1[20] = {
		0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06, 0x81, 0x6a, 0xba, 0x3e,
		0x25, 0x71, 0x78, 0x50, 0xc2, 0x6c, 0x9c, 0xd0, 0xd8, 0x9d };
	unsigned char md[20];

	CHECK(lws_SHA1((const unsigned char *)"abc", 3, md) == md);
	CHECK(!memcmp(md, abc_sha1, 20));
	printf("sha1: \"abc\" -> ");
	hex_print(md, 20);
	printf("\n");

	CHECK(lws_timingsafe_bcmp("abcd", "abcd", 4) == 0);
	CHECK(lws_timingsafe_bcmp("abcd", "abce", 4) != 0);
	CHECK(lws_timingsafe_bcmp("x", "y", 0) == 0);
	printf("bcmp: equal 0, different nonzero\n");

	return 0;
}

static int
test_purify_open(void)
{
	char name[] = "../evil$name%:x\\y..z.txt", path[64], buf[8];
	int fd, flags;

	lws_filename_purify_inplace(name);
	printf("purify: %s\n", name);
	CHECK(!strcmp(name, "__/evil_name__x_y__z.txt"));

	snprintf(path, sizeof(path), "/tmp/lws-misc-open-%d", (int)getpid());
	unlink(path);
	fd = lws_open(path, O_CREAT | O_RDWR, 0600);
	CHECK(fd >= 0);
	flags = fcntl(fd, F_GETFD);
	CHECK(flags >= 0 && (flags & FD_CLOEXEC));
	CHECK(write(fd, "abc", 3) == 3);
	close(fd);
	fd = lws_open(path, O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, sizeof(buf)) == 3 && !memcmp(buf, "abc", 3));
	close(fd);
	unlink(path);
	CHECK(lws_open(path, O_RDONLY) < 0);
	printf("lws_open: created 0600, close-on-exec, read back, missing file fails\n");

	return 0;
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);	/* the transcript up to a crash, if any */
	if (test_cmdline() || test_builtin() || test_strings() ||
	    test_time_random() || test_hex() || test_b64() || test_sha1_bcmp() ||
	    test_purify_open())
		return 1;
	printf("misc: all OK\n");

	return 0;
}
