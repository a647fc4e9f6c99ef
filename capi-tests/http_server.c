/*
 * http_server: the HTTP/1.1 server role, driven by http_server.py.
 *
 *   http_server -p PORT -d WWWDIR -a LOGINFILE
 *
 * One context, two vhosts on the same port:
 *
 *  "localhost": mounts "/" (files from WWWDIR, default index.html, ".zzz" served as
 *     application/x-zzz), "/cached" (files from WWWDIR/cached with cache-control
 *     settings), "/secret" (files from WWWDIR/secret behind basic auth checked against
 *     LOGINFILE), "/moved" (LWSMPRO_REDIR_HTTP), and the callback mounts "/dyn",
 *     "/post", "/form", "/status", "/redir", "/sse", "/api" of protocol "http-test"; error
 *     document "/404.html"; an extra header on every response; ws upgrades to
 *     "lws-test-ws" checked strictly against the vhost's name and port
 *     (LWS_SERVER_OPTION_VHOST_UPG_STRICT_HOST_CHECK).
 *  "second": chosen by "Host: second..."; "/" is a callback mount of "http-test" that
 *     names the vhost; its own extra header, and lws's security headers
 *     (LWS_SERVER_OPTION_HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE); "/api/..." there
 *     is answered as on "localhost" (a vhost without error document).
 *
 * "/api/..." exercises the lower-level API: "status" (lws_add_http_header_status,
 * lws_add_http_header_content_length, lws_finalize_http_header, then lws_write),
 * "tokens" (lws_token_to_string, lws_hdr_fragment_length, lws_hdr_custom_length),
 * "file" (lws_serve_http_file), "detach" (lws_http_headers_detach), "upload" (a form
 * through lws_spa_create).
 *
 * stdout: "listening on port N", then a line per callback ("localhost HTTP /x", ...),
 * which the driver reads to check the callback order; callbacks about polling and
 * locking are not printed.
 */
/* lws-diff: ours-only: the expectations are lws 4.3.10's HTTP behaviour, each checked against a real lws 4.3.10 build (HTTP_TEST_BIN); lws 4.1.6 differs in details (headers it adds, callback order) that are not worth tracking separately */
#include <libwebsockets.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind { K_NONE, K_TEXT, K_BIG, K_POST, K_FORM, K_SSE };

struct pss {
	enum kind kind;
	char body[4096];	/* K_TEXT / K_POST / K_FORM reply */
	size_t body_len, sent;
	size_t piece;		/* bytes per HTTP_WRITEABLE */
	size_t big_len;		/* K_BIG: the pattern body's length */
	unsigned long long rx_len;	/* K_POST: body bytes seen */
	uint32_t rx_sum;
	int rx_calls;
	struct lws_spa *spa;	/* K_FORM */
	char filename[128];
	unsigned long long file_len;
	uint32_t file_sum;
	int file_parts;
	int sse_n;
	int completed;		/* HTTP_BODY_COMPLETION came */
};

struct wss {			/* lws-test-ws */
	char msg[LWS_PRE + 256];
	size_t len;
};

static volatile int interrupted;
static struct lws_context *gctx;
static const char *www_dir = "www";

static const char *
rname(int r)
{
	switch (r) {
	case LWS_CALLBACK_PROTOCOL_INIT: return "PROTOCOL_INIT";
	case LWS_CALLBACK_PROTOCOL_DESTROY: return "PROTOCOL_DESTROY";
	case LWS_CALLBACK_WSI_CREATE: return "WSI_CREATE";
	case LWS_CALLBACK_WSI_DESTROY: return "WSI_DESTROY";
	case LWS_CALLBACK_FILTER_NETWORK_CONNECTION: return "FILTER_NETWORK_CONNECTION";
	case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED: return "SERVER_NEW_CLIENT_INSTANTIATED";
	case LWS_CALLBACK_FILTER_HTTP_CONNECTION: return "FILTER_HTTP_CONNECTION";
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: return "HTTP_CONFIRM_UPGRADE";
	case LWS_CALLBACK_HTTP_BIND_PROTOCOL: return "HTTP_BIND_PROTOCOL";
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL: return "HTTP_DROP_PROTOCOL";
	case LWS_CALLBACK_HTTP: return "HTTP";
	case LWS_CALLBACK_HTTP_BODY: return "HTTP_BODY";
	case LWS_CALLBACK_HTTP_BODY_COMPLETION: return "HTTP_BODY_COMPLETION";
	case LWS_CALLBACK_HTTP_FILE_COMPLETION: return "HTTP_FILE_COMPLETION";
	case LWS_CALLBACK_HTTP_WRITEABLE: return "HTTP_WRITEABLE";
	case LWS_CALLBACK_CLOSED_HTTP: return "CLOSED_HTTP";
	case LWS_CALLBACK_ADD_HEADERS: return "ADD_HEADERS";
	case LWS_CALLBACK_CHECK_ACCESS_RIGHTS: return "CHECK_ACCESS_RIGHTS";
	case LWS_CALLBACK_PROCESS_HTML: return "PROCESS_HTML";
	case LWS_CALLBACK_VERIFY_BASIC_AUTHORIZATION: return "VERIFY_BASIC_AUTHORIZATION";
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: return "FILTER_PROTOCOL_CONNECTION";
	case LWS_CALLBACK_WS_SERVER_BIND_PROTOCOL: return "WS_SERVER_BIND_PROTOCOL";
	case LWS_CALLBACK_WS_SERVER_DROP_PROTOCOL: return "WS_SERVER_DROP_PROTOCOL";
	case LWS_CALLBACK_ESTABLISHED: return "ESTABLISHED";
	case LWS_CALLBACK_RECEIVE: return "RECEIVE";
	case LWS_CALLBACK_SERVER_WRITEABLE: return "SERVER_WRITEABLE";
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: return "WS_PEER_INITIATED_CLOSE";
	case LWS_CALLBACK_CLOSED: return "CLOSED";
	default: return NULL;
	}
}

static int
quiet(int r)
{
	switch (r) {
	case LWS_CALLBACK_GET_THREAD_ID:
	case LWS_CALLBACK_LOCK_POLL:
	case LWS_CALLBACK_UNLOCK_POLL:
	case LWS_CALLBACK_ADD_POLL_FD:
	case LWS_CALLBACK_DEL_POLL_FD:
	case LWS_CALLBACK_CHANGE_MODE_POLL_FD:
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		return 1;
	}
	return 0;
}

/* One transcript line: "VHOST REASON [detail]". */
static void
trace(struct lws *wsi, int reason, const char *detail)
{
	const char *n = rname(reason);
	const char *vh = "-";

	if (quiet(reason))
		return;
	if (wsi && lws_get_vhost(wsi))
		vh = lws_get_vhost_name(lws_get_vhost(wsi));
	if (n)
		printf("%s %s%s%s\n", vh, n, detail ? " " : "", detail ? detail : "");
	else
		printf("%s reason %d%s%s\n", vh, reason, detail ? " " : "", detail ? detail : "");
}

static uint32_t
sum_bytes(uint32_t s, const unsigned char *p, size_t len)
{
	while (len--)
		s = s * 31u + *p++;
	return s;
}

static size_t
app(struct pss *pss, const char *fmt, const char *a, int alen)
{
	size_t room = sizeof(pss->body) - pss->body_len;
	int n;

	if (alen < 0)
		n = lws_snprintf(pss->body + pss->body_len, room, fmt, "(none)");
	else
		n = lws_snprintf(pss->body + pss->body_len, room, fmt, a);
	pss->body_len += (size_t)n;
	return (size_t)n;
}

/* Headers for a 200 with a body of pss->body_len (or big_len) bytes. */
static int
send_headers(struct lws *wsi, unsigned int code, const char *type, lws_filepos_t len)
{
	unsigned char buf[LWS_PRE + 1024], *start = buf + LWS_PRE, *p = start,
		      *end = buf + sizeof(buf) - 1;

	if (lws_add_http_common_headers(wsi, code, type, len, &p, end))
		return 1;
	if (lws_add_http_header_by_name(wsi, (const unsigned char *)"x-dyn:",
					(const unsigned char *)"yes", 3, &p, end))
		return 1;
	if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
					 (const unsigned char *)"no-store", 8, &p, end))
		return 1;
	if (lws_finalize_write_http_header(wsi, start, &p, end))
		return 1;
	return 0;
}

static int
start_text(struct lws *wsi, struct pss *pss, size_t piece)
{
	pss->kind = K_TEXT;
	pss->sent = 0;
	pss->piece = piece;
	if (send_headers(wsi, HTTP_STATUS_OK, "text/plain", pss->body_len))
		return -1;
	lws_callback_on_writable(wsi);
	return 0;
}

/* Is uri the mountpoint or under it?  (LWS_CALLBACK_HTTP also comes for files the "/"
 * mount does not have, with their URI: "/dynamo" is not "/dyn".) */
static int
under(const char *uri, const char *mp)
{
	size_t n = strlen(mp);

	return !strncmp(uri, mp, n) && (uri[n] == '\0' || uri[n] == '/');
}

static const char * const methods[] = {
	"GET", "POST", "OPTIONS", "PUT", "PATCH", "DELETE", "CONNECT", "HEAD", ":path"
};

/* /dyn/...: what the request looked like through the header API */
static int
dyn(struct lws *wsi, struct pss *pss, const char *rest, const char *in, size_t len)
{
	char buf[256], uri[128];
	char *up = NULL;
	int n, ul = 0, m;

	pss->body_len = 0;
	lws_snprintf(uri, sizeof(uri), "%.*s", (int)len, in);

	if (!strcmp(rest, "/big")) {
		pss->kind = K_BIG;
		pss->big_len = lws_get_urlarg_by_name(wsi, "n=", buf, sizeof(buf)) ?
				(size_t)atol(buf) : 100000;
		pss->sent = 0;
		pss->piece = 4096;
		if (send_headers(wsi, HTTP_STATUS_OK, "application/octet-stream",
				 pss->big_len))
			return -1;
		lws_callback_on_writable(wsi);
		return 0;
	}

	app(pss, "in=%s\n", uri, 0);
	m = lws_http_get_uri_and_method(wsi, &up, &ul);
	lws_snprintf(buf, sizeof(buf), "%.*s", ul, up ? up : "");
	pss->body_len += (size_t)lws_snprintf(pss->body + pss->body_len,
			sizeof(pss->body) - pss->body_len, "method=%s uri=%s\n",
			m >= 0 && m < (int)LWS_ARRAY_SIZE(methods) ? methods[m] : "?", buf);
	n = lws_hdr_copy(wsi, buf, sizeof(buf), WSI_TOKEN_GET_URI);
	app(pss, "get_uri=%s\n", buf, n);
	n = lws_hdr_copy(wsi, buf, sizeof(buf), WSI_TOKEN_HOST);
	app(pss, "host=%s\n", buf, n);
	n = lws_hdr_copy(wsi, buf, sizeof(buf), WSI_TOKEN_HTTP_USER_AGENT);
	app(pss, "ua=%s\n", buf, n);
	n = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS);
	pss->body_len += (size_t)lws_snprintf(pss->body + pss->body_len,
			sizeof(pss->body) - pss->body_len, "args_total=%d\n", n);
	for (m = 0; m < 8; m++) {
		n = lws_hdr_copy_fragment(wsi, buf, sizeof(buf), WSI_TOKEN_HTTP_URI_ARGS, m);
		if (n < 0)
			break;
		app(pss, "arg=%s\n", buf, n);
	}
	if (lws_get_urlarg_by_name(wsi, "a=", buf, sizeof(buf)))
		app(pss, "urlarg a==%s\n", buf, 0);
	else
		app(pss, "urlarg a==%s\n", NULL, -1);
#if LWS_LIBRARY_VERSION_MAJOR > 4 || LWS_LIBRARY_VERSION_MINOR >= 3
	/* 4.3: the name may leave off the '=' (and matches as a prefix) */
	n = lws_get_urlarg_by_name_safe(wsi, "a", buf, sizeof(buf));
	app(pss, "urlarg_safe a=%s\n", buf, n);
#endif
	n = lws_hdr_custom_copy(wsi, buf, sizeof(buf), "x-custom:", 9);
	app(pss, "custom x-custom:=%s\n", buf, n);
	n = lws_hdr_custom_copy(wsi, buf, sizeof(buf), "X-Custom:", 9);
	app(pss, "custom X-Custom:=%s\n", buf, n);
	n = lws_hdr_copy(wsi, buf, sizeof(buf), WSI_TOKEN_HTTP_ACCEPT_LANGUAGE);
	app(pss, "accept_language=%s\n", buf, n);
	/* a buffer too small for the value */
	n = lws_hdr_copy(wsi, buf, 4, WSI_TOKEN_HTTP_USER_AGENT);
	pss->body_len += (size_t)lws_snprintf(pss->body + pss->body_len,
			sizeof(pss->body) - pss->body_len, "ua_copy_4=%d\n", n);
	app(pss, "vhost=%s\n", lws_get_vhost_name(lws_get_vhost(wsi)), 0);

	/* several HTTP_WRITEABLEs: 16 bytes each */
	return start_text(wsi, pss, 16);
}

static int
file_cb(void *data, const char *name, const char *filename, char *buf, int len,
	enum lws_spa_fileupload_states state)
{
	struct pss *pss = (struct pss *)data;

	(void)name;
	switch (state) {
	case LWS_UFS_OPEN:
		lws_strncpy(pss->filename, filename, sizeof(pss->filename));
		pss->file_len = 0;
		pss->file_sum = 0;
		break;
	case LWS_UFS_CONTENT:
	case LWS_UFS_FINAL_CONTENT:
		pss->file_len += (unsigned int)len;
		pss->file_sum = sum_bytes(pss->file_sum, (unsigned char *)buf, (size_t)len);
		pss->file_parts++;
		break;
	case LWS_UFS_CLOSE:
		break;
	}
	return 0;
}

static const char * const form_params[] = { "text", "num", "upload" };

/* A whole response written at once from the callback: headers built piece by piece with
 * the low-level builders, then the body, then the transaction is completed. */
static int
api_reply(struct lws *wsi, unsigned int code, const char *body, size_t body_len)
{
	unsigned char buf[LWS_PRE + 4096], *start = buf + LWS_PRE, *p = start,
		      *end = buf + sizeof(buf) - 1;

	if (lws_add_http_header_status(wsi, code, &p, end))
		return -1;
	if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
					 (const unsigned char *)"text/plain", 10, &p, end))
		return -1;
	if (lws_add_http_header_content_length(wsi, body_len, &p, end))
		return -1;
	if (lws_add_http_header_by_name(wsi, (const unsigned char *)"x-api:",
					(const unsigned char *)"1", 1, &p, end))
		return -1;
	if (lws_finalize_http_header(wsi, &p, end))
		return -1;
	if (lws_write(wsi, start, lws_ptr_diff_size_t(p, start), LWS_WRITE_HTTP_HEADERS) !=
	    lws_ptr_diff(p, start))
		return -1;
	if (body_len) {
		memcpy(start, body, body_len);
		if (lws_write(wsi, start, body_len, LWS_WRITE_HTTP_FINAL) != (int)body_len)
			return -1;
	}
	if (lws_http_transaction_completed(wsi))
		return -1;
	return 0;
}

/* the builders' return values at the edges of a buffer: the buffer is big, `end` is
 * moved so that only `room` bytes are left */
static void
api_edges(struct lws *wsi, struct pss *pss)
{
	static const int rooms[] = { 0, 2, 3, 10, 20 };
	unsigned char buf[256], *p;
	int i, r;

	for (i = 0; i < (int)LWS_ARRAY_SIZE(rooms); i++) {
		p = buf;
		r = lws_finalize_http_header(wsi, &p, buf + rooms[i]);
		pss->body_len += (size_t)lws_snprintf(pss->body + pss->body_len,
				sizeof(pss->body) - pss->body_len,
				"finalize room=%d -> %d, wrote %d\n", rooms[i], r,
				(int)lws_ptr_diff(p, buf));
	}
	for (i = 0; i < (int)LWS_ARRAY_SIZE(rooms); i++) {
		p = buf;
		r = lws_add_http_header_content_length(wsi, 12345, &p, buf + rooms[i]);
		pss->body_len += (size_t)lws_snprintf(pss->body + pss->body_len,
				sizeof(pss->body) - pss->body_len,
				"content_length room=%d -> %d, wrote %d\n", rooms[i], r,
				(int)lws_ptr_diff(p, buf));
	}
	p = buf;
	r = lws_add_http_header_status(wsi, 200, &p, buf + 20);
	pss->body_len += (size_t)lws_snprintf(pss->body + pss->body_len,
			sizeof(pss->body) - pss->body_len, "status room=20 -> %d\n", r);
	p = buf;
	r = lws_add_http_header_status(wsi, 200, &p, buf + sizeof(buf));
	pss->body_len += (size_t)lws_snprintf(pss->body + pss->body_len,
			sizeof(pss->body) - pss->body_len, "status room=%d -> %d: %.*s",
			(int)sizeof(buf), r, (int)lws_ptr_diff(p, buf), (const char *)buf);
	p = buf;
	r = lws_add_http_header_content_length(wsi, 0, &p, buf + sizeof(buf));
	pss->body_len += (size_t)lws_snprintf(pss->body + pss->body_len,
			sizeof(pss->body) - pss->body_len, "content_length 0 -> %d: %.*s",
			r, (int)lws_ptr_diff(p, buf), (const char *)buf);
}

/* "tok N=..." with \r and \n shown as such, "(null)" for NULL */
static void
api_token(struct pss *pss, int t)
{
	const unsigned char *s = lws_token_to_string((enum lws_token_indexes)t);
	char esc[128];
	size_t n = 0;

	if (!s) {
		if (t == WSI_TOKEN_COUNT)
			app(pss, "tok COUNT=(null)\n", NULL, 0);
		else
			pss->body_len += (size_t)lws_snprintf(pss->body + pss->body_len,
					sizeof(pss->body) - pss->body_len, "tok %d=(null)\n", t);
		return;
	}
	while (*s && n < sizeof(esc) - 3) {
		if (*s == '\r' || *s == '\n') {
			esc[n++] = '\\';
			esc[n++] = *s == '\r' ? 'r' : 'n';
		} else
			esc[n++] = (char)*s;
		s++;
	}
	esc[n] = '\0';
	pss->body_len += (size_t)lws_snprintf(pss->body + pss->body_len,
			sizeof(pss->body) - pss->body_len, "tok %d=%s\n", t, esc);
}

static const struct {
	const char *name;
	int len;
} customs[] = {
	{ "x-custom:", 9 }, { "X-Custom:", 9 }, { "x-custom", 8 }, { "x-empty:", 8 },
	{ "x-rep:", 6 }, { "x-absent:", 9 }, { "x-cust", 6 }, { "", 0 },
};

static const struct {
	const char *name;
	enum lws_token_indexes h;
} frag_hdrs[] = {
	{ "args", WSI_TOKEN_HTTP_URI_ARGS }, { "accept", WSI_TOKEN_HTTP_ACCEPT },
	{ "cookie", WSI_TOKEN_HTTP_COOKIE }, { "host", WSI_TOKEN_HOST },
	{ "range", WSI_TOKEN_HTTP_RANGE },
};

static void
api_tokens(struct lws *wsi, struct pss *pss)
{
	char buf[256];
	int i, f, n;

	if (lws_get_urlarg_by_name(wsi, "all=", buf, sizeof(buf))) {
		for (i = 0; i < WSI_TOKEN_COUNT; i++)
			api_token(pss, i);
	} else {
		api_token(pss, WSI_TOKEN_GET_URI);
		api_token(pss, WSI_TOKEN_HOST);
		api_token(pss, WSI_TOKEN_HTTP_CONTENT_LENGTH);
		api_token(pss, WSI_TOKEN_HTTP_URI_ARGS);
		api_token(pss, WSI_TOKEN_HEAD_URI);
	}
	api_token(pss, WSI_TOKEN_COUNT);
	api_token(pss, -1);
	api_token(pss, 1000);

	for (i = 0; i < (int)LWS_ARRAY_SIZE(frag_hdrs); i++) {
		pss->body_len += (size_t)lws_snprintf(pss->body + pss->body_len,
				sizeof(pss->body) - pss->body_len, "%s total=%d frags=",
				frag_hdrs[i].name, lws_hdr_total_length(wsi, frag_hdrs[i].h));
		for (f = -1; f < 5; f++)
			pss->body_len += (size_t)lws_snprintf(pss->body + pss->body_len,
					sizeof(pss->body) - pss->body_len, "%s%d",
					f > -1 ? "," : "",
					lws_hdr_fragment_length(wsi, frag_hdrs[i].h, f));
		n = lws_hdr_copy(wsi, buf, sizeof(buf), frag_hdrs[i].h);
		app(pss, " copy=%s\n", buf, n);
	}
	for (i = 0; i < (int)LWS_ARRAY_SIZE(customs); i++) {
		n = lws_hdr_custom_copy(wsi, buf, sizeof(buf), customs[i].name, customs[i].len);
		pss->body_len += (size_t)lws_snprintf(pss->body + pss->body_len,
				sizeof(pss->body) - pss->body_len,
				"custom_length '%.*s' %d -> %d (copy %d '%s')\n", customs[i].len,
				customs[i].name, customs[i].len,
				lws_hdr_custom_length(wsi, customs[i].name, customs[i].len), n,
				n >= 0 ? buf : "");
	}
}

static void
api_detach(struct lws *wsi, struct pss *pss)
{
	char buf[64];
	int n;

	pss->body_len += (size_t)lws_snprintf(pss->body + pss->body_len,
			sizeof(pss->body) - pss->body_len, "before: host=%d get_uri=%d custom=%d\n",
			lws_hdr_total_length(wsi, WSI_TOKEN_HOST),
			lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI),
			lws_hdr_custom_length(wsi, "x-custom:", 9));
	n = lws_http_headers_detach(wsi);
	pss->body_len += (size_t)lws_snprintf(pss->body + pss->body_len,
			sizeof(pss->body) - pss->body_len, "detach=%d\n", n);
	pss->body_len += (size_t)lws_snprintf(pss->body + pss->body_len,
			sizeof(pss->body) - pss->body_len,
			"after: host=%d get_uri=%d args=%d frag0=%d custom=%d\n",
			lws_hdr_total_length(wsi, WSI_TOKEN_HOST),
			lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI),
			lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS),
			lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS, 0),
			lws_hdr_custom_length(wsi, "x-custom:", 9));
	strcpy(buf, "junk");
	n = lws_hdr_copy(wsi, buf, sizeof(buf), WSI_TOKEN_HOST);
	pss->body_len += (size_t)lws_snprintf(pss->body + pss->body_len,
			sizeof(pss->body) - pss->body_len, "copy host=%d '%s'\n", n, buf);
	n = lws_hdr_copy_fragment(wsi, buf, sizeof(buf), WSI_TOKEN_HTTP_URI_ARGS, 0);
	pss->body_len += (size_t)lws_snprintf(pss->body + pss->body_len,
			sizeof(pss->body) - pss->body_len, "copy_fragment args 0=%d\n", n);
	pss->body_len += (size_t)lws_snprintf(pss->body + pss->body_len,
			sizeof(pss->body) - pss->body_len, "urlarg a==%s\n",
			lws_get_urlarg_by_name(wsi, "a=", buf, sizeof(buf)) ? buf : "(null)");
	n = lws_http_headers_detach(wsi);
	pss->body_len += (size_t)lws_snprintf(pss->body + pss->body_len,
			sizeof(pss->body) - pss->body_len, "detach again=%d\n", n);
}

/* /api/...: rest is what follows "/api" */
static int
api(struct lws *wsi, struct pss *pss, const char *rest)
{
	char buf[256], path[768], detail[300];
	int n;

	pss->body_len = 0;
	if (!strcmp(rest, "/status")) {
		unsigned int code = 200;

		if (lws_get_urlarg_by_name(wsi, "code=", buf, sizeof(buf)))
			code = (unsigned int)atoi(buf);
		if (lws_get_urlarg_by_name(wsi, "flag=", buf, sizeof(buf)))
			code |= LWSAHH_FLAG_NO_SERVER_NAME;
		app(pss, "status api\n", NULL, 0);
		if (lws_get_urlarg_by_name(wsi, "edges=", buf, sizeof(buf)))
			api_edges(wsi, pss);
		return api_reply(wsi, code, pss->body, pss->body_len);
	}
	if (!strcmp(rest, "/tokens")) {
		api_tokens(wsi, pss);
		return api_reply(wsi, 200, pss->body, pss->body_len);
	}
	if (!strcmp(rest, "/detach")) {
		api_detach(wsi, pss);
		return api_reply(wsi, 200, pss->body, pss->body_len);
	}
	if (!strcmp(rest, "/file")) {
		const char *ct = "text/x-api", *other = NULL;

		if (!lws_get_urlarg_by_name(wsi, "f=", buf, sizeof(buf)))
			strcpy(buf, "plain.txt");
		lws_snprintf(path, sizeof(path), "%s/%s", www_dir, buf);
		if (lws_get_urlarg_by_name(wsi, "ct=", detail, sizeof(detail)))
			ct = !strcmp(detail, "null") ? NULL : detail;
		if (lws_get_urlarg_by_name(wsi, "hdr=", buf, sizeof(buf)))
			other = !strcmp(buf, "cc") ?
				"Cache-Control: max-age=5\x0d\x0a" :
				"x-file-a: 1\x0d\x0ax-file-b: two\x0d\x0a";
		n = lws_serve_http_file(wsi, path, ct, other, other ? (int)strlen(other) : 0);
		printf("%s api file ret=%d\n", lws_get_vhost_name(lws_get_vhost(wsi)),
		       n < 0 ? -1 : n);
		if (n < 0 || (n > 0 && lws_http_transaction_completed(wsi)))
			return -1;
		return 0;
	}
	if (!strcmp(rest, "/upload")) {
		int storage = 1024;

		if (!lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI))
			return api_reply(wsi, 405, "POST only\n", 10);
		if (lws_get_urlarg_by_name(wsi, "storage=", buf, sizeof(buf)))
			storage = atoi(buf);
		pss->spa = lws_spa_create(wsi, form_params, (int)LWS_ARRAY_SIZE(form_params),
					  storage, file_cb, pss);
		if (!pss->spa)
			return -1;
		pss->kind = K_FORM;
		return 0;
	}
	return api_reply(wsi, 404, "no such api\n", 12);
}

static int
callback_http(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
	      size_t len)
{
	struct pss *pss = (struct pss *)user;
	unsigned char buf[LWS_PRE + 4096], *start = buf + LWS_PRE, *p = start,
		      *end = buf + sizeof(buf) - 1;
	char detail[200];
	int n;

	switch (reason) {
	case LWS_CALLBACK_FILTER_HTTP_CONNECTION:
	case LWS_CALLBACK_HTTP:
		lws_snprintf(detail, sizeof(detail), "%.*s", (int)len, (const char *)in);
		trace(wsi, reason, detail);
		break;
	case LWS_CALLBACK_HTTP_BODY:
		lws_snprintf(detail, sizeof(detail), "len=%d", (int)len);
		trace(wsi, reason, detail);
		break;
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		trace(wsi, reason, NULL);
		break;
	default:
		trace(wsi, (int)reason, NULL);
		break;
	}

	switch (reason) {
	case LWS_CALLBACK_VERIFY_BASIC_AUTHORIZATION:
		/* the /vauth mount's verifier: "cb:ok" only */
		return len == 5 && !memcmp(in, "cb:ok", 5);

	case LWS_CALLBACK_ADD_HEADERS: {
		/* the /addh file mount names this protocol: lws asks it for headers */
		struct lws_process_html_args *args = (struct lws_process_html_args *)in;
		unsigned char *p = (unsigned char *)args->p;

		if (lws_add_http_header_by_name(wsi, (const unsigned char *)"x-added-by:",
				(const unsigned char *)"http-test", 9, &p,
				p + args->max_len))
			return 1;
		args->p = (char *)p;
		return 0;
	}

	case LWS_CALLBACK_HTTP:
		memset(pss, 0, sizeof(*pss));
		if (!strcmp(lws_get_vhost_name(lws_get_vhost(wsi)), "second")) {
			char *up = NULL;
			int ul = 0;

			if (lws_http_get_uri_and_method(wsi, &up, &ul) >= 0 && up &&
			    under(up, "/api"))
				return api(wsi, pss, up + 4);
			pss->body_len = (size_t)lws_snprintf(pss->body, sizeof(pss->body),
					"second vhost: %.*s\n", (int)len, (const char *)in);
			return start_text(wsi, pss, sizeof(pss->body));
		}
		/* which mount: lws passes the URI after the mountpoint */
		{
			char *up = NULL;
			int ul = 0;

			if (lws_http_get_uri_and_method(wsi, &up, &ul) < 0 || !up)
				return -1;
			if (under(up, "/vauth")) {
				char user[64];

				/* after basic auth, lws's Authorization reads as the user */
				if (lws_hdr_copy(wsi, user, sizeof(user),
						 WSI_TOKEN_HTTP_AUTHORIZATION) < 0)
					user[0] = '\0';
				pss->body_len = (size_t)lws_snprintf(pss->body,
						sizeof(pss->body), "vauth user=%s\n", user);
				return start_text(wsi, pss, sizeof(pss->body));
			}
			if (under(up, "/dyn"))
				return dyn(wsi, pss, up + 4, in, len);
			if (under(up, "/api"))
				return api(wsi, pss, up + 4);
			if (under(up, "/post")) {
				if (!lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI)) {
					pss->body_len = (size_t)lws_snprintf(pss->body,
						sizeof(pss->body), "not a POST\n");
					return start_text(wsi, pss, 64);
				}
				pss->kind = K_POST;
				return 0;	/* the body comes in HTTP_BODY */
			}
			if (under(up, "/form")) {
				lws_spa_create_info_t i;

				if (!lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI)) {
					pss->body_len = (size_t)lws_snprintf(pss->body,
						sizeof(pss->body), "not a POST\n");
					return start_text(wsi, pss, 64);
				}
				memset(&i, 0, sizeof(i));
				i.param_names = form_params;
				i.count_params = (int)LWS_ARRAY_SIZE(form_params);
				i.max_storage = 1024;
				i.opt_cb = file_cb;
				i.opt_data = pss;
				pss->spa = lws_spa_create_via_info(wsi, &i);
				if (!pss->spa)
					return -1;
				pss->kind = K_FORM;
				return 0;
			}
			if (under(up, "/status")) {
				/* /status/CODE (lws passes a GET the whole URI, a POST only
				 * what follows the mountpoint: read the URI itself) */
				n = up[7] == '/' ? atoi(up + 8) : 0;
				if (n < 100 || n > 999)
					n = 418;
				if (lws_return_http_status(wsi, (unsigned int)n, "from /status"))
					return -1;
				if (lws_http_transaction_completed(wsi))
					return -1;
				return 0;
			}
			if (under(up, "/redir")) {
				n = lws_http_redirect(wsi, HTTP_STATUS_SEE_OTHER,
						      (const unsigned char *)"/dyn/landed", 11,
						      &p, end);
				if (n < 0)
					return -1;
				if (lws_http_transaction_completed(wsi))
					return -1;
				return 0;
			}
			if (under(up, "/sse")) {
				if (lws_add_http_common_headers(wsi, HTTP_STATUS_OK,
						"text/event-stream",
						LWS_ILLEGAL_HTTP_CONTENT_LEN, &p, end))
					return -1;
				if (lws_finalize_write_http_header(wsi, start, &p, end))
					return -1;
				lws_http_mark_sse(wsi);
				pss->kind = K_SSE;
				pss->sse_n = 0;
				lws_callback_on_writable(wsi);
				return 0;
			}
		}
		lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL);
		if (lws_http_transaction_completed(wsi))
			return -1;
		return 0;

	case LWS_CALLBACK_HTTP_BODY:
		if (pss->kind == K_POST) {
			pss->rx_len += len;
			pss->rx_sum = sum_bytes(pss->rx_sum, in, len);
			pss->rx_calls++;
		} else if (pss->kind == K_FORM && pss->spa) {
			if (lws_spa_process(pss->spa, in, (int)len))
				return -1;
		}
		return 0;

	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		pss->completed = 1;
		if (pss->kind == K_POST) {
			pss->body_len = (size_t)lws_snprintf(pss->body, sizeof(pss->body),
					"len=%llu sum=%08x\n", pss->rx_len,
					(unsigned int)pss->rx_sum);
			return start_text(wsi, pss, 64);
		}
		if (pss->kind == K_FORM && pss->spa) {
			const char *v;
			int i;

			lws_spa_finalize(pss->spa);
			pss->body_len = 0;
			for (i = 0; i < (int)LWS_ARRAY_SIZE(form_params); i++) {
				v = lws_spa_get_string(pss->spa, i);
				pss->body_len += (size_t)lws_snprintf(pss->body + pss->body_len,
					sizeof(pss->body) - pss->body_len, "%s=%s (%d)\n",
					form_params[i], v ? v : "(none)",
					lws_spa_get_length(pss->spa, i));
			}
			pss->body_len += (size_t)lws_snprintf(pss->body + pss->body_len,
					sizeof(pss->body) - pss->body_len,
					"file=%s size=%llu sum=%08x\n",
					pss->filename[0] ? pss->filename : "(none)",
					pss->file_len, (unsigned int)pss->file_sum);
			lws_spa_destroy(pss->spa);
			pss->spa = NULL;
			return start_text(wsi, pss, 64);
		}
		return 0;

	case LWS_CALLBACK_HTTP_WRITEABLE:
		if (!pss)
			return 0;
		if (pss->kind == K_SSE) {
			if (pss->sse_n == 3) {
				/* an event stream ends by closing the connection */
				return -1;
			}
			pss->sse_n++;
			n = lws_snprintf((char *)start, 256, "id: %d\ndata: event %d\n\n",
					 pss->sse_n, pss->sse_n);
			if (lws_write(wsi, start, (size_t)n, LWS_WRITE_HTTP) != n)
				return -1;
			lws_callback_on_writable(wsi);
			return 0;
		}
		if (pss->kind == K_TEXT || pss->kind == K_BIG) {
			size_t total = pss->kind == K_TEXT ? pss->body_len : pss->big_len;
			size_t chunk = total - pss->sent, i;
			int final;

			if (chunk > pss->piece)
				chunk = pss->piece;
			if (pss->kind == K_TEXT)
				memcpy(start, pss->body + pss->sent, chunk);
			else
				for (i = 0; i < chunk; i++)
					start[i] = (unsigned char)('a' + (pss->sent + i) % 26);
			pss->sent += chunk;
			final = pss->sent == total;
			if (lws_write(wsi, start, chunk, final ? LWS_WRITE_HTTP_FINAL :
							   LWS_WRITE_HTTP) != (int)chunk)
				return -1;
			if (!final) {
				lws_callback_on_writable(wsi);
				return 0;
			}
			pss->kind = K_NONE;
			if (lws_http_transaction_completed(wsi))
				return -1;
		}
		return 0;

	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		if (pss && pss->spa) {
			lws_spa_destroy(pss->spa);
			pss->spa = NULL;
		}
		break;

	default:
		break;
	}

	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static int
callback_ws(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
	    size_t len)
{
	struct wss *w = (struct wss *)user;

	trace(wsi, (int)reason, NULL);
	switch (reason) {
	case LWS_CALLBACK_RECEIVE:
		if (len > sizeof(w->msg) - LWS_PRE)
			len = sizeof(w->msg) - LWS_PRE;
		memcpy(w->msg + LWS_PRE, in, len);
		w->len = len;
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (w->len) {
			if (lws_write(wsi, (unsigned char *)w->msg + LWS_PRE, w->len,
				      LWS_WRITE_TEXT) < (int)w->len)
				return -1;
			w->len = 0;
		}
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "http-test", callback_http, sizeof(struct pss), 0, 0, NULL, 0 },
	{ "lws-test-ws", callback_ws, sizeof(struct wss), 256, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void
sigint_handler(int sig)
{
	(void)sig;
	interrupted = 1;
	lws_cancel_service(gctx);
}

int
main(int argc, char **argv)
{
	static struct lws_protocol_vhost_options mime = {
		NULL, NULL, ".zzz", "application/x-zzz"
	};
	static struct lws_protocol_vhost_options hdr1 = {
		NULL, NULL, "x-test-vhost:", "localhost"
	};
	static struct lws_protocol_vhost_options hdr2b = {
		NULL, NULL, "x-second-extra:", "2"
	};
	static struct lws_protocol_vhost_options hdr2 = {
		&hdr2b, NULL, "x-test-vhost:", "second"
	};
	static struct lws_http_mount m_vauth, m_addh, m_api, m_sse, m_redir, m_status, m_form, m_post, m_dyn,
				     m_moved, m_secret, m_cached, m_root, m2_root;
	static char origin_root[512], origin_cached[512], origin_secret[512];
	struct lws_context_creation_info info;
	struct lws_vhost *vh1, *vh2;
	const char *www = "www", *login = "logins";
	int port = 7681, pool = 0, i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "-p"))
			port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "-d"))
			www = www_dir = argv[i + 1];
		else if (!strcmp(argv[i], "-a"))
			login = argv[i + 1];
		else if (!strcmp(argv[i], "-P"))
			pool = atoi(argv[i + 1]);
	}
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
	signal(SIGINT, sigint_handler);

	lws_snprintf(origin_root, sizeof(origin_root), "%s", www);
	lws_snprintf(origin_cached, sizeof(origin_cached), "%s/cached", www);
	lws_snprintf(origin_secret, sizeof(origin_secret), "%s/secret", www);

#define CB_MOUNT(m, point, next) \
	m.mount_next = next; m.mountpoint = point; m.origin = "http-test"; \
	m.origin_protocol = LWSMPRO_CALLBACK; m.mountpoint_len = (unsigned char)strlen(point)

	CB_MOUNT(m_vauth, "/vauth", NULL);
	m_vauth.auth_mask = LWSAUTHM_BASIC_AUTH_CALLBACK;
	m_addh.mount_next = &m_vauth;
	m_addh.mountpoint = "/addh";
	m_addh.mountpoint_len = 5;
	m_addh.origin = origin_root;
	m_addh.protocol = "http-test";
	m_addh.def = "index.html";
	m_addh.origin_protocol = LWSMPRO_FILE;
	CB_MOUNT(m_api, "/api", &m_addh);
	CB_MOUNT(m_sse, "/sse", &m_api);
	CB_MOUNT(m_redir, "/redir", &m_sse);
	CB_MOUNT(m_status, "/status", &m_redir);
	CB_MOUNT(m_form, "/form", &m_status);
	CB_MOUNT(m_post, "/post", &m_form);
	CB_MOUNT(m_dyn, "/dyn", &m_post);

	m_moved.mount_next = &m_dyn;
	m_moved.mountpoint = "/moved";
	m_moved.mountpoint_len = 6;
	m_moved.origin = "example.test/new/place";
	m_moved.origin_protocol = LWSMPRO_REDIR_HTTP;

	m_secret.mount_next = &m_moved;
	m_secret.mountpoint = "/secret";
	m_secret.mountpoint_len = 7;
	m_secret.origin = origin_secret;
	m_secret.def = "index.html";
	m_secret.origin_protocol = LWSMPRO_FILE;
	m_secret.basic_auth_login_file = login;

	m_cached.mount_next = &m_secret;
	m_cached.mountpoint = "/cached";
	m_cached.mountpoint_len = 7;
	m_cached.origin = origin_cached;
	m_cached.def = "index.html";
	m_cached.origin_protocol = LWSMPRO_FILE;
	m_cached.cache_max_age = 600;
	m_cached.cache_reusable = 1;
	m_cached.cache_revalidate = 1;

	/* "/" first in the list: lws prefers the longest mountpoint that matches */
	m_root.mount_next = &m_cached;
	m_root.mountpoint = "/";
	m_root.mountpoint_len = 1;
	m_root.origin = origin_root;
	m_root.def = "index.html";
	m_root.origin_protocol = LWSMPRO_FILE;
	m_root.extra_mimetypes = &mime;

	CB_MOUNT(m2_root, "/", NULL);

	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	info.timeout_secs = 3;
	info.max_http_header_data = 2048;
	info.max_http_header_pool = (unsigned short)pool;
	gctx = lws_create_context(&info);
	if (!gctx) {
		fprintf(stderr, "lws_create_context failed\n");
		return 1;
	}

	memset(&info, 0, sizeof(info));
	info.port = port;
	info.protocols = protocols;
	info.vhost_name = "localhost";
	info.mounts = &m_root;
	info.error_document_404 = "/404.html";
	info.headers = &hdr1;
	info.keepalive_timeout = 3;
	info.timeout_secs = 3;
	/* how long an incomplete request head may hold the connection (lws: 10 s) */
	info.timeout_secs_ah_idle = 3;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6 |
		       LWS_SERVER_OPTION_VHOST_UPG_STRICT_HOST_CHECK;
	vh1 = lws_create_vhost(gctx, &info);

	memset(&info, 0, sizeof(info));
	info.port = port;
	info.protocols = protocols;
	info.vhost_name = "second";
	info.mounts = &m2_root;
	info.headers = &hdr2;
	info.keepalive_timeout = 3;
	info.timeout_secs = 3;
	/* how long an incomplete request head may hold the connection (lws: 10 s) */
	info.timeout_secs_ah_idle = 3;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6 |
		       LWS_SERVER_OPTION_HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE;
	vh2 = lws_create_vhost(gctx, &info);
	if (!vh1 || !vh2) {
		fprintf(stderr, "lws_create_vhost failed\n");
		lws_context_destroy(gctx);
		return 1;
	}

	printf("listening on port %d\n", lws_get_vhost_listen_port(vh1));
	while (!interrupted)
		if (lws_service(gctx, 0) < 0)
			break;
	lws_context_destroy(gctx);
	printf("bye\n");
	return 0;
}
