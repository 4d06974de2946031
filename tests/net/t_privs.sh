#!/bin/bash
# ipsecfwd -u nobody: after binding the queue and the socket it runs as nobody with
# CAP_NET_ADMIN alone (effective and permitted, empty bounding set), still judges traffic,
# answers the CLI, and reloads a rules file that nobody can read.
. "$(dirname "$0")/lib.sh"

id nobody >/dev/null 2>&1 || { echo "skip: no user nobody"; exit 77; }
chmod 0711 "$T"
cat >"$T/p.rules" <<'EOF'
set int = { 192.0.2.0/24, 2001:db8:2::/48 }
policy block
pass in proto udp to port 5007 comment "as nobody"
EOF
chmod 0644 "$T/p.rules"

topo_up
start_daemon "$T/p.rules" -u nobody || fatal "daemon -u nobody did not start"
st=/proc/$DAEMON_PID/status
check_eq "uid after -u nobody" "$(id -u nobody)" "$(awk '/^Uid:/ { print $3 }' "$st")"
check_eq "gid after -u nobody" "$(id -g nobody)" "$(awk '/^Gid:/ { print $3 }' "$st")"
check_eq "effective capabilities: CAP_NET_ADMIN only" 0000000000001000 "$(awk '/^CapEff:/ { print $2 }' "$st")"
check_eq "permitted capabilities: CAP_NET_ADMIN only" 0000000000001000 "$(awk '/^CapPrm:/ { print $2 }' "$st")"
check_eq "no supplementary groups" "" "$(awk '/^Groups:/ { $1 = ""; print }' "$st" | tr -d ' ')"

rm -f "$T/ready"
bg "$NS_INT" "$T/recv.log" $PKT udp-recv $INT4 5007 "$T/u.json" "$T/ready" 10 1 100
RCV=$BG_PID
wait_file "$T/ready" 5 || fatal "udp receiver did not start"
in_ext $PKT udp-send $INT4 5007 1 100 1000 >/dev/null
wait "$RCV"
forget "$RCV"
if $PKT udp-report "$T/u.json" 1 100 >"$T/u.report"; then
	ok "as nobody, traffic is judged and passes: $(head -n 1 "$T/u.report")"
else
	fail "as nobody: $(tr '\n' ' ' <"$T/u.report")"
fi
if counters_json "$T/c.json"; then
	check_eq "counters as nobody: rule 1" 100 "$(jq_py "$T/c.json" 'd["rules"][0]["packets"]')"
fi
ctl reload "$T/p.rules" >"$T/reload.out" 2>&1
check_eq "ipsecfw reload as nobody: exit status ($(head -n 1 "$T/reload.out"))" 0 "$?"
kill -HUP "$DAEMON_PID"
sleep 0.5
check "the daemon lives after SIGHUP" kill -0 "$DAEMON_PID"
if counters_json "$T/c2.json"; then
	check_eq "reloads as nobody" 2 "$(jq_py "$T/c2.json" 'd["reloads"]')"
fi
stop_daemon
finish
