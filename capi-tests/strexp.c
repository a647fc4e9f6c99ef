/*
 * lws_strexp: a template renderer expands ${name} from a small table through its
 * callback into a deliberately small output buffer, taking each filled chunk and
 * resetting the buffer, as a program streaming a page through lws_write would; then
 * the error cases (unknown name, name too long) and measuring with a NULL buffer.
 */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>

static const char *vars[][2] = {
	{ "user", "ada" }, { "greeting", "a fairly long greeting text" }, { "empty", "" },
};

static int calls;

static int
expand_cb(void *priv, const char *name, char *out, size_t *pos, size_t olen, size_t *exp_ofs)
{
	size_t n, total, budget;
	const char *v = NULL;

	(void)priv;
	calls++;
	for (n = 0; n < sizeof(vars) / sizeof(vars[0]); n++)
		if (!strcmp(vars[n][0], name))
			v = vars[n][1];
	if (!v)
		return LSTRX_FATAL_NAME_UNKNOWN;

	total = strlen(v) - *exp_ofs;
	budget = olen - *pos;
	if (total < budget)
		budget = total;
	if (out)
		memcpy(out + *pos, v + *exp_ofs, budget);
	*exp_ofs += budget;
	*pos += budget;

	return budget == total ? LSTRX_DONE : LSTRX_FILLED_OUT;
}

/* expands tpl through a buffer of olen bytes, printing each chunk */
static void render(const char *tag, const char *tpl, size_t olen)
{
	size_t used_in, used_out, left = strlen(tpl);
	char out[64], whole[256];
	lws_strexp_t exp;
	int n, chunks = 0;

	whole[0] = '\0';
	calls = 0;
	lws_strexp_init(&exp, NULL, expand_cb, out, olen);
	do {
		used_in = used_out = 12345;
		n = lws_strexp_expand(&exp, tpl, left, &used_in, &used_out);
		if (n < 0) {
			printf("%s: error %d after %d chunks\n", tag, n, chunks);
			return;
		}
		printf("%s: ret %d used_in %d used_out %d '%.*s'\n", tag, n,
		       (int)used_in, (int)used_out, (int)used_out, out);
		strncat(whole, out, used_out);
		tpl += used_in;
		left -= used_in;
		chunks++;
		if (n == LSTRX_FILLED_OUT)
			lws_strexp_reset_out(&exp, out, olen);
	} while (n == LSTRX_FILLED_OUT && chunks < 40);
	printf("%s: => '%s' (%d chunks, %d callbacks)\n", tag, whole, chunks, calls);
}

int main(void)
{
	size_t used_in = 0, used_out = 0;
	lws_strexp_t exp;
	int n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	render("big", "hello ${user}, ${greeting}!", 64);
	render("small", "hello ${user}, ${greeting}!", 8);
	render("edge", "${user}${user}", 4);
	render("literal-dollar", "cost: $5 or $$ or ${empty}.", 64);
	render("unknown", "x ${nobody} y", 64);
	render("too-long", "${abcdefghijklmnopqrstuvwxyz0123456789}", 64);
	render("unclosed", "tail ${user", 64);

	/* NULL output: only count what the expansion would take */
	lws_strexp_init(&exp, NULL, expand_cb, NULL, 1000);
	n = lws_strexp_expand(&exp, "hi ${user}!", 11, &used_in, &used_out);
	printf("measure: ret %d used_in %d would write %d\n", n, (int)used_in, (int)used_out);

	return 0;
}
