#!/bin/bash
# Real TCP and UDP through the firewall, IPv4 and IPv6: with pass rules a file goes over nc
# from ext to int intact (SHA-256 compared) and every UDP datagram arrives; with block rules
# the TCP connection times out, no UDP datagram arrives, and the block rules count them.
. "$(dirname "$0")/lib.sh"

cat >"$T/pass.rules" <<'EOF'
set int = { 192.0.2.0/24, 2001:db8:2::/48 }
policy block
pass in  proto tcp to port 5001 comment "to the server"
pass out proto tcp from port 5001 comment "the server's replies"
pass in  proto udp to port 5002 comment "datagrams in"
EOF
cat >"$T/block.rules" <<'EOF'
set int = { 192.0.2.0/24, 2001:db8:2::/48 }
policy pass
block in proto tcp to port 5001 comment "no tcp to the server"
block in proto udp to port 5002 comment "no datagrams in"
EOF

head -c 262144 /dev/urandom >"$T/file"
SUM=$(sha256sum <"$T/file" | cut -d' ' -f1)
NUDP=200

# wait_listen PORT: until something in int listens on TCP PORT.
wait_listen() {
	local i
	for i in $(seq 50); do
		[ -n "$(in_int ss -Hltn "sport = :$1")" ] && return 0
		sleep 0.1
	done
	return 1
}

# tcp_xfer FAMILY DST: the file from ext to int over nc; sets XFER_RC (client), XFER_SUM.
tcp_xfer() {
	local fam=$1 dst=$2 srv
	rm -f "$T/recv"
	bg "$NS_INT" "$T/recv" timeout 20 nc -"$fam" -l "$dst" 5001
	srv=$BG_PID
	wait_listen 5001 || fail "nc -l in int did not listen"
	in_ext timeout 20 nc -"$fam" -N -w 4 "$dst" 5001 <"$T/file" >/dev/null 2>"$T/nc.err"
	XFER_RC=$?
	# A passed transfer ends the server by itself; a blocked one leaves it waiting.
	local i
	for i in $(seq 30); do
		kill -0 "$srv" 2>/dev/null || break
		sleep 0.1
	done
	stop_bg "$srv" TERM
	XFER_SUM=$(sha256sum <"$T/recv" | cut -d' ' -f1)
	XFER_LEN=$(stat -c %s "$T/recv")
}

# udp_burst DST MAXSEC: NUDP datagrams from ext to int port 5002; sets UDP_OUT.
udp_burst() {
	local dst=$1 maxs=$2 rcv
	UDP_OUT=$T/udp-$dst.json
	rm -f "$T/udp.ready"
	bg "$NS_INT" "$T/udp-recv.log" $PKT udp-recv "$dst" 5002 "$UDP_OUT" "$T/udp.ready" \
		"$maxs" 1 "$NUDP"
	rcv=$BG_PID
	wait_file "$T/udp.ready" 5 || fail "udp receiver did not start"
	in_ext $PKT udp-send "$dst" 5002 1 "$NUDP" 2000 >/dev/null ||
		fail "udp-send to $dst"
	wait "$rcv"
	forget "$rcv"
}

topo_up

# --- pass ---------------------------------------------------------------------------------
start_daemon "$T/pass.rules" || fatal "daemon did not start"
for fam in 4 6; do
	if [ $fam = 4 ]; then dst=$INT4; else dst=$INT6; fi
	tcp_xfer $fam "$dst"
	check_eq "IPv$fam TCP with a pass rule: nc exit status" 0 "$XFER_RC"
	check_eq "IPv$fam TCP with a pass rule: the file arrives intact (sha256)" "$SUM" "$XFER_SUM"
	udp_burst "$dst" 10
	if $PKT udp-report "$UDP_OUT" 1 "$NUDP" >"$T/udp.report"; then
		ok "IPv$fam UDP with a pass rule: $(head -n 1 "$T/udp.report")"
	else
		fail "IPv$fam UDP with a pass rule: $(tr '\n' ' ' <"$T/udp.report")"
	fi
done
if counters_json "$T/c-pass.json"; then
	check_eq "pass rules: nothing blocked" 0 "$(jq_py "$T/c-pass.json" 'd["block"]["packets"]')"
	check_eq "pass rules: the UDP rule counted every datagram" $((2 * NUDP)) \
		"$(jq_py "$T/c-pass.json" '[r["packets"] for r in d["rules"] if r["rule"] == 3][0]')"
	check "pass rules: both TCP rules counted packets ($(jq_py "$T/c-pass.json" \
		'[r["packets"] for r in d["rules"]]'))" \
		[ "$(jq_py "$T/c-pass.json" 'all(r["packets"] > 0 for r in d["rules"])')" = True ]
	check_eq "pass rules: total = pass" \
		"$(jq_py "$T/c-pass.json" 'd["pass"]["packets"]')" \
		"$(jq_py "$T/c-pass.json" 'd["packets"]')"
fi
stop_daemon

# --- block --------------------------------------------------------------------------------
start_daemon "$T/block.rules" || fatal "daemon did not start"
for fam in 4 6; do
	if [ $fam = 4 ]; then dst=$INT4; else dst=$INT6; fi
	tcp_xfer $fam "$dst"
	check "IPv$fam TCP with a block rule: nc fails (status $XFER_RC)" [ "$XFER_RC" != 0 ]
	check_eq "IPv$fam TCP with a block rule: bytes received in int" 0 "$XFER_LEN"
	udp_burst "$dst" 3
	n=$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["seen"]))' "$UDP_OUT")
	check_eq "IPv$fam UDP with a block rule: datagrams received in int" 0 "$n"
done
if counters_json "$T/c-block.json"; then
	check_eq "block rules: nothing passed" 0 "$(jq_py "$T/c-block.json" 'd["pass"]["packets"]')"
	check_eq "block rules: the UDP block rule counted every datagram" $((2 * NUDP)) \
		"$(jq_py "$T/c-block.json" '[r["packets"] for r in d["rules"] if r["rule"] == 2][0]')"
	check "block rules: the TCP block rule counted the SYNs ($(jq_py "$T/c-block.json" \
		'[r["packets"] for r in d["rules"] if r["rule"] == 1][0]'))" \
		[ "$(jq_py "$T/c-block.json" '[r["packets"] for r in d["rules"] if r["rule"] == 1][0] >= 2')" = True ]
fi
stop_daemon
finish
