/*
 * NULL arguments from C that lws itself dereferences (a crash in lws 4.1.6 and 4.3:
 * lws_create_context reads info->fd_limit_per_thread, lws_get_vhost_by_name walks
 * context->vhost_list, lws_callback_on_writable and lws_write read wsi's state,
 * lws_cancel_service reads context->pt, lws_get_random reads context->fd_random).
 * Here they fail cleanly instead, with lws's failure value, and log an error; random
 * bytes need no context.  Also the lwsac and numeric address entry points, which lws
 * dereferences the same way.
 */
/* lws-diff: ours-only: lws dereferences these NULLs (a crash in 4.1.6 and 4.3); failing cleanly is our own */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL: %s\n", what); return 1; } \
			    printf("ok   %s\n", what); } while (0)

int
main(void)
{
	unsigned char r[32];
	char hex[10];

	lws_set_log_level(0, NULL);	/* each logs an error */

	CHECK(lws_create_context(NULL) == NULL, "lws_create_context(NULL) fails");
	CHECK(lws_get_vhost_by_name(NULL, "a") == NULL, "lws_get_vhost_by_name(NULL)");
	CHECK(lws_callback_on_writable(NULL) < 0, "lws_callback_on_writable(NULL)");
	CHECK(lws_write(NULL, NULL, 0, LWS_WRITE_TEXT) < 0, "lws_write(NULL)");
	lws_cancel_service(NULL);
	printf("ok   lws_cancel_service(NULL) is a no-op\n");
	CHECK(lwsac_use(NULL, 8, 0) == NULL, "lwsac_use(NULL head pointer)");
	CHECK(lwsac_extend(NULL, 8) == 1, "lwsac_extend(NULL)");
	lwsac_free(NULL);
	lwsac_reference(NULL);
	printf("ok   lwsac_free(NULL), lwsac_reference(NULL) are no-ops\n");
	CHECK(lws_parse_numeric_address(NULL, r, sizeof(r)) < 0, "lws_parse_numeric_address(NULL)");
	CHECK(lws_sa46_compare_ads(NULL, NULL) != 0, "lws_sa46_compare_ads(NULL)");
	CHECK(lws_get_random(NULL, r, sizeof(r)) == sizeof(r), "lws_get_random(NULL, ...) works");
	CHECK(lws_hex_random(NULL, hex, sizeof(hex)) == 0 && strlen(hex) == 9,
	      "lws_hex_random(NULL, ...) works");

	return 0;
}
