#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `sudo make demo-live`: the seed table live. Builds three namespaces of its own
# (ext — fw — int, documentation addresses), queues fw's forwarded traffic to ipsecfwd
# running rules/seed-table.rules, sends the demo capture's packets from the side each belongs
# to, shows `ipsecfw counters` and `ipsecfw stats`, and removes everything it made: the
# namespaces it created and the processes it started, by name and PID.
set -u
cd "$(dirname "$0")/.." || exit 2
if [ "$(id -u)" != 0 ]; then
	echo "demo-live: needs root (network namespaces, iptables, NFQUEUE): sudo make demo-live" >&2
	exit 2
fi
for t in ip iptables ip6tables /usr/bin/python3; do
	command -v "$t" >/dev/null || { echo "demo-live: $t is missing (make deps)" >&2; exit 2; }
done
RULES=${RULES:-rules/seed-table.rules}
PCAP=${PCAP:-tests/data/demo.pcap}
P=ifwd$$
EXT=${P}e FW=${P}f INT=${P}i
T=$(mktemp -d /tmp/ifwd-demo.XXXXXX)
DPID=

cleanup() {
	trap - EXIT INT TERM
	if [ -n "$DPID" ]; then
		kill -TERM "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null
	fi
	for ns in "$EXT" "$FW" "$INT"; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

run() { "$@" || { echo "demo-live: failed: $*" >&2; exit 1; }; }

echo "== namespaces $EXT — $FW — $INT"
for ns in "$EXT" "$FW" "$INT"; do run ip netns add "$ns"; run ip -n "$ns" link set lo up; done
run ip link add ext0 netns "$EXT" type veth peer name fw-ext netns "$FW"
run ip link add int0 netns "$INT" type veth peer name fw-int netns "$FW"
# The demo capture's hosts: 198.51.100.10/20/30 outside, 192.0.2.10/30 inside (and IPv6).
for a in 198.51.100.10/24 198.51.100.20/24 198.51.100.30/24; do run ip -n "$EXT" addr add "$a" dev ext0; done
for a in 192.0.2.10/24 192.0.2.30/24; do run ip -n "$INT" addr add "$a" dev int0; done
run ip -n "$EXT" addr add 2001:db8:1::10/64 dev ext0 nodad
run ip -n "$INT" addr add 2001:db8:2::10/64 dev int0 nodad
run ip -n "$FW" addr add 198.51.100.1/24 dev fw-ext
run ip -n "$FW" addr add 192.0.2.1/24 dev fw-int
run ip -n "$FW" addr add 2001:db8:1::1/64 dev fw-ext nodad
run ip -n "$FW" addr add 2001:db8:2::1/64 dev fw-int nodad
for l in "$EXT ext0" "$INT int0" "$FW fw-ext" "$FW fw-int"; do set -- $l; run ip -n "$1" link set "$2" up; done
run ip netns exec "$FW" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
run ip -n "$EXT" route add default via 198.51.100.1
run ip -n "$INT" route add default via 192.0.2.1
run ip -n "$EXT" -6 route add default via 2001:db8:1::1
run ip -n "$INT" -6 route add default via 2001:db8:2::1
run ip netns exec "$FW" iptables -A FORWARD -j NFQUEUE --queue-num 0
run ip netns exec "$FW" ip6tables -A FORWARD -j NFQUEUE --queue-num 0

echo "== ipsecfwd -r $RULES"
ip netns exec "$FW" build/ipsecfwd -r "$RULES" -s "$T/sock" -p "$T/pid" --no-syslog \
	2>"$T/daemon.log" &
DPID=$!
for _ in $(seq 100); do [ -s "$T/pid" ] && break; sleep 0.05; done
[ -s "$T/pid" ] || { cat "$T/daemon.log"; echo "demo-live: ipsecfwd did not start" >&2; exit 1; }
sed 's/^/   /' "$T/daemon.log"

echo "== sending $PCAP"
mac_e=$(ip -n "$FW" -br link show fw-ext | awk '{print $3}')
mac_i=$(ip -n "$FW" -br link show fw-int | awk '{print $3}')
run ip netns exec "$EXT" /usr/bin/python3 scripts/demo_send.py "$PCAP" ext ext0 "$mac_e"
run ip netns exec "$INT" /usr/bin/python3 scripts/demo_send.py "$PCAP" int int0 "$mac_i"
sleep 0.5

echo "== ipsecfw counters"
build/ipsecfw -s "$T/sock" counters
echo "== ipsecfw stats"
build/ipsecfw -s "$T/sock" stats
echo
echo "Differences from 'make demo' (replay) are real traffic: the kernel drops the capture's"
echo "packets with a broken IP header (bad version, header or total length) before the"
echo "FORWARD chain, so the queue never sees them; and the hosts answer what they cannot"
echo "handle (UDP to closed ports, ESP without an SA) with ICMP errors, which the seed table"
echo "blocks by policy."
