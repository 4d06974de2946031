// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ipsecfwd: the NFQUEUE daemon. Option parsing and exit status only; the work is in
 * daemon.c. Exit status: 0 clean stop, 1 runtime error, 2 usage or configuration error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecfw/ctl.h"
#include "ipsecfw/daemon.h"
#include "ipsecfw/util.h"

static void usage(FILE *o)
{
	fprintf(o,
		"usage: ipsecfwd -r RULES [-k KEYS] [-q N[:M]] [-s SOCKET] [--fail-open] [-u USER]\n"
		"                [-p PIDFILE] [--queue-maxlen N] [--rcvbuf BYTES]\n"
		"                [--log-rate N] [--no-syslog] [-f]\n"
		"       ipsecfwd --version\n");
}

/* A decimal number in [lo, hi]; false when s is anything else. */
static bool number(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return !errno && !*end && *out >= lo && *out <= hi;
}

static bool parse_queues(const char *s, struct daemon_opts *o)
{
	char buf[32], *colon;
	unsigned long a, b;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	colon = strchr(buf, ':');
	if (colon)
		*colon = 0;
	if (!number(buf, 0, 65535, &a))
		return false;
	b = a;
	if (colon && !number(colon + 1, 0, 65535, &b))
		return false;
	if (b < a || b - a + 1 > DAEMON_QUEUES_MAX)
		return false;
	o->q_first = (uint16_t)a;
	o->q_last = (uint16_t)b;
	return true;
}

int main(int argc, char **argv)
{
	enum { O_FAIL_OPEN = 256, O_MAXLEN, O_RCVBUF, O_LOGRATE, O_NOSYSLOG, O_VERSION };
	static const struct option lopts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "queue", required_argument, NULL, 'q' },
		{ "socket", required_argument, NULL, 's' },
		{ "user", required_argument, NULL, 'u' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "keys", required_argument, NULL, 'k' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "fail-open", no_argument, NULL, O_FAIL_OPEN },
		{ "queue-maxlen", required_argument, NULL, O_MAXLEN },
		{ "rcvbuf", required_argument, NULL, O_RCVBUF },
		{ "log-rate", required_argument, NULL, O_LOGRATE },
		{ "no-syslog", no_argument, NULL, O_NOSYSLOG },
		{ "version", no_argument, NULL, O_VERSION },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon_opts o = { .socket = CTL_DEFAULT_SOCKET, .use_syslog = true,
				 .log_rate = 20 };
	unsigned long v;
	int c;

	while ((c = getopt_long(argc, argv, "r:q:s:u:p:k:fh", lopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o.rules = optarg;
			break;
		case 'q':
			if (!parse_queues(optarg, &o)) {
				fprintf(stderr, "ipsecfwd: -q %s: expected N or N:M with 0 <= N <= M "
					"<= 65535 and at most %d queues\n", optarg, DAEMON_QUEUES_MAX);
				return 2;
			}
			break;
		case 's':
			o.socket = optarg;
			break;
		case 'u':
			o.user = optarg;
			break;
		case 'p':
			o.pidfile = optarg;
			break;
		case 'k':
			o.keys = optarg;
			break;
		case 'f':
			break;	/* always in the foreground; kept for DESIGN.md's command line */
		case O_FAIL_OPEN:
			o.fail_open = true;
			break;
		case O_MAXLEN:
			if (!number(optarg, 1, 1u << 30, &v)) {
				fprintf(stderr, "ipsecfwd: --queue-maxlen %s: expected 1..%u\n", optarg,
					1u << 30);
				return 2;
			}
			o.queue_maxlen = (uint32_t)v;
			break;
		case O_RCVBUF:
			if (!number(optarg, 65536, 1u << 30, &v)) {
				fprintf(stderr, "ipsecfwd: --rcvbuf %s: expected 65536..%u bytes\n",
					optarg, 1u << 30);
				return 2;
			}
			o.rcvbuf = (int)v;
			break;
		case O_LOGRATE:
			if (!number(optarg, 0, 1000000, &v)) {
				fprintf(stderr, "ipsecfwd: --log-rate %s: expected 0..1000000 lines "
					"per second (0: unlimited)\n", optarg);
				return 2;
			}
			o.log_rate = (unsigned)v;
			break;
		case O_NOSYSLOG:
			o.use_syslog = false;
			break;
		case O_VERSION:
			printf("ipsecfwd %s\n", IPSECFW_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ipsecfwd: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (!o.rules) {
		fprintf(stderr, "ipsecfwd: -r RULES is required\n");
		usage(stderr);
		return 2;
	}
	return daemon_run(&o);
}
