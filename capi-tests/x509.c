/*
 * lws_x509_*: certificates parsed from PEM in memory, queried and verified, as a program
 * checking certificates outside any connection would.  The certificates and keys are made
 * at run time by the openssl CLI in a temporary directory (none is committed).
 *
 * lws-diff: ours-only `^(DER_RAW|ca SUBJECT_KEY_ID)`: DER_RAW and SUBJECT_KEY_ID are 4.3's
 */

#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char dir[64];

static int
run(const char *cmd)
{
	char line[1024];

	snprintf(line, sizeof(line), "cd %s && %s 2>/dev/null >/dev/null", dir, cmd);
	return system(line);
}

/* The whole file plus a terminating NUL counted in the length, as lws asks. */
static char *
slurp(const char *name, size_t *len)
{
	char path[128];
	FILE *f;
	char *b;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)n + 1);
	if (fread(b, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(b);
		return NULL;
	}
	fclose(f);
	b[n] = '\0';
	*len = (size_t)n + 1;
	return b;
}

static struct lws_x509_cert *
load(const char *name)
{
	struct lws_x509_cert *x = NULL;
	size_t len;
	char *pem = slurp(name, &len);
	int r;

	if (!pem || lws_x509_create(&x)) {
		printf("%s: cannot load\n", name);
		exit(1);
	}
	r = lws_x509_parse_from_pem(x, pem, len);
	printf("lws_x509_parse_from_pem(%s) = %d\n", name, r);
	free(pem);
	return x;
}

int
main(void)
{
	char big[2048];
	union lws_tls_cert_info_results *buf = (union lws_tls_cert_info_results *)big;
	size_t name_len = sizeof(big) - sizeof(*buf) + sizeof(buf->ns.name);
	struct lws_x509_cert *ca, *leaf, *other, *junk = NULL;
#if LWS_LIBRARY_VERSION_MAJOR > 4 || LWS_LIBRARY_VERSION_MINOR >= 3
	size_t der_len;
	char *der;
#endif
	time_t from;
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	strcpy(dir, "/tmp/lws-x509-XXXXXX");
	if (!mkdtemp(dir)) {
		printf("mkdtemp failed\n");
		return 1;
	}
	if (run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
		"-keyout ca.key -out ca.pem -days 30 -subj '/O=lws test/CN=Test CA' "
		"-addext keyUsage=critical,keyCertSign,cRLSign") ||
	    run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
		"-keyout other.key -out other.pem -days 30 -subj '/O=lws test/CN=Other CA'") ||
	    run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
		"-keyout leaf.key -out leaf.csr -subj '/O=lws test/CN=x.test'") ||
	    run("openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
		"-days 10 -out leaf.pem") ||
	    run("openssl x509 -in leaf.pem -outform DER -out leaf.der")) {
		printf("the openssl CLI is needed (Debian package openssl)\n");
		return 1;
	}

	ca = load("ca.pem");
	leaf = load("leaf.pem");
	other = load("other.pem");

	lws_x509_create(&junk);
	r = lws_x509_parse_from_pem(junk, "not a certificate", 18);
	printf("lws_x509_parse_from_pem(junk) = %s\n", r ? "failed" : "0");

	memset(big, 0, sizeof(big));
	r = lws_x509_info(leaf, LWS_TLS_CERT_INFO_COMMON_NAME, buf, name_len);
	printf("COMMON_NAME: %d '%s' len %d\n", r, buf->ns.name, buf->ns.len);
	r = lws_x509_info(leaf, LWS_TLS_CERT_INFO_ISSUER_NAME, buf, name_len);
	printf("ISSUER_NAME: %d '%s' len %d\n", r, buf->ns.name, buf->ns.len);
	r = lws_x509_info(ca, LWS_TLS_CERT_INFO_COMMON_NAME, buf, name_len);
	printf("ca COMMON_NAME: %d '%s'\n", r, buf->ns.name);

	r = lws_x509_info(leaf, LWS_TLS_CERT_INFO_VALIDITY_FROM, buf, 0);
	from = buf->time;
	/* lws 4.1.6 and 4.3 report the day before (their date conversion takes one off the
	 * day of month); ours reports the certificate's time.  Both are within two days. */
	printf("VALIDITY_FROM: %d, %s\n", r,
	       from <= time(NULL) && from > time(NULL) - 2 * 86400 ? "recent" : "wrong");
	r = lws_x509_info(leaf, LWS_TLS_CERT_INFO_VALIDITY_TO, buf, 0);
	printf("VALIDITY_TO: %d, %ld days later\n", r, (long)(buf->time - from) / 86400);

	r = lws_x509_info(ca, LWS_TLS_CERT_INFO_USAGE, buf, 0);
	printf("ca USAGE: %d 0x%x\n", r, buf->usage);

#if LWS_LIBRARY_VERSION_MAJOR > 4 || LWS_LIBRARY_VERSION_MINOR >= 3
	der = slurp("leaf.der", &der_len);
	der_len--;
	r = lws_x509_info(leaf, LWS_TLS_CERT_INFO_DER_RAW, buf, name_len);
	printf("DER_RAW: %d, len %s, bytes %s\n", r,
	       (size_t)buf->ns.len == der_len ? "same as the file" : "differ",
	       !memcmp(buf->ns.name, der, der_len) ? "same" : "differ");
	r = lws_x509_info(leaf, LWS_TLS_CERT_INFO_DER_RAW, buf, 16);
	printf("DER_RAW into 16 bytes: %d, len %s\n", r,
	       (size_t)buf->ns.len == der_len ? "reported" : "wrong");
	free(der);
#endif

	r = lws_x509_info(leaf, LWS_TLS_CERT_INFO_OPAQUE_PUBLIC_KEY, buf, name_len);
	printf("OPAQUE_PUBLIC_KEY: %d, %s\n", r,
	       buf->ns.len > 60 && buf->ns.len < 120 ? "an EC P-256 key" : "wrong");
#if LWS_LIBRARY_VERSION_MAJOR > 4 || LWS_LIBRARY_VERSION_MINOR >= 3
	r = lws_x509_info(ca, LWS_TLS_CERT_INFO_SUBJECT_KEY_ID, buf, name_len);
	printf("ca SUBJECT_KEY_ID: %d len %d\n", r, buf->ns.len);
#endif
	r = lws_x509_info(leaf, LWS_TLS_CERT_INFO_VERIFIED, buf, name_len);
	printf("VERIFIED on a bare certificate: %d\n", r);

	printf("verify(leaf, ca) = %d\n", lws_x509_verify(leaf, ca, NULL));
	printf("verify(leaf, ca, \"x.test\") = %d\n", lws_x509_verify(leaf, ca, "x.test"));
	printf("verify(leaf, ca, \"y.test\") = %d\n", lws_x509_verify(leaf, ca, "y.test"));
	printf("verify(leaf, other) = %d\n", lws_x509_verify(leaf, other, NULL));

	lws_x509_destroy(&ca);
	lws_x509_destroy(&leaf);
	lws_x509_destroy(&other);
	lws_x509_destroy(&junk);
	printf("destroyed: %s\n", !ca && !leaf && !other && !junk ? "all NULL" : "not NULL");
	lws_x509_destroy(&ca);

	run("rm -f ca.* other.* leaf.* ca.srl");
	rmdir(dir);
	return 0;
}
