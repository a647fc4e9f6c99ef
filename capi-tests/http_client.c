/*
 * http_client: one HTTP/1.1 client transaction, written the way lws's http-client
 * examples are, against a server the driver (http_client.py) runs.  Prints what the
 * program sees: the callbacks, the status, some answer headers, the body (short ones in
 * full, long ones as a length and a checksum), the connection error's reason.
 *
 *   http_client PORT METHOD PATH [OPTION...]
 *
 * With PORT "self" the same context also listens (on a free port) and serves the files
 * of capi-tests/, so the client talks to our own server.
 *
 * Options: hdrs (adds request headers through APPEND_HANDSHAKE_HEADER), urlenc (posts
 * a urlencoded form, LCCSCF_HTTP_X_WWW_FORM_URLENCODED), multipart (posts two parts,
 * LCCSCF_HTTP_MULTIPART_MIME), body=N (writes an N-byte body in pieces with
 * LWS_WRITE_HTTP / LWS_WRITE_HTTP_FINAL), nofollow (LCCSCF_HTTP_NO_FOLLOW_REDIRECT),
 * smallbuf (reads with a 100-byte buffer), rss=KB (fails if the peak RSS exceeds KB),
 * pipeline=N (N connections with LCCSCF_PIPELINE, their lines prefixed "[i] ").
 */
/*
 * Checked against a build of lws 4.3.10 (LWS_INCLUDE/LWS_LIBDIR at it): the same
 * transcript but where we differ on purpose: an answer to HEAD completes (lws waits for
 * the announced body, then closes without COMPLETED), the urlencoded POST keeps the
 * program's Content-Length (lws adds "Content-Length: 0" after it, so the server reads
 * no body), a malformed status line is a connection error (lws goes on with status 0),
 * lws_http_is_redirected_to_get stays 1 after a 303 (lws clears it in the reset that
 * follows the redirect), and lws gives one more RECEIVE_CLIENT_HTTP (read: -1) after
 * COMPLETED on some redirected connections.
 */
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <stdarg.h>
#include <stdint.h>

static int done, hdrs, urlenc, multipart, smallbuf, read_failed;
static long body_len = -1, body_sent, rss_limit;
static unsigned long long rx_total;
static unsigned int fnv = 2166136261u;
static char shown[256];
static size_t shown_len;

static const char form[] = "name=lws+rs&value=a%26b";
static int pipeline, finished;
static struct lws *cur;

/* printf, with "[N] " before it for connection N when several are made */
static void
out(const char *fmt, ...)
{
	va_list ap;

	if (pipeline && cur)
		printf("[%d] ", (int)(intptr_t)lws_get_opaque_user_data(cur));
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

static void
show_body(void)
{
	if (!rx_total)
		return;
	if (rx_total <= 200)
		out("body: \"%.*s\"\n", (int)shown_len, shown);
	out("body length %llu fnv %08x\n", rx_total, fnv);
}

static int
cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	char buf[LWS_PRE + 4096], *px, **pp, *end, v[128];
	int n, lenx;

	(void)user;
	cur = wsi;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		pp = (char **)in;
		end = *pp + len;
		if (hdrs) {
			if (lws_add_http_header_by_name(wsi, (const unsigned char *)"x-lws-test:",
					(const unsigned char *)"hello", 5,
					(unsigned char **)pp, (unsigned char *)end))
				return -1;
			if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_USER_AGENT,
					(const unsigned char *)"lws-rs-test", 11,
					(unsigned char **)pp, (unsigned char *)end))
				return -1;
		}
		if (urlenc) {
			n = lws_snprintf(v, sizeof(v), "%d", (int)strlen(form));
			if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH,
					(const unsigned char *)v, n,
					(unsigned char **)pp, (unsigned char *)end))
				return -1;
		}
		if (body_len >= 0) {
			n = lws_snprintf(v, sizeof(v), "%ld", body_len);
			if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH,
					(const unsigned char *)v, n,
					(unsigned char **)pp, (unsigned char *)end))
				return -1;
			lws_client_http_body_pending(wsi, 1);
		}
		break;

	case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE:
		px = buf + LWS_PRE;
		end = buf + sizeof(buf) - 1;
		if (urlenc) {
			memcpy(px, form, strlen(form));
			out("WRITEABLE: form\n");
			lws_client_http_body_pending(wsi, 0);
			if (lws_write(wsi, (unsigned char *)px, strlen(form),
				      LWS_WRITE_HTTP_FINAL) != (int)strlen(form))
				return -1;
			break;
		}
		if (multipart) {
			char *p = px;

			out("WRITEABLE: multipart\n");
			if (lws_client_http_multipart(wsi, "text", NULL, NULL, &p, end))
				return -1;
			p += lws_snprintf(p, (size_t)(end - p), "some text");
			if (lws_client_http_multipart(wsi, "file", "f.bin",
						      "application/octet-stream", &p, end))
				return -1;
			memcpy(p, "\x00\x01\xff\r\n--x", 8);
			p += 8;
			if (lws_client_http_multipart(wsi, NULL, NULL, NULL, &p, end))
				return -1;
			lws_client_http_body_pending(wsi, 0);
			if (lws_write(wsi, (unsigned char *)px, (size_t)(p - px),
				      LWS_WRITE_HTTP_FINAL) != (int)(p - px))
				return -1;
			break;
		}
		if (body_len >= 0) {
			long chunk = body_len - body_sent > 3000 ? 3000 : body_len - body_sent;
			int final = body_sent + chunk == body_len;

			for (n = 0; n < chunk; n++)
				px[n] = (char)('a' + (body_sent + n) % 26);
			body_sent += chunk;
			if (final)
				lws_client_http_body_pending(wsi, 0);
			if (lws_write(wsi, (unsigned char *)px, (size_t)chunk,
				      final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)chunk)
				return -1;
			if (!final)
				lws_callback_on_writable(wsi);
			else
				out("WRITEABLE: body of %ld sent\n", body_sent);
		}
		break;

	case LWS_CALLBACK_WSI_CREATE:
		out("WSI_CREATE\n");
		break;

	case LWS_CALLBACK_CLIENT_HTTP_REDIRECT:
		out("REDIRECT %u to %s\n", (unsigned int)len, (const char *)in);
		break;

	case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
		rx_total = 0;
		fnv = 2166136261u;
		shown_len = 0;
		out("ESTABLISHED_CLIENT_HTTP status %u\n", lws_http_client_http_response(wsi));
		if (lws_http_is_redirected_to_get(wsi))
			out("redirected to GET\n");
		if (hdrs && lws_hdr_copy(wsi, v, sizeof(v), WSI_TOKEN_HTTP) > 0)
			out("status line token: '%s'\n", v);
		if (lws_hdr_copy(wsi, v, sizeof(v), WSI_TOKEN_HTTP_CONTENT_TYPE) > 0)
			out("content-type: %s\n", v);
		n = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH);
		if (n > 0 && lws_hdr_copy(wsi, v, sizeof(v), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0)
			out("content-length (%d): %s\n", n, v);
		if (lws_hdr_copy(wsi, v, sizeof(v), WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0)
			out("transfer-encoding: %s\n", v);
#if LWS_LIBRARY_VERSION_MAJOR > 4 || LWS_LIBRARY_VERSION_MINOR >= 3
		if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_RETRY_AFTER)) {
			lws_usec_t us = 5 * LWS_US_PER_SEC;

			n = lws_http_check_retry_after(wsi, &us);
			out("lws_http_check_retry_after: %d, %llds\n", n,
			       (long long)(us / LWS_US_PER_SEC));
			us = 500 * LWS_US_PER_SEC;
			n = lws_http_check_retry_after(wsi, &us);
			out("lws_http_check_retry_after: %d, %llds\n", n,
			       (long long)(us / LWS_US_PER_SEC));
		}
#endif
		n = lws_hdr_custom_length(wsi, "x-answer:", 9);
		if (n > 0 && lws_hdr_custom_copy(wsi, v, sizeof(v), "x-answer:", 9) > 0)
			out("x-answer (%d): %s\n", n, v);
		break;

	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
		for (n = 0; n < (int)len; n++) {
			fnv = (fnv ^ ((unsigned char *)in)[n]) * 16777619u;
			if (shown_len < sizeof(shown))
				shown[shown_len++] = ((char *)in)[n];
		}
		rx_total += len;
		break;

	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP:
		px = buf + LWS_PRE;
		lenx = smallbuf ? 100 : (int)sizeof(buf) - LWS_PRE;
		if (lws_http_client_read(wsi, &px, &lenx) < 0) {
			if (!read_failed++)
				out("lws_http_client_read: -1\n");
			return -1;
		}
		return 0;

	case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
		show_body();
		out("COMPLETED_CLIENT_HTTP\n");
		done = 1;
		break;

	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
		if (!done)
			show_body();
		out("CLOSED_CLIENT_HTTP\n");
		done = 2;
		finished++;
		break;

	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		out("CLIENT_CONNECTION_ERROR: %s\n", in ? (const char *)in : "(null)");
		done = 2;
		finished++;
		break;

	case LWS_CALLBACK_HTTP:
		/* our own server's answer to what no file matches: lws's default 404 */
		return lws_callback_http_dummy(wsi, reason, user, in, len);

	default:
		break;
	}

	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "http", cb, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static const struct lws_protocol_vhost_options mime_c = { NULL, NULL, ".c", "text/plain" };

static const struct lws_http_mount mount = {
	.extra_mimetypes = &mime_c,
	.mountpoint = "/",
	.mountpoint_len = 1,
	.origin = "capi-tests",
	.def = "index.html",
	.origin_protocol = LWSMPRO_FILE,
};

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info i;
	struct lws_context *context;
	struct rusage ru;
	int n, flags = 0, port;
	time_t start = time(NULL);

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 4) {
		fprintf(stderr, "usage: http_client PORT METHOD PATH [OPTION...]\n");
		return 2;
	}
	for (n = 4; n < argc; n++) {
		if (!strcmp(argv[n], "hdrs"))
			hdrs = 1;
		else if (!strcmp(argv[n], "urlenc")) {
			urlenc = 1;
			flags |= LCCSCF_HTTP_X_WWW_FORM_URLENCODED;
		} else if (!strcmp(argv[n], "multipart")) {
			multipart = 1;
			flags |= LCCSCF_HTTP_MULTIPART_MIME;
		} else if (!strncmp(argv[n], "body=", 5))
			body_len = atol(argv[n] + 5);
		else if (!strcmp(argv[n], "nofollow"))
			flags |= LCCSCF_HTTP_NO_FOLLOW_REDIRECT;
		else if (!strcmp(argv[n], "smallbuf"))
			smallbuf = 1;
		else if (!strncmp(argv[n], "pipeline=", 9)) {
			pipeline = atoi(argv[n] + 9);
			flags |= LCCSCF_PIPELINE;
		} else if (!strncmp(argv[n], "rss=", 4))
			rss_limit = atol(argv[n] + 4);
	}

	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	if (!strcmp(argv[1], "self")) {
		/* our own server in the same context: capi-tests/ served as files */
		info.port = 0;
		info.mounts = &mount;
		info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	}
	context = lws_create_context(&info);
	if (!context)
		return 1;
	port = atoi(argv[1]);
	if (!strcmp(argv[1], "self"))
		port = lws_get_vhost_listen_port(lws_get_vhost_by_name(context, "default"));

	memset(&i, 0, sizeof(i));
	i.context = context;
	i.address = "127.0.0.1";
	i.port = port;
	i.path = argv[3];
	i.host = "localhost";
	i.method = argv[2];
	i.protocol = protocols[0].name;
	i.ssl_connection = flags;
	if (pipeline) {
		/* several transactions to one place, queued on one connection */
		static char paths[8][128];

		/* lws queues on a connection whose Host is the new one's address */
		i.host = i.address;

		for (n = 0; n < pipeline && n < 8; n++) {
			lws_snprintf(paths[n], sizeof(paths[n]), "%s?%d", argv[3], n);
			i.path = paths[n];
			i.opaque_user_data = (void *)(intptr_t)n;
			if (!lws_client_connect_via_info(&i))
				printf("connect %d failed at once\n", n);
		}
		while (finished < pipeline && time(NULL) - start < 60)
			if (lws_service(context, 100) < 0)
				break;
	} else if (!lws_client_connect_via_info(&i))
		printf("connect failed at once\n");
	else
		/* bounded by time: lws services one read per call */
		while (done < 2 && time(NULL) - start < 60)
			if (lws_service(context, 100) < 0)
				break;
	lws_context_destroy(context);

	if (rss_limit) {
		/* this process's own peak (VmHWM): getrusage's ru_maxrss carries the
		 * parent's peak across fork and exec, so it would measure the driver */
		long peak = -1;
		char line[128];
		FILE *f = fopen("/proc/self/status", "r");

		while (f && fgets(line, sizeof(line), f))
			if (!strncmp(line, "VmHWM:", 6))
				peak = atol(line + 6);
		if (f)
			fclose(f);
		if (peak < 0) {
			getrusage(RUSAGE_SELF, &ru);
			peak = ru.ru_maxrss;
		}
		if (peak > rss_limit)
			printf("peak RSS %ld KiB above %ld KiB\n", peak, rss_limit);
		else
			printf("peak RSS within %ld KiB\n", rss_limit);
	}
	printf("end\n");
	return 0;
}
