/*
 * lws_tokenize: a header-parsing program walks HTTP-ish strings with different flag sets
 * and prints every element it gets (kind, text, length), stopping at the end or at an
 * error, the way a program parsing Accept-Language, Connection or a config line does.
 */
/* lws-diff: ours-only `^43:`: LWS_TOKENIZE_F_ASTERISK_NONTERM and _EQUALS_NONTERM are new in lws 4.3, which makes * a delimiter without the former */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>

#define LWS_43 (LWS_LIBRARY_VERSION_MAJOR > 4 || \
		(LWS_LIBRARY_VERSION_MAJOR == 4 && LWS_LIBRARY_VERSION_MINOR >= 3))

static const char *kind(lws_tokenize_elem e)
{
	static const char *names[] = {
		"ERR_BROKEN_UTF8", "ERR_UNTERM_STRING", "ERR_MALFORMED_FLOAT",
		"ERR_NUM_ON_LHS", "ERR_COMMA_LIST", "ENDED", "DELIMITER", "TOKEN",
		"INTEGER", "FLOAT", "TOKEN_NAME_EQUALS", "TOKEN_NAME_COLON",
		"QUOTED_STRING",
	};
	int i = (int)e + LWS_TOKZE_ERRS;

	return i >= 0 && i < (int)(sizeof(names) / sizeof(names[0])) ? names[i] : "?";
}

/* prints the elements of s under flags, one line each, with tag in front */
static void walk(const char *tag, const char *s, int flags)
{
	struct lws_tokenize ts;
	lws_tokenize_elem e;
	char tok[64];
	int n = 0;

	printf("%s: \"%s\" flags 0x%x\n", tag, s, flags);
	lws_tokenize_init(&ts, s, flags);
	ts.len = strlen(s);	/* as lws's own users do: lws reads past the NUL otherwise */
	do {
		e = lws_tokenize(&ts);
		if (e > 0) {
			if (lws_tokenize_cstr(&ts, tok, sizeof(tok)))
				strcpy(tok, "(too long)");
			printf("%s:   %s '%s' (%d)\n", tag, kind(e), tok,
			       (int)ts.token_len);
		} else
			printf("%s:   %s\n", tag, kind(e));
	} while (e > 0 && ++n < 64);
}

int main(void)
{
	struct lws_tokenize ts;
	char small[4];
	lws_tokenize_elem e;
	const char hdr[] = "gzip, deflate;q=0.5 trailing-bytes-not-in-len";

	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	walk("list", " protocol-1, protocol_2\t,\tprotocol3\n",
	     LWS_TOKENIZE_F_MINUS_NONTERM | LWS_TOKENIZE_F_AGG_COLON);
	walk("lang", "Accept-Language: fr-CH, fr;q=0.9, en;q=0.8, *;q=0.5",
	     LWS_TOKENIZE_F_MINUS_NONTERM | LWS_TOKENIZE_F_AGG_COLON);
	walk("lang-default", "fr-CH, fr;q=0.9", 0);
	walk("quoted", "quoted = \"things: a, b\", 1234, 12.5, -3", 0);
	walk("comma1", ", brokenlist1", LWS_TOKENIZE_F_COMMA_SEP_LIST);
	walk("comma2", "brokenlist2,,", LWS_TOKENIZE_F_COMMA_SEP_LIST);
	walk("comma3", "brokenlist3,", LWS_TOKENIZE_F_COMMA_SEP_LIST);
	walk("comma4", "close,  Upgrade", LWS_TOKENIZE_F_COMMA_SEP_LIST);
	walk("comma5", "close Upgrade", LWS_TOKENIZE_F_COMMA_SEP_LIST);
	walk("comma6", "\"a b\", c", LWS_TOKENIZE_F_COMMA_SEP_LIST);
	walk("rfc7230", "text/html; charset=\"utf-8\", x@y",
	     LWS_TOKENIZE_F_RFC7230_DELIMS);
	walk("greek", " \xce\x9f\xe1\xbd\x90\xcf\x87\xe1\xbd\xb6, \xe1\xbd\xa6 greek",
	     LWS_TOKENIZE_F_RFC7230_DELIMS);
	walk("utf8-default", "caf\xc3\xa9", 0);
	walk("badutf8-1", "badutf8-1 \x80...",
	     LWS_TOKENIZE_F_MINUS_NONTERM | LWS_TOKENIZE_F_RFC7230_DELIMS);
	walk("badutf8-2", "badutf8-2 \xed\x9f\xbf,\x80...",
	     LWS_TOKENIZE_F_MINUS_NONTERM | LWS_TOKENIZE_F_RFC7230_DELIMS);
	walk("surrogate", "x \xed\xa0\x80", LWS_TOKENIZE_F_RFC7230_DELIMS);
	walk("host", "1.myserver.com", 0);
	walk("host-dot", "1.myserver.com", LWS_TOKENIZE_F_DOT_NONTERM);
	walk("host-dot-nofloat", "1.myserver.com",
	     LWS_TOKENIZE_F_DOT_NONTERM | LWS_TOKENIZE_F_NO_FLOATS);
	walk("host-nofloat", "1.myserver.com", LWS_TOKENIZE_F_NO_FLOATS);
	walk("floats", "1.5 2..3", 0);
	walk("num-lhs", "12 = x", 0);
	walk("noint", "a=5 77", LWS_TOKENIZE_F_NO_INTEGERS);
	walk("comment", "# comment1\r\nhello #comment2\r\n#comment3", LWS_TOKENIZE_F_HASH_COMMENT);
	walk("slash", "multipart/related; boundary=x", LWS_TOKENIZE_F_SLASH_NONTERM);
	walk("unterm", "a \"never closed", 0);
	walk("empty", "", 0);
	walk("spaces", " \t\r\n ", LWS_TOKENIZE_F_COMMA_SEP_LIST);
	walk("ws-colon", "Host : example", LWS_TOKENIZE_F_AGG_COLON);
#if LWS_43
	walk("43", "fr-CH, *;q=0.5", LWS_TOKENIZE_F_ASTERISK_NONTERM |
					 LWS_TOKENIZE_F_RFC7230_DELIMS);
	walk("43", "x=y, a = b", LWS_TOKENIZE_F_EQUALS_NONTERM);
	walk("43", "*/*", LWS_TOKENIZE_F_RFC7230_DELIMS);
#endif

	/* a buffer that is not NUL-terminated: only len bytes are looked at */
	lws_tokenize_init(&ts, hdr, LWS_TOKENIZE_F_COMMA_SEP_LIST |
				    LWS_TOKENIZE_F_MINUS_NONTERM);
	ts.len = 19;
	printf("len: \"%.19s\"\n", hdr);
	do {
		e = lws_tokenize(&ts);
		printf("len:   %s %.*s (left %d)\n", kind(e), (int)ts.token_len,
		       ts.token ? ts.token : "", (int)ts.len);
	} while (e > 0);

	/* lws_tokenize_init alone: the NUL ends the string (here after a delimiter) */
	lws_tokenize_init(&ts, "a;", 0);
	e = lws_tokenize(&ts);
	printf("nul: %s", kind(e));
	e = lws_tokenize(&ts);
	printf(" %s", kind(e));
	e = lws_tokenize(&ts);
	printf(" %s\n", kind(e));

	/* a token longer than the caller's buffer */
	lws_tokenize_init(&ts, "abcd", 0);
	ts.len = 4;
	e = lws_tokenize(&ts);
	printf("cstr: %s len %d, into 4 bytes: %d, into 5 bytes: ", kind(e),
	       (int)ts.token_len, lws_tokenize_cstr(&ts, small, sizeof(small)));
	{
		char five[5];
		int r = lws_tokenize_cstr(&ts, five, sizeof(five));
		char six[6];
		int r6 = lws_tokenize_cstr(&ts, six, sizeof(six));

		printf("%d, into 6 bytes: %d '%s'\n", r, r6, r6 ? "" : six);
	}
	printf("sizeof(struct lws_tokenize) %d\n", (int)sizeof(struct lws_tokenize));

	return 0;
}
