/*
 * lws_spa_* without a connection: with no wsi there is no Content-Type, so the body is
 * parsed as application/x-www-form-urlencoded.  (Multipart needs a request's
 * Content-Type: the Rust unit tests in src/http/spa.rs cover it against lws 4.3.10's
 * transcripts.)
 */
/* lws-diff: ours-only: lws dereferences a NULL wsi in lws_spa_create (a crash in 4.1.6 and 4.3) */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>

static const char * const names[] = { "user", "pass", "empty", "never" };

static int
file_cb(void *data, const char *name, const char *filename, char *buf, int len,
	enum lws_spa_fileupload_states state)
{
	(void)buf;
	printf("file_cb data=%s name='%s' filename='%s' len=%d state=%d\n",
	       (const char *)data, name, filename, len, (int)state);
	return 0;
}

static void
show(struct lws_spa *spa)
{
	int n;

	for (n = 0; n < 5; n++) {
		const char *s = lws_spa_get_string(spa, n);
		printf("  [%d] len=%d str=%s\n", n, lws_spa_get_length(spa, n), s ? s : "(NULL)");
	}
}

int
main(void)
{
	static const char body[] = "user=Ann+Other%21&pass=s%3Dcret&empty=&zz=1&user=again";
	lws_spa_create_info_t i;
	struct lws_spa *spa;
	size_t n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(0, NULL);

	/* fed one byte at a time */
	spa = lws_spa_create(NULL, names, 4, 0, file_cb, (void *)"D");
	for (n = 0; n < strlen(body); n++)
		if (lws_spa_process(spa, body + n, 1))
			printf("process failed at %d\n", (int)n);
	printf("finalize %d\n", lws_spa_finalize(spa));
	printf("process after finalize %d\n", lws_spa_process(spa, "x=1", 3));
	show(spa);
	printf("destroy %d\n", lws_spa_destroy(spa));

	/* via info, small storage: the second value does not fit */
	memset(&i, 0, sizeof(i));
	i.param_names = names;
	i.count_params = 4;
	i.max_storage = 16;
	spa = lws_spa_create_via_info(NULL, &i);
	printf("process %d\n", lws_spa_process(spa, "user=abcdef&pass=0123456789", 27));
	printf("finalize %d\n", lws_spa_finalize(spa));
	show(spa);
	printf("destroy %d\n", lws_spa_destroy(spa));

	/* bad %xx; destroy without finalize still reports CLOSE */
	spa = lws_spa_create(NULL, names, 4, 0, file_cb, (void *)"E");
	printf("process %d\n", lws_spa_process(spa, "user=%zz", 8));
	printf("destroy %d\n", lws_spa_destroy(spa));

	/* NULL arguments fail cleanly */
	printf("NULL: create_via_info %s process %d finalize %d length %d string %s destroy %d\n",
	       lws_spa_create_via_info(NULL, NULL) ? "spa" : "NULL",
	       lws_spa_process(NULL, "a", 1), lws_spa_finalize(NULL),
	       lws_spa_get_length(NULL, 0), lws_spa_get_string(NULL, 0) ? "str" : "NULL",
	       lws_spa_destroy(NULL));

	return 0;
}
