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
 *   ws "lws-dashboard"
 *              /dashboard.html's live numbers, a JSON snapshot a second: ws connections,
 *              messages and bytes per second, round-trip percentiles, memory; the page
 *              sends "load N" to start N ws clients inside this process (made with
 *              lws_client_connect_via_info) that echo through...
 *   ws "lws-echo"
 *              ...which sends every message back
 *
 *   demo [-p port] [-d www-dir] [--cert FILE --key FILE]
 *                                   (port 0 picks a free one; the URL is printed; with a
 *                                   certificate it serves https and wss, h2 by ALPN)
 *
 * Messages the server sends on "lws-demo" are text: "chat:<line>" and "counter:<n>".
 */
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

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

/* ---- the dashboard, and a load to make its numbers move ------------------------
 *
 * "lws-echo" sends every message straight back, fragment by fragment, from a queue
 * per connection (its input paused with lws_rx_flow_control while that is nearly full).
 *
 * The built-in load is N ws clients this process opens with lws_client_connect_via_info
 * to its own lws-echo.  Each keeps one LOAD_MSG-byte message in flight: it asks for
 * WRITEABLE as soon as the echo of the last one is back, sends the next from there, and
 * notes the round trip.  So the load runs exactly as fast as the writeable semantics of
 * both ends let it, and the round trips include the whole service loop.
 *
 * "lws-dashboard" pages get a JSON snapshot once a second (and one when they connect);
 * a page sends "load N" to set the number of load clients (0 stops the load).
 */

#define LOAD_MAX	2000	/* the most load clients a page may ask for */
#define LOAD_BATCH	50	/* connects started per connector turn, so 1000 take 0.4 s */
#define LOAD_STEP_US	20000	/* between connector turns */
#define LOAD_MSG	128	/* bytes in each load message */
#define ECHO_CHUNK	1024	/* lws-echo's rx_buffer_size: the most one RECEIVE holds */
#define ECHO_QUEUE	16	/* fragments an echo connection holds (more closes it) */
#define ECHO_MARGIN	4	/* input is paused when fewer places than this are free */

/* Round trips in microseconds, counted log-linearly: exact below 32 us, then 16 buckets
 * per doubling (each about 6 % wide), so a percentile is a walk over 464 counters and
 * the load's clients never allocate. */
#define HIST_SUB	16
#define HIST_BUCKETS	(32 + 27 * HIST_SUB)

struct hist {
	uint32_t count[HIST_BUCKETS];
	uint32_t n;
};

static unsigned int
hist_index(uint32_t us)
{
	int msb;

	if (us < 32)
		return us;
	msb = 31 - __builtin_clz(us);

	return 32 + (unsigned int)(msb - 5) * HIST_SUB +
	       ((us >> (msb - 4)) & (HIST_SUB - 1));
}

/* the middle of bucket i */
static uint64_t
hist_value(unsigned int i)
{
	unsigned int msb, sub;

	if (i < 32)
		return i;
	msb = 5 + (i - 32) / HIST_SUB;
	sub = (i - 32) % HIST_SUB;

	return ((uint64_t)(HIST_SUB + sub) << (msb - 4)) + ((1ull << (msb - 4)) >> 1);
}

/* the value at or below which per_mille / 1000 of the samples lie */
static uint64_t
hist_percentile(const struct hist *h, unsigned int per_mille)
{
	uint64_t rank = ((uint64_t)h->n * per_mille + 999) / 1000, seen = 0;
	unsigned int i;

	if (!rank)
		rank = 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->count[i];
		if (seen >= rank)
			return hist_value(i);
	}

	return hist_value(HIST_BUCKETS - 1);
}

/* What the dashboard shows, shared by the three protocols that feed it (one vhost). */
static struct {
	struct lws_context *context;
	struct lws_vhost *vhost;
	lws_sorted_usec_list_t sul_connect;	/* the load's connector */

	int target;		/* load clients wanted */
	int pending;		/* connects started, neither established nor failed yet */
	int established;	/* load clients connected */
	int closing;		/* of those, the ones leaving because the target went down */
	int run_failures;	/* failed connects since the last "load N" */
	char in_connect;	/* inside lws_client_connect_via_info... */
	char failed_inside;	/* ...which reported CLIENT_CONNECTION_ERROR already */
	char tls;		/* the demo serves https (--cert): the load connects with wss */

	int ws_conns;		/* server-side ws connections open, every protocol */
	uint64_t msgs, bytes;	/* ws messages and payload bytes the server got and sent */
	uint64_t round_trips;	/* echoes the load's clients got back */
	uint64_t errors;	/* failed connects, echoes that were not what was sent */
	struct hist rtt;	/* the round trips of the current second */
} dash;

static void
count_ws(size_t len, int message_complete)
{
	dash.bytes += len;
	if (message_complete)
		dash.msgs++;
}

/* process memory: the resident set, from /proc/self/statm (in pages) */
static unsigned long long
rss_bytes(void)
{
	unsigned long long size, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return 0;
	if (fscanf(f, "%llu %llu", &size, &resident) != 2)
		resident = 0;
	fclose(f);

	return resident * (unsigned long long)sysconf(_SC_PAGESIZE);
}

/* a fragment waiting to be echoed */
struct frag {
	unsigned char *payload;	/* LWS_PRE + len bytes */
	size_t len;
	int write_flags;	/* lws_write_ws_flags() for it */
	char final;		/* it ends its message */
};

static void
destroy_frag(void *_f)
{
	struct frag *f = _f;

	free(f->payload);
	f->payload = NULL;
}

struct pss_echo {
	/* server side: what waits to go back, oldest first.  Input is paused when the
	 * ring is nearly full, not at once: lws may still hand over what it had already
	 * taken in before the pause. */
	struct lws_ring *queue;
	char paused;

	/* client side: one message in flight (lws_write masks buf in place: a copy to
	 * compare the echo with) */
	unsigned char buf[LWS_PRE + LOAD_MSG];
	unsigned char sent[LOAD_MSG];
	lws_usec_t sent_at;
	uint32_t seq;
	size_t rx_len;		/* bytes of its echo so far */
	char rx_same;		/* ...and they are the bytes sent */
	char up;		/* counted in dash.established */
	char leaving;		/* counted in dash.closing */
};

/* A load client over the target leaves (the connected ones count, the leaving don't). */
static int
load_client_over_target(struct pss_echo *pss)
{
	if (pss->leaving)
		return 1;
	if (dash.established - dash.closing <= dash.target)
		return 0;
	pss->leaving = 1;
	dash.closing++;

	return 1;
}

static int
load_client_leave(struct lws *wsi)
{
	lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, (unsigned char *)"load stopped", 12);

	return -1;
}

/* Starts connects until the clients connected or on their way make the target. */
static void
load_connect(lws_sorted_usec_list_t *sul)
{
	struct lws_client_connect_info i;
	struct lws *w;
	int started = 0;

	(void)sul;
	while (dash.established - dash.closing + dash.pending < dash.target) {
		if (dash.run_failures > dash.target) {
			/* e.g. out of file descriptors: stay at what we have */
			lwsl_warn("dashboard: %d connects failed, the load stays at %d clients\n",
				  dash.run_failures, dash.established - dash.closing + dash.pending);
			dash.target = dash.established - dash.closing + dash.pending;
			return;
		}
		if (started++ == LOAD_BATCH) {
			lws_sul_schedule(dash.context, 0, &dash.sul_connect, load_connect,
					 LOAD_STEP_US);
			return;
		}
		memset(&i, 0, sizeof i);
		i.context = dash.context;
		i.vhost = dash.vhost;
		i.address = "127.0.0.1";
		i.port = lws_get_vhost_listen_port(dash.vhost);
		i.path = "/";
		i.host = "localhost";
		i.origin = "localhost";
		i.protocol = "lws-echo";
		/* a demo serving https (--cert) is loaded over wss, its certificate taken as is */
		if (dash.tls)
			i.ssl_connection = LCCSCF_USE_SSL | LCCSCF_ALLOW_SELFSIGNED |
					   LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK;

		dash.pending++;
		dash.in_connect = 1;
		dash.failed_inside = 0;
		w = lws_client_connect_via_info(&i);
		dash.in_connect = 0;
		if (!w || dash.failed_inside) {
			dash.pending--;
			dash.run_failures++;
			dash.errors++;
		}
	}
}

static int
callback_echo(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	      void *in, size_t len)
{
	struct pss_echo *pss = (struct pss_echo *)user;
	const struct frag *pf;
	struct frag f;
	lws_usec_t rtt;
	int n;

	switch (reason) {
	/* the server side: echo */

	case LWS_CALLBACK_ESTABLISHED:
		pss->queue = lws_ring_create(sizeof(struct frag), ECHO_QUEUE, destroy_frag);
		if (!pss->queue)
			return -1;
		dash.ws_conns++;
		break;

	case LWS_CALLBACK_CLOSED:
		lws_ring_destroy(pss->queue);
		pss->queue = NULL;
		dash.ws_conns--;
		break;

	case LWS_CALLBACK_RECEIVE:
		f.final = (char)lws_is_final_fragment(wsi);
		f.write_flags = lws_write_ws_flags(lws_frame_is_binary(wsi) ?
					LWS_WRITE_BINARY : LWS_WRITE_TEXT,
					lws_is_first_fragment(wsi), f.final);
		f.len = len;
		f.payload = malloc(LWS_PRE + len);
		if (!f.payload)
			return -1;
		memcpy(f.payload + LWS_PRE, in, len);
		if (!lws_ring_insert(pss->queue, &f, 1)) {
			lwsl_err("echo: input went on while paused, closing\n");
			destroy_frag(&f);
			return -1;
		}
		count_ws(len, f.final);
		if (lws_ring_get_count_free_elements(pss->queue) < ECHO_MARGIN) {
			lws_rx_flow_control(wsi, 0);
			pss->paused = 1;
		}
		lws_callback_on_writable(wsi);
		break;

	case LWS_CALLBACK_SERVER_WRITEABLE:
		pf = lws_ring_get_element(pss->queue, NULL);
		if (!pf)
			break;
		if (lws_write(wsi, pf->payload + LWS_PRE, pf->len,
			      (enum lws_write_protocol)pf->write_flags) < (int)pf->len) {
			lwsl_err("echo: write failed\n");
			return -1;
		}
		count_ws(pf->len, pf->final);
		lws_ring_consume(pss->queue, NULL, NULL, 1);
		if (pss->paused &&
		    lws_ring_get_count_free_elements(pss->queue) > ECHO_QUEUE / 2) {
			lws_rx_flow_control(wsi, 1);
			pss->paused = 0;
		}
		if (lws_ring_get_element(pss->queue, NULL))
			lws_callback_on_writable(wsi);
		break;

	/* the client side: the load */

	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (!dash.run_failures)	/* the first of a run; load_connect sums up */
			lwsl_warn("dashboard: a load client failed to connect: %s\n",
				  in ? (const char *)in : "(no reason)");
		if (dash.in_connect) {
			/* load_connect counts it when lws_client_connect_via_info returns */
			dash.failed_inside = 1;
			break;
		}
		if (dash.pending > 0)
			dash.pending--;
		dash.run_failures++;
		dash.errors++;
		break;

	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (dash.pending > 0)
			dash.pending--;
		dash.established++;
		pss->up = 1;
		if (load_client_over_target(pss))
			return load_client_leave(wsi);
		lws_callback_on_writable(wsi);
		break;

	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (load_client_over_target(pss))
			return load_client_leave(wsi);
		/* "load <seq> xxx...": the seq makes each message different from the last */
		n = lws_snprintf((char *)pss->buf + LWS_PRE, LOAD_MSG, "load %u ", ++pss->seq);
		memset(pss->buf + LWS_PRE + n, 'x', (size_t)(LOAD_MSG - n));
		memcpy(pss->sent, pss->buf + LWS_PRE, LOAD_MSG);
		pss->rx_len = 0;
		pss->rx_same = 1;
		pss->sent_at = lws_now_usecs();
		if (lws_write(wsi, pss->buf + LWS_PRE, LOAD_MSG, LWS_WRITE_TEXT) < LOAD_MSG) {
			lwsl_err("dashboard: load write failed\n");
			return -1;
		}
		break;

	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (pss->rx_len + len > LOAD_MSG ||
		    memcmp(pss->sent + pss->rx_len, in, len))
			pss->rx_same = 0;
		else
			pss->rx_len += len;
		if (!lws_is_final_fragment(wsi))
			break;
		rtt = lws_now_usecs() - pss->sent_at;
		dash.rtt.count[hist_index(rtt < 0 ? 0 : rtt > 0xffffffff ? 0xffffffff :
					  (uint32_t)rtt)]++;
		dash.rtt.n++;
		dash.round_trips++;
		if (!pss->rx_same || pss->rx_len != LOAD_MSG)
			dash.errors++;
		if (load_client_over_target(pss))
			return load_client_leave(wsi);
		lws_callback_on_writable(wsi);
		break;

	case LWS_CALLBACK_CLIENT_CLOSED:
		if (pss && pss->up) {
			pss->up = 0;
			dash.established--;
			if (pss->leaving)
				dash.closing--;
		}
		break;

	default:
		break;
	}

	return 0;
}

struct pss_dash {
	unsigned int sent;	/* the snapshot this page got last */
};

struct vhd_dash {
	struct lws_vhost *vhost;
	const struct lws_protocols *protocol;
	lws_sorted_usec_list_t sul;	/* the once-a-second snapshot */
	lws_usec_t start, last;
	uint64_t last_msgs, last_bytes, last_round_trips;
	unsigned int seq;		/* of the snapshot in json */
	unsigned char json[LWS_PRE + 512];
	int json_len;
};

static uint64_t
per_second(uint64_t delta, lws_usec_t us)
{
	return us > 0 ? (uint64_t)((double)delta * LWS_US_PER_SEC / (double)us + 0.5) : 0;
}

/* Takes this second's numbers into vhd->json and starts the next second. */
static void
dash_snapshot(struct vhd_dash *vhd)
{
	char *j = (char *)vhd->json + LWS_PRE, p50[24], p99[24], p999[24];
	size_t size = sizeof(vhd->json) - LWS_PRE;
	lws_usec_t now = lws_now_usecs(), span = vhd->last ? now - vhd->last : 0;

	if (dash.rtt.n) {
		lws_snprintf(p50, sizeof p50, "%llu",
			     (unsigned long long)hist_percentile(&dash.rtt, 500));
		lws_snprintf(p99, sizeof p99, "%llu",
			     (unsigned long long)hist_percentile(&dash.rtt, 990));
		lws_snprintf(p999, sizeof p999, "%llu",
			     (unsigned long long)hist_percentile(&dash.rtt, 999));
	} else {
		strcpy(p50, "null");
		strcpy(p99, "null");
		strcpy(p999, "null");
	}

	vhd->json_len = lws_snprintf(j, size,
		"{\"uptime_s\":%llu,\"connections\":%d,"
		"\"load_target\":%d,\"load_clients\":%d,\"load_connecting\":%d,"
		"\"load_errors\":%llu,\"msgs_per_s\":%llu,\"bytes_per_s\":%llu,"
		"\"round_trips_per_s\":%llu,\"rtt_samples\":%u,\"rtt_p50_us\":%s,"
		"\"rtt_p99_us\":%s,\"rtt_p999_us\":%s,\"rss_bytes\":%llu}",
		(unsigned long long)((now - vhd->start) / LWS_US_PER_SEC), dash.ws_conns,
		dash.target, dash.established - dash.closing, dash.pending,
		(unsigned long long)dash.errors,
		(unsigned long long)per_second(dash.msgs - vhd->last_msgs, span),
		(unsigned long long)per_second(dash.bytes - vhd->last_bytes, span),
		(unsigned long long)per_second(dash.round_trips - vhd->last_round_trips, span),
		dash.rtt.n, p50, p99, p999, rss_bytes());

	vhd->last = now;
	vhd->last_msgs = dash.msgs;
	vhd->last_bytes = dash.bytes;
	vhd->last_round_trips = dash.round_trips;
	memset(&dash.rtt, 0, sizeof dash.rtt);
	vhd->seq++;
}

static void
dash_tick(lws_sorted_usec_list_t *sul)
{
	struct vhd_dash *vhd = lws_container_of(sul, struct vhd_dash, sul);

	dash_snapshot(vhd);
	lws_callback_on_writable_all_protocol_vhost(vhd->vhost, vhd->protocol);
	lws_sul_schedule(dash.context, 0, &vhd->sul, dash_tick, LWS_US_PER_SEC);
}

static int
callback_dashboard(struct lws *wsi, enum lws_callback_reasons reason, void *user,
		   void *in, size_t len)
{
	struct pss_dash *pss = (struct pss_dash *)user;
	struct vhd_dash *vhd = (struct vhd_dash *)lws_protocol_vh_priv_get(
					lws_get_vhost(wsi), lws_get_protocol(wsi));
	char cmd[32];
	long v;

	switch (reason) {
	case LWS_CALLBACK_PROTOCOL_INIT:
		vhd = lws_protocol_vh_priv_zalloc(lws_get_vhost(wsi), lws_get_protocol(wsi),
						  sizeof(struct vhd_dash));
		if (!vhd)
			return -1;
		vhd->vhost = lws_get_vhost(wsi);
		vhd->protocol = lws_get_protocol(wsi);
		dash.context = lws_get_context(wsi);
		dash.vhost = vhd->vhost;
		vhd->start = lws_now_usecs();
		dash_snapshot(vhd);	/* something to show a page that comes at once */
		lws_sul_schedule(dash.context, 0, &vhd->sul, dash_tick, LWS_US_PER_SEC);
		break;

	case LWS_CALLBACK_PROTOCOL_DESTROY:
		if (vhd)
			lws_sul_cancel(&vhd->sul);
		lws_sul_cancel(&dash.sul_connect);
		break;

	case LWS_CALLBACK_ESTABLISHED:
		dash.ws_conns++;
		lws_callback_on_writable(wsi);
		break;

	case LWS_CALLBACK_CLOSED:
		dash.ws_conns--;
		break;

	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (pss->sent == vhd->seq)
			break;
		if (lws_write(wsi, vhd->json + LWS_PRE, (size_t)vhd->json_len,
			      LWS_WRITE_TEXT) < vhd->json_len) {
			lwsl_err("dashboard: write failed\n");
			return -1;
		}
		count_ws((size_t)vhd->json_len, 1);
		pss->sent = vhd->seq;
		break;

	case LWS_CALLBACK_RECEIVE:
		count_ws(len, lws_is_final_fragment(wsi));
		/* "load N": N load clients (0 stops the load); anything else is ignored */
		if (!lws_is_first_fragment(wsi) || !lws_is_final_fragment(wsi) ||
		    len >= sizeof cmd)
			break;
		memcpy(cmd, in, len);
		cmd[len] = '\0';
		if (strncmp(cmd, "load ", 5) || cmd[5] < '0' || cmd[5] > '9') {
			lwsl_warn("dashboard: unknown command '%s'\n", cmd);
			break;
		}
		v = strtol(cmd + 5, NULL, 10);
		dash.target = v > LOAD_MAX ? LOAD_MAX : (int)v;
		dash.run_failures = 0;
		lwsl_user("dashboard: load %d\n", dash.target);
		/* the connects start from the loop, not inside this callback */
		lws_sul_schedule(dash.context, 0, &dash.sul_connect, load_connect, 1);
		break;

	default:
		break;
	}

	return 0;
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

/*
 * A page is leaving.  When it was the furthest behind, the ring's oldest tail is its
 * tail and nothing else would ever move it: its unsent lines would stay in the ring and
 * the ring would fill.  Its tail goes up to the next slowest page's (to the head when
 * none is left), which frees the lines only it still needed.
 */
static void
leave_ring(struct vhd_demo *vhd, struct pss_demo *pss)
{
	uint32_t behind, most = 0, w;

	if (pss->tail != lws_ring_get_oldest_tail(vhd->ring))
		return;
	behind = (uint32_t)lws_ring_get_count_waiting_elements(vhd->ring, &pss->tail);
	lws_start_foreach_ll(struct pss_demo *, p, vhd->pss_list) {
		w = (uint32_t)lws_ring_get_count_waiting_elements(vhd->ring, &p->tail);
		if (w > most)
			most = w;
	} lws_end_foreach_ll(p, pss_list);
	lws_ring_consume_and_update_oldest_tail(vhd->ring, struct pss_demo, &pss->tail,
			behind - most, vhd->pss_list, tail, pss_list);
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
		dash.ws_conns++;
		/* over https a browser may carry the WebSocket on an HTTP/2 stream (RFC 8441) */
		if (lws_get_network_wsi(wsi) != wsi) {
			printf("demo: a page joined over an h2 stream\n");
			fflush(stdout);
		}
		lws_ll_fwd_insert(pss, pss_list, vhd->pss_list);
		pss->tail = lws_ring_get_oldest_tail(vhd->ring);
		pss->wsi = wsi;
		/* a new page sees the counter at once, not a second later */
		pss->counter_pending = 1;
		lws_callback_on_writable(wsi);
		break;

	case LWS_CALLBACK_CLOSED:
		dash.ws_conns--;
		lws_ll_fwd_remove(struct pss_demo, pss_list, pss, vhd->pss_list);
		leave_ring(vhd, pss);
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
			count_ws(pmsg->len, 1);
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
			count_ws((size_t)n, 1);
			pss->counter_pending = 0;
		}
		/* more waiting for this page? */
		if (lws_ring_get_element(vhd->ring, &pss->tail) || pss->counter_pending)
			lws_callback_on_writable(wsi);
		break;

	case LWS_CALLBACK_RECEIVE:
		count_ws(len, lws_is_final_fragment(wsi));
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
	{ "lws-dashboard", callback_dashboard, sizeof(struct pss_dash), 128, 0, NULL, 0 },
	{ "lws-echo", callback_echo, sizeof(struct pss_echo), ECHO_CHUNK, 0, NULL, 0 },
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
	struct rlimit rl;
	char www[1024];
	const char *p;
	int n;

	signal(SIGINT, sigint_handler);
	signal(SIGTERM, sigint_handler);

	/* the load's clients and their server ends need two descriptors each: raise a
	 * soft limit of 1024 (lws sizes its tables from it at context creation) */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < 3 * LOAD_MAX &&
	    rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max < 3 * LOAD_MAX ? rl.rlim_max : 3 * LOAD_MAX;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
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
#if defined(LWS_WITH_TLS)
	/* --cert FILE --key FILE: https:// and wss:// (ALPN offers h2, as lws's default) */
	if ((p = lws_cmdline_option(argc, argv, "--cert"))) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = p;
		info.ssl_private_key_filepath = lws_cmdline_option(argc, argv, "--key");
		dash.tls = 1;
	}
#endif

	context = lws_create_context(&info);
	if (!context) {
		lwsl_err("lws init failed\n");
		return 1;
	}
	printf("demo: open %s://localhost:%d\n", info.ssl_cert_filepath ? "https" : "http",
	       lws_get_vhost_listen_port(lws_get_vhost_by_name(context, "default")));
	fflush(stdout);

	while (!interrupted)
		if (lws_service(context, 0) < 0)
			break;

	lws_context_destroy(context);
	printf("demo: bye\n");

	return 0;
}
