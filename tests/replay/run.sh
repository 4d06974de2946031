#!/usr/bin/env bash
# Replay tests: `ipsecfw replay` over the bundled captures. Text output is compared with
# golden files (tests/replay/*.out); JSON output must be valid on every line and its summary
# must add up; errors must exit with the documented status and name the problem.
# Usage: tests/replay/run.sh BUILD/ipsecfw   (from the repository root)
set -u
bin=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { echo "ok   $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1"; fail=$((fail + 1)); }

# golden NAME PCAP RULES
golden() {
	"$bin" replay "$2" -r "$3" >"$tmp/out" 2>"$tmp/err"
	if [ $? -eq 0 ] && [ ! -s "$tmp/err" ] && diff -u "tests/replay/$1.out" "$tmp/out"; then
		ok "text $1"
	else
		ko "text $1"
	fi
	if "$bin" -j replay "$2" -r "$3" | /usr/bin/python3 tests/replay/check_json.py; then
		ok "json $1"
	else
		ko "json $1"
	fi
}

# expect_error NAME STATUS PATTERN COMMAND...
expect_error() {
	local name=$1 want=$2 pattern=$3
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	local got=$?
	if [ "$got" -eq "$want" ] && grep -q -- "$pattern" "$tmp/err"; then
		ok "error $name"
	else
		ko "error $name (exit $got, stderr: $(head -c 200 "$tmp/err"))"
	fi
}

golden demo.seed tests/data/demo.pcap rules/seed-table.rules
golden demo.ah-inner tests/data/demo.pcap rules/seed-ah-inner.rules
golden linktypes tests/data/linktype-sll2.pcap rules/seed-table.rules
golden snaplen tests/data/snaplen-cut.pcap rules/seed-table.rules

printf 'set int = { 192.0.2.0/24 }\npass in proto ah comment "tab\there \xff"\n' >"$tmp/odd.rules"
if "$bin" -j replay tests/data/demo.pcap -r "$tmp/odd.rules" | /usr/bin/python3 tests/replay/check_json.py &&
   "$bin" -j check "$tmp/odd.rules" | /usr/bin/python3 -c 'import json,sys; json.load(sys.stdin)'; then
	ok "json with odd bytes in a comment"
else
	ko "json with odd bytes in a comment"
fi

expect_error missing-capture 1 "nonexistent.pcap" "$bin" replay "$tmp/nonexistent.pcap" -r rules/seed-table.rules
expect_error not-a-capture 1 "cannot read capture" "$bin" replay rules/seed-table.rules -r rules/seed-table.rules
expect_error link-type 1 "unsupported link type" "$bin" replay tests/data/linktype-80211.pcap -r rules/seed-table.rules
expect_error bad-rules 2 "nothing loaded" "$bin" replay tests/data/demo.pcap -r tests/rules/fail-001.rules
expect_error no-rules 2 "usage" "$bin" replay tests/data/demo.pcap
expect_error no-command 2 "usage" "$bin"
expect_error unknown-command 2 'unknown command "frobnicate"' "$bin" frobnicate
"$bin" replay tests/data/demo.pcap -r rules/seed-table.rules >/dev/full 2>"$tmp/err"
if [ $? -eq 1 ] && grep -q "write error" "$tmp/err"; then ok "error write-error"; else ko "error write-error"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
