/*
 * API that lws 4.3 has and lws 4.1.6 lacks, split out of context.c and misc.c so that
 * those are compared with lws 4.1.6 in the differential run (see README.md).
 */
/* lws-diff: ours-only: LWS_PROTOCOL_LIST_TERM, lws_context_is_being_destroyed and lws_hex_from_byte_array are new in lws 4.3 */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL: %s\n", what); return 1; } \
			    printf("ok   %s\n", what); } while (0)

static struct lws_protocols protocols[] = {
	{ "one", lws_callback_http_dummy, 0, 0, 0, NULL, 0 },
	LWS_PROTOCOL_LIST_TERM
};

int
main(void)
{
	struct lws_context_creation_info info;
	struct lws_context *cx;
	uint8_t b[8];
	char s[16];

	CHECK(!protocols[1].name && !protocols[1].callback && !protocols[1].per_session_data_size &&
	      !protocols[1].rx_buffer_size && !protocols[1].id && !protocols[1].user &&
	      !protocols[1].tx_packet_size, "LWS_PROTOCOL_LIST_TERM is all zeros");

	lws_set_log_level(0, NULL);
	memset(&info, 0, sizeof info);
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	cx = lws_create_context(&info);
	CHECK(cx != NULL, "context with explicit vhosts");
	CHECK(lws_context_is_being_destroyed(cx) == 0, "not being destroyed");
	lws_context_destroy(cx);

	memset(b, 0, sizeof(b));
	CHECK(lws_hex_to_byte_array("0aFf10", b, 8) == 3, "lws_hex_to_byte_array 0aFf10");
	lws_hex_from_byte_array(b, 3, s, sizeof(s));
	CHECK(!strcmp(s, "0aff10"), "lws_hex_from_byte_array: lower case");
	lws_hex_from_byte_array(b, 3, s, 4);
	CHECK(!strcmp(s, "0af"), "lws_hex_from_byte_array: cut to fit, NUL-terminated");
	printf("hex back: %s\n", s);

	return 0;
}
