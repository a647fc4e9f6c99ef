/*
 * demo: one lws server showing the main pieces of the library together.
 *
 *   /          the files of demo-www/ (a mount, LWSMPRO_FILE, default index.html)
 *   /form      a mount of type LWSMPRO_CALLBACK bound to the "demo-form" protocol: a
 *              POSTed form (urlencoded or multipart) is parsed by lws_spa and answered
 *              with JSON
 *   ws "lws-demo"
 *              a chat every open page sees (one ring buffer, one tail per page, drained
 *              from WRITEABLE after lws_callback_on_writable_all_protocol_vhost), and a
 *              counter a timer (lws_sul) bumps every second and pushes to every page
 *
 *   demo [-p port] [-d www-dir]     (port 0 picks a free one; the URL is printed)
 *
 * Messages the server sends on "lws-demo" are text: "chat:<line>" and "counter:<n>".
 */
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CHAT_LINE 1024
#define FORM_STORAGE 1024	/* lws_spa's storage for all the fields together */

static volatile int interrupted;

/* ---- /form: the POST handler ------------------------------------------------ */

static const char * const form_names[] = { "name", "message" };
enum { FORM_NAME, FORM_MESSAGE };

struct pss_form {
	struct lws_spa *spa;
	char multipart;		/* the request's content type, for the answer */
	/* the JSON answer, sent when writeable: LWS_PRE, then the fields (at most the
	 * spa's storage) each byte escaped to at most 6, and the rest */
	unsigned char reply[LWS_PRE + 6 * FORM_STORAGE + 128];
	int reply_len;
};

/* Appends s to out as the inside of a JSON string; returns the new length, or -1 when
 * it does not fit. */
static int
json_escape(char *out, int pos, int size, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (pos + 7 >= size)
			return -1;
		if (c == '"' || c == '\\') {
			out[pos++] = '\\';
			out[pos++] = (char)c;
		} else if (c < 0x20) {
			memcpy(out + pos, "\\u00", 4);
			out[pos + 4] = hex[c >> 4];
			out[pos + 5] = hex[c & 15];
			pos += 6;
		} else
			out[pos++] = (char)c;
	}
	out[pos] = '\0';

	return pos;
}

static int
build_reply(struct pss_form *pss)
{
	char *r = (char *)pss->reply + LWS_PRE;
	int size = (int)sizeof(pss->reply) - LWS_PRE, n;

	n = lws_snprintf(r, (size_t)size, "{\"ok\":true,\"encoding\":\"%s\",\"name\":\"",
			 pss->multipart ? "multipart" : "urlencoded");
	n = json_escape(r, n, size, lws_spa_get_string(pss->spa, FORM_NAME));
	if (n < 0)
		return -1;
	n += lws_snprintf(r + n, (size_t)(size - n), "\",\"message\":\"");
	n = json_escape(r, n, size, lws_spa_get_string(pss->spa, FORM_MESSAGE));
	if (n < 0 || n + 4 >= size)
		return -1;
	n += lws_snprintf(r + n, (size_t)(size - n), "\"}\n");
	pss->reply_len = n;

	return 0;
}

static int
callback_form(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	      void *in, size_t len)
{
	struct pss_form *pss = (struct pss_form *)user;
	uint8_t buf[LWS_PRE + LWS_RECOMMENDED_MIN_HEADER_SPACE], *start = &buf[LWS_PRE],
		*p = start, *end = &buf[sizeof(buf) - 1];
	char ctype[128];

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		/* the mount sends us /form and anything under it: POSTs are forms */
		if (!lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI)) {
			if (lws_return_http_status(wsi, HTTP_STATUS_METHOD_NOT_ALLOWED,
						   "POST a form here"))
				return -1;
			return lws_http_transaction_completed(wsi) ? -1 : 0;
		}
		ctype[0] = '\0';
		lws_hdr_copy(wsi, ctype, sizeof(ctype), WSI_TOKEN_HTTP_CONTENT_TYPE);
		pss->multipart = !strncmp(ctype, "multipart/form-data", 19);
		pss->reply_len = 0;
		/* the body follows in HTTP_BODY callbacks */
		return 0;

	case LWS_CALLBACK_HTTP_BODY:
		if (!pss->spa) {
			pss->spa = lws_spa_create(wsi, form_names,
						  LWS_ARRAY_SIZE(form_names), FORM_STORAGE,
						  NULL, NULL);	/* no file uploads */
			if (!pss->spa)
				return -1;
		}
		if (lws_spa_process(pss->spa, (const char *)in, (int)len))
			return -1;
		return 0;

	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (!pss->spa)	/* an empty body: parse nothing */
			pss->spa = lws_spa_create(wsi, form_names,
						  LWS_ARRAY_SIZE(form_names), FORM_STORAGE,
						  NULL, NULL);
		if (!pss->spa)
			return -1;
		lws_spa_finalize(pss->spa);
		lwsl_user("demo: form from '%s': '%s'\n",
			  lws_spa_get_string(pss->spa, FORM_NAME) ?
				lws_spa_get_string(pss->spa, FORM_NAME) : "",
			  lws_spa_get_string(pss->spa, FORM_MESSAGE) ?
				lws_spa_get_string(pss->spa, FORM_MESSAGE) : "");
		if (build_reply(pss))
			return -1;
		lws_spa_destroy(pss->spa);
		pss->spa = NULL;

		/* the headers now, the body when the connection is writeable */
		if (lws_add_http_common_headers(wsi, HTTP_STATUS_OK, "application/json",
						(lws_filepos_t)pss->reply_len, &p, end))
			return 1;
		if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
						 (const unsigned char *)"no-store", 8,
						 &p, end))
			return 1;
		if (lws_finalize_write_http_header(wsi, start, &p, end))
			return 1;
		lws_callback_on_writable(wsi);
		return 0;

	case LWS_CALLBACK_HTTP_WRITEABLE:
		if (!pss || !pss->reply_len)
			break;
		if (lws_write(wsi, pss->reply + LWS_PRE, (size_t)pss->reply_len,
			      LWS_WRITE_HTTP_FINAL) != pss->reply_len)
			return 1;
		pss->reply_len = 0;
		/* keep-alive: the connection waits for the next request */
		return lws_http_transaction_completed(wsi) ? -1 : 0;

	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
	case LWS_CALLBACK_CLOSED_HTTP:
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

/* ---- "lws-demo": the chat and the counter ------------------------------------- */

struct msg {
	void *payload;		/* LWS_PRE + len bytes */
	size_t len;
};

struct pss_demo {
	struct pss_demo *pss_list;
	struct lws *wsi;
	uint32_t tail;
	unsigned char *part;	/* LWS_PRE + a message arriving in several RECEIVEs */
	size_t part_len;
	char counter_pending;	/* the counter moved since this page last got it */
};

struct vhd_demo {
	struct lws_context *context;
	struct lws_vhost *vhost;
	const struct lws_protocols *protocol;
	struct lws_ring *ring;
	struct pss_demo *pss_list;
	lws_sorted_usec_list_t sul;	/* the counter's timer */
	unsigned int counter;
};

static void
destroy_message(void *_msg)
{
	struct msg *msg = _msg;

	free(msg->payload);
	msg->payload = NULL;
	msg->len = 0;
}

/* Every second: bump the counter and ask every page's connection to be writeable. */
static void
counter_tick(lws_sorted_usec_list_t *sul)
{
	struct vhd_demo *vhd = lws_container_of(sul, struct vhd_demo, sul);
	struct pss_demo *pss;

	vhd->counter++;
	lws_start_foreach_llp(struct pss_demo **, ppss, vhd->pss_list) {
		pss = *ppss;
		pss->counter_pending = 1;
	} lws_end_foreach_llp(ppss, pss_list);
	lws_callback_on_writable_all_protocol_vhost(vhd->vhost, vhd->protocol);

	lws_sul_schedule(vhd->context, 0, &vhd->sul, counter_tick, LWS_US_PER_SEC);
}

static int
broadcast_chat(struct vhd_demo *vhd, unsigned char *payload, size_t len)
{
	struct msg amsg;

	/* "chat:" goes in front of the line, inside the LWS_PRE-prefixed buffer */
	amsg.payload = payload;
	amsg.len = len;
	if (!lws_ring_get_count_free_elements(vhd->ring) ||
	    !lws_ring_insert(vhd->ring, &amsg, 1)) {
		lwsl_user("demo: chat ring full, dropping a line\n");
		destroy_message(&amsg);
		return 0;
	}
	lws_callback_on_writable_all_protocol_vhost(vhd->vhost, vhd->protocol);

	return 0;
}

static int
callback_demo(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	      void *in, size_t len)
{
	struct pss_demo *pss = (struct pss_demo *)user;
	struct vhd_demo *vhd = (struct vhd_demo *)lws_protocol_vh_priv_get(
					lws_get_vhost(wsi), lws_get_protocol(wsi));
	unsigned char cbuf[LWS_PRE + 32];
	const struct msg *pmsg;
	int m, n;

	switch (reason) {
	case LWS_CALLBACK_PROTOCOL_INIT:
		vhd = lws_protocol_vh_priv_zalloc(lws_get_vhost(wsi),
						  lws_get_protocol(wsi),
						  sizeof(struct vhd_demo));
		if (!vhd)
			return -1;
		vhd->context = lws_get_context(wsi);
		vhd->vhost = lws_get_vhost(wsi);
		vhd->protocol = lws_get_protocol(wsi);
		vhd->ring = lws_ring_create(sizeof(struct msg), 64, destroy_message);
		if (!vhd->ring)
			return -1;
		lws_sul_schedule(vhd->context, 0, &vhd->sul, counter_tick, LWS_US_PER_SEC);
		break;

	case LWS_CALLBACK_PROTOCOL_DESTROY:
		if (vhd) {
			lws_sul_cancel(&vhd->sul);
			lws_ring_destroy(vhd->ring);
		}
		break;

	case LWS_CALLBACK_ESTABLISHED:
		lws_ll_fwd_insert(pss, pss_list, vhd->pss_list);
		pss->tail = lws_ring_get_oldest_tail(vhd->ring);
		pss->wsi = wsi;
		/* a new page sees the counter at once, not a second later */
		pss->counter_pending = 1;
		lws_callback_on_writable(wsi);
		break;

	case LWS_CALLBACK_CLOSED:
		lws_ll_fwd_remove(struct pss_demo, pss_list, pss, vhd->pss_list);
		free(pss->part);
		pss->part = NULL;
		break;

	case LWS_CALLBACK_SERVER_WRITEABLE:
		/* one lws_write per WRITEABLE: a chat line first, else the counter */
		pmsg = lws_ring_get_element(vhd->ring, &pss->tail);
		if (pmsg) {
			m = lws_write(wsi, ((unsigned char *)pmsg->payload) + LWS_PRE,
				      pmsg->len, LWS_WRITE_TEXT);
			if (m < (int)pmsg->len) {
				lwsl_err("demo: chat write failed\n");
				return -1;
			}
			lws_ring_consume_and_update_oldest_tail(vhd->ring,
					struct pss_demo, &pss->tail, 1, vhd->pss_list,
					tail, pss_list);
		} else if (pss->counter_pending) {
			n = lws_snprintf((char *)cbuf + LWS_PRE, sizeof(cbuf) - LWS_PRE,
					 "counter:%u", vhd->counter);
			if (lws_write(wsi, cbuf + LWS_PRE, (size_t)n, LWS_WRITE_TEXT) < n) {
				lwsl_err("demo: counter write failed\n");
				return -1;
			}
			pss->counter_pending = 0;
		}
		/* more waiting for this page? */
		if (lws_ring_get_element(vhd->ring, &pss->tail) || pss->counter_pending)
			lws_callback_on_writable(wsi);
		break;

	case LWS_CALLBACK_RECEIVE:
		/* a line may arrive in pieces: gather it behind LWS_PRE + "chat:" */
		if (!pss->part) {
			pss->part = malloc(LWS_PRE + 5);
			if (!pss->part)
				return -1;
			memcpy(pss->part + LWS_PRE, "chat:", 5);
			pss->part_len = 5;
		}
		if (pss->part_len + len > 5 + MAX_CHAT_LINE) {
			lwsl_warn("demo: chat line over %d bytes, closing\n", MAX_CHAT_LINE);
			lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, NULL, 0);
			return -1;
		}
		{
			unsigned char *np = realloc(pss->part, LWS_PRE + pss->part_len + len);

			if (!np)
				return -1;
			pss->part = np;
			memcpy(np + LWS_PRE + pss->part_len, in, len);
			pss->part_len += len;
		}
		if (!lws_is_final_fragment(wsi))
			break;
		n = broadcast_chat(vhd, pss->part, pss->part_len);
		pss->part = NULL;	/* the ring owns it now */
		pss->part_len = 0;
		return n;

	default:
		break;
	}

	return 0;
}

static struct lws_protocols protocols[] = {
	/* the default protocol: the file mount and websocket upgrades, the usual way */
	{ "http", lws_callback_http_dummy, 0, 0, 0, NULL, 0 },
	{ "demo-form", callback_form, sizeof(struct pss_form), 0, 0, NULL, 0 },
	{ "lws-demo", callback_demo, sizeof(struct pss_demo), 4096, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }	/* terminator (LWS_PROTOCOL_LIST_TERM is new in 4.3) */
};

static void
sigint_handler(int sig)
{
	(void)sig;
	interrupted = 1;
}

int
main(int argc, const char **argv)
{
	struct lws_http_mount mount_root, mount_form;
	struct lws_context_creation_info info;
	struct lws_context *context;
	char www[1024];
	const char *p;
	int n;

	signal(SIGINT, sigint_handler);
	signal(SIGTERM, sigint_handler);
	lws_set_log_level(LLL_ERR | LLL_WARN | LLL_USER, NULL);

	/* the pages: -d DIR, else demo-www next to this source file */
	if ((p = lws_cmdline_option(argc, argv, "-d")))
		lws_strncpy(www, p, sizeof(www));
	else {
		lws_strncpy(www, __FILE__, sizeof(www));
		p = strrchr(www, '/');
		n = p ? (int)(p - www) + 1 : 0;
		lws_snprintf(www + n, sizeof(www) - (size_t)n, "demo-www");
	}

	memset(&mount_form, 0, sizeof mount_form);
	mount_form.mountpoint = "/form";
	mount_form.mountpoint_len = 5;
	mount_form.origin = "demo-form";	/* the protocol handling it */
	mount_form.origin_protocol = LWSMPRO_CALLBACK;

	memset(&mount_root, 0, sizeof mount_root);
	mount_root.mount_next = &mount_form;
	mount_root.mountpoint = "/";
	mount_root.mountpoint_len = 1;
	mount_root.origin = www;
	mount_root.def = "index.html";
	mount_root.origin_protocol = LWSMPRO_FILE;

	memset(&info, 0, sizeof info);
	info.port = 7681;
	if ((p = lws_cmdline_option(argc, argv, "-p")))
		info.port = atoi(p);
	info.protocols = protocols;
	info.mounts = &mount_root;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;

	context = lws_create_context(&info);
	if (!context) {
		lwsl_err("lws init failed\n");
		return 1;
	}
	printf("demo: open http://localhost:%d\n",
	       lws_get_vhost_listen_port(lws_get_vhost_by_name(context, "default")));
	fflush(stdout);

	while (!interrupted)
		if (lws_service(context, 0) < 0)
			break;

	lws_context_destroy(context);
	printf("demo: bye\n");

	return 0;
}
