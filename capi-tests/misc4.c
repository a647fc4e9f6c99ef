/*
 * Small helpers: lws_urldecode, lws_vbi_encode / lws_vbi_decode (lws's decoder stops at
 * a byte whose top bit is set, so it does not read what the encoder writes: shown as it
 * is), lws_xos_init / lws_xos / lws_xos_percent, the resumable base64 decoder
 * (lws_b64_decode_state_init / lws_b64_decode_stateful) fed in pieces, lws_realloc with
 * lws_set_allocator, lws_plat_write_file / lws_plat_read_file / lws_plat_write_cert /
 * lws_plat_recommended_rsa_bits, lws_interface_to_sa, lws_get_mimetype with a mount's
 * extra_mimetypes, and lws_http_cookie_get in a server's HTTP callback.
 */
/* lws-diff: ours-only `^(xos|itosa numeric)`: lws_xos is new in 4.3; 4.1.6's lws_interface_to_sa has no numeric-address fallback */
/* lws-diff: ours-only `^cookie 'empty'`: lws 4.3 finds a cookie with an empty value at the end of the header (4.1.6 reports it absent) */
/* lws-diff: ours-only `out room 4:`: lws 4.3 starts a group while three output bytes fit, 4.1.6 wanted more room */
/* lws-diff: ours-only `^vbi_encode 268435456`: Debian's 4.1.6 is built with assertions and aborts on a value over 28 bits, where lws's release build (and ours) returns -1 */
#include <libwebsockets.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#if LWS_LIBRARY_VERSION_MAJOR > 4 || \
	(LWS_LIBRARY_VERSION_MAJOR == 4 && LWS_LIBRARY_VERSION_MINOR >= 3)
#define LWS_43 1
#else
#define LWS_43 0
#endif

static void
urldecode(const char *in, int len)
{
	char out[64];
	int r;

	memset(out, '#', sizeof(out));
	out[sizeof(out) - 1] = '\0';
	r = lws_urldecode(out, in, len);
	out[20] = '\0';
	printf("urldecode '%s' len %d: %d '%s'\n", in, len, r, out);
}

static void
vbi(uint64_t v)
{
	uint8_t b[8];
	uint64_t back = 12345;
	int n, m, i;

	memset(b, 0, sizeof(b));
	n = lws_vbi_encode(v, b);
	printf("vbi_encode %llu: %d [", (unsigned long long)v, n);
	for (i = 0; i < n; i++)
		printf("%s%02x", i ? " " : "", b[i]);
	m = lws_vbi_decode(b, &back, n > 0 ? (size_t)n : 0);
	printf("] decode: %d value %llu\n", m, (unsigned long long)back);
}

static void
b64_pieces(const char *in, size_t piece, size_t cap)
{
	struct lws_b64state s;
	uint8_t out[128];
	size_t pos = 0, il, ol, total = 0, len = strlen(in);
	int r;

	lws_b64_decode_state_init(&s);
	printf("b64 '%.4s...' (%d) in pieces of %d, out room %d:", in, (int)len, (int)piece, (int)cap);
	while (pos < len) {
		il = len - pos < piece ? len - pos : piece;
		ol = cap;
		r = lws_b64_decode_stateful(&s, in + pos, &il, out + total, &ol,
					    pos + il >= len);
		printf(" [r %d used %d out %d]", r, (int)il, (int)ol);
		if (!il && !ol)
			break;
		pos += il;
		total += ol;
	}
	printf(" -> %d:", (int)total);
	for (il = 0; il < total; il++)
		printf(" %02x", out[il]);
	printf("\n");
}

static int allocs, loud;

static void *
my_alloc(void *ptr, size_t size, const char *reason)
{
	if (loud) {
		allocs++;
		printf("my_alloc: %s size %d reason %s\n", ptr ? "ptr" : "NULL", (int)size, reason);
	}
	if (!size) {
		free(ptr);
		return NULL;
	}
	return realloc(ptr, size);
}

static int cookie_done;

static void
cookie(struct lws *wsi, const char *name, size_t room)
{
	char buf[32];
	size_t ml = room;
	int r;

	memset(buf, 0, sizeof(buf));
	r = lws_http_cookie_get(wsi, name, buf, &ml);
	printf("cookie '%s' room %d: %d", name, (int)room, r);
	if (!r)
		printf(" '%s' len %d", buf, (int)ml);
	printf("\n");
}

static int
cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
   size_t len)
{
	(void)user;
	(void)in;
	(void)len;
	if (reason == LWS_CALLBACK_HTTP) {
		cookie(wsi, "a", 32);
		cookie(wsi, "bb", 32);
		cookie(wsi, "b", 32);
		cookie(wsi, "empty", 32);
		cookie(wsi, "zz", 32);
		cookie(wsi, "bb", 4);
		cookie(wsi, "bb", 3);
		cookie_done = 1;
		return -1;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "http", cb, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

int
main(void)
{
	static const struct lws_protocol_vhost_options mt2 = { NULL, NULL, "*", "app/any" };
	static const struct lws_protocol_vhost_options mt1 = { &mt2, NULL, ".foo", "app/foo" };
	static const struct lws_protocol_vhost_options mt0 = { &mt1, NULL, ".html", "text/mine" };
	struct lws_context_creation_info info;
	struct lws_http_mount mount;
	struct sockaddr_in sin;
	char path[64], rd[32], ip[32];
	struct lws_context *cx;
	const char *m;
	void *p;
	int n, fd, s, port;

	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	urldecode("a%20b+c%2F%41%7e", 63);
	urldecode("abcdef", 3);
	urldecode("ab%zz", 63);
	urldecode("ab%4", 63);
	urldecode("%e2%82%ACx", 63);
	urldecode("", 63);

	vbi(0);
	vbi(1);
	vbi(127);
	vbi(128);
	vbi(300);
	vbi(16384);
	vbi(0xfffffff);
#if LWS_43
	/* too big: lws's release build returns -1 */
	vbi(0x10000000);
#endif
	{
		/* lws's decoder: the index of the first byte with its top bit set */
		static const uint8_t t[] = { 0x05, 0x01, 0x83, 0x7f };
		uint64_t v = 7;

		n = lws_vbi_decode(t, &v, sizeof(t));
		printf("vbi_decode 05 01 83 7f: %d value %llu\n", n, (unsigned long long)v);
		v = 7;
		n = lws_vbi_decode(t, &v, 2);
		printf("vbi_decode 05 01: %d value %llu\n", n, (unsigned long long)v);
	}

#if LWS_43
	{
		struct lws_xos x;
		int hits = 0;

		lws_xos_init(&x, 1234);
		printf("xos seed 1234: %016llx %016llx %016llx\n",
		       (unsigned long long)x.s[0], (unsigned long long)x.s[1],
		       (unsigned long long)x.s[3]);
		printf("xos next: %016llx", (unsigned long long)lws_xos(&x));
		printf(" %016llx\n", (unsigned long long)lws_xos(&x));
		for (n = 0; n < 1000; n++)
			hits += lws_xos_percent(&x, 30);
		printf("xos percent 30 of 1000: %d\n", hits);
		printf("xos percent 0 / 100: %d %d\n", lws_xos_percent(&x, 0),
		       lws_xos_percent(&x, 100));
	}
#endif

	b64_pieces("aGVsbG8gd29ybGQ=", 100, 64);
	b64_pieces("aGVsbG8gd29ybGQ=", 3, 64);
	b64_pieces("aGVsbG8gd29ybGQ=", 1, 64);
	/* a character outside the alphabet at the end of a piece takes a slot of the
	 * group (lws's state machine): the next piece's group is off by one */
	b64_pieces("aGVs\nbG8-_w==", 5, 64);
	b64_pieces("aGVs\nbG8-_w==", 100, 64);
	b64_pieces("aGVsbG8gd29ybGQ=", 100, 4);

	p = lws_realloc(NULL, 16, "first");
	printf("lws_realloc default: %s\n", p ? "block" : "NULL");
	p = lws_realloc(p, 0, "free");
	printf("lws_realloc 0: %s\n", p ? "block" : "NULL");
	/* (lws also routes its own allocations through it; this library's memory is
	 * Rust's, so only the calls the program makes are shown) */
	lws_set_allocator(my_alloc);
	loud = 1;
	p = lws_realloc(NULL, 8, "mine");
	p = lws_realloc(p, 0, "mine-free");
	loud = 0;
	printf("custom allocator calls %d, result %s\n", allocs, p ? "block" : "NULL");

	snprintf(path, sizeof(path), "/tmp/lws-misc4-%d", (int)getpid());
	printf("plat_write_file: %d\n", lws_plat_write_file(path, (void *)"hello file", 10));
	memset(rd, 0, sizeof(rd));
	printf("plat_read_file: %d", lws_plat_read_file(path, rd, sizeof(rd) - 1));
	printf(" '%s'\n", rd);
	memset(rd, 0, sizeof(rd));
	printf("plat_read_file short: %d", lws_plat_read_file(path, rd, 5));
	printf(" '%s'\n", rd);
	printf("plat_read_file missing: %d\n", lws_plat_read_file("/nonexistent/x", rd, 4));
	printf("plat_write_file bad dir: %d\n",
	       lws_plat_write_file("/nonexistent/x", (void *)"x", 1));
	fd = open(path, O_RDWR | O_TRUNC);
	printf("plat_write_cert: %d", lws_plat_write_cert(NULL, 0, fd, (void *)"CERT", 4));
	memset(rd, 0, sizeof(rd));
	n = (int)read(fd, rd, sizeof(rd) - 1);
	printf(", read back from the start: %d '%s'\n", n, rd);
	close(fd);
	printf("plat_write_cert bad fd: %d\n", lws_plat_write_cert(NULL, 0, -1, (void *)"x", 1));
	unlink(path);
	printf("rsa bits: %d\n", lws_plat_recommended_rsa_bits());

	memset(&sin, 0, sizeof(sin));
	n = lws_interface_to_sa(0, "lo", &sin, sizeof(sin));
	inet_ntop(AF_INET, &sin.sin_addr, ip, sizeof(ip));
	printf("itosa lo: %d family %d %s\n", n, sin.sin_family == AF_INET, ip);
	memset(&sin, 0, sizeof(sin));
	n = lws_interface_to_sa(0, "no-such-if0", &sin, sizeof(sin));
	printf("itosa missing: %d\n", n);
	memset(&sin, 0, sizeof(sin));
	n = lws_interface_to_sa(0, "127.0.0.9", &sin, sizeof(sin));
	inet_ntop(AF_INET, &sin.sin_addr, ip, sizeof(ip));
	printf("itosa numeric: %d %s\n", n, ip);

	memset(&mount, 0, sizeof(mount));
	mount.extra_mimetypes = &mt0;
	m = lws_get_mimetype("/x/index.html", NULL);
	printf("mimetype index.html: %s\n", m ? m : "NULL");
	m = lws_get_mimetype("/x/INDEX.HTML", &mount);
	printf("mimetype INDEX.HTML with mount: %s (mount's pointer %d)\n", m ? m : "NULL",
	       m == mt0.value);
	m = lws_get_mimetype("a.foo", &mount);
	printf("mimetype a.foo: %s\n", m ? m : "NULL");
	m = lws_get_mimetype("a.png", &mount);
	printf("mimetype a.png: %s\n", m ? m : "NULL");
	m = lws_get_mimetype("a.unknown", &mount);
	printf("mimetype a.unknown with '*': %s\n", m ? m : "NULL");
	m = lws_get_mimetype("a.unknown", NULL);
	printf("mimetype a.unknown: %s\n", m ? m : "NULL");
	m = lws_get_mimetype(".html", NULL);
	printf("mimetype '.html' alone: %s\n", m ? m : "NULL");

	/* a server whose HTTP callback looks cookies up */
	memset(&info, 0, sizeof(info));
	info.port = 0;
	info.iface = "127.0.0.1";
	info.protocols = protocols;
	cx = lws_create_context(&info);
	if (!cx)
		return 1;
	port = lws_get_vhost_listen_port(lws_get_vhost_by_name(cx, "default"));
	s = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(s, (struct sockaddr *)&sin, sizeof(sin)))
		return 1;
	{
		static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n"
					  "Cookie: a=1; bb=two; empty=\r\n\r\n";
		if (write(s, req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1)
			return 1;
	}
	for (n = 0; n < 200 && !cookie_done; n++)
		lws_service(cx, 10);
	printf("cookie callback ran: %d\n", cookie_done);
	close(s);
	lws_context_destroy(cx);

	return 0;
}
