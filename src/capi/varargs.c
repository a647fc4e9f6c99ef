/*
 * The variadic entry points.  Rust cannot define a C variadic function on stable, so
 * these format with the C library and hand the result to Rust.  Nothing else lives here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/types.h>

#define VISIBLE __attribute__((visibility("default")))

/* Defined in Rust (src/capi/logs.rs). */
extern int lws_rs_log_enabled(int filter);
extern void lws_rs_log_emit(int filter, const char *line, size_t len);

VISIBLE void _lws_logv(int filter, const char *format, va_list vl)
{
	char buf[1024];
	int n;

	if (!format || !lws_rs_log_enabled(filter))
		return;
	n = vsnprintf(buf, sizeof(buf), format, vl);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	lws_rs_log_emit(filter, buf, (size_t)n);
}

VISIBLE void _lws_log(int filter, const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	_lws_logv(filter, format, ap);
	va_end(ap);
}

/* lws_snprintf(): like snprintf, but always NUL-terminates when size > 0 and, when the
 * output was cut, returns size (as lws does) rather than the length it wanted. */
VISIBLE int lws_snprintf(char *str, size_t size, const char *format, ...)
{
	va_list ap;
	int n;

	if (!size || !str)
		return 0;
	va_start(ap, format);
	n = vsnprintf(str, size, format, ap);
	va_end(ap);
	if (n < 0) {
		str[0] = '\0';
		return 0;
	}
	if ((size_t)n >= size)
		return (int)size;
	return n;
}

/* open(2) with lws's rules: the mode argument only with O_CREAT or O_TMPFILE, and the fd
 * is close-on-exec. */
VISIBLE int lws_open(const char *file, int oflag, ...)
{
	va_list ap;
	int n;

	if (!file)
		return -1;
	va_start(ap, oflag);
	if ((oflag & O_CREAT) == O_CREAT
#if defined(O_TMPFILE)
	    || (oflag & O_TMPFILE) == O_TMPFILE
#endif
	    )
		n = open(file, oflag | O_CLOEXEC, (mode_t)va_arg(ap, unsigned int));
	else
		n = open(file, oflag | O_CLOEXEC);
	va_end(ap);

	return n;
}

/* Defined in Rust (src/capi/logcx.rs). */
extern int lws_rs_log_cx_enabled(void *cx, int filter);
extern void lws_rs_log_cx_emit(void *cx, void *prepend, void *obj, int filter,
			       const char *fun, const char *text, size_t have, size_t wanted);

/* _lws_log_cx(): what lws's per-object log macros call.  The message is formatted here
 * (no line can hold more than lws's 255 bytes, so that is all that is kept, with the
 * length vsnprintf wanted); Rust builds the line with the context's prefixes and emits
 * it through the context (NULL: the process-wide one). */
VISIBLE void _lws_log_cx(void *cx, void *prepend, void *obj, int filter, const char *fun,
			 const char *format, ...)
{
	char buf[256];
	va_list ap;
	int n;

	if (!format || !lws_rs_log_cx_enabled(cx, filter))
		return;
	va_start(ap, format);
	n = vsnprintf(buf, sizeof(buf), format, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	lws_rs_log_cx_emit(cx, prepend, obj, filter, fun, buf,
			   (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1, (size_t)n);
}

/* Defined in Rust (src/capi/smd.rs): queues the formatted text. */
extern int lws_rs_smd_printf(void *ctx, unsigned int cls, const char *text, size_t have,
			     size_t wanted);

/* lws_smd_msg_printf(): formats into a buffer one larger than lws's payload limit, so
 * Rust can tell an over-long message (refused) from one that fits. */
VISIBLE int lws_smd_msg_printf(void *ctx, unsigned int cls, const char *format, ...)
{
	char buf[384 + 2];
	va_list ap;
	int n;

	if (!ctx || !format)
		return 1;
	va_start(ap, format);
	n = vsnprintf(buf, sizeof(buf), format, ap);
	va_end(ap);
	if (n < 0)
		return 1;
	return lws_rs_smd_printf(ctx, cls, buf,
				 (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1,
				 (size_t)n);
}
