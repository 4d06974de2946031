#!/bin/bash
# A daemon killed with SIGKILL: behind `-j NFQUEUE --queue-bypass` traffic flows on without it;
# without --queue-bypass traffic stops; a restarted daemon (stale pidfile and socket left
# behind) binds the queue again and judges traffic.
. "$(dirname "$0")/lib.sh"

B=100     # datagrams per batch

cat >"$T/k.rules" <<'EOF'
set int = { 192.0.2.0/24, 2001:db8:2::/48 }
policy block
pass in proto udp to port 5005 comment "batches"
EOF

# batch FIRST MAXSEC: B datagrams numbered from FIRST, ext -> int; sets GOT (distinct arrived).
batch() {
	local first=$1 maxs=$2 rcv
	rm -f "$T/ready"
	bg "$NS_INT" "$T/recv.log" $PKT udp-recv $INT4 5005 "$T/b$first.json" "$T/ready" "$maxs" 1 $B
	rcv=$BG_PID
	wait_file "$T/ready" 5 || fatal "udp receiver did not start"
	in_ext $PKT udp-send $INT4 5005 "$first" $B 1000 >/dev/null || fail "udp-send"
	wait "$rcv"
	forget "$rcv"
	$PKT udp-report "$T/b$first.json" "$first" $B >"$T/b$first.report"
	GOT=$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["seen"]))' "$T/b$first.json")
}

topo_up
fw_queue --queue-num 0 --queue-bypass
start_daemon "$T/k.rules" || fatal "daemon did not start"

batch 1 10
check_eq "daemon running, bypass rule: batch 1 arrived" $B "$GOT"
if counters_json "$T/c1.json"; then
	check_eq "daemon running: batch 1 judged by the daemon" $B "$(jq_py "$T/c1.json" 'd["pass"]["packets"]')"
fi

stop_bg "$DAEMON_PID" KILL
DAEMON_PID=
check "the daemon is gone after SIGKILL" [ -z "$(nfq_proc | awk '$1 == 0')" ]

batch 101 10
check_eq "daemon killed, --queue-bypass: batch 2 flows" $B "$GOT"

fw_queue --queue-num 0
batch 201 3
check_eq "daemon killed, no bypass: batch 3 stops" 0 "$GOT"

# The CLI against the dead daemon's socket says so and exits 1.
ctl counters >"$T/dead.out" 2>&1
rc=$?
check_eq "ipsecfw counters against the killed daemon: exit status" 1 "$rc"
check "ipsecfw counters against the killed daemon: a message ($(head -n 1 "$T/dead.out"))" \
	[ -s "$T/dead.out" ]

start_daemon "$T/k.rules" || fatal "the daemon did not restart over the stale pidfile and socket"
batch 301 10
check_eq "restarted daemon, no bypass: batch 4 arrives" $B "$GOT"
if counters_json "$T/c4.json"; then
	check_eq "restarted daemon judged batch 4 (and nothing of batch 3)" $B \
		"$(jq_py "$T/c4.json" 'd["packets"]')"
fi
stop_daemon
finish
