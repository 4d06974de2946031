#!/bin/bash
# Every row of the seed table through the firewall: from ext one packet for every "in" row,
# from int one for every "out" row (AH, ESP, UDP 500->500, UDP 4500->4500; IPv4 and IPv6),
# and the same protocols with a wrong port or in the wrong direction (a source address that
# contradicts the side the packet comes from), which must be blocked. Captures in int and ext
# show exactly the passed packets arrived, once; `ipsecfw -j counters` agrees per rule,
# packet for packet and byte for byte.
#
# MODE=sets (default): rules/seed-table.rules as it is, direction from the address sets.
# MODE=iface: the same rules with `interface external = { fwe }` / `internal = { fwi }`,
# direction from the devices (t_seed_iface.sh).
. "$(dirname "$0")/lib.sh"

MODE=${MODE:-sets}
RULES=$TOP/rules/seed-table.rules
if [ "$MODE" = iface ]; then
	{
		echo "interface external = { fwe }"
		echo "interface internal = { fwi }"
		cat "$TOP/rules/seed-table.rules"
	} >"$T/seed-iface.rules"
	RULES=$T/seed-iface.rules
	TNAME=t_seed_iface
fi

PLAN=$T/plan.json
$PKT seed-plan "$PLAN" || fatal "pkt.py seed-plan"

# Offline first: the engine (ipsecfw replay, no devices) judges the plan as the plan says.
$PKT plan-pcap "$PLAN" "$T/plan.pcap" || fatal "pkt.py plan-pcap"
if "$IPSECFW" -j replay "$T/plan.pcap" -r "$TOP/rules/seed-table.rules" >"$T/replay.jsonl" &&
	tail -n 1 "$T/replay.jsonl" |
	$PY -c 'import json,sys; json.dump(json.load(sys.stdin)["summary"], open(sys.argv[1], "w"))' \
		"$T/replay.json" &&
	$PKT check-counters "$PLAN" "$T/replay.json" >"$T/replay.check"; then
	ok "ipsecfw replay of the plan agrees with the plan's expected rules"
else
	fail "ipsecfw replay of the plan disagrees with it:"
	grep FAIL "$T/replay.check" | sed 's/^/#   /'
fi

topo_up
log "mode $MODE, rules $RULES"
start_daemon "$RULES" -q 0 || fatal "daemon did not start"

capture_start "$NS_INT" eth0 int
CAP_INT=$CAP_PID
capture_start "$NS_EXT" eth0 ext
CAP_EXT=$CAP_PID

in_ext $PKT send "$PLAN" ext eth0 "$FW_MAC_E" >"$T/send-ext.log" 2>&1 ||
	fail "sending from ext: $(tail -n 3 "$T/send-ext.log")"
in_int $PKT send "$PLAN" int eth0 "$FW_MAC_I" >"$T/send-int.log" 2>&1 ||
	fail "sending from int: $(tail -n 3 "$T/send-int.log")"
sleep 1
capture_stop "$CAP_INT"
capture_stop "$CAP_EXT"

if $PKT check "$PLAN" "$T/ext.pcap" "$T/int.pcap" >"$T/capture.check"; then
	ok "captures: $(tail -n 1 "$T/capture.check")"
else
	fail "captures: $(tail -n 1 "$T/capture.check")"
	grep FAIL "$T/capture.check" | sed 's/^/#   /'
fi

if counters_json "$T/counters.json"; then
	if $PKT check-counters "$PLAN" "$T/counters.json" >"$T/counters.check"; then
		ok "ipsecfw -j counters agrees with the plan per rule, packets and bytes"
	else
		fail "ipsecfw -j counters disagrees with what was sent:"
		grep FAIL "$T/counters.check" | sed 's/^/#   /'
	fi
fi

# The kernel dropped nothing on the queue.
drops=$(nfq_proc | awk '$1 == 0 { print $6 + $7 }')
check_eq "kernel queue 0 drops (dropped + user_dropped)" 0 "${drops:-missing}"

stop_daemon
finish
