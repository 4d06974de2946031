#!/bin/bash
# AH verified on the wire: rules/ah-inner.rules with the SA's key (-k), AH-wrapped TCP from
# scapy (an independent AH implementation): ssh SYN passes, a SYN to another port is blocked,
# ACK segments pass, a forged ICV (wrong key) and a replayed sequence number are dropped
# before the rules, an unknown SPI is unverified and blocked; what arrives in int is checked
# with a capture, and `ipsecfw -j sa list` / `stats` count the same. Then `sa del`, `sa add`,
# `sa flush` at run time, and a key file readable by others refused.
. "$(dirname "$0")/lib.sh"
AH="$PY $NET_DIR/ah.py"

topo_up
$AH keys >"$T/ah.keys"
chmod 600 "$T/ah.keys"

# A key file others may read is refused, with the reason.
cp "$T/ah.keys" "$T/open.keys"
chmod 644 "$T/open.keys"
timeout 5 ip netns exec "$NS_FW" "$IPSECFWD" -r "$TOP/rules/ah-inner.rules" -k "$T/open.keys" \
	-s "$T/x.sock" --no-syslog >"$T/open.log" 2>&1
check_eq "a key file readable by others: exit status" 2 "$?"
check "... and the message says why ($(head -n 1 "$T/open.log"))" grep -q "group or others" "$T/open.log"

start_daemon "$TOP/rules/ah-inner.rules" -k "$T/ah.keys" --no-syslog || finish
capture_start "$NS_INT" eth0 int
in_ext $AH send eth0 "$FW_MAC_E" >/dev/null
capture_stop "$CAP_PID"
in_int true
$AH check "$T/int.pcap" | sort >"$T/arrived"
printf '%s\n' late-ack ssh-syn web-ack >"$T/want"
check "exactly ssh-syn, web-ack and late-ack arrived ($(tr '\n' ' ' <"$T/arrived"))" \
	cmp -s "$T/arrived" "$T/want"

ctl -j sa list >"$T/sa.json" || fail "ipsecfw -j sa list"
check_eq "sa list: one SA" 1 "$(jq_py "$T/sa.json" "d['count']")"
check_eq "sa list: verified packets" 4 "$(jq_py "$T/sa.json" "d['sas'][0]['packets']")"
check_eq "sa list: ICV failures" 1 "$(jq_py "$T/sa.json" "d['sas'][0]['icv_failures']")"
check_eq "sa list: replays" 1 "$(jq_py "$T/sa.json" "d['sas'][0]['replays']")"
check_eq "sa list: highest sequence number" 10 "$(jq_py "$T/sa.json" "d['sas'][0]['highest_seq']")"
check "sa list shows no key" sh -c "! grep -qi '6a1f2e3d' '$T/sa.json'"
ctl -j stats >"$T/stats.json" || fail "ipsecfw -j stats"
check_eq "stats: ah outcomes" "4 1 1 1" "$(jq_py "$T/stats.json" \
	"' '.join(str(d['ah'][k]) for k in ('verified','no-sa','icv-fail','replayed'))")"
check_eq "stats: dropped as icv-fail and replayed" "1 1" "$(jq_py "$T/stats.json" \
	"'%d %d' % (d['reasons']['icv-fail'], d['reasons']['replayed'])")"
counters_json "$T/c.json"
check_eq "counters: rule 1 (ssh), rule 2 (ACK), rule 5 (other AH)" "1 2 2" "$(jq_py "$T/c.json" \
	"'%d %d %d' % (d['rules'][0]['packets'], d['rules'][1]['packets'], d['rules'][4]['packets'])")"

# Run-time changes: delete the SA (its packets become unverified), add it back, flush.
ctl sa del spi 0x2001 dst 192.0.2.2 proto ah >/dev/null
check_eq "sa del: no SA left" 0 "$(ctl -j sa list | $PY -c 'import json,sys; print(json.load(sys.stdin)["count"])')"
ctl sa del spi 0x2001 dst 192.0.2.2 proto ah >"$T/del2" 2>&1
check_eq "sa del of an unknown SA: exit status" 2 "$?"
ctl sa add "$(cat "$T/ah.keys")" >/dev/null
check_eq "sa add: the SA is back" 1 "$(ctl -j sa list | $PY -c 'import json,sys; print(json.load(sys.stdin)["count"])')"
ctl sa add ah spi 0x2002 dst 192.0.2.2 auth-trunc 'hmac(sha1)' 0x$(printf '%040d' 7) 100 >"$T/bad" 2>&1
check_eq "sa add with an ICV length hmac(sha1) cannot have: exit status" 2 "$?"
check "... with the reason ($(head -n 1 "$T/bad"))" grep -q "100" "$T/bad"
check_eq "... and nothing added" 1 "$(ctl -j sa list | $PY -c 'import json,sys; print(json.load(sys.stdin)["count"])')"
ctl sa flush >/dev/null
check_eq "sa flush: empty" 0 "$(ctl -j sa list | $PY -c 'import json,sys; print(json.load(sys.stdin)["count"])')"

stop_daemon
finish
