#!/bin/bash
# ESP tunnel decrypted on the wire: rules/esp-tunnel.rules with two tunnel SAs' keys (-k),
# one AES-GCM (rfc4106, 16-byte ICV) and one AES-CBC + HMAC-SHA256-128, ESP from scapy (an
# independent ESP implementation) carrying 198.51.100.130 -> 192.0.2.130: per SA, ssh and
# https SYNs pass (rule 1), a SYN to 80 is blocked (rule 4), an ACK to 80 passes (rule 2), DNS
# to the resolver passes (rule 3), DNS elsewhere is blocked (rule 4). A wrong key and a
# tampered ciphertext fail the ICV and replayed sequence numbers are dropped before the rules;
# an unknown SPI cannot be decrypted and rule 4 blocks it. The ESP stays encrypted on the way
# to int, so what arrives is recognised by its ESP layer (SPI, sequence number, bytes) in a
# capture; `ipsecfw -j counters`, `stats` and `sa list` must count the same.
. "$(dirname "$0")/lib.sh"
ESP="$PY $NET_DIR/esp.py"

topo_up
$ESP keys >"$T/esp.keys"
chmod 600 "$T/esp.keys"

start_daemon "$TOP/rules/esp-tunnel.rules" -k "$T/esp.keys" --no-syslog || finish
capture_start "$NS_INT" eth0 int
in_ext $ESP send eth0 "$FW_MAC_E" "$T/esp.sent" >"$T/send.log" 2>&1 ||
	fail "esp.py send: $(tail -n 3 "$T/send.log")"
capture_stop "$CAP_PID"
$ESP check "$T/esp.sent" "$T/int.pcap" | sort >"$T/arrived"
printf '%s\n' cbc-dns cbc-https-syn cbc-ssh-syn cbc-web-ack \
	gcm-dns gcm-https-syn gcm-late-ack gcm-ssh-syn gcm-web-ack | sort >"$T/want"
check "exactly the expected ESP packets arrived ($(tr '\n' ' ' <"$T/arrived"))" \
	cmp -s "$T/arrived" "$T/want"

counters_json "$T/c.json"
check_eq "counters: rules 1 (ssh, https), 2 (ACK), 3 (DNS), 4 (anything else, no key)" \
	"4 3 2 5" "$(jq_py "$T/c.json" \
	"' '.join(str(d['rules'][i]['packets']) for i in range(4))")"

ctl -j stats >"$T/stats.json" || fail "ipsecfw -j stats"
check_eq "stats: esp verified no-sa icv-fail replayed bad-padding" "13 1 2 2 0" \
	"$(jq_py "$T/stats.json" \
	"' '.join(str(d['esp'][k]) for k in ('verified','no-sa','icv-fail','replayed','bad-padding'))")"
check_eq "stats: dropped as icv-fail and replayed" "2 2" "$(jq_py "$T/stats.json" \
	"'%d %d' % (d['reasons']['icv-fail'], d['reasons']['replayed'])")"

ctl -j sa list >"$T/sa.json" || fail "ipsecfw -j sa list"
check_eq "sa list: two SAs" 2 "$(jq_py "$T/sa.json" "d['count']")"
# SPI, packets, ICV failures, replays, highest sequence number, per SA
sa_row() {
	jq_py "$T/sa.json" "' '.join('%s %d %d %d %d' % (s['spi'], s['packets'], s['icv_failures'],
		s['replays'], s['highest_seq']) for s in d['sas'] if int(str(s['spi']), 0) == $1)"
}
sa_gcm=$(sa_row 0x3001)
sa_cbc=$(sa_row 0x3002)
check_eq "sa list: aes-gcm SA: packets, ICV failures, replays, highest seq" "7 1 1 7" \
	"${sa_gcm#* }"
check_eq "sa list: aes-cbc/sha256 SA: packets, ICV failures, replays, highest seq" "6 1 1 6" \
	"${sa_cbc#* }"

# No key bytes in what `sa list` shows (text and JSON).
ctl sa list >"$T/sa.txt" 2>&1 || fail "ipsecfw sa list: $(head -n 3 "$T/sa.txt")"
log "sa list:"; sed 's/^/#   /' "$T/sa.txt"
for k in $($PY -c 'import sys; sys.path.insert(0, sys.argv[1]); import esp
for k in (esp.GCM_KEY, esp.CBC_KEY, esp.SHA_KEY): print(k.hex()[:12])' "$NET_DIR"); do
	check "sa list (text) shows no key bytes ($k...)" sh -c "! grep -qi '$k' '$T/sa.txt'"
	check "sa list (JSON) shows no key bytes ($k...)" sh -c "! grep -qi '$k' '$T/sa.json'"
done

# Wireshark's esp_sa format at run time: flush, import the GCM SA, and the tunnel works again.
ctl sa flush >/dev/null
gk=$($PY -c 'import sys; sys.path.insert(0, sys.argv[1]); import esp; print(esp.GCM_KEY.hex())' "$NET_DIR")
printf '# esp_sa, as Wireshark and strongSwan write it\n"IPv4","198.51.100.2","192.0.2.2","0x00003001","AES-GCM [RFC4106]","0x%s","ANY 128 bit authentication [no checking]",""\n' \
	"$gk" >"$T/esp_sa"
chmod 644 "$T/esp_sa"
ctl sa import "$T/esp_sa" >"$T/imp.out" 2>&1
check_eq "sa import of a file others can read: refused" 2 "$?"
chmod 600 "$T/esp_sa"
ctl sa import "$T/esp_sa" >"$T/imp.out" 2>&1
check_eq "sa import: exit status ($(head -n 1 "$T/imp.out"))" 0 "$?"
check_eq "sa import: one SA" 1 "$(ctl -j sa list | $PY -c 'import json,sys; print(json.load(sys.stdin)["count"])')"
check "sa import: it is the GCM SA" sh -c "ctl() { \"$IPSECFW\" -s \"$SOCK\" \"\$@\"; }; ctl sa list | grep -q 'rfc4106(gcm(aes)) 128'"

stop_daemon
finish
