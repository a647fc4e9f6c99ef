/*
 * ipv6: one context with two explicit vhosts, one listening on the IPv6 loopback
 * (iface "::1") and one on IPv4 only.  A client on the same context dials each by its
 * own family and echoes a message, the server printing the peer it saw; then each is
 * dialled by the other family, which must be refused: the ::1 vhost has no IPv4 socket,
 * and the IPv4 vhost no IPv6 one (lws 4.3's default build listens on one AF_INET socket;
 * Debian's 4.1.6 listens dual-stack unless told LWS_SERVER_OPTION_DISABLE_IPV6, which the
 * IPv4 vhost sets so both libraries are asked the same thing).  The clients are bound to
 * the ::1 vhost: lws 4.1.6 will not dial IPv6 from a vhost with IPv6 disabled.
 *
 * It needs the kernel's IPv6 loopback and fails, saying so, where ::1 cannot be bound.
 */
#include <libwebsockets.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { PENDING, ECHOED, FAILED };

static int done, outcome;
static char server_saw[64];

static int
cb_echo(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	unsigned char buf[LWS_PRE + 64];

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		if (!lws_get_peer_simple(wsi, server_saw, sizeof(server_saw)))
			lws_snprintf(server_saw, sizeof(server_saw), "(no peer)");
		break;
	case LWS_CALLBACK_RECEIVE:
		if (len > 64)
			return -1;
		memcpy(buf + LWS_PRE, in, len);
		if (lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_TEXT) != (int)len)
			return -1;
		break;
	default:
		break;
	}
	return 0;
}

static int
cb_client(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	unsigned char buf[LWS_PRE + 16];

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		memcpy(buf + LWS_PRE, "over ip", 7);
		if (lws_write(wsi, buf + LWS_PRE, 7, LWS_WRITE_TEXT) != 7)
			return -1;
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (len == 7 && !memcmp(in, "over ip", 7))
			outcome = ECHOED;
		return -1;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		outcome = FAILED;
		done = 1;
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		done = 1;
		break;
	default:
		break;
	}
	return 0;
}

static struct lws_protocols protocols[] = {
	{ "echo", cb_echo, 0, 0, 0, NULL, 0 },
	{ "cli", cb_client, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* Dials address:port from vhost vh, serves until the client is over, prints the outcome. */
static int
dial(struct lws_context *cx, struct lws_vhost *vh, const char *address, int port,
     const char *label)
{
	struct lws_client_connect_info ci;
	int loops = 0;

	done = 0;
	outcome = PENDING;
	server_saw[0] = '\0';
	memset(&ci, 0, sizeof ci);
	ci.context = cx;
	ci.vhost = vh;
	ci.address = address;
	ci.port = port;
	ci.path = "/";
	ci.host = "localhost";
	ci.origin = "localhost";
	ci.protocol = "echo";
	ci.local_protocol_name = "cli";
	if (!lws_client_connect_via_info(&ci)) {
		/* a refusal seen at once may come back as NULL instead of a callback */
		outcome = FAILED;
		done = 1;
	}
	while (!done && loops++ < 1000)
		lws_service(cx, 0);

	switch (outcome) {
	case ECHOED:
		printf("%s: echoed (the server saw %s)\n", label, server_saw);
		break;
	case FAILED:
		printf("%s: refused\n", label);
		break;
	default:
		printf("%s: neither echoed nor refused (%s)\n", label,
		       done ? "closed" : "still pending");
		break;
	}
	return outcome;
}

/* Whether the kernel lets us bind the IPv6 loopback at all, asked without the library. */
static int
have_ipv6_loopback(void)
{
	struct sockaddr_in6 sin6;
	int fd = socket(AF_INET6, SOCK_STREAM, 0), ok;

	if (fd < 0)
		return 0;
	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_loopback;
	ok = !bind(fd, (struct sockaddr *)&sin6, sizeof sin6);
	close(fd);
	return ok;
}

int
main(void)
{
	struct lws_context_creation_info info;
	struct lws_vhost *v6, *v4;
	struct lws_context *cx;
	int p6, p4, bad = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!have_ipv6_loopback()) {
		printf("FAIL: this machine cannot bind the IPv6 loopback ::1 "
		       "(IPv6 disabled in the kernel or the container)\n");
		return 1;
	}
	lws_set_log_level(LLL_ERR, NULL);

	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	cx = lws_create_context(&info);
	if (!cx) {
		printf("FAIL: context\n");
		return 1;
	}

	memset(&info, 0, sizeof info);
	info.vhost_name = "v6";
	info.port = 0;
	info.iface = "::1";
	info.protocols = protocols;
	v6 = lws_create_vhost(cx, &info);

	memset(&info, 0, sizeof info);
	info.vhost_name = "v4";
	info.port = 0;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	v4 = lws_create_vhost(cx, &info);

	printf("vhost on ::1 created: %s\n", v6 ? "yes" : "no");
	printf("IPv4 vhost created: %s\n", v4 ? "yes" : "no");
	if (!v6 || !v4) {
		lws_context_destroy(cx);
		return 1;
	}
	p6 = lws_get_vhost_listen_port(v6);
	p4 = lws_get_vhost_listen_port(v4);
	printf("both listening on a port: %s\n", p6 > 0 && p4 > 0 ? "yes" : "no");

	bad |= dial(cx, v6, "::1", p6, "::1 to the ::1 vhost") != ECHOED;
	bad |= dial(cx, v6, "127.0.0.1", p4, "127.0.0.1 to the IPv4 vhost") != ECHOED;
	bad |= dial(cx, v6, "127.0.0.1", p6, "127.0.0.1 to the ::1 vhost's port") != FAILED;
	bad |= dial(cx, v6, "::1", p4, "::1 to the IPv4 vhost's port") != FAILED;

	lws_context_destroy(cx);
	return bad || p6 <= 0 || p4 <= 0;
}
