#!/bin/sh
# Queue forwarded traffic (IPv4 and IPv6) to ipsecfwd: a gateway between networks.
#
#   contrib/iptables-forward.sh [-b] [-m FIRST:LAST] [-d]
#     -b             add --queue-bypass (see below)
#     -m FIRST:LAST  several queues, one ipsecfwd thread each (ipsecfwd -q FIRST:LAST):
#                    --queue-balance FIRST:LAST --queue-cpu-fanout
#     -d             delete what this script added
#
# The rule lives in its own chain, IPSECFW, jumped to from the top of FORWARD, so -d
# removes exactly what was added and running the script twice adds nothing twice.
# Every forwarded packet is queued: ipsecfw must see all of an SA's packets (anti-replay,
# ICVs), so do not put a conntrack ESTABLISHED shortcut in front of it.
#
# NFQUEUE ends the chain: a packet ipsecfwd passes (NF_ACCEPT) does not come back to the
# FORWARD rules after the jump, so put rules that must also apply above the IPSECFW jump.
# Other tables and nftables chains on the same hook still see it, and any of them can drop it.
#
# --queue-bypass: when no ipsecfwd is bound to the queue (stopped, crashed, restarting),
#   packets pass UNINSPECTED: availability over security.
# Without it (the default here): such packets are dropped: fail-closed, and the network
#   is down until ipsecfwd runs again.
# Either way, a queue that overflows while ipsecfwd runs drops (ipsecfwd --fail-open makes
# the kernel accept instead); `ipsecfw stats` shows those drops.
#
# --queue-cpu-fanout picks the queue by the CPU that handles the packet (queue = FIRST +
# CPU % count): no cross-CPU traffic with RSS/RPS. Without it, --queue-balance hashes the
# addresses, so both directions of a flow, and every packet of one SA, use the same queue.
set -eu

bypass=
balance=
delete=0
while getopts bm:d opt; do
	case $opt in
	b) bypass=--queue-bypass ;;
	m) balance=$OPTARG ;;
	d) delete=1 ;;
	*) echo "usage: $0 [-b] [-m FIRST:LAST] [-d]" >&2; exit 2 ;;
	esac
done

if [ -n "$balance" ]; then
	case $balance in
	*[!0-9:]* | *:*:* | :* | *:) balance=bad ;;
	esac
	case $balance in
	[0-9]*:[0-9]*) ;;
	*) echo "$0: -m wants FIRST:LAST, for example 0:1" >&2; exit 2 ;;
	esac
	target="NFQUEUE --queue-balance $balance --queue-cpu-fanout $bypass"
else
	target="NFQUEUE --queue-num 0 $bypass"
fi

for ipt in iptables ip6tables; do
	if [ "$delete" = 1 ]; then
		while $ipt -D FORWARD -j IPSECFW 2>/dev/null; do :; done
		$ipt -F IPSECFW 2>/dev/null || true
		$ipt -X IPSECFW 2>/dev/null || true
		continue
	fi
	$ipt -N IPSECFW 2>/dev/null || $ipt -F IPSECFW
	# shellcheck disable=SC2086 # $target is a list of words
	$ipt -A IPSECFW -j $target
	$ipt -C FORWARD -j IPSECFW 2>/dev/null || $ipt -I FORWARD 1 -j IPSECFW
done
