#!/bin/bash
# Reload under load: 3000 numbered UDP datagrams from ext to int at 300/s while the rules are
# reloaded 20 times, alternating between two equivalent files, by SIGHUP (after rewriting the
# -r file) and by `ipsecfw reload [RULES]`. Every datagram arrives, none twice; the daemon
# counts 20 reloads and every datagram as passed. Then a bad file is refused (exit 2,
# file:line:col) and the running rules stay.
. "$(dirname "$0")/lib.sh"

N=3000
RATE=300
RELOADS=20

cat >"$T/a.rules" <<'EOF'
set int = { 192.0.2.0/24, 2001:db8:2::/48 }
policy block
pass in  proto udp to port 5003 comment "the stream"
pass out proto udp from port 5003 comment "replies"
EOF
cat >"$T/b.rules" <<'EOF'
# The same verdicts, written differently.
set int = { 192.0.2.0/24, 2001:db8:2::/48 }
set ext = ! $int
policy block
pass in  proto udp from $ext to $int port 5003 comment "the stream (b)"
block in proto tcp to port 9 comment "never matches"
pass out proto udp from $int port 5003 to $ext
EOF
cat >"$T/bad.rules" <<'EOF'
set int = { 192.0.2.0/24 }
policy block
pass in proto udp to prot 5003
EOF
cp "$T/a.rules" "$T/live.rules"

topo_up
start_daemon "$T/live.rules" || fatal "daemon did not start"

reloads() {
	ctl -j counters 2>/dev/null | $PY -c 'import json,sys; print(json.load(sys.stdin)["reloads"])' \
		2>/dev/null
}
# wait_reloads N: until the daemon reports N reloads (2 s at most).
wait_reloads() {
	local i
	for i in $(seq 40); do
		[ "$(reloads)" = "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

rm -f "$T/udp.ready"
bg "$NS_INT" "$T/udp-recv.log" $PKT udp-recv $INT4 5003 "$T/udp.json" "$T/udp.ready" 60 3 $N
RCV=$BG_PID
wait_file "$T/udp.ready" 5 || fatal "udp receiver did not start"
bg "$NS_EXT" "$T/udp-send.log" $PKT udp-send $INT4 5003 1 $N $RATE
SND=$BG_PID
sleep 0.3

start0=$(reloads)
check_eq "reloads before any" 0 "$start0"
bad_hup=0 bad_ctl=0 lost=0
for i in $(seq $RELOADS); do
	if [ $((i % 2)) = 1 ]; then
		src=$T/b.rules
		[ $((i % 4)) = 1 ] || src=$T/a.rules
		cp "$src" "$T/live.rules.tmp" && mv "$T/live.rules.tmp" "$T/live.rules"
		kill -HUP "$DAEMON_PID"
	elif [ $((i % 4)) = 0 ]; then
		ctl reload >"$T/reload.out" 2>&1 || { bad_ctl=$((bad_ctl + 1)); log "reload: $(cat "$T/reload.out")"; }
	else
		ctl reload "$T/b.rules" >"$T/reload.out" 2>&1 || { bad_ctl=$((bad_ctl + 1)); log "reload b: $(cat "$T/reload.out")"; }
	fi
	wait_reloads "$i" || { lost=$((lost + 1)); log "reload $i not counted (reloads: $(reloads))"; }
	kill -0 "$DAEMON_PID" 2>/dev/null || fatal "the daemon died during reload $i"
	sleep 0.15
done
check_eq "ipsecfw reload during the stream: failures" 0 "$bad_ctl"
check_eq "reloads not seen in counters within 2 s" 0 "$lost"
check "the stream was still running when the reloads ended" kill -0 "$SND"

wait "$SND"
check_eq "udp-send exit status" 0 "$?"
forget "$SND"
wait "$RCV"
forget "$RCV"
if $PKT udp-report "$T/udp.json" 1 $N >"$T/udp.report"; then
	ok "every datagram arrived once: $(head -n 1 "$T/udp.report")"
else
	fail "datagrams lost or doubled across reloads: $(tr '\n' ' ' <"$T/udp.report")"
fi

if counters_json "$T/c.json"; then
	check_eq "counters: reloads" $RELOADS "$(jq_py "$T/c.json" 'd["reloads"]')"
	check_eq "counters: passed packets over all reloads" $N "$(jq_py "$T/c.json" 'd["pass"]["packets"]')"
	check_eq "counters: blocked packets" 0 "$(jq_py "$T/c.json" 'd["block"]["packets"]')"
fi

# A bad file is refused with its location; the running rules stay and still pass the stream.
ctl reload "$T/bad.rules" >"$T/bad.out" 2>&1
rc=$?
check_eq "ipsecfw reload of a bad file: exit status" 2 "$rc"
check "ipsecfw reload of a bad file names file:line:col ($(head -n 1 "$T/bad.out"))" \
	grep -q "bad.rules:3:[0-9]*:" "$T/bad.out"
check_eq "reloads after the refused file" $RELOADS "$(reloads)"
rm -f "$T/udp.ready"
bg "$NS_INT" "$T/udp-recv2.log" $PKT udp-recv $INT4 5003 "$T/udp2.json" "$T/udp.ready" 20 2 100
RCV=$BG_PID
wait_file "$T/udp.ready" 5 || fatal "udp receiver did not start"
in_ext $PKT udp-send $INT4 5003 $((N + 1)) 100 1000 >/dev/null
wait "$RCV"
forget "$RCV"
if $PKT udp-report "$T/udp2.json" $((N + 1)) 100 >"$T/udp2.report"; then
	ok "after the refused reload the rules still pass: $(head -n 1 "$T/udp2.report")"
else
	fail "after the refused reload: $(tr '\n' ' ' <"$T/udp2.report")"
fi

stop_daemon
finish
