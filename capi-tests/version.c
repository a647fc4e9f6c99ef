/*
 * The version macros of libwebsockets.h and lws_get_library_version().  The transcript
 * is compared with version.expected.
 */
/* lws-diff: ours-only: the version numbers are what lws 4.1.6 and 4.3 differ in */
#include <libwebsockets.h>
#include <string.h>

#if LWS_LIBRARY_VERSION_MAJOR != 4 || LWS_LIBRARY_VERSION_MINOR != 3
#error "this suite is for lws 4.3"
#endif

int main(void)
{
	printf("LWS_LIBRARY_VERSION_MAJOR %d\n", LWS_LIBRARY_VERSION_MAJOR);
	printf("LWS_LIBRARY_VERSION_MINOR %d\n", LWS_LIBRARY_VERSION_MINOR);
	printf("LWS_LIBRARY_VERSION_NUMBER %d\n", LWS_LIBRARY_VERSION_NUMBER);

	/* "4.3.10-" and the build's hash: only the prefix is fixed */
	if (strncmp(LWS_LIBRARY_VERSION, "4.3.10", 6)) {
		printf("FAIL: LWS_LIBRARY_VERSION \"%s\"\n", LWS_LIBRARY_VERSION);
		return 1;
	}
	printf("LWS_LIBRARY_VERSION starts 4.3.10\n");
	if (strcmp(lws_get_library_version(), LWS_LIBRARY_VERSION)) {
		printf("FAIL: lws_get_library_version() \"%s\"\n", lws_get_library_version());
		return 1;
	}
	printf("lws_get_library_version() is LWS_LIBRARY_VERSION\n");

	return 0;
}
