/*
 * The version macros of libwebsockets.h, and lws_snprintf() (the one function every
 * build has).  The transcript is compared with version.expected.
 */
#include <libwebsockets.h>

#if LWS_LIBRARY_VERSION_MAJOR != 4 || LWS_LIBRARY_VERSION_MINOR != 3
#error "this suite is for lws 4.3"
#endif

int main(void)
{
	char buf[8];
	int n;

	printf("LWS_LIBRARY_VERSION_MAJOR %d\n", LWS_LIBRARY_VERSION_MAJOR);
	printf("LWS_LIBRARY_VERSION_MINOR %d\n", LWS_LIBRARY_VERSION_MINOR);
	printf("LWS_LIBRARY_VERSION_NUMBER %d\n", LWS_LIBRARY_VERSION_NUMBER);

	/* lws_snprintf returns what it wrote, not what it would have written */
	n = lws_snprintf(buf, sizeof(buf), "%d.%d-%s", LWS_LIBRARY_VERSION_MAJOR,
			 LWS_LIBRARY_VERSION_MINOR, "truncated");
	printf("lws_snprintf: %d \"%s\"\n", n, buf);
	n = lws_snprintf(buf, sizeof(buf), "%d", 43);
	printf("lws_snprintf: %d \"%s\"\n", n, buf);

	return 0;
}
