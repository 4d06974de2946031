/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared helpers for the Check suites (tests/unit/check_<module>.c). */
#ifndef IPSECFW_TESTS_UNIT_H
#define IPSECFW_TESTS_UNIT_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

/* Path of a file under the source tree ($IPSECFW_TOP, default "."), in a static buffer. */
const char *unit_path(const char *rel);

/* Read a whole file into a malloc'd buffer (NUL-terminated); aborts the test on failure. */
char *unit_slurp(const char *path, size_t *len);

/* Parse "45 00 00 1c ..." style hex (whitespace ignored) into buf; returns the length. */
size_t unit_hex(const char *hex, uint8_t *buf, size_t size);

struct ruleset;
struct sa_table;

/* A rule file from text, built for one thread; aborts the test when it does not load. */
struct ruleset *unit_load_rules(const char *text);

/*
 * A key file under the source tree (rel), copied with mode 0600 first (git keeps no modes),
 * into a new store for one thread; aborts the test when it does not load. The caller must
 * be a registered RCU thread (engine_thread_register).
 */
struct sa_table *unit_load_keys(const char *rel);

#endif
