/*
 * ws_server: the server side of the WebSocket core, driven by ws_server.py.
 *
 * Three protocols ("http" first, as lws programs have it, then "alpha" and "beta")
 * log every callback they get, so the transcript shows lws's callback order; text
 * commands sent to "alpha" exercise the rest of the API (see ws_server.py).
 *
 * Where lws's callbacks differ from ours (our bugs, not fixed yet) the lines are
 * marked below and tagged in the transcript: "(unsolicited)" EVENT_WAIT_CANCELLED,
 * "(unrequested)" SERVER_WRITEABLE, "[destroy]" for what lws_context_destroy closes.
 */
/* lws-diff: known-difference `\(unsolicited\)`: lws signals its event pipe itself, after lws_create_context (context.c: "expedite post-context init") and after adopting each connection (adopt.c: lws_cancel_service_pt), so every protocol gets EVENT_WAIT_CANCELLED then; ours only for lws_cancel_service */
/* lws-diff: known-difference `\(unrequested\)`: lws calls SERVER_WRITEABLE unasked: it sends at most tx_packet_size (else rx_buffer_size) + LWS_PRE + 4 bytes at once (output.c, "limit sending") and, once it has sent the rest from POLLOUT, calls WRITEABLE (here after the 101 and the long "info" reply, with rx_buffer_size 16); it leaves POLLOUT on after sending a pong (ops-ws.c: "for PING, leave POLLOUT active"); and once more while closing; ours never does */
/* lws-diff: known-difference `RECEIVE len=(8|10|14|16) first=0`: lws reads at most rx_buffer_size + LWS_PRE bytes at a time from a ws connection (ops-ws.c: "restrict the amount of rx to the size the protocol reported"), and RECEIVE chunks end where a read ends: 16+10+14 for the 40-byte message; ours reads pt_serv_buf_size and cuts 16+16+8 */
/* lws-diff: known-difference `\[destroy\]`: lws_context_destroy closes the connections in another order (here alpha#5, beta, http), without a DROP_PROTOCOL for beta and http, and destroys the listen socket's wsi too (one more WSI_DESTROY) */
/* lws-diff: normalize `(?<=alpha)#[0-9]+(?= SERVER_WRITEABLE)`: after a broadcast (lws_callback_on_writable_all_protocol*) the order in which the connections get WRITEABLE follows the poll order of their sockets, in lws and here, so which alpha connection comes first varies from run to run; how many and where is still compared */
#include <libwebsockets.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pss {
	int id;
	int want;		/* what to write when WRITEABLE comes */
	char out[128];
	size_t rx_total;
};

struct vhd {
	lws_sorted_usec_list_t sul;
	lws_sorted_usec_list_t sul_flow;
	struct lws_context *context;
	struct lws_vhost *vhost;
	const struct lws_protocols *protocol;
	const char *greeting;
	int next_id;
};

static int interrupted, deny_next;
/*
 * EVENT_WAIT_CANCELLED callbacks still expected from our own lws_cancel_service (one per
 * protocol): lws also wakes its loop itself (after creating the context, after adopting
 * a connection), so a program acts on those it asked for, and logs the others apart.
 */
static int cancel_armed, cancel_solicited;
static int destroying;
static struct lws_context *gctx;

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
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: return "HTTP_CONFIRM_UPGRADE";
	case LWS_CALLBACK_HTTP_BIND_PROTOCOL: return "HTTP_BIND_PROTOCOL";
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL: return "HTTP_DROP_PROTOCOL";
	case LWS_CALLBACK_WS_SERVER_BIND_PROTOCOL: return "WS_SERVER_BIND_PROTOCOL";
	case LWS_CALLBACK_WS_SERVER_DROP_PROTOCOL: return "WS_SERVER_DROP_PROTOCOL";
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: return "FILTER_PROTOCOL_CONNECTION";
	case LWS_CALLBACK_ADD_HEADERS: return "ADD_HEADERS";
	case LWS_CALLBACK_ESTABLISHED: return "ESTABLISHED";
	case LWS_CALLBACK_RECEIVE: return "RECEIVE";
	case LWS_CALLBACK_RECEIVE_PONG: return "RECEIVE_PONG";
	case LWS_CALLBACK_SERVER_WRITEABLE: return "SERVER_WRITEABLE";
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: return "WS_PEER_INITIATED_CLOSE";
	case LWS_CALLBACK_CLOSED: return "CLOSED";
	case LWS_CALLBACK_CLOSED_HTTP: return "CLOSED_HTTP";
	case LWS_CALLBACK_TIMER: return "TIMER";
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED: return "EVENT_WAIT_CANCELLED";
	case LWS_CALLBACK_USER: return "USER";
	case LWS_CALLBACK_USER + 1: return "USER+1";
	case LWS_CALLBACK_USER + 2: return "USER+2";
	case LWS_CALLBACK_USER + 3: return "USER+3";
	default: return NULL;
	}
}

static void
logcb(const char *proto, struct pss *pss, int reason, size_t len)
{
	const char *n = rname(reason);

	if (!n)
		return;	/* reasons this test does not track */
	/* connections closed by lws_context_destroy are tagged: see the marker */
	if (destroying && reason != LWS_CALLBACK_PROTOCOL_DESTROY)
		printf("S [destroy] ");
	else
		printf("S ");
	if (pss && pss->id)
		printf("%s#%d %s", proto, pss->id, n);
	else
		printf("%s %s", proto, n);
	if (reason == LWS_CALLBACK_EVENT_WAIT_CANCELLED) {
		cancel_solicited = cancel_armed > 0;
		if (cancel_solicited)
			cancel_armed--;
		else
			printf(" (unsolicited)");
	}
	/* only alpha asks for WRITEABLE, and only with something queued */
	if (reason == LWS_CALLBACK_SERVER_WRITEABLE && !(pss && pss->want))
		printf(" (unrequested)");
	if (len && reason != LWS_CALLBACK_RECEIVE)
		printf(" len=%zu", len);
	printf("\n");
	fflush(stdout);
}

static void
queue_write(struct lws *wsi, struct pss *pss, const char *s)
{
	size_t n = pss->want ? strlen(pss->out) : 0;

	/* a reply not yet written gets the next one appended */
	lws_snprintf(pss->out + n, sizeof(pss->out) - n, "%s%s", n ? " " : "", s);
	pss->want = 1;
	lws_callback_on_writable(wsi);
}

static void
sul_cb(lws_sorted_usec_list_t *sul)
{
	struct vhd *vhd = lws_container_of(sul, struct vhd, sul);

	printf("S alpha sul fired\n");
	fflush(stdout);
	/* every alpha session says so */
	lws_callback_all_protocol(vhd->context, vhd->protocol, LWS_CALLBACK_USER + 3);
}

static void
sul_flow_cb(lws_sorted_usec_list_t *sul)
{
	struct vhd *vhd = lws_container_of(sul, struct vhd, sul_flow);

	printf("S alpha rx flow allowed again\n");
	fflush(stdout);
	lws_rx_flow_allow_all_protocol(vhd->context, vhd->protocol);
}

static void *
cancel_thread(void *arg)
{
	lws_cancel_service((struct lws_context *)arg);
	return NULL;
}

static int
cb_http(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
	size_t len)
{
	logcb("http", NULL, reason, reason == LWS_CALLBACK_FILTER_NETWORK_CONNECTION ? 0 : len);
	if (reason == LWS_CALLBACK_FILTER_NETWORK_CONNECTION) {
		/* lws hands the accepted socket as `in` and its details as `user` */
		const struct lws_filter_network_conn_args *fa = user;
		const struct sockaddr_in *sin = (const void *)&fa->cli_addr;

		printf("S filter: fd matches %d, family inet %d, clilen %d, loopback %d\n",
		       fa->accept_fd == (int)(intptr_t)in,
		       fa->cli_addr.ss_family == AF_INET,
		       fa->clilen == sizeof(struct sockaddr_in),
		       sin->sin_addr.s_addr == htonl(INADDR_LOOPBACK));
		return 0;
	}
	if (reason == LWS_CALLBACK_RECEIVE)
		printf("S http got %zu bytes\n", len);
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static int
cb_beta(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
	size_t len)
{
	unsigned char buf[LWS_PRE + 64];

	(void)user;
	logcb("beta", NULL, reason, len);
	if (reason == LWS_CALLBACK_RECEIVE && len < 60) {
		memcpy(buf + LWS_PRE, in, len);
		if (lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_TEXT) != (int)len)
			return -1;
	}
	return 0;
}

static int
cb_alpha(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
	 size_t len)
{
	struct pss *pss = (struct pss *)user;
	struct vhd *vhd = (struct vhd *)lws_protocol_vh_priv_get(lws_get_vhost(wsi),
							       lws_get_protocol(wsi));
	unsigned char buf[LWS_PRE + 256];
	char cmd[128], peer[64];
	pthread_t t;
	size_t n;

	logcb("alpha", pss, reason, len);

	switch ((int)reason) {
	case LWS_CALLBACK_PROTOCOL_INIT:
		vhd = lws_protocol_vh_priv_zalloc(lws_get_vhost(wsi), lws_get_protocol(wsi),
						  sizeof(*vhd));
		vhd->context = lws_get_context(wsi);
		vhd->vhost = lws_get_vhost(wsi);
		vhd->protocol = lws_get_protocol(wsi);
		if (lws_pvo_get_str(in, "greeting", &vhd->greeting))
			vhd->greeting = "(none)";
		printf("S alpha pvo greeting=%s missing=%d\n", vhd->greeting,
		       lws_pvo_search((const struct lws_protocol_vhost_options *)in, "nope") == NULL);
		break;

	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		printf("S alpha filter: user zeroed=%d protocols=%s\n",
		       pss->id == 0 && pss->want == 0, in ? (const char *)in : "(null)");
		{
			char uri[64], host[64], origin[64], tiny[4];

			if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) < 0 ||
			    lws_hdr_copy(wsi, host, sizeof(host), WSI_TOKEN_HOST) < 0 ||
			    lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN) < 0)
				printf("S alpha filter: FAIL lws_hdr_copy\n");
			else
				printf("S alpha filter: uri=%s (%d) host=%s origin=%s (%d) version=%d "
				       "tiny copy=%d\n", uri,
				       lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI), host, origin,
				       lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN),
				       lws_hdr_total_length(wsi, WSI_TOKEN_VERSION),
				       lws_hdr_copy(wsi, tiny, sizeof(tiny), WSI_TOKEN_HOST));
		}
		if (deny_next) {
			deny_next = 0;
			printf("S alpha filter: denied\n");
			fflush(stdout);
			return 1;
		}
		break;

	case LWS_CALLBACK_ESTABLISHED:
		pss->id = ++vhd->next_id;
		printf("S alpha#%d established, wsi_user ok=%d\n", pss->id, lws_wsi_user(wsi) == pss);
		break;

	case LWS_CALLBACK_RECEIVE:
		printf("S alpha#%d RECEIVE len=%zu first=%d final=%d binary=%d remaining=%zu\n",
		       pss->id, len, lws_is_first_fragment(wsi), lws_is_final_fragment(wsi),
		       lws_frame_is_binary(wsi), lws_remaining_packet_payload(wsi));
		fflush(stdout);
		if (lws_frame_is_binary(wsi)) {
			pss->rx_total += len;
			if (lws_is_final_fragment(wsi)) {
				lws_snprintf(cmd, sizeof(cmd), "got %zu", pss->rx_total);
				pss->rx_total = 0;
				queue_write(wsi, pss, cmd);
			}
			break;
		}
		n = len < sizeof(cmd) - 1 ? len : sizeof(cmd) - 1;
		memcpy(cmd, in, n);
		cmd[n] = '\0';
		if (!strcmp(cmd, "info")) {
			lws_snprintf((char *)buf, sizeof(buf),
				"peer=%s fd_ok=%d allowance=%d proto=%s vhost=%s greeting=%s ctxuser=%s choked=%d partial=%d",
				lws_get_peer_simple(wsi, peer, sizeof(peer)),
				lws_get_socket_fd(wsi) > 2,
				(int)lws_get_peer_write_allowance(wsi),
				lws_get_protocol(wsi)->name,
				lws_get_vhost_name(lws_get_vhost(wsi)),
				vhd->greeting,
				(const char *)lws_context_user(lws_get_context(wsi)),
				lws_send_pipe_choked(wsi), lws_partial_buffered(wsi));
			queue_write(wsi, pss, (const char *)buf);
		} else if (!strcmp(cmd, "timer")) {
			lws_set_timer_usecs(wsi, 20 * LWS_US_PER_MS);
		} else if (!strcmp(cmd, "sul")) {
			lws_sul_schedule(vhd->context, 0, &vhd->sul, sul_cb, 20 * LWS_US_PER_MS);
		} else if (!strcmp(cmd, "sulcancel")) {
			lws_sul_schedule(vhd->context, 0, &vhd->sul, sul_cb, 20 * LWS_US_PER_MS);
			lws_sul_cancel(&vhd->sul);
			queue_write(wsi, pss, "sul cancelled");
		} else if (!strcmp(cmd, "cancel")) {
			cancel_armed = 3;	/* http, alpha, beta */
			pthread_create(&t, NULL, cancel_thread, vhd->context);
			pthread_join(t, NULL);
		} else if (!strcmp(cmd, "bcast")) {
			/* lws declares it deprecated (LWS_WARN_DEPRECATED): tested all the same */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
			lws_callback_all_protocol_vhost(vhd->vhost, vhd->protocol, LWS_CALLBACK_USER);
#pragma GCC diagnostic pop
			lws_callback_on_writable_all_protocol_vhost(vhd->vhost, vhd->protocol);
		} else if (!strcmp(cmd, "bcast-all")) {
			lws_callback_all_protocol(vhd->context, vhd->protocol, LWS_CALLBACK_USER);
			lws_callback_on_writable_all_protocol(vhd->context, vhd->protocol);
		} else if (!strcmp(cmd, "args")) {
			lws_callback_all_protocol_vhost_args(vhd->vhost, vhd->protocol,
					LWS_CALLBACK_USER + 1, (void *)"arg", 3);
			queue_write(wsi, pss, "args done");
		} else if (!strcmp(cmd, "protocols")) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"	/* as in lws */
			lws_callback_vhost_protocols(wsi, LWS_CALLBACK_USER + 2, (void *)"v", 1);
#pragma GCC diagnostic pop
			lws_callback_vhost_protocols_vhost(vhd->vhost, LWS_CALLBACK_USER + 2, NULL, 0);
			queue_write(wsi, pss, "protocols done");
		} else if (!strncmp(cmd, "close ", 6)) {
			int code = atoi(cmd + 6);
			char *r = strchr(cmd + 6, ' ');
			lws_close_reason(wsi, (enum lws_close_status)code, (unsigned char *)(r ? r + 1 : ""),
					 r ? strlen(r + 1) : 0);
			return -1;
		} else if (!strcmp(cmd, "drop")) {
			return -1;
		} else if (!strcmp(cmd, "kill")) {
			lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		} else if (!strcmp(cmd, "denynext")) {
			deny_next = 1;
			queue_write(wsi, pss, "ok");
		} else if (!strcmp(cmd, "flow")) {
			lws_rx_flow_control(wsi, 0);
			lws_sul_schedule(vhd->context, 0, &vhd->sul_flow, sul_flow_cb, 100 * LWS_US_PER_MS);
		} else if (!strcmp(cmd, "opaque")) {
			lws_set_opaque_user_data(wsi, pss);
			lws_snprintf(cmd, sizeof(cmd), "opaque=%d", lws_get_opaque_user_data(wsi) == pss);
			queue_write(wsi, pss, cmd);
		} else if (!strcmp(cmd, "setuser")) {
			static struct pss other;
			other = *pss;
			other.id += 100;
			lws_set_wsi_user(wsi, &other);
			pss = (struct pss *)lws_wsi_user(wsi);
			queue_write(wsi, pss, pss == &other ? "user replaced" : "user not replaced");
		} else if (!strcmp(cmd, "quit")) {
			interrupted = 1;
		} else {
			queue_write(wsi, pss, cmd);
		}
		break;

	case LWS_CALLBACK_RECEIVE_PONG:
		printf("S alpha#%d pong payload=%.*s\n", pss->id, (int)len, (const char *)in);
		break;

	case LWS_CALLBACK_TIMER:
		queue_write(wsi, pss, "timer fired");
		break;

	case LWS_CALLBACK_USER:
		printf("S alpha#%d USER\n", pss->id);
		lws_snprintf(pss->out, sizeof(pss->out), "bcast to %d", pss->id);
		pss->want = 1;
		break;

	case LWS_CALLBACK_USER + 1:
		printf("S alpha#%d USER+1 in=%.*s\n", pss->id, (int)len, (const char *)in);
		break;

	case LWS_CALLBACK_USER + 3:
		queue_write(wsi, pss, "sul fired");
		break;

	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		/* wsi here is not a connection: tell the sessions through the protocol */
		if (cancel_solicited)
			lws_callback_all_protocol(vhd->context, vhd->protocol,
						  LWS_CALLBACK_USER + 3);
		break;

	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (!pss->want)
			break;
		pss->want = 0;
		n = strlen(pss->out);
		memcpy(buf + LWS_PRE, pss->out, n);
		if (lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT) != (int)n)
			return -1;
		break;

	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		printf("S alpha#%d peer close code=%d reason=%.*s close_len=%d\n", pss->id,
		       len >= 2 ? ((unsigned char *)in)[0] << 8 | ((unsigned char *)in)[1] : -1,
		       len > 2 ? (int)len - 2 : 0, len > 2 ? (const char *)in + 2 : "",
		       lws_get_close_length(wsi));
		printf("S alpha#%d close payload same=%d\n", pss->id,
		       lws_get_close_length(wsi) == (int)len && !memcmp(lws_get_close_payload(wsi), in, len));
		break;

	default:
		break;
	}
	fflush(stdout);

	return 0;
}

static const struct lws_protocol_vhost_options pvo_greeting = { NULL, NULL, "greeting", "hi" };
static const struct lws_protocol_vhost_options pvo_alpha = { NULL, &pvo_greeting, "alpha", "" };

static struct lws_protocols protocols[] = {
	{ "http", cb_http, 0, 0, 0, NULL, 0 },
	{ "alpha", cb_alpha, sizeof(struct pss), 16, 0, NULL, 0 },
	{ "beta", cb_beta, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }	/* terminator (LWS_PROTOCOL_LIST_TERM is new in 4.3) */
};

int
main(void)
{
	struct lws_context_creation_info info;
	struct lws_vhost *vh;

	memset(&info, 0, sizeof info);
	info.port = 0;
	info.protocols = protocols;
	info.pvo = &pvo_alpha;
	info.user = (void *)"ctx-user";
	/* IPv4 whatever the build: an lws built with LWS_IPV6 (Debian's is) would otherwise
	 * listen dual-stack and report the peer as ::ffff:127.0.0.1 */
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	lws_set_log_level(LLL_ERR, NULL);

	gctx = lws_create_context(&info);
	if (!gctx) {
		printf("FAIL: context\n");
		return 1;
	}
	vh = lws_get_vhost_by_name(gctx, "default");
	printf("S vhost lookup ok=%d unknown=%d protocol lookup=%s missing=%d\n", vh != NULL,
	       lws_get_vhost_by_name(gctx, "nope") == NULL,
	       lws_vhost_name_to_protocol(vh, "beta")->name,
	       lws_vhost_name_to_protocol(vh, "gamma") == NULL);
	printf("listening on port %d\n", lws_get_vhost_listen_port(vh));
	fflush(stdout);

	while (!interrupted)
		if (lws_service(gctx, 0) < 0)
			break;

	printf("S destroying context\n");
	fflush(stdout);
	destroying = 1;
	lws_context_destroy(gctx);
	printf("S done\n");

	return 0;
}
