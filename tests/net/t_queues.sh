#!/bin/bash
# Two queues: ipsecfwd -q 0:1 behind `-j NFQUEUE --queue-balance 0:1 --queue-cpu-fanout`, with
# senders pinned to each CPU (several flows each, IPv4 and IPv6). Both queues judge traffic
# (`ipsecfw -j stats`: received > 0 on queue 0 and 1, and the kernel's id_sequence too), every
# datagram arrives, and stats and counters add up to what was sent. On one CPU, or when the
# fanout does not spread, the test uses flow-hash balancing (no --queue-cpu-fanout) and 16
# flows instead.
. "$(dirname "$0")/lib.sh"

PER=1000          # datagrams per sender
FLOWS=8

cat >"$T/q.rules" <<'EOF'
set int = { 192.0.2.0/24, 2001:db8:2::/48 }
policy block
pass in proto udp to port 5004 comment "balanced"
EOF

topo_up
NCPU=$(nproc)
if [ "$NCPU" -ge 2 ] && command -v taskset >/dev/null; then
	BAL=fanout
	fw_queue --queue-balance 0:1 --queue-cpu-fanout
else
	BAL=hash
	FLOWS=16
	fw_queue --queue-balance 0:1
fi
log "balance: $BAL, $NCPU cpus"
start_daemon "$T/q.rules" -q 0:1 || fatal "daemon did not start"

# A receiver per family in int, then 2 senders per family (pinned to CPU 0 and 1 with fanout).
SENT=0
declare -A RCV
for fam in 4 6; do
	if [ $fam = 4 ]; then dst=$INT4; else dst=$INT6; fi
	rm -f "$T/ready$fam"
	bg "$NS_INT" "$T/recv$fam.log" $PKT udp-recv "$dst" 5004 "$T/udp$fam.json" "$T/ready$fam" \
		60 3 $((2 * PER))
	RCV[$fam]=$BG_PID
	wait_file "$T/ready$fam" 5 || fatal "udp receiver $fam did not start"
done
SND=()
for fam in 4 6; do
	if [ $fam = 4 ]; then dst=$INT4; else dst=$INT6; fi
	for cpu in 0 1; do
		first=$((cpu * PER + 1))
		if [ $BAL = fanout ]; then
			bg "$NS_EXT" "$T/send$fam$cpu.log" taskset -c $cpu $PKT udp-send "$dst" 5004 \
				$first $PER 2000 $FLOWS
		else
			bg "$NS_EXT" "$T/send$fam$cpu.log" $PKT udp-send "$dst" 5004 $first $PER 2000 $FLOWS
		fi
		SND+=("$BG_PID")
		SENT=$((SENT + PER))
	done
done
for p in "${SND[@]}"; do
	wait "$p" || fail "a sender failed: $(cat "$T"/send*.log)"
	forget "$p"
done
for fam in 4 6; do
	wait "${RCV[$fam]}"
	forget "${RCV[$fam]}"
	if $PKT udp-report "$T/udp$fam.json" 1 $((2 * PER)) >"$T/udp$fam.report"; then
		ok "IPv$fam: $(head -n 1 "$T/udp$fam.report")"
	else
		fail "IPv$fam: $(tr '\n' ' ' <"$T/udp$fam.report")"
	fi
done

# The kernel's own view: packets queued per queue (id_sequence, field 8).
nfq_proc >"$T/proc"
log "nfnetlink_queue: $(tr '\n' ';' <"$T/proc")"
k0=$(awk '$1 == 0 { print $8 }' "$T/proc")
k1=$(awk '$1 == 1 { print $8 }' "$T/proc")
check "kernel queued to both queues (0: ${k0:-none}, 1: ${k1:-none})" \
	[ "${k0:-0}" -gt 0 -a "${k1:-0}" -gt 0 ]
check_eq "kernel drops on both queues" 0 "$(awk '$1 <= 1 { s += $6 + $7 } END { print s + 0 }' "$T/proc")"

if ctl -j stats >"$T/stats.json" 2>"$T/stats.err"; then
	q=$(jq_py "$T/stats.json" '" ".join("%s:%s" % (q["queue"], q["received"]) for q in d["queues"])')
	log "stats queues (queue:received): $q"
	r0=$(jq_py "$T/stats.json" 'sum(q["received"] for q in d["queues"] if q["queue"] == 0)')
	r1=$(jq_py "$T/stats.json" 'sum(q["received"] for q in d["queues"] if q["queue"] == 1)')
	check "stats: both queues received packets (0: $r0, 1: $r1)" [ "$r0" -gt 0 -a "$r1" -gt 0 ] 2>/dev/null
	check_eq "stats: received on both queues add up to what was sent" $SENT \
		"$(jq_py "$T/stats.json" 'sum(q["received"] for q in d["queues"])')"
	check_eq "stats: passed on both queues add up to what was sent" $SENT \
		"$(jq_py "$T/stats.json" 'sum(q["pass"]["packets"] for q in d["queues"])')"
	check_eq "stats: ENOBUFS" 0 "$(jq_py "$T/stats.json" 'sum(q["enobufs"] for q in d["queues"])')"
	check "stats: verdict batches sent on both queues" \
		[ "$(jq_py "$T/stats.json" 'all(q["batches"] > 0 for q in d["queues"])')" = True ]
	# The kernel and the daemon agree per queue.
	check_eq "stats queue 0 received = kernel id_sequence" "${k0:-none}" "$r0"
	check_eq "stats queue 1 received = kernel id_sequence" "${k1:-none}" "$r1"
else
	fail "ipsecfw -j stats: $(head -c 300 "$T/stats.err")"
fi
if counters_json "$T/c.json"; then
	check_eq "counters: packets" $SENT "$(jq_py "$T/c.json" 'd["packets"]')"
	check_eq "counters: passed" $SENT "$(jq_py "$T/c.json" 'd["pass"]["packets"]')"
	check_eq "counters: rule 1" $SENT "$(jq_py "$T/c.json" 'd["rules"][0]["packets"]')"
	check_eq "counters: bytes = rule 1 bytes" "$(jq_py "$T/c.json" 'd["rules"][0]["bytes"]')" \
		"$(jq_py "$T/c.json" 'd["bytes"]')"
	# 64-byte payloads: IPv4 20 + 8 + 64, IPv6 40 + 8 + 64.
	check_eq "counters: bytes" $((SENT / 2 * 92 + SENT / 2 * 112)) "$(jq_py "$T/c.json" 'd["bytes"]')"
fi
stop_daemon
finish
