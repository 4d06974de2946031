#!/bin/bash
# A real IKEv2 + ESP peer through the firewall: strongSwan's charon (kernel-libipsec: userspace
# ESP over a TUN device, always ESP in UDP 4500) in ext and in int, one charon per namespace with
# its own STRONGSWAN_CONF, vici socket and /run (a bind mount, for its fixed pid file), all under
# $T. PSK, tunnel 198.51.100.130/32 (on ext's lo) === 192.0.2.130/32 (on int's lo) between the
# gateways 198.51.100.2 and 192.0.2.2. The CHILD_SA keys come from charon's log (chd = 4; Debian's
# build has no save-keys plugin) via strongswan/childkeys.py into `ipsecfw sa add`, the SPIs
# checked against `swanctl --list-sas`. For aes128gcm16 and for aes128-sha256, one CHILD_SA
# after the other: without keys the tunnel is blocked as unverified (rule 4); with them a TCP
# connection to int's inner port 22 succeeds (rules 1, 2) and one to port 23 is blocked by rule
# 3, decided by the inner ports the firewall decrypted; IKE (UDP 500, and UDP 4500 behind the
# non-ESP marker) passes by rules 5 and 6.
. "$(dirname "$0")/lib.sh"

CHARON=${CHARON:-/usr/lib/ipsec/charon}
SWANCTL=$(command -v swanctl)
[ -x "$CHARON" ] || { echo "skip: $CHARON missing (strongswan-charon)"; exit 77; }
[ -n "$SWANCTL" ] || { echo "skip: swanctl missing (strongswan-swanctl)"; exit 77; }
for _p in kernel-libipsec vici gcm kdf; do
	[ -e /usr/lib/ipsec/plugins/libstrongswan-$_p.so ] ||
		{ echo "skip: strongSwan plugin $_p missing"; exit 77; }
done
[ -c /dev/net/tun ] || { echo "skip: no /dev/net/tun for kernel-libipsec"; exit 77; }

EXT_LAN=198.51.100.130
INT_LAN=192.0.2.130

topo_up
ip -n "$NS_EXT" addr add $EXT_LAN/32 dev lo || fatal "inner address in ext"
ip -n "$NS_INT" addr add $INT_LAN/32 dev lo || fatal "inner address in int"

cat >"$T/tunnel.rules" <<EOF
# ESP in UDP 4500 between two strongSwan gateways, filtered on the ports it carries.
set ext_gw  = $EXT4
set int_gw  = $INT4
set ext_lan = $EXT_LAN
set int_lan = $INT_LAN
policy block
policy icv-failure block
policy replay block
pass  proto udp from \$ext_gw port 4500 to \$int_gw port 4500 verified inner proto tcp from \$ext_lan to \$int_lan port 22 comment "ssh into int's site"
pass  proto udp from \$int_gw port 4500 to \$ext_gw port 4500 verified inner proto tcp from \$int_lan port 22 to \$ext_lan flags A/A comment "ssh replies"
block proto udp to port 4500 verified log comment "anything else in the tunnel"
block proto udp to port 4500 unverified log comment "ESP in UDP without a key"
pass  proto udp from \$ext_gw port { 500, 4500 } to \$int_gw port { 500, 4500 } comment "IKE ext to int"
pass  proto udp from \$int_gw port { 500, 4500 } to \$ext_gw port { 500, 4500 } comment "IKE int to ext"
EOF
start_daemon "$T/tunnel.rules" --no-syslog || finish

# swan_conf SIDE LOCAL-GW REMOTE-GW LOCAL-TS REMOTE-TS ESP-PROPOSALS...: $T/SIDE/strongswan.conf
# and swanctl.conf; one IKE connection `tun` with one child per ESP proposal (named gcm, cbc).
swan_conf() {
	local side=$1 lgw=$2 rgw=$3 lts=$4 rts=$5 d=$T/$1 p; shift 5
	mkdir -p "$d/run"
	cat >"$d/strongswan.conf" <<EOF
charon {
	load_modular = no
	load = random nonce openssl aes sha1 sha2 hmac gcm kdf curve25519 kernel-libipsec kernel-netlink socket-default vici
	install_virtual_ip = no
	retransmit_tries = 3
	retransmit_timeout = 1.0
	plugins {
		vici {
			socket = unix://$d/charon.vici
		}
	}
	filelog {
		main {
			path = $d/charon.log
			time_format = %H:%M:%S
			ike_name = yes
			flush_line = yes
			default = 1
			chd = 4
		}
	}
	syslog {
		daemon {
			default = -1
		}
		auth {
			default = -1
		}
	}
}
swanctl {
	socket = unix://$d/charon.vici
}
EOF
	{
		echo "connections { tun {"
		echo "	version = 2"
		echo "	local_addrs = $lgw"
		echo "	remote_addrs = $rgw"
		echo "	encap = yes"
		echo "	proposals = aes128-sha256-x25519"
		echo "	local { auth = psk"; echo "		id = $lgw }"
		echo "	remote { auth = psk"; echo "		id = $rgw }"
		echo "	children {"
		for p in "$@"; do
			echo "	${p%%=*} {"
			echo "		local_ts = $lts"
			echo "		remote_ts = $rts"
			echo "		mode = tunnel"
			echo "		esp_proposals = ${p#*=}"
			echo "	}"
		done
		echo "	}"
		echo "} }"
		echo "secrets { ike-tun {"
		echo "	id-a = $lgw"
		echo "	id-b = $rgw"
		echo "	secret = \"ipsecfw-test-$ID-$RANDOM$RANDOM\""
		echo "} }"
	} >"$d/swanctl.conf"
}
# The initiator (ext) proposes one ESP transform per child; the responder (int) has one child
# accepting both.
swan_conf ext "$EXT4" "$INT4" $EXT_LAN/32 $INT_LAN/32 gcm=aes128gcm16 cbc=aes128-sha256
swan_conf int "$INT4" "$EXT4" $INT_LAN/32 $EXT_LAN/32 net=aes128gcm16,aes128-sha256
# Same secret on both sides.
sed -i "s/secret = .*/$(grep 'secret = ' "$T/ext/swanctl.conf" | sed 's/[\/&]/\\&/g')/" \
	"$T/int/swanctl.conf"

# charon's pid file is fixed at /var/run/charon.pid: `ip netns exec` gives the command a
# mount namespace of its own, in which $T/SIDE/run is bound over /run.
start_charon() {
	local side=$1 ns=$2 d=$T/$1 _i
	# shellcheck disable=SC2016
	bg "$ns" "$d/stdout" env STRONGSWAN_CONF="$d/strongswan.conf" \
		sh -c 'mount --bind "$1" /run && exec "$2"' sh "$d/run" "$CHARON"
	for _i in $(seq 100); do
		[ -S "$d/charon.vici" ] && return 0
		kill -0 "$BG_PID" 2>/dev/null || break
		sleep 0.1
	done
	fatal "charon in $side did not start: $(tail -n 5 "$d/stdout" "$d/charon.log" 2>&1)"
}
sw() { local side=$1 ns=$2; shift 2
	ip netns exec "$ns" env STRONGSWAN_CONF="$T/$side/strongswan.conf" "$SWANCTL" "$@"; }
sw_ext() { sw ext "$NS_EXT" "$@"; }
sw_int() { sw int "$NS_INT" "$@"; }

t0=$(date +%s.%N)
start_charon ext "$NS_EXT"
start_charon int "$NS_INT"
grep -q "created TUN device: ipsec0" "$T/ext/charon.log" ||
	fatal "kernel-libipsec made no TUN device: $(grep -i tun "$T/ext/charon.log")"
sw_ext --load-all --file "$T/ext/swanctl.conf" >"$T/ext/load.log" 2>&1 ||
	fatal "swanctl --load-all in ext: $(cat "$T/ext/load.log")"
sw_int --load-all --file "$T/int/swanctl.conf" >"$T/int/load.log" 2>&1 ||
	fatal "swanctl --load-all in int: $(cat "$T/int/load.log")"
log "charons up in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')s"

# snap NAME: counters and stats into $T/NAME.c.json, $T/NAME.s.json.
snap() {
	counters_json "$T/$1.c.json"
	ctl -j stats >"$T/$1.s.json" 2>&1 || fail "ipsecfw -j stats: $(head -c 300 "$T/$1.s.json")"
}
# delta A B: packets per rule 1..6 and ESP verified, B minus A.
delta() {
	$PY -c 'import json,sys
a, b = json.load(open(sys.argv[1] + ".c.json")), json.load(open(sys.argv[2] + ".c.json"))
sa, sb = json.load(open(sys.argv[1] + ".s.json")), json.load(open(sys.argv[2] + ".s.json"))
r = [b["rules"][i]["packets"] - a["rules"][i]["packets"] for i in range(6)]
print(" ".join(map(str, r)), sb["esp"]["verified"] - sa["esp"]["verified"])' "$T/$1" "$T/$2"
}

# tcp_try PORT NAME: a TCP connection from ext's inner address to int's on PORT, with a
# listener there; "ok" when the line sent arrived and the connection closed cleanly.
tcp_try() {
	local port=$1 name=$2 srv got
	bg "$NS_INT" "$T/$name.srv" timeout 5 nc -l $INT_LAN "$port"
	srv=$BG_PID
	sleep 0.2
	echo "hello-$name" | in_ext timeout 4 nc -N -w 2 -s $EXT_LAN $INT_LAN "$port" \
		>"$T/$name.cli" 2>&1
	got=$?
	stop_bg "$srv" TERM
	if [ $got = 0 ] && grep -qx "hello-$name" "$T/$name.srv"; then echo ok; else echo "no($got)"; fi
}

# run CHILD: bring up CHILD, test without keys, with keys, port 22 and 23.
run() {
	local child=$1 t1 lines spis d
	t1=$(date +%s.%N)
	sw_ext --initiate --child "$child" --timeout 10 >"$T/$child.init.log" 2>&1 ||
		fatal "swanctl --initiate --child $child: $(tail -n 5 "$T/$child.init.log")"
	log "$child: CHILD_SA up in $(awk -v a="$t1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')s: $(grep 'established with SPIs' "$T/$child.init.log" | sed 's/.*CHILD_SA //')"

	# The SAs from the initiator's log; the SPIs must be the ones swanctl lists, both sides.
	$PY "$NET_DIR/strongswan/childkeys.py" "$T/ext/charon.log" "$child" >"$T/$child.sa" \
		2>"$T/$child.sa.err" || fatal "childkeys.py $child: $(cat "$T/$child.sa.err")"
	sw_ext --list-sas --child "$child" >"$T/$child.ext.sas" 2>&1
	sw_int --list-sas >"$T/$child.int.sas" 2>&1
	spis=$(awk '$1 == "in" || $1 == "out" { sub(",", "", $2); print $1, $2 }' "$T/$child.ext.sas" |
		sort | tr '\n' ' ')
	check_eq "$child: log's SPIs (ext in, ext out) are swanctl's" "$spis" \
		"in $(awk 'NR == 2 { print substr($3, 3) }' "$T/$child.sa") out $(awk 'NR == 1 { print substr($3, 3) }' "$T/$child.sa") "
	check_eq "$child: int's inbound SPI is ext's outbound" \
		"$(awk '$1 == "out" { sub(",", "", $2); print $2 }' "$T/$child.ext.sas")" \
		"$(awk '$1 == "in" { sub(",", "", $2); print $2 }' "$T/$child.int.sas" | tail -n 1)"
	log "$child: $(awk '$1 ~ /^[a-z]+:$/ && /INSTALLED/' "$T/$child.ext.sas" | sed 's/^ *//')"

	snap "$child.0"
	check_eq "$child: without keys, port 22 in the tunnel is blocked" "no(1)" "$(tcp_try 22 $child-nokey)"
	snap "$child.1"
	d=$(delta "$child.0" "$child.1")
	check "$child: ... as ESP in UDP without a key, rule 4 ($d)" \
		$PY -c 'import sys; r = list(map(int, sys.argv[1:])); sys.exit(not (r[3] >= 1 and r[0] == r[1] == r[2] == 0 and r[6] == 0))' $d

	while read -r lines; do
		# shellcheck disable=SC2086
		ctl sa add $lines >"$T/$child.add.log" 2>&1 ||
			fail "ipsecfw sa add $(echo "$lines" | cut -d' ' -f1-7): $(cat "$T/$child.add.log")"
	done <"$T/$child.sa"
	check_eq "$child: TCP to inner port 22 goes through" ok "$(tcp_try 22 $child-22)"
	snap "$child.2"
	check_eq "$child: TCP to inner port 23 is blocked" "no(1)" "$(tcp_try 23 $child-23)"
	snap "$child.3"
	d=$(delta "$child.1" "$child.2")
	check "$child: port 22: rules 1 (to 22) and 2 (replies) only, all ESP verified ($d)" \
		$PY -c 'import sys; r = list(map(int, sys.argv[1:])); sys.exit(not (r[0] >= 3 and r[1] >= 2 and r[2] == r[3] == 0 and r[6] == r[0] + r[1]))' $d
	d=$(delta "$child.2" "$child.3")
	check "$child: port 23: rule 3 (verified, inner port not allowed) only ($d)" \
		$PY -c 'import sys; r = list(map(int, sys.argv[1:])); sys.exit(not (r[2] >= 1 and r[0] == r[1] == r[3] == 0 and r[6] == r[2]))' $d
	ctl -j sa list >"$T/$child.salist.json"
	check_eq "$child: sa list counts packets on both SAs" "True" "$(jq_py "$T/$child.salist.json" \
		"all(s['packets'] > 0 for s in d['sas'] if '%08x' % int(str(s['spi']), 0) in open('$T/$child.sa').read())")"
	sw_ext --terminate --child "$child" --timeout 10 >"$T/$child.term.log" 2>&1 ||
		fail "swanctl --terminate --child $child: $(tail -n 3 "$T/$child.term.log")"
	ctl sa flush >/dev/null 2>&1 || fail "ipsecfw sa flush"
}

snap start
run gcm
run cbc
snap end
d=$(delta start end)
check "IKE (UDP 500 and 4500, no ESP) passed by rules 5 and 6 ($d)" \
	$PY -c 'import sys; r = list(map(int, sys.argv[1:])); sys.exit(not (r[4] >= 3 and r[5] >= 3))' $d
ctl -j stats >"$T/stats.json"
check_eq "no ICV failures, replays or bad padding" "0 0 0" "$(jq_py "$T/stats.json" \
	"' '.join(str(d['esp'][k]) for k in ('icv-fail','replayed','bad-padding'))")"
check "no charon errors in ext's log" sh -c "! grep -E '\\[(IKE|CHD|ESP|KNL)\\].*(failed|error)' '$T/ext/charon.log' | grep -v 'sending packet' >&2"
check "no charon errors in int's log" sh -c "! grep -E '\\[(IKE|CHD|ESP|KNL)\\].*(failed|error)' '$T/int/charon.log' >&2"
stop_daemon
finish
