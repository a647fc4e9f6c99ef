/*
 * The bench's uWebSockets echo server: the same job as examples-c/echo.c (every message
 * comes back whole, with its opcode), written with uWebSockets' own API, so `make bench`
 * can put the fastest commonly chosen alternative beside lws and this library.
 *
 *   uws-echo -p PORT     (0 picks a free port; the port is printed as echo.c prints it)
 *
 * Built by bench/run.py only when a uWebSockets source tree is at hand (UWS_DIR); never
 * part of the library or its tests.  No compression, 64 MiB message limit, no idle timeout.
 */
#include "App.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

static void on_sigint(int)
{
	static const char bye[] = "bye\n";

	/* the loop has no clean way to stop from a signal; nothing is left to flush */
	if (write(1, bye, sizeof(bye) - 1) < 0)
		_exit(1);
	_exit(0);
}

int main(int argc, char **argv)
{
	struct Session {};
	int port = 7681;

	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "-p"))
			port = atoi(argv[i + 1]);
	signal(SIGINT, on_sigint);
	setvbuf(stdout, nullptr, _IOLBF, 0);

	uWS::App().ws<Session>("/*", {
		.compression = uWS::DISABLED,
		.maxPayloadLength = 64 * 1024 * 1024,
		.idleTimeout = 0,
		.maxBackpressure = 256 * 1024 * 1024,
		.closeOnBackpressureLimit = false,
		.message = [](auto *ws, std::string_view msg, uWS::OpCode op) {
			ws->send(msg, op, false);
		},
	}).listen(port, [](auto *ls) {
		if (!ls) {
			fprintf(stderr, "uws-echo: cannot listen\n");
			exit(1);
		}
		printf("listening on port %d\n",
		       us_socket_local_port(0, (struct us_socket_t *)ls));
	}).run();

	return 0;
}
