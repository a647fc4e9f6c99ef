/*
 * browser_h2: an https server for headless Chromium (browser_h2.py): the files of WWWDIR
 * from a mount, and the ws protocol "echo", on one TLS vhost with lws's default ALPN
 * ("h2,http/1.1"), so a browser speaks HTTP/2 to it and may carry its WebSocket on an
 * h2 stream (RFC 8441).
 *
 *   browser_h2 WWWDIR CERT KEY
 *
 * stdout: "listening on port N", then per WebSocket "echo: ESTABLISHED on an h2 stream"
 * (or "on its own connection"), how many messages it echoed, and "echo: CLOSED".
 */
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile int interrupted;

static void
on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct pss {
	unsigned char *buf;	/* LWS_PRE + the message waiting to go back */
	size_t len, alloc;
	int pending, binary, count;
};

static int
echo_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct pss *pss = (struct pss *)user;
	unsigned char *nb;

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		printf("echo: ESTABLISHED on %s\n",
		       lws_get_network_wsi(wsi) != wsi ? "an h2 stream" : "its own connection");
		break;

	case LWS_CALLBACK_RECEIVE:
		if (pss->pending)	/* one message at a time: the page waits for each echo */
			return -1;
		if (lws_is_first_fragment(wsi))
			pss->len = 0;
		if (LWS_PRE + pss->len + len > pss->alloc) {
			nb = realloc(pss->buf, LWS_PRE + pss->len + len);
			if (!nb)
				return -1;
			pss->buf = nb;
			pss->alloc = LWS_PRE + pss->len + len;
		}
		memcpy(pss->buf + LWS_PRE + pss->len, in, len);
		pss->len += len;
		if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
			pss->binary = lws_frame_is_binary(wsi);
			pss->pending = 1;
			lws_callback_on_writable(wsi);
		}
		break;

	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (!pss->pending)
			break;
		if (lws_write(wsi, pss->buf + LWS_PRE, pss->len,
			      pss->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT) < (int)pss->len)
			return -1;
		pss->pending = 0;
		pss->count++;
		break;

	case LWS_CALLBACK_CLOSED:
		printf("echo: %d messages echoed\n", pss->count);
		printf("echo: CLOSED\n");
		free(pss->buf);
		pss->buf = NULL;
		break;

	default:
		break;
	}
	return 0;
}

static struct lws_protocols protocols[] = {
	{ "http", lws_callback_http_dummy, 0, 0, 0, NULL, 0 },
	{ "echo", echo_cb, sizeof(struct pss), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_http_mount mount;
	struct lws_context *context;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 4) {
		fprintf(stderr, "usage: browser_h2 WWWDIR CERT KEY\n");
		return 2;
	}
	signal(SIGINT, on_sigint);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	memset(&mount, 0, sizeof(mount));
	mount.mountpoint = "/";
	mount.mountpoint_len = 1;
	mount.origin = argv[1];
	mount.def = "index.html";
	mount.origin_protocol = LWSMPRO_FILE;

	memset(&info, 0, sizeof(info));
	info.port = 0;
	info.protocols = protocols;
	info.mounts = &mount;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_DISABLE_IPV6;
	info.ssl_cert_filepath = argv[2];
	info.ssl_private_key_filepath = argv[3];

	context = lws_create_context(&info);
	if (!context)
		return 1;
	printf("listening on port %d\n",
	       lws_get_vhost_listen_port(lws_get_vhost_by_name(context, "default")));

	while (!interrupted)
		if (lws_service(context, 0) < 0)
			break;

	lws_context_destroy(context);
	printf("bye\n");
	return 0;
}
