/*
 * The AddressSanitizer canary of `make asan` (tools/run_asan.py): proves the run would
 * see a memory error inside the library.  It hands lws_tokenize_cstr a heap buffer of 8
 * bytes while saying it has 64, so the library's copy of a longer token writes past the
 * allocation: under `make asan` this program must die with a heap-buffer-overflow
 * report naming the library's frame.  (Lying about a buffer's size is the caller's
 * bug, so this is the one error the library cannot refuse; it is the cheapest way to make
 * the library itself touch memory it must not.)
 */
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>

int
main(void)
{
	struct lws_tokenize ts;
	char *small = malloc(8);

	lws_tokenize_init(&ts, "a_rather_long_token_for_eight_bytes", 0);
	if (lws_tokenize(&ts) != LWS_TOKZE_TOKEN)
		return 2;
	lws_tokenize_cstr(&ts, small, 64);
	printf("copied %s\n", small);
	free(small);
	return 0;
}
