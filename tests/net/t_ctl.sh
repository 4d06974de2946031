#!/bin/bash
# The control socket under bad requests, and clear failures:
# - garbage, a NUL inside a line, a 1 MiB line (with and without newline), an unknown command
#   and a half request with a disconnect each get an error reply or are dropped; the daemon
#   lives on and still answers `counters` (also while a client holds a connection idle);
# - the socket is mode 0600;
# - a second daemon on the same queue exits non-zero with a message naming the queue, and a
#   second daemon on the same socket path does not take the socket from the first;
# - the CLI with no daemon (no socket file, or a stale one) exits 1 with a message.
. "$(dirname "$0")/lib.sh"

cat >"$T/c.rules" <<'EOF'
set int = { 192.0.2.0/24, 2001:db8:2::/48 }
policy block
pass in proto udp to port 5006
EOF

topo_up
start_daemon "$T/c.rules" -q 0 || fatal "daemon did not start"

check_eq "control socket mode" 600 "$(stat -c %a "$SOCK" 2>/dev/null)"
check "control socket is a socket" [ -S "$SOCK" ]

answers() {
	# counters answer within 5 s and are JSON
	timeout 5 "$IPSECFW" -s "$SOCK" -j counters >"$T/ans.json" 2>"$T/ans.err" &&
		$PY -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/ans.json" 2>/dev/null
}

for mode in garbage nul unknown unknowncmd notobject badtype deep badutf8 big bignl half; do
	timeout 15 $PKT ctl-raw "$SOCK" $mode >"$T/raw.$mode" 2>&1
	rc=$?
	if [ $rc = 0 ]; then
		ok "bad request '$mode': $(head -c 200 "$T/raw.$mode")"
	else
		fail "bad request '$mode' (status $rc): $(head -c 300 "$T/raw.$mode")"
	fi
	check "daemon alive after '$mode'" kill -0 "$DAEMON_PID"
	check "daemon answers counters after '$mode'" answers
done
# Each of these is answered with an error, or at least dropped.
for mode in garbage nul unknown unknowncmd notobject badtype deep badutf8 big bignl; do
	if grep -qi "error\|unknown\|invalid" "$T/raw.$mode"; then
		ok "'$mode' got an error reply"
	elif grep -q "closed without a reply\|connection reset\|closed while sending" "$T/raw.$mode"; then
		log "'$mode' was dropped without a reply"
	else
		fail "'$mode' got neither an error reply nor a closed connection: $(head -c 200 "$T/raw.$mode")"
	fi
done

# A client that connects and says nothing does not block others.
bg "$NS_FW" "$T/idle.log" $PY -c 'import socket,sys,time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(sys.argv[1])
s.send(b"coun"); time.sleep(30)' "$SOCK"
IDLE=$BG_PID
sleep 0.3
check "daemon answers counters while another client sits on half a request" answers
# Several clients at once.
pids=()
for i in 1 2 3 4 5 6 7 8; do
	timeout 5 "$IPSECFW" -s "$SOCK" -j counters >"$T/par.$i" 2>&1 &
	pids+=($!)
done
par_bad=0
for i in 1 2 3 4 5 6 7 8; do
	wait "${pids[$((i - 1))]}" || par_bad=$((par_bad + 1))
done
check_eq "8 clients at once: failures" 0 "$par_bad"
stop_bg "$IDLE" TERM

# A second daemon on the same queue (own socket and pidfile) must fail and say why.
timeout 10 ip netns exec "$NS_FW" "$IPSECFWD" -r "$T/c.rules" -q 0 -s "$T/ctl2.sock" \
	-p "$T/pid2" >"$T/second.log" 2>&1
rc=$?
if [ $rc = 124 ]; then
	fail "a second daemon on queue 0 was still running after 10 s (killed): $(head -n 3 "$T/second.log")"
else
	check "a second daemon on queue 0 exits non-zero (status $rc)" [ $rc != 0 ]
	check "its message names the queue: $(head -n 1 "$T/second.log")" \
		grep -qi "queue 0\|queue: 0\|queue num 0" "$T/second.log"
	# We are root: the reason is the queue being taken, not a missing capability.
	check "its message says the queue is in use (not a permission problem)" \
		grep -qi "in use\|busy\|already\|another" "$T/second.log"
fi
check "the first daemon still runs" kill -0 "$DAEMON_PID"
check "the first daemon still answers" answers

# A second daemon on another queue but the first one's socket path must not take the socket.
timeout 5 ip netns exec "$NS_FW" "$IPSECFWD" -r "$T/c.rules" -q 1 -s "$SOCK" \
	-p "$T/pid3" >"$T/third.log" 2>&1
rc=$?
if [ $rc = 124 ]; then
	fail "a second daemon on the same socket path was still running after 5 s (killed)"
else
	check "a second daemon on the same socket path exits non-zero (status $rc): $(head -n 1 "$T/third.log")" \
		[ $rc != 0 ]
fi
check "the first daemon still answers on its socket" answers

# counters --watch: one JSON line per round with -j; rates from the second text round on.
ctl -j counters --watch 0.2 --count 3 >"$T/watch.json" 2>&1
rc=$?
check_eq "counters -j --watch 0.2 --count 3: exit status" 0 "$rc"
check_eq "counters -j --watch 0.2 --count 3: JSON lines" 3 "$(grep -c '^{"ok":true' "$T/watch.json")"
ctl counters --watch 0.2 --count 2 >"$T/watch.txt" 2>&1
check "counters --watch: the first round has no rate column" \
	sh -c "head -n 2 '$T/watch.txt' | grep -q 'packets' && ! head -n 2 '$T/watch.txt' | grep -q 'pkts/s'"
check "counters --watch: the second round shows packets per second" grep -q 'pkts/s' "$T/watch.txt"
ctl counters --watch 0 >"$T/watch.bad" 2>&1
check_eq "counters --watch 0: usage error" 2 "$?"

# The CLI without a daemon: no socket file, and a stale socket file nobody listens on.
"$IPSECFW" -s "$T/none.sock" counters >"$T/none.out" 2>&1
rc=$?
check_eq "ipsecfw counters with no socket: exit status" 1 "$rc"
check "ipsecfw counters with no socket: a message ($(head -n 1 "$T/none.out"))" [ -s "$T/none.out" ]
$PY -c 'import socket,sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind(sys.argv[1]); s.close()' "$T/stale.sock"
"$IPSECFW" -s "$T/stale.sock" -j counters >"$T/stale.out" 2>&1
rc=$?
check_eq "ipsecfw -j counters with a stale socket: exit status" 1 "$rc"
check "ipsecfw -j counters with a stale socket: a message ($(head -n 1 "$T/stale.out"))" [ -s "$T/stale.out" ]

stop_daemon
finish
