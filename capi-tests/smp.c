/* Several service threads, the way lws's SMP examples run them: count_threads from
 * `-t` (default 4), lws_get_count_threads() threads each looping on
 * lws_service_tsi(context, .., tsi).  A worker's lws_cancel_service() must reach every
 * thread (EVENT_WAIT_CANCELLED on each); then 24 ws clients, from a second context the
 * main thread serves, each echo 10 messages through the server.  Checked: the
 * connections are spread over all the threads (lws_get_tsi), callbacks come from all
 * of them, never two at once (a plain counter, which ThreadSanitizer watches in
 * smp_tsan), every echo comes back, and lws_context_destroy from another thread while
 * they serve stops every thread (lws_service_tsi returns -1) before the context goes.  The header's LWS_MAX_SMP is 1, so the program has no locks of its own
 * around its callbacks' data: the library runs them one at a time. */
/* lws-diff: ours-only: lws built with LWS_MAX_SMP 1 (its default, and Debian's 4.1.6) cuts count_threads to 1 */
#include <libwebsockets.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CLIENTS 24
#define MESSAGES 10
#define MAX_THREADS 8

static struct lws_context *srv;
static int interrupted; /* set by main, read by the service threads */

/* Server side: touched only from callbacks, with no lock of the program's own. */
static int depth, overlaps, established, echoed_srv;
static pthread_t cb_threads[MAX_THREADS + 1];
static int n_cb_threads;
static int tsi_seen[MAX_THREADS];

/* What main waits on while the server threads run: behind a real mutex. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t cancel_threads[MAX_THREADS];
static int n_cancel_threads, n_service_threads;

struct srv_sess {
	unsigned char buf[LWS_PRE + 64];
	size_t len;
};

static void
note_thread(void)
{
	pthread_t me = pthread_self();
	int i;

	for (i = 0; i < n_cb_threads; i++)
		if (pthread_equal(cb_threads[i], me))
			return;
	if (n_cb_threads < MAX_THREADS + 1)
		cb_threads[n_cb_threads++] = me;
}

static int
srv_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
       size_t len)
{
	struct srv_sess *s = (struct srv_sess *)user;
	int r = 0, i;

	if (depth++)
		overlaps++;
	/* (creation announces the listener through protocols[0] on the main thread) */
	if (reason == LWS_CALLBACK_RECEIVE || reason == LWS_CALLBACK_SERVER_WRITEABLE ||
	    reason == LWS_CALLBACK_EVENT_WAIT_CANCELLED)
		note_thread();

	switch (reason) {
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		pthread_mutex_lock(&lock);
		for (i = 0; i < n_cancel_threads; i++)
			if (pthread_equal(cancel_threads[i], pthread_self()))
				break;
		if (i == n_cancel_threads && n_cancel_threads < MAX_THREADS)
			cancel_threads[n_cancel_threads++] = pthread_self();
		pthread_mutex_unlock(&lock);
		break;
	case LWS_CALLBACK_ESTABLISHED:
		established++;
		i = lws_get_tsi(wsi);
		if (lws_wsi_tsi(wsi) != i)
			overlaps += 1000; /* the two names must agree */
		if (i >= 0 && i < MAX_THREADS)
			tsi_seen[i]++;
		break;
	case LWS_CALLBACK_RECEIVE:
		if (len > sizeof(s->buf) - LWS_PRE || s->len) {
			r = -1;
			break;
		}
		memcpy(s->buf + LWS_PRE, in, len);
		s->len = len;
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (!s->len)
			break;
		if (lws_write(wsi, s->buf + LWS_PRE, s->len, LWS_WRITE_TEXT) < (int)s->len) {
			r = -1;
			break;
		}
		s->len = 0;
		echoed_srv++;
		break;
	default:
		break;
	}

	depth--;
	return r;
}

static const struct lws_protocols srv_protocols[] = {
	{ "smp-echo", srv_cb, sizeof(struct srv_sess), 128, 0, NULL, 0 },
	LWS_PROTOCOL_LIST_TERM
};

/* Client side: the main thread's context. */
static int cl_done, cl_failed, cl_echoes;

struct cl_sess {
	int sent, got;
};

static int
cl_send(struct lws *wsi, struct cl_sess *c)
{
	unsigned char buf[LWS_PRE + 32];
	int n = lws_snprintf((char *)buf + LWS_PRE, 32, "msg %d", c->sent);

	if (lws_write(wsi, buf + LWS_PRE, (size_t)n, LWS_WRITE_TEXT) < n)
		return -1;
	c->sent++;
	return 0;
}

static int
cl_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
      size_t len)
{
	struct cl_sess *c = (struct cl_sess *)user;
	char want[32];

	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		return cl_send(wsi, c);
	case LWS_CALLBACK_CLIENT_RECEIVE:
		lws_snprintf(want, sizeof want, "msg %d", c->got);
		if (len != strlen(want) || memcmp(in, want, len)) {
			cl_failed++;
			return -1;
		}
		c->got++;
		cl_echoes++;
		if (c->got == MESSAGES) {
			cl_done++;
			return -1;
		}
		return cl_send(wsi, c);
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		cl_failed++;
		fprintf(stderr, "client error: %s\n", in ? (const char *)in : "-");
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols cl_protocols[] = {
	{ "smp-echo", cl_cb, sizeof(struct cl_sess), 128, 0, NULL, 0 },
	LWS_PROTOCOL_LIST_TERM
};

static void *
service_thread(void *arg)
{
	int tsi = (int)(intptr_t)arg;

	pthread_mutex_lock(&lock);
	n_service_threads++;
	pthread_mutex_unlock(&lock);
	while (lws_service_tsi(srv, 1000, tsi) >= 0 &&
	       !__atomic_load_n(&interrupted, __ATOMIC_ACQUIRE))
		;
	return NULL;
}

static int
cancels_seen(void)
{
	int n;

	pthread_mutex_lock(&lock);
	n = n_cancel_threads;
	pthread_mutex_unlock(&lock);
	return n;
}

int
main(int argc, const char **argv)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	struct lws_context *cl;
	pthread_t threads[MAX_THREADS];
	const char *p;
	int n, count, port, i, spread = 0, t;

	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	memset(&info, 0, sizeof info);
	info.port = 0;
	info.protocols = srv_protocols;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	info.count_threads = 4;
	if ((p = lws_cmdline_option(argc, argv, "-t")))
		info.count_threads = (unsigned int)atoi(p);
	srv = lws_create_context(&info);
	if (!srv) {
		printf("server context failed\n");
		return 1;
	}
	count = lws_get_count_threads(srv);
	printf("service threads: %d\n", count);
	if (count < 1 || count > MAX_THREADS)
		return 1;
	port = lws_get_vhost_listen_port(lws_get_vhost_by_name(srv, "default"));

	for (n = 0; n < count; n++)
		if (pthread_create(&threads[n], NULL, service_thread, (void *)(intptr_t)n))
			return 1;

	/* every thread is serving once a cancel reaches each of them */
	for (i = 0; i < 200 && cancels_seen() < count; i++) {
		lws_cancel_service(srv);
		usleep(20000);
	}
	printf("cancel reached %d threads\n", cancels_seen());

	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = cl_protocols;
	cl = lws_create_context(&info);
	if (!cl)
		return 1;
	for (n = 0; n < CLIENTS; n++) {
		memset(&ci, 0, sizeof ci);
		ci.context = cl;
		ci.address = "127.0.0.1";
		ci.port = port;
		ci.path = "/";
		ci.host = "127.0.0.1";
		ci.origin = "127.0.0.1";
		ci.protocol = "smp-echo";
		if (!lws_client_connect_via_info(&ci))
			cl_failed++;
	}
	for (i = 0; i < 2000 && cl_done + cl_failed < CLIENTS; i++)
		lws_service(cl, 0);
	lws_context_destroy(cl);
	printf("clients done %d, failed %d, echoes %d\n", cl_done, cl_failed, cl_echoes);

	/* as lws's eventlib SMP example stops: lws_context_destroy while the threads serve
	 * (from its signal handler there); each lws_service_tsi then returns -1, and the
	 * call after joining them destroys */
	lws_context_destroy(srv);
	for (n = 0; n < count; n++)
		pthread_join(threads[n], NULL);
	printf("service threads stopped: %d\n", n_service_threads);

	for (t = 0; t < MAX_THREADS; t++)
		if (tsi_seen[t])
			spread++;
	printf("connections %d, on %d service threads\n", established, spread);
	printf("server echoes %d\n", echoed_srv);
	printf("service callbacks from %d threads, overlapping %d\n", n_cb_threads, overlaps);
	lws_context_destroy(srv);
	__atomic_store_n(&interrupted, 1, __ATOMIC_RELEASE);

	return !(cl_done == CLIENTS && spread == count && overlaps == 0 &&
		 n_cb_threads >= count && echoed_srv == CLIENTS * MESSAGES);
}
