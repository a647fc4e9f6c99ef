/* Calls from other threads while the loop serves, built with ThreadSanitizer: 8 threads
 * hammer lws_cancel_service, lws_cancel_service_pt and lws_callback_on_writable on a ws
 * server connection and on the client connected to it, while the main thread runs
 * lws_service and the two write to each other from their WRITEABLE callbacks.  Then
 * another thread kills the server connection with lws_set_timeout(LWS_TO_KILL_ASYNC).
 * lws allows only the cancel calls from other threads; taking lws_callback_on_writable
 * and lws_set_timeout from any thread is this library's extension.
 *
 * TSan sees the program's side (and every libc/pthread call the library makes); a
 * report makes the process exit with 66, failing the test.  The library itself is not
 * instrumented (Rust on stable cannot be). */
/* capi-libs: -fsanitize=thread -g */
/* lws-diff: ours-only: lws does not allow lws_callback_on_writable or lws_set_timeout from other threads */
#include <libwebsockets.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 8
#define ROUNDS 2000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int hammers_done, cancels, server_writeables, client_writeables, received;
static int server_closed, client_closed, errors;
static struct lws *server_conn, *client_conn;
static struct lws_context *cx;

static void *hammer(void *arg)
{
	int n, refused = 0;

	(void)arg;
	for (n = 0; n < ROUNDS; n++) {
		switch (n & 3) {
		case 0:
			lws_cancel_service(cx);
			break;
		case 1:
			lws_cancel_service_pt(server_conn);
			break;
		case 2:
			if (lws_callback_on_writable(server_conn) != 1)
				refused++;
			break;
		default:
			lws_callback_on_writable(client_conn);
			break;
		}
	}
	pthread_mutex_lock(&lock);
	hammers_done++;
	errors += refused;
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void *killer(void *arg)
{
	(void)arg;
	lws_set_timeout(server_conn, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	return NULL;
}

static int cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
	      size_t len)
{
	unsigned char buf[LWS_PRE + 8];

	(void)user;
	(void)in;
	switch (reason) {
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		cancels++;
		break;
	case LWS_CALLBACK_ESTABLISHED:
		server_conn = wsi;
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		client_conn = wsi;
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (reason == LWS_CALLBACK_SERVER_WRITEABLE)
			server_writeables++;
		else
			client_writeables++;
		memcpy(buf + LWS_PRE, "w", 1);
		if (lws_write(wsi, buf + LWS_PRE, 1, LWS_WRITE_TEXT) != 1)
			return -1;
		break;
	case LWS_CALLBACK_RECEIVE:
	case LWS_CALLBACK_CLIENT_RECEIVE:
		received += (int)len;
		break;
	case LWS_CALLBACK_CLOSED:
		server_closed = 1;
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		client_closed = 1;
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf("client: CONNECTION_ERROR %s\n", in ? (const char *)in : "");
		client_closed = server_closed = 1;
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "http", lws_callback_http_dummy, 0, 0, 0, NULL, 0 },
	{ "hammer", cb, 0, 0, 0, NULL, 0 },
	LWS_PROTOCOL_LIST_TERM
};

int main(void)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	pthread_t th[THREADS], k;
	int n, done = 0, turns = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
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
	ci.protocol = "hammer";
	if (!lws_client_connect_via_info(&ci))
		return 1;
	while ((!server_conn || !client_conn) && !client_closed && turns++ < 500)
		lws_service(cx, 0);
	if (!server_conn || !client_conn) {
		printf("not connected\n");
		return 1;
	}

	/* the connections exist before the threads start (pthread_create orders it) */
	for (n = 0; n < THREADS; n++)
		if (pthread_create(&th[n], NULL, hammer, NULL))
			return 1;
	turns = 0;
	while (done < THREADS && turns++ < 200000) {
		lws_service(cx, 0);
		pthread_mutex_lock(&lock);
		done = hammers_done;
		pthread_mutex_unlock(&lock);
	}
	for (n = 0; n < THREADS; n++)
		pthread_join(th[n], NULL);
	/* what the last calls asked for */
	for (n = 0; n < 20; n++)
		lws_service(cx, -1);
	printf("%d threads x %d calls done: %s\n", THREADS, ROUNDS, done == THREADS ? "yes" : "no");
	printf("EVENT_WAIT_CANCELLED: %s\n", cancels ? "some" : "none");
	printf("server WRITEABLE: %s, client WRITEABLE: %s, data both ways: %s\n",
	       server_writeables ? "some" : "none", client_writeables ? "some" : "none",
	       received ? "yes" : "no");
	printf("lws_callback_on_writable from the threads returned 1: %s\n",
	       errors ? "not always" : "always");

	if (pthread_create(&k, NULL, killer, NULL))
		return 1;
	pthread_join(k, NULL);
	turns = 0;
	while ((!server_closed || !client_closed) && turns++ < 1000)
		lws_service(cx, 10);
	printf("killed from another thread: server closed %s, client closed %s\n",
	       server_closed ? "yes" : "no", client_closed ? "yes" : "no");
	lws_context_destroy(cx);
	return 0;
}
