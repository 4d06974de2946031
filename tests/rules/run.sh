#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Golden tests of the rule language (ipsecfw.rules(5)), run through `ipsecfw check`.
#
#   NNN.rules       must load (exit 0, nothing on stderr); stdout must equal NNN.out. The
#                   printed file, with the "@N " rule numbers taken off, must load again
#                   and print the same: parse -> print -> parse is stable.
#   fail-NNN.rules  must be refused (exit 2, nothing on stdout); stderr must equal
#                   fail-NNN.err.
#
# usage: tests/rules/run.sh path/to/ipsecfw
# Prints one line per case and a last line "N passed, N failed"; exits 1 on any failure.

if [ $# -ne 1 ]; then
	echo "usage: $0 path/to/ipsecfw" >&2
	exit 2
fi
case $1 in
*/*) bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") ;;
*) bin=$1 ;;
esac
cd "$(dirname "$0")" || exit 2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ipsecfw-rules.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

passed=0
failed=0

ok() {
	echo "ok   $1"
	passed=$((passed + 1))
}

fail() {
	echo "FAIL $1: $2"
	failed=$((failed + 1))
}

# check_good NNN.rules
check_good() {
	f=$1
	"$bin" check "$f" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -ne 0 ]; then
		fail "$f" "exit status $rc, want 0: $(head -n 1 "$tmp/err")"
	elif [ -s "$tmp/err" ]; then
		fail "$f" "unexpected stderr: $(head -n 1 "$tmp/err")"
	elif ! diff -u "${f%.rules}.out" "$tmp/out" >"$tmp/diff"; then
		fail "$f" "stdout differs from ${f%.rules}.out"
		cat "$tmp/diff"
	else
		check_reparse "$f"
	fi
}

# check_reparse NNN.rules: the printed form loads again and prints the same.
check_reparse() {
	sed 's/^@[0-9][0-9]* //' "$tmp/out" >"$tmp/again.rules"
	"$bin" check "$tmp/again.rules" >"$tmp/out2" 2>"$tmp/err2"
	rc=$?
	if [ $rc -ne 0 ]; then
		fail "$1" "printed form does not load again (exit $rc): $(head -n 1 "$tmp/err2")"
	elif ! diff -u "$tmp/out" "$tmp/out2" >"$tmp/diff"; then
		fail "$1" "printed form prints differently when loaded again"
		cat "$tmp/diff"
	else
		ok "$1"
	fi
}

# check_bad fail-NNN.rules
check_bad() {
	f=$1
	"$bin" check "$f" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -ne 2 ]; then
		fail "$f" "exit status $rc, want 2"
	elif [ -s "$tmp/out" ]; then
		fail "$f" "unexpected stdout: $(head -n 1 "$tmp/out")"
	elif ! diff -u "${f%.rules}.err" "$tmp/err" >"$tmp/diff"; then
		fail "$f" "stderr differs from ${f%.rules}.err"
		cat "$tmp/diff"
	else
		ok "$f"
	fi
}

for f in [0-9]*.rules; do
	[ -e "$f" ] || continue
	check_good "$f"
done
for f in fail-*.rules; do
	[ -e "$f" ] || continue
	check_bad "$f"
done

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
