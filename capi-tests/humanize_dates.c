/*
 * The small helpers a status page or a cache uses: lws_humanize of sizes and durations
 * with lws's exported schemas and a schema of our own, the big-endian serializers,
 * lws_nstrstr, the SQL and JSON escapers, lws_explicit_bzero, and (new in 4.3) the
 * RFC 7231 date render/parse pair and lws_strcmp_wildcard.
 */
/* lws-diff: ours-only `^(date|wildcard|si|us|dist|schema names)[: ]`: lws_http_date_* and lws_strcmp_wildcard are public in lws 4.3 only, and 4.3 rewrote lws_humanize (4.1.6 pads to fixed columns, its unit names too) */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define LWS_43 (LWS_LIBRARY_VERSION_MAJOR > 4 || \
		(LWS_LIBRARY_VERSION_MAJOR == 4 && LWS_LIBRARY_VERSION_MINOR >= 3))

static const lws_humanize_unit_t schema_dist[] = {
	{ "km", 1000000 }, { "m", 1000 }, { "mm", 1 }, { NULL, 0 }
};

int main(void)
{
	static const uint64_t sizes[] = { 0, 7, 1023, 1024, 1536, 1048576, 1572864,
					  5368709120ull, 1125899906842624ull * 3,
					  18446744073709551615ull };
	static const uint64_t durations[] = { 0, 999, 1000, 1500000, 90000000,
					      5400000000ull, 86400000000ull * 3 / 2,
					      31536000000000ull * 2 };
	char buf[64], small[6];
	uint8_t be[8];
	size_t i;
	int n, used = -1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		n = lws_humanize(buf, sizeof(buf), sizes[i], humanize_schema_si);
		printf("si %llu: '%s' (%d)", (unsigned long long)sizes[i], buf, n);
		n = lws_humanize(buf, sizeof(buf), sizes[i], humanize_schema_si_bytes);
		printf(", bytes '%s' (%d)\n", buf, n);
	}
	for (i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
		n = lws_humanize(buf, sizeof(buf), durations[i], humanize_schema_us);
		printf("us %llu: '%s' (%d)\n", (unsigned long long)durations[i], buf, n);
	}
	n = lws_humanize(buf, sizeof(buf), 2500, schema_dist);
	printf("dist 2500: '%s' (%d)\n", buf, n);
	n = lws_humanize(buf, sizeof(buf), 123456789, schema_dist);
	printf("dist 123456789: '%s' (%d)\n", buf, n);
	printf("schema names: %s %s %s %s\n", humanize_schema_si[4].name,
	       humanize_schema_si_bytes[5].name, humanize_schema_us[2].name,
	       humanize_schema_us[7].name ? "?" : "(end)");

	lws_ser_wu16be(be, 0x1234);
	printf("ser16: %02x %02x -> 0x%x\n", be[0], be[1], lws_ser_ru16be(be));
	lws_ser_wu32be(be, 0xdeadbeef);
	printf("ser32: %02x %02x %02x %02x -> 0x%x\n", be[0], be[1], be[2], be[3],
	       lws_ser_ru32be(be));
	lws_ser_wu64be(be, 0x0102030405060708ull);
	printf("ser64: %02x..%02x -> 0x%llx\n", be[0], be[7],
	       (unsigned long long)lws_ser_ru64be(be));

	{
		const char hay[] = "Content-Type: text/html\r\nX-Thing: 1";
		const char *p = lws_nstrstr(hay, sizeof(hay) - 1, "X-Thing", 7);

		printf("nstrstr: at %d\n", p ? (int)(p - hay) : -1);
		p = lws_nstrstr(hay, 12, "Type", 4);
		printf("nstrstr beyond len: %s\n", p ? "found" : "NULL");
		p = lws_nstrstr(hay, 3, "Content", 7);
		printf("nstrstr longer name: %s\n", p ? "found" : "NULL");
		p = lws_nstrstr(hay, sizeof(hay) - 1, "1", 1);
		printf("nstrstr last byte: at %d\n", p ? (int)(p - hay) : -1);
	}

	printf("sql: '%s'\n", lws_sql_purify(buf, "O'Brien's pub", sizeof(buf)));
	printf("sql short: '%s'\n", lws_sql_purify(small, "it's", sizeof(small)));
	printf("json: '%s'", lws_json_purify(buf, "say \"hi\"\t\\ \x01\n", sizeof(buf), &used));
	printf(" used %d len %d\n", used, lws_json_purify_len("say \"hi\"\t\\ \x01\n"));
	printf("json short: '%s'", lws_json_purify(buf, "ab\"cd", 9, &used));
	printf(" used %d\n", used);

	memset(buf, 'x', sizeof(buf));
	lws_explicit_bzero(buf, 10);
	printf("bzero: %d %d %c\n", buf[0], buf[9], buf[10]);

#if LWS_43
	{
		static const char *dates[] = {
			"Tue, 15 Nov 1994 08:12:31 GMT",
			"Thu, 01 Jan 1970 00:00:00 GMT",
			"Sun, 29 Feb 2032 23:59:59 GMT",
			"Mon, 31 Feb 2021 10:00:00 GMT",	/* day counts on */
			"Tue, 15 Nov 1994 08:12:31 UTC",
			"Tuesday, 15-Nov-94 08:12:31 GMT",
			"Tue, 15 Nov 1899 08:12:31 GMT",
			"Tue, 15 Nov 1994 25:12:31 GMT",
			"Xyz, 15 Nov 1994 08:12:31 GMT",
			"Tue, 15 Nox 1994 08:12:31 GMT",
			"Tue, 15 Nov 1994",
		};
		time_t t, ts[] = { 0, 784887151, 951782400, 1700000000, 4102444800 };

		for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
			t = 1;
			n = lws_http_date_parse_unix(dates[i], strlen(dates[i]), &t);
			printf("date parse '%s': %d", dates[i], n);
			if (!n)
				printf(" %lld", (long long)t);
			printf("\n");
		}
		for (i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
			n = lws_http_date_render_from_unix(buf, sizeof(buf), &ts[i]);
			printf("date render %lld: %d '%s'\n", (long long)ts[i], n, buf);
		}
		n = lws_http_date_render_from_unix(buf, 28, &ts[1]);
		printf("date render into 28 bytes: %d\n", n);

		printf("wildcard: %d %d %d %d %d %d\n",
		       lws_strcmp_wildcard("*.example.com", 13, "www.example.com", 15),
		       lws_strcmp_wildcard("*.example.com", 13, "example.com", 11),
		       lws_strcmp_wildcard("a*c", 3, "abbbc", 5),
		       lws_strcmp_wildcard("a*c", 3, "abbbd", 5),
		       lws_strcmp_wildcard("exact", 5, "exact", 5),
		       lws_strcmp_wildcard("sensor/*/temp", 13, "sensor/12/temp", 14));
	}
#endif

	return 0;
}
