#!/bin/bash
# Rules with `log`: each judged packet becomes a log line (queue, rule, verdict, direction,
# the packet as replay shows it), written by the control thread at most --log-rate lines a
# second; the rest are counted as suppressed, reported in a line, and `stats` adds up.
. "$(dirname "$0")/lib.sh"

cat >"$T/log.rules" <<'EOF2'
set int = { 192.0.2.0/24, 2001:db8:2::/48 }
policy block
pass in proto udp to port 5003 log comment "logged"
pass in proto udp to port 5004 comment "not logged"
EOF2

topo_up
fw_queue --queue-num 0
start_daemon "$T/log.rules" --no-syslog --log-rate 5 || finish

# 40 logged datagrams within well under a second, then 10 that are not logged.
in_ext $PKT udp-send "$INT4" 5003 1 40 0 >/dev/null 2>&1
in_ext $PKT udp-send "$INT4" 5004 1 10 0 >/dev/null 2>&1
sleep 2.5	# the writer drains ten times a second; the suppressed line comes with the next second

lines=$(grep -c "q0 rule 1 pass in $EXT4 > $INT4 udp [0-9]* > 5003 len" "$DAEMON_LOG")
check "log lines are written, at most 5 a second ($lines)" [ "$lines" -ge 5 ] && [ "$lines" -le 15 ]
check "no line for the rule without log" sh -c "! grep -q 'rule 2' '$DAEMON_LOG'"
check "the suppressed lines are reported" grep -q "log lines suppressed (rate limit 5/s)" "$DAEMON_LOG"
ctl -j stats >"$T/stats.json" || fail "ipsecfw -j stats"
total=$(jq_py "$T/stats.json" "d['log']['written'] + d['log']['suppressed'] + d['log']['dropped']")
check_eq "written + suppressed + dropped = logged packets" 40 "$total"
check_eq "stats: written agrees with the log" "$lines" "$(jq_py "$T/stats.json" "d['log']['written']")"

stop_daemon
finish
