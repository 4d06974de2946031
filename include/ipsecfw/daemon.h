/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef IPSECFW_DAEMON_H
#define IPSECFW_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include "ipsecfw/util.h"

/*
 * daemon: ipsecfwd's runtime, kept out of src/ipsecfwd.c (which only parses options). It
 * binds the queues, serves the control socket, drops privileges, runs one packet thread per
 * queue and the control loop (requests, signals, link changes, the log writer) until SIGTERM
 * or SIGINT. Layer 7: it is the glue of nfq, ctl, log and engine, linked only into ipsecfwd.
 *
 * Configuration is published with RCU as one immutable record (ruleset + interface map):
 * a reload or a link change builds a new record, swaps the pointer, waits for a grace period
 * and frees the old one; packet threads never stop and never see half a table.
 */
#define DAEMON_QUEUES_MAX 64

struct daemon_opts {
	const char *rules;	/* rule file (required) */
	const char *keys;	/* key file (-k), NULL: an empty SA store */
	const char *socket;	/* control socket path */
	const char *pidfile;	/* NULL: none */
	const char *user;	/* NULL: stay root */
	uint16_t q_first;	/* queues q_first..q_last, one thread each */
	uint16_t q_last;
	bool fail_open;
	bool use_syslog;
	uint32_t queue_maxlen;	/* 0: kernel default */
	int rcvbuf;		/* 0: default */
	unsigned log_rate;	/* packet log lines per second, 0: unlimited */
};

/*
 * Run the daemon. Returns the exit status: 0 after SIGTERM/SIGINT once every received packet
 * has its verdict; 1 on a runtime failure (a queue cannot be bound, a queue thread failed);
 * 2 when the rule file is refused. Messages go to stderr (and syslog when asked).
 */
int daemon_run(const struct daemon_opts *o);

#endif
