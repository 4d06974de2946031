# shellcheck shell=bash
# tests/net/lib.sh — framework for the network tests; sourced by tests/net/t_*.sh.
#
# Topology (three namespaces of our own, names unique per test process):
#
#   ext  eth0 198.51.100.2/24 2001:db8:1::2/64
#          |
#   fw   fwe  198.51.100.1/24 2001:db8:1::1/64   forwarding on, FORWARD -> NFQUEUE
#        fwi  192.0.2.1/24    2001:db8:2::1/64
#          |
#   int  eth0 192.0.2.2/24    2001:db8:2::2/64
#
# Everything a test starts is recorded (PIDs, namespaces, files under $T) and the EXIT trap
# removes exactly that: it kills only the recorded PIDs and deletes only our namespaces.
# No traffic ever leaves these namespaces.
#
# Environment: IPSECFWD, IPSECFW (paths to the programs, default build/), KEEP=1 keeps the
# temporary directory, NET_VERBOSE=1 echoes helper commands.

set -u
set -o pipefail

NET_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$NET_DIR/../.." && pwd)
IPSECFWD=${IPSECFWD:-$TOP/build/ipsecfwd}
IPSECFW=${IPSECFW:-$TOP/build/ipsecfw}
PY=/usr/bin/python3
PKT="$PY $NET_DIR/pkt.py"
TNAME=$(basename "$0" .sh)

if [ "$(id -u)" != 0 ]; then
	echo "skip: needs root"
	exit 77
fi
for _tool in ip iptables ip6tables tcpdump nc timeout $PY; do
	if ! command -v "$_tool" >/dev/null 2>&1; then
		echo "skip: $_tool not installed"
		exit 77
	fi
done
if ! $PY -c 'import scapy' 2>/dev/null; then
	echo "skip: scapy missing for $PY"
	exit 77
fi
for _prog in "$IPSECFWD" "$IPSECFW"; do
	if [ ! -x "$_prog" ]; then
		echo "skip: $_prog not built"
		exit 77
	fi
done

# Names: short (an interface name has at most 15 characters; ours live inside our own
# namespaces, so only the namespace names need to be unique).
ID=$$
NS_EXT=ifwt${ID}e
NS_FW=ifwt${ID}f
NS_INT=ifwt${ID}i
NAMESPACES=()
PIDS=()
FAILS=0
CHECKS=0

EXT4=198.51.100.2   EXT6=2001:db8:1::2
FWE4=198.51.100.1   FWE6=2001:db8:1::1
FWI4=192.0.2.1      FWI6=2001:db8:2::1
INT4=192.0.2.2      INT6=2001:db8:2::2

T=$(mktemp -d /tmp/ifwt.XXXXXX)
SOCK=$T/ctl.sock
PIDFILE=$T/ipsecfwd.pid
DAEMON_PID=
DAEMON_LOG=
DAEMON_N=0
T_START=$(date +%s.%N)

# ---------------------------------------------------------------------------------------------
# Reporting

log()  { echo "# $*"; }
ok()   { CHECKS=$((CHECKS + 1)); echo "ok   - $*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "FAIL - $*"; }
# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() {
	local what=$1; shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}
# check_eq DESCRIPTION EXPECTED GOT
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1 ($3)"; else fail "$1: expected $2, got $3"; fi
}
# fatal MESSAGE: a failure the rest of the test cannot go on from.
fatal() {
	fail "$*"
	show_daemon_log
	exit 1
}

# Exit through the trap with the test's status.
finish() {
	local dt
	dt=$(awk -v a="$T_START" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	if [ "$FAILS" -eq 0 ]; then
		echo "$TNAME: $CHECKS checks passed (${dt}s)"
		exit 0
	fi
	show_daemon_log
	echo "$TNAME: $FAILS of $CHECKS checks failed (${dt}s)"
	exit 1
}

show_daemon_log() {
	local f
	for f in "$T"/daemon.*.log; do
		[ -s "$f" ] || continue
		echo "# --- $(basename "$f") (last 20 lines)"
		tail -n 20 "$f" | sed 's/^/#   /'
	done
}

# ---------------------------------------------------------------------------------------------
# Cleanup: only what this test started.

cleanup() {
	local rc=$? p ns i
	trap - EXIT INT TERM
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		for i in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for ns in "${NAMESPACES[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ "${KEEP:-0}" = 1 ]; then
		echo "# kept $T"
	else
		rm -rf "$T"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# bg NS LOGFILE COMMAND...: start COMMAND in namespace NS in the background; sets BG_PID.
bg() {
	local ns=$1 logf=$2; shift 2
	ip netns exec "$ns" "$@" >"$logf" 2>&1 &
	BG_PID=$!
	PIDS+=("$BG_PID")
}

# forget PID: a recorded process has been reaped already.
forget() {
	local p keep=()
	for p in "${PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	PIDS=("${keep[@]}")
}

# stop_bg PID [SIGNAL]: signal a process we started and reap it; sets BG_RC.
stop_bg() {
	local p=$1 sig=${2:-TERM} i
	kill -"$sig" "$p" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	BG_RC=$?
	forget "$p"
}

in_ext() { ip netns exec "$NS_EXT" "$@"; }
in_fw()  { ip netns exec "$NS_FW" "$@"; }
in_int() { ip netns exec "$NS_INT" "$@"; }

# ---------------------------------------------------------------------------------------------
# Topology

ns_add() {
	ip netns add "$1" || fatal "ip netns add $1"
	NAMESPACES+=("$1")
	ip -n "$1" link set lo up
}

sysctl_ns() { ip netns exec "$1" sysctl -qw "$2" >/dev/null || fatal "sysctl $2 in $1"; }

topo_up() {
	local ns
	ns_add "$NS_EXT"
	ns_add "$NS_FW"
	ns_add "$NS_INT"
	ip link add eth0 netns "$NS_EXT" type veth peer name fwe netns "$NS_FW" ||
		fatal "veth ext-fw"
	ip link add eth0 netns "$NS_INT" type veth peer name fwi netns "$NS_FW" ||
		fatal "veth int-fw"

	for ns in "$NS_EXT" "$NS_INT" "$NS_FW"; do
		sysctl_ns "$ns" net.ipv6.conf.all.accept_ra=0
		sysctl_ns "$ns" net.ipv6.conf.default.accept_ra=0
		sysctl_ns "$ns" net.ipv6.conf.all.accept_dad=0
		sysctl_ns "$ns" net.ipv6.conf.default.accept_dad=0
	done
	sysctl_ns "$NS_FW" net.ipv4.ip_forward=1
	sysctl_ns "$NS_FW" net.ipv6.conf.all.forwarding=1
	# Spoofed-source packets (the wrong-direction cases) must reach the FORWARD hook.
	for ns in all default; do
		sysctl_ns "$NS_FW" net.ipv4.conf.$ns.rp_filter=0
		sysctl_ns "$NS_FW" net.ipv4.conf.$ns.send_redirects=0
	done

	ip -n "$NS_EXT" addr add $EXT4/24 dev eth0
	ip -n "$NS_EXT" addr add $EXT6/64 dev eth0 nodad
	ip -n "$NS_FW"  addr add $FWE4/24 dev fwe
	ip -n "$NS_FW"  addr add $FWE6/64 dev fwe nodad
	ip -n "$NS_FW"  addr add $FWI4/24 dev fwi
	ip -n "$NS_FW"  addr add $FWI6/64 dev fwi nodad
	ip -n "$NS_INT" addr add $INT4/24 dev eth0
	ip -n "$NS_INT" addr add $INT6/64 dev eth0 nodad
	for ns in "$NS_EXT" "$NS_INT"; do
		ip -n "$ns" link set eth0 up
	done
	ip -n "$NS_FW" link set fwe up
	ip -n "$NS_FW" link set fwi up
	for ns in fwe fwi; do
		sysctl_ns "$NS_FW" net.ipv4.conf.$ns.rp_filter=0
		sysctl_ns "$NS_FW" net.ipv4.conf.$ns.send_redirects=0
	done
	ip -n "$NS_EXT" route add default via $FWE4
	ip -n "$NS_EXT" -6 route add default via $FWE6
	ip -n "$NS_INT" route add default via $FWI4
	ip -n "$NS_INT" -6 route add default via $FWI6

	# The end hosts send no ICMP errors (port/protocol unreachable for the IPsec and IKE test
	# packets nobody listens for): they would cross the firewall too and upset the counts.
	for ns in "$NS_EXT" "$NS_INT"; do
		ip netns exec "$ns" iptables -A OUTPUT -p icmp --icmp-type destination-unreachable -j DROP
		ip netns exec "$ns" iptables -A OUTPUT -p icmp --icmp-type parameter-problem -j DROP
		ip netns exec "$ns" iptables -A OUTPUT -p icmp --icmp-type time-exceeded -j DROP
		ip netns exec "$ns" ip6tables -A OUTPUT -p icmpv6 --icmpv6-type destination-unreachable -j DROP
		ip netns exec "$ns" ip6tables -A OUTPUT -p icmpv6 --icmpv6-type parameter-problem -j DROP
		ip netns exec "$ns" ip6tables -A OUTPUT -p icmpv6 --icmpv6-type time-exceeded -j DROP
	done

	# Static neighbours: no ARP or neighbour discovery in the way of the test traffic.
	local mx mfe mfi mi
	mx=$(ip -n "$NS_EXT" -br link show eth0 | awk '{print $3}')
	mi=$(ip -n "$NS_INT" -br link show eth0 | awk '{print $3}')
	mfe=$(ip -n "$NS_FW" -br link show fwe | awk '{print $3}')
	mfi=$(ip -n "$NS_FW" -br link show fwi | awk '{print $3}')
	ip -n "$NS_EXT" neigh replace $FWE4 lladdr "$mfe" dev eth0 nud permanent &&
	ip -n "$NS_EXT" neigh replace $FWE6 lladdr "$mfe" dev eth0 nud permanent &&
	ip -n "$NS_INT" neigh replace $FWI4 lladdr "$mfi" dev eth0 nud permanent &&
	ip -n "$NS_INT" neigh replace $FWI6 lladdr "$mfi" dev eth0 nud permanent &&
	ip -n "$NS_FW" neigh replace $EXT4 lladdr "$mx" dev fwe nud permanent &&
	ip -n "$NS_FW" neigh replace $EXT6 lladdr "$mx" dev fwe nud permanent &&
	ip -n "$NS_FW" neigh replace $INT4 lladdr "$mi" dev fwi nud permanent &&
	ip -n "$NS_FW" neigh replace $INT6 lladdr "$mi" dev fwi nud permanent ||
		fatal "static neighbours"

	FW_MAC_E=$(ip -n "$NS_FW" -br link show fwe | awk '{print $3}')
	FW_MAC_I=$(ip -n "$NS_FW" -br link show fwi | awk '{print $3}')
	fw_queue --queue-num 0
}

# fw_queue NFQUEUE-OPTIONS...: replace fw's FORWARD chain (IPv4 and IPv6) by one rule
# `-j NFQUEUE OPTIONS`; `fw_queue none` leaves FORWARD empty (plain forwarding).
fw_queue() {
	local t
	for t in iptables ip6tables; do
		in_fw $t -F FORWARD || fatal "$t -F FORWARD"
		[ "$1" = none ] && continue
		in_fw $t -A FORWARD -j NFQUEUE "$@" || fatal "$t -A FORWARD -j NFQUEUE $*"
	done
}

# The kernel's view of the queues: "queue portid waiting copy_mode copy_range dropped
# user_dropped id_sequence 1" per bound queue.
nfq_proc() { in_fw cat /proc/net/netfilter/nfnetlink_queue 2>/dev/null; }

# ---------------------------------------------------------------------------------------------
# The daemon

# start_daemon RULES [ARGS...]: start ipsecfwd in fw with our socket and pidfile, wait until
# the pidfile holds its PID (written once the queues are bound and the socket listens; a
# stale pidfile of a killed daemon may still be there). Sets DAEMON_PID, DAEMON_LOG.
# Returns non-zero (after reporting) when it exits or is not ready within 10 s.
start_daemon() {
	local rules=$1 i; shift
	DAEMON_N=$((DAEMON_N + 1))
	DAEMON_LOG=$T/daemon.$DAEMON_N.log
	bg "$NS_FW" "$DAEMON_LOG" "$IPSECFWD" -r "$rules" -s "$SOCK" -p "$PIDFILE" "$@"
	DAEMON_PID=$BG_PID
	for i in $(seq 100); do
		if [ "$(tr -d ' \n' 2>/dev/null <"$PIDFILE")" = "$DAEMON_PID" ]; then
			return 0
		fi
		if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
			wait "$DAEMON_PID"
			fail "ipsecfwd -r $rules $* exited with $? before it was ready: $(tail -n 3 "$DAEMON_LOG")"
			forget "$DAEMON_PID"
			DAEMON_PID=
			return 1
		fi
		sleep 0.1
	done
	fail "ipsecfwd -r $rules $*: pidfile without its PID $DAEMON_PID within 10 s ($(cat "$PIDFILE" 2>/dev/null))"
	return 1
}

# stop_daemon: SIGTERM, which must end it with status 0 within 5 s.
stop_daemon() {
	[ -n "$DAEMON_PID" ] || return 0
	stop_bg "$DAEMON_PID" TERM
	check_eq "ipsecfwd exits with 0 on SIGTERM" 0 "$BG_RC"
	DAEMON_PID=
}

# ctl ARGS...: the CLI against our daemon.
ctl() { "$IPSECFW" -s "$SOCK" "$@"; }

# counters_json FILE: `ipsecfw -j counters` into FILE; fails the check when it does not work.
counters_json() {
	if ! ctl -j counters >"$1" 2>"$1.err"; then
		fail "ipsecfw -j counters: $(head -c 300 "$1.err")"
		return 1
	fi
	if ! $PY -c 'import json,sys; json.load(open(sys.argv[1]))' "$1" 2>/dev/null; then
		fail "ipsecfw -j counters printed no JSON object: $(head -c 300 "$1")"
		return 1
	fi
}

# jq_py FILE EXPR: evaluate a Python expression over the JSON object `d` read from FILE.
jq_py() {
	$PY -c 'import json,sys
d = json.load(open(sys.argv[1]))
try:
    v = eval(sys.argv[2])
except Exception as e:
    v = "<%s: %s>" % (type(e).__name__, e)
print(v)' "$1" "$2"
}

# ---------------------------------------------------------------------------------------------
# Captures

# capture_start NS IFACE NAME: tcpdump of packets arriving on IFACE (direction in) into
# $T/NAME.pcap, ready when this returns. Sets CAP_PID.
capture_start() {
	local ns=$1 ifc=$2 name=$3 i
	bg "$ns" "$T/$name.tcpdump.log" tcpdump -n -i "$ifc" -Q in -U --immediate-mode -s 0 \
		-w "$T/$name.pcap" not arp
	CAP_PID=$BG_PID
	for i in $(seq 50); do
		grep -q "listening on" "$T/$name.tcpdump.log" 2>/dev/null && return 0
		sleep 0.1
	done
	fatal "tcpdump in $ns on $ifc did not start: $(cat "$T/$name.tcpdump.log")"
}

capture_stop() {
	sleep 0.3
	stop_bg "$1" INT
}

# wait_for FILE-TEST SECONDS: poll until `test -ARG FILE` holds.
wait_file() {
	local f=$1 secs=${2:-10} i
	for i in $(seq $((secs * 10))); do
		[ -s "$f" ] && return 0
		sleep 0.1
	done
	return 1
}
