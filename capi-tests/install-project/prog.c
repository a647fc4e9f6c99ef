/*
 * Built by the `install` check (tools/install_check.py) against an installed prefix, with
 * CMake and with pkg-config, on a machine that may have another libwebsockets: every file
 * it reaches for must be this library's.
 */
#include <lws_config.h> /* first, alone: its macros must be ours */
#if !defined(LWS_ROLE_WS) || !defined(LWS_WITH_SERVER)
#error "lws_config.h does not list the features this library has"
#endif
static const char config_version[] = LWS_LIBRARY_VERSION;

#include <libwebsockets.h>
/* lws 4.3 has these as sub-headers; some programs include them by name */
#include <libwebsockets/lws-ring.h>
#include <libwebsockets/lws-context-vhost.h>

int main(void)
{
	struct lws_context_creation_info info;
	struct lws_context *cx;
	const char *v = lws_get_library_version();
	size_t n = strlen(v);

	lws_set_log_level(0, NULL);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	cx = lws_create_context(&info);
	printf("library %s, lws_config.h %s, context %s\n", v, config_version,
	       cx ? "created" : "failed");
	if (cx)
		lws_context_destroy(cx);
	return cx && !strcmp(v, config_version) && n > 3 && !strcmp(v + n - 3, "-rs") ? 0 : 1;
}
