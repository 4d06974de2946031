#!/bin/sh
# Queue local traffic (IPv4 and IPv6) to ipsecfwd: what this host receives (INPUT) and what
# it sends (OUTPUT), for a host that filters its own IPsec. Loopback is never queued.
#
#   contrib/iptables-local.sh [-b] [-m FIRST:LAST] [-d]
#     -b             add --queue-bypass (see below)
#     -m FIRST:LAST  several queues, one ipsecfwd thread each (ipsecfwd -q FIRST:LAST):
#                    --queue-balance FIRST:LAST --queue-cpu-fanout
#     -d             delete what this script added
#
# The rule lives in its own chain, IPSECFW_LOCAL, jumped to from the top of INPUT and
# OUTPUT, so -d removes exactly what was added and running the script twice adds nothing
# twice. In the rule file, declare the host's addresses in "int" (or use "interface"
# lists): without interface declarations "in" means from $ext to $int.
#
# NFQUEUE ends the chain: a packet ipsecfwd passes (NF_ACCEPT) does not come back to the
# INPUT/OUTPUT rules after the jump, so put rules that must also apply above the jump.
#
# --queue-bypass: when no ipsecfwd is bound to the queue (stopped, crashed, restarting),
#   packets pass UNINSPECTED: availability over security.
# Without it (the default here): such packets are dropped: fail-closed. On INPUT and
#   OUTPUT that includes your own ssh session: try it from a console, or with -b first.
# Either way, a queue that overflows while ipsecfwd runs drops (ipsecfwd --fail-open makes
# the kernel accept instead); `ipsecfw stats` shows those drops.
#
# --queue-cpu-fanout picks the queue by the CPU that handles the packet (queue = FIRST +
# CPU % count). Without it, --queue-balance hashes the addresses, so both directions of a
# flow, and every packet of one SA, use the same queue.
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
		while $ipt -D INPUT ! -i lo -j IPSECFW_LOCAL 2>/dev/null; do :; done
		while $ipt -D OUTPUT ! -o lo -j IPSECFW_LOCAL 2>/dev/null; do :; done
		$ipt -F IPSECFW_LOCAL 2>/dev/null || true
		$ipt -X IPSECFW_LOCAL 2>/dev/null || true
		continue
	fi
	$ipt -N IPSECFW_LOCAL 2>/dev/null || $ipt -F IPSECFW_LOCAL
	# shellcheck disable=SC2086 # $target is a list of words
	$ipt -A IPSECFW_LOCAL -j $target
	$ipt -C INPUT ! -i lo -j IPSECFW_LOCAL 2>/dev/null ||
		$ipt -I INPUT 1 ! -i lo -j IPSECFW_LOCAL
	$ipt -C OUTPUT ! -o lo -j IPSECFW_LOCAL 2>/dev/null ||
		$ipt -I OUTPUT 1 ! -o lo -j IPSECFW_LOCAL
done
