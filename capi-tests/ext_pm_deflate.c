/*
 * lws_extension_callback_pm_deflate as a program meets it: listed in an extensions array,
 * and called with the option reasons (CONSTRUCT hands out its option table, OPTION_SET by
 * index as lws's option parser reports options, NAMED_OPTION_SET by name as
 * lws_set_extension_option does, OPTION_CONFIRM checking the window sizes).
 */
/* lws-diff: ours-only: lws's callback dereferences the wsi (its context, protocol and rx buffer size) for CONSTRUCT and every option, so it cannot be called without a live connection there; ours uses lws's defaults when there is none */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>

static const struct lws_extension exts[] = {
	{ "permessage-deflate", lws_extension_callback_pm_deflate,
	  "permessage-deflate; client_no_context_takeover; client_max_window_bits" },
	{ NULL, NULL, NULL }
};

static int
pmd(enum lws_extension_callback_reasons reason, void *user, void *in)
{
	return exts[0].callback(NULL, &exts[0], NULL, reason, user, in, 0);
}

static void
set(void *priv, int index, const char *value)
{
	struct lws_ext_option_arg oa;
	int n;

	memset(&oa, 0, sizeof(oa));
	oa.option_index = index;
	oa.start = value;
	oa.len = value ? (int)strlen(value) : 0;
	n = pmd(LWS_EXT_CB_OPTION_SET, priv, &oa);
	printf("set %d to %s -> %d, confirm -> %d\n", index, value ? value : "(none)", n,
	       pmd(LWS_EXT_CB_OPTION_CONFIRM, priv, NULL));
}

static void
named(void *priv, const char *name, const char *value)
{
	struct lws_ext_option_arg oa;
	int n;

	memset(&oa, 0, sizeof(oa));
	oa.option_name = name;
	oa.option_index = -1;
	oa.start = value;
	n = pmd(LWS_EXT_CB_NAMED_OPTION_SET, priv, &oa);
	printf("named %s=%s -> %d (index %d), confirm -> %d\n", name ? name : "(null)", value, n,
	       oa.option_index, pmd(LWS_EXT_CB_OPTION_CONFIRM, priv, NULL));
}

int
main(void)
{
	const struct lws_ext_options *opts = NULL;
	void *priv = NULL;
	int n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(0, NULL);

	printf("%s offers '%s'\n", exts[0].name, exts[0].client_offer);
	n = pmd(LWS_EXT_CB_CONSTRUCT, &priv, (void *)&opts);
	printf("construct -> %d, %s\n", n, priv ? "private data" : "none");
	if (n || !priv || !opts)
		return 1;
	for (n = 0; opts[n].name; n++)
		printf("  option %d: %s (%s)\n", n, opts[n].name,
		       opts[n].type == EXTARG_NONE ? "no value" :
		       opts[n].type == EXTARG_DEC ? "value" : "optional value");
	printf("confirm defaults -> %d\n", pmd(LWS_EXT_CB_OPTION_CONFIRM, priv, NULL));

	/* as the option parser reports a server's answer */
	set(priv, 2, "10");
	set(priv, 3, "8");	/* an 8-bit client window is taken as 9 */
	set(priv, 2, "16");
	set(priv, 2, "15");
	set(priv, 3, "7");
	set(priv, 3, "12; server_no_context_takeover"); /* read up to the first non-digit */
	set(priv, 2, NULL);	/* an optional value left out: the slot is 1 */
	n = pmd(LWS_EXT_CB_OPTION_DEFAULT, priv, NULL);
	printf("default -> %d, confirm -> %d\n", n, pmd(LWS_EXT_CB_OPTION_CONFIRM, priv, NULL));

	/* as lws_set_extension_option passes them */
	named(priv, "client_max_window_bits", "7");
	named(priv, "client_max_window_bits", "15");
	named(priv, "rx_buf_size", "12");
	named(priv, "compression_level", "9");
	named(priv, "no_such_option", "1");
	named(priv, NULL, "1");

	/* NULL where data is needed fails, without a crash */
	printf("option set without arg -> %d\n", pmd(LWS_EXT_CB_OPTION_SET, priv, NULL));
	printf("construct without slot -> %d\n", pmd(LWS_EXT_CB_CONSTRUCT, NULL, NULL));
	printf("destroy -> %d\n", pmd(LWS_EXT_CB_DESTROY, priv, NULL));

	return 0;
}
