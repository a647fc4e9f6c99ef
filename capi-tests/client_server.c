/*
 * client_server: one context that is both server and client: a listening vhost with an
 * echo protocol, and 20 clients on the same context connecting to it at once.  Each
 * client sends a text message, a ping and a binary message, checks the echoes and the
 * pong, then closes with a reason the server sees.
 */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>

#define CLIENTS 20

struct cpss {
	int id, step, got_text, got_bin, got_pong, closing;
};

static int established, closed_ok, server_closes, errors, done_clients;

static int
cb_echo(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	unsigned char buf[LWS_PRE + 128];

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_RECEIVE:
		if (len > 100)
			return -1;
		memcpy(buf + LWS_PRE, in, len);
		if (lws_write(wsi, buf + LWS_PRE, len, lws_frame_is_binary(wsi) ?
			      LWS_WRITE_BINARY : LWS_WRITE_TEXT) != (int)len)
			return -1;
		break;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (len >= 2 && (((unsigned char *)in)[0] << 8 | ((unsigned char *)in)[1]) == 4321)
			server_closes++;
		break;
	default:
		break;
	}
	return 0;
}

static int
cb_client(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct cpss *p = (struct cpss *)user;
	unsigned char buf[LWS_PRE + 64];
	int n;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		established++;
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (p->closing)
			break;	/* lws may call it once more while closing */
		switch (p->step++) {
		case 0:
			n = lws_snprintf((char *)buf + LWS_PRE, 64, "text %d", p->id);
			lws_write(wsi, buf + LWS_PRE, (size_t)n, LWS_WRITE_TEXT);
			break;
		case 1:
			memcpy(buf + LWS_PRE, "pp", 2);
			lws_write(wsi, buf + LWS_PRE, 2, LWS_WRITE_PING);
			break;
		case 2:
			memset(buf + LWS_PRE, p->id, 5);
			lws_write(wsi, buf + LWS_PRE, 5, LWS_WRITE_BINARY);
			break;
		default:
			break;
		}
		if (p->step < 3)
			lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (lws_frame_is_binary(wsi)) {
			p->got_bin = len == 5 && ((unsigned char *)in)[0] == p->id;
		} else {
			char want[32];
			n = lws_snprintf(want, sizeof(want), "text %d", p->id);
			p->got_text = (int)len == n && !memcmp(in, want, len);
		}
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
		p->got_pong = len == 2 && !memcmp(in, "pp", 2);
		break;
	default:
		break;
	}
	if (p && !p->closing && p->got_text && p->got_bin && p->got_pong && p->step >= 3) {
		p->closing = 1;
		lws_close_reason(wsi, (enum lws_close_status)4321, (unsigned char *)"bye", 3);
		return -1;
	}
	if (reason == LWS_CALLBACK_CLIENT_CLOSED) {
		closed_ok += p->closing;
		done_clients++;
	}
	if (reason == LWS_CALLBACK_CLIENT_CONNECTION_ERROR) {
		errors++;
		done_clients++;
	}
	return 0;
}

static struct lws_protocols protocols[] = {
	{ "echo", cb_echo, 0, 0, 0, NULL, 0 },
	{ "cli", cb_client, sizeof(struct cpss), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

int
main(void)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	struct cpss ids[CLIENTS];
	struct lws_context *cx;
	int port, i, loops = 0;

	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof info);
	info.port = 0;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	cx = lws_create_context(&info);
	if (!cx) {
		printf("FAIL: context\n");
		return 1;
	}
	port = lws_get_vhost_listen_port(lws_get_vhost_by_name(cx, "default"));

	for (i = 0; i < CLIENTS; i++) {
		memset(&ids[i], 0, sizeof(ids[i]));
		ids[i].id = i + 1;
		memset(&ci, 0, sizeof ci);
		ci.context = cx;
		ci.address = "127.0.0.1";
		ci.port = port;
		ci.path = "/";
		ci.host = "localhost";
		ci.protocol = "echo";
		ci.local_protocol_name = "cli";
		ci.userdata = &ids[i];
		if (!lws_client_connect_via_info(&ci)) {
			printf("FAIL: connect %d\n", i);
			return 1;
		}
	}
	while (done_clients < CLIENTS && loops++ < 20000)
		lws_service(cx, 0);

	printf("clients established: %d of %d\n", established, CLIENTS);
	printf("clients that got echo, binary echo and pong, then closed: %d\n", closed_ok);
	printf("closes with code 4321 seen by the server: %d\n", server_closes);
	printf("connection errors: %d\n", errors);
	lws_context_destroy(cx);

	return established == CLIENTS && closed_ok == CLIENTS && server_closes == CLIENTS &&
	       !errors ? 0 : 1;
}
