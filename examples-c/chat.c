/*
 * chat: a broadcast WebSocket server written the way lws programs are.
 *
 * Every message a client sends goes into one ring buffer per vhost; each session keeps
 * its own tail in the ring and drains it from its WRITEABLE callback, so a slow reader
 * holds back only itself (until the ring fills, then new messages are dropped), and
 * only while it stays: what it leaves unread is freed when it goes.
 *
 *   chat [-p port]      (port 0 picks a free one; the port is printed)
 */
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct msg {
	void *payload;		/* LWS_PRE + len bytes */
	size_t len;
};

struct pss {
	struct pss *pss_list;
	struct lws *wsi;
	uint32_t tail;
	unsigned char *part;	/* LWS_PRE + a message arriving in several RECEIVEs */
	size_t part_len;
};

struct vhd {
	struct lws_ring *ring;
	struct pss *pss_list;
	int sessions;
};

static volatile int interrupted;

static void
destroy_message(void *_msg)
{
	struct msg *msg = _msg;

	free(msg->payload);
	msg->payload = NULL;
	msg->len = 0;
}

/*
 * A session is leaving.  When it was the furthest behind, the ring's oldest tail is its
 * tail, and only that session's own consumption would ever move it: the messages it had
 * not been sent would stay in the ring for good, and the ring would fill.  Its tail is
 * moved up to the next slowest session's (or to the head, when it was the last one),
 * which frees the messages only it still needed.
 */
static void
leave_ring(struct vhd *vhd, struct pss *pss)
{
	uint32_t behind, most = 0, w;

	if (pss->tail != lws_ring_get_oldest_tail(vhd->ring))
		return;	/* another session is as far behind or further: nothing to free */
	behind = (uint32_t)lws_ring_get_count_waiting_elements(vhd->ring, &pss->tail);
	lws_start_foreach_ll(struct pss *, p, vhd->pss_list) {
		w = (uint32_t)lws_ring_get_count_waiting_elements(vhd->ring, &p->tail);
		if (w > most)
			most = w;
	} lws_end_foreach_ll(p, pss_list);
	lws_ring_consume_and_update_oldest_tail(vhd->ring, struct pss, &pss->tail,
			behind - most, vhd->pss_list, tail, pss_list);
}

static int
callback_chat(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	      void *in, size_t len)
{
	struct pss *pss = (struct pss *)user;
	struct vhd *vhd = (struct vhd *)lws_protocol_vh_priv_get(lws_get_vhost(wsi),
							       lws_get_protocol(wsi));
	const struct msg *pmsg;
	struct msg amsg;
	int m;

	switch (reason) {
	case LWS_CALLBACK_PROTOCOL_INIT:
		vhd = lws_protocol_vh_priv_zalloc(lws_get_vhost(wsi),
						  lws_get_protocol(wsi), sizeof(struct vhd));
		if (!vhd)
			return -1;
		vhd->ring = lws_ring_create(sizeof(struct msg), 64, destroy_message);
		if (!vhd->ring)
			return 1;
		break;

	case LWS_CALLBACK_PROTOCOL_DESTROY:
		if (vhd)
			lws_ring_destroy(vhd->ring);
		break;

	case LWS_CALLBACK_ESTABLISHED:
		lws_ll_fwd_insert(pss, pss_list, vhd->pss_list);
		pss->tail = lws_ring_get_oldest_tail(vhd->ring);
		pss->wsi = wsi;
		vhd->sessions++;
		break;

	case LWS_CALLBACK_CLOSED:
		if (!pss->wsi)
			break;	/* never joined */
		lws_ll_fwd_remove(struct pss, pss_list, pss, vhd->pss_list);
		leave_ring(vhd, pss);
		pss->wsi = NULL;
		vhd->sessions--;
		free(pss->part);
		pss->part = NULL;
		break;

	case LWS_CALLBACK_SERVER_WRITEABLE:
		pmsg = lws_ring_get_element(vhd->ring, &pss->tail);
		if (!pmsg)
			break;
		m = lws_write(wsi, ((unsigned char *)pmsg->payload) + LWS_PRE,
			      pmsg->len, LWS_WRITE_TEXT);
		if (m < (int)pmsg->len) {
			lwsl_err("chat: write failed\n");
			return -1;
		}
		lws_ring_consume_and_update_oldest_tail(vhd->ring, struct pss,
				&pss->tail, 1, vhd->pss_list, tail, pss_list);
		/* more waiting for us? */
		if (lws_ring_get_element(vhd->ring, &pss->tail))
			lws_callback_on_writable(pss->wsi);
		break;

	case LWS_CALLBACK_RECEIVE:
		/* a message may arrive in pieces: gather it, broadcast it whole */
		{
			unsigned char *p = realloc(pss->part, LWS_PRE + pss->part_len + len);

			if (!p)
				return -1;
			pss->part = p;
			memcpy(p + LWS_PRE + pss->part_len, in, len);
			pss->part_len += len;
		}
		if (!lws_is_final_fragment(wsi))
			break;
		amsg.len = pss->part_len;
		amsg.payload = pss->part;
		pss->part = NULL;
		pss->part_len = 0;
		if (!lws_ring_get_count_free_elements(vhd->ring)) {
			lwsl_user("chat: ring full, dropping a message\n");
			destroy_message(&amsg);
			break;
		}
		if (!lws_ring_insert(vhd->ring, &amsg, 1)) {
			destroy_message(&amsg);
			break;
		}
		lws_callback_on_writable_all_protocol_vhost(lws_get_vhost(wsi),
							    lws_get_protocol(wsi));
		break;

	default:
		break;
	}

	return 0;
}

static struct lws_protocols protocols[] = {
	{ "http", lws_callback_http_dummy, 0, 0, 0, NULL, 0 },
	{ "lws-chat", callback_chat, sizeof(struct pss), 4096, 0, NULL, 0 },
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
	struct lws_context_creation_info info;
	struct lws_context *context;
	const char *p;

	signal(SIGINT, sigint_handler);
	signal(SIGTERM, sigint_handler);
	lws_set_log_level(LLL_ERR | LLL_WARN | LLL_USER, NULL);

	memset(&info, 0, sizeof info);
	info.port = 7681;
	if ((p = lws_cmdline_option(argc, argv, "-p")))
		info.port = atoi(p);
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;

	context = lws_create_context(&info);
	if (!context) {
		lwsl_err("lws init failed\n");
		return 1;
	}
	printf("listening on port %d\n", lws_get_vhost_listen_port(lws_get_vhost_by_name(context, "default")));
	fflush(stdout);

	while (!interrupted)
		if (lws_service(context, 0) < 0)
			break;

	lws_context_destroy(context);
	printf("bye\n");

	return 0;
}
