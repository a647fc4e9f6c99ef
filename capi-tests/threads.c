/* A second thread wakes the service loop: lws_cancel_service() (and
 * lws_cancel_service_pt() on a connection) from another thread makes the loop send
 * LWS_CALLBACK_EVENT_WAIT_CANCELLED to every protocol, the usual way a worker thread
 * hands results to lws (it queues them, cancels, and the service thread writes them in
 * its WRITEABLE callback).  Here the worker produces three messages for a ws client
 * connected to the same context, one per wake-up. */
#include <libwebsockets.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 3

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char queued[64];
static int produced, consumed, received, done, slow;
static struct lws *server_conn;
static struct lws_context *cx;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *worker(void *arg)
{
	int n;

	(void)arg;
	for (n = 1; n <= ROUNDS; n++) {
		double t0;

		/* wait until the service thread took the previous one */
		while (1) {
			int c, r;

			pthread_mutex_lock(&lock);
			c = consumed;
			r = received;
			pthread_mutex_unlock(&lock);
			if (c == n - 1 && r == n - 1)
				break;
			usleep(10000);
		}
		pthread_mutex_lock(&lock);
		lws_snprintf(queued, sizeof queued, "from the worker: %d", n);
		produced = n;
		pthread_mutex_unlock(&lock);
		t0 = now();
		/* the last one through the per-connection form */
		if (n == ROUNDS)
			lws_cancel_service_pt(server_conn);
		else
			lws_cancel_service(cx);
		while (1) {
			int c;

			pthread_mutex_lock(&lock);
			c = consumed;
			pthread_mutex_unlock(&lock);
			if (c == n)
				break;
			if (now() - t0 > 5) {
				slow++;
				break;
			}
			usleep(1000);
		}
	}
	return NULL;
}

struct pss {
	unsigned char buf[LWS_PRE + 64];
	size_t len;
};

static int cb_ws(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		 size_t len)
{
	struct pss *pss = (struct pss *)user;
	int n;

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		server_conn = wsi;
		break;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		/* every protocol gets it, on a wsi of no connection: hand the work to
		 * the connection that can write it */
		pthread_mutex_lock(&lock);
		n = produced > consumed;
		pthread_mutex_unlock(&lock);
		if (n && server_conn)
			lws_callback_on_writable(server_conn);
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		pthread_mutex_lock(&lock);
		if (produced == consumed) {
			pthread_mutex_unlock(&lock);
			break;
		}
		pss->len = strlen(queued);
		memcpy(pss->buf + LWS_PRE, queued, pss->len);
		consumed = produced;
		pthread_mutex_unlock(&lock);
		if (lws_write(wsi, pss->buf + LWS_PRE, pss->len, LWS_WRITE_TEXT) < (int)pss->len)
			return -1;
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		printf("client: '%.*s'\n", (int)len, (const char *)in);
		pthread_mutex_lock(&lock);
		n = ++received;
		pthread_mutex_unlock(&lock);
		if (n == ROUNDS) {
			done = 1;
			return -1;
		}
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf("client: CONNECTION_ERROR\n");
		done = 1;
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "http", lws_callback_http_dummy, 0, 0, 0, NULL, 0 },
	{ "work", cb_ws, sizeof(struct pss), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

int main(void)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	struct lws_context *two;
	pthread_t t;
	int n = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.count_threads = 2;
	two = lws_create_context(&info);
	printf("count_threads 2: %s\n", two ? "created" : "refused");
	if (two)
		lws_context_destroy(two);

	memset(&info, 0, sizeof info);
	info.port = 0;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	cx = lws_create_context(&info);
	if (!cx)
		return 1;

	memset(&ci, 0, sizeof ci);
	ci.context = cx;
	ci.address = "127.0.0.1";
	ci.port = lws_get_vhost_listen_port(lws_get_vhost_by_name(cx, "default"));
	ci.path = "/";
	ci.host = ci.address;
	ci.origin = ci.address;
	ci.protocol = "work";
	if (!lws_client_connect_via_info(&ci))
		return 1;
	while (!server_conn && n++ < 200)
		lws_service(cx, 0);
	if (!server_conn) {
		printf("no connection\n");
		return 1;
	}

	if (pthread_create(&t, NULL, worker, NULL))
		return 1;
	n = 0;
	while (!done && n++ < 1000)
		lws_service(cx, 0);
	pthread_join(t, NULL);
	printf("rounds: %d, each woke the loop within 5 s: %s\n", received,
	       slow ? "no" : "yes");
	lws_context_destroy(cx);
	return 0;
}
