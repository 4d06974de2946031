#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Generate the demo capture and its expected verdicts.

Regenerate from the repository root with

    /usr/bin/python3 tests/data/gen_demo.py

which (over)writes, next to this script:

    tests/data/demo.pcap              classic pcap, Ethernet link type
    tests/data/demo.seed.expect       verdicts under rules/seed-table.rules
    tests/data/demo.ah-inner.expect   verdicts under rules/seed-ah-inner.rules

The output is deterministic: fixed timestamps (1700000000.000 + 0.001 s per packet), fixed
payloads, SPIs, sequence numbers and IKE SPIs; "opaque" bytes (ESP ciphertext, AH ICVs, nonces)
come from a SHA-256 stream keyed by a label, never from a random generator. Nothing is sent.
No keys exist for these SAs: AH ICVs are fixed filler, ESP payloads are not decryptable.

Expected-file format, one line per packet in capture order ('#' starts a comment):

    INDEX VERDICT RULE REASON  # description

INDEX is 1-based; VERDICT is pass or block; RULE is the 1-based number of the first matching
rule, counted over rule lines only (not set/policy lines), `policy` when no rule matched, or
`-` when the decoder rejected the packet; REASON is `-` or the decoder's reason name.
"""

import hashlib
import os
import struct
import sys
from decimal import Decimal

from scapy.config import conf
from scapy.layers.dns import DNS, DNSQR, DNSRR
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import (IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                                IPv6ExtHdrHopByHop, IPv6ExtHdrRouting)
from scapy.layers.ipsec import AH, ESP
from scapy.layers.isakmp import (ISAKMP, ISAKMP_payload_Proposal, ISAKMP_payload_SA,
                                 ISAKMP_payload_Transform)
from scapy.layers.l2 import GRE, Ether
from scapy.packet import NoPayload, Raw
from scapy.utils import PcapWriter

conf.verb = 0

HERE = os.path.dirname(os.path.abspath(__file__))
PCAP = os.path.join(HERE, "demo.pcap")
EXPECT_SEED = os.path.join(HERE, "demo.seed.expect")
EXPECT_AHIN = os.path.join(HERE, "demo.ah-inner.expect")

T0 = Decimal("1700000000.000")
STEP = Decimal("0.001")
ETH_SRC = "02:00:00:00:00:01"
ETH_DST = "02:00:00:00:00:02"

# Internal (protected) network: 192.0.2.0/24, 2001:db8:2::/48. Everything else is external.
INT4 = "192.0.2.10"
INT4B = "192.0.2.20"            # a second internal host (int -> int)
INT6 = "2001:db8:2::10"
EXT4 = "198.51.100.10"
EXT4B = "198.51.100.20"
EXT6 = "2001:db8:1::10"

IPPROTO_IPIP = 4
IPPROTO_TCP = 6
IPPROTO_UDP = 17
IPPROTO_ESP = 50
IPPROTO_AH = 51


# ---------------------------------------------------------------------------------------------
# Building blocks


def opaque(label, n):
    """n fixed, random-looking bytes derived from label (SHA-256 in counter mode)."""
    out = b""
    ctr = 0
    while len(out) < n:
        out += hashlib.sha256(b"ipsecfw-demo:%s:%d" % (label.encode(), ctr)).digest()
        ctr += 1
    return out[:n]


def ah(nh, spi, seq, icv_len=12):
    """An AH header with explicit next header, length and a fixed ICV (HMAC-96 sized)."""
    hdr_len = 12 + icv_len
    return AH(nh=nh, payloadlen=hdr_len // 4 - 2, reserved=0, spi=spi, seq=seq,
              icv=opaque("icv-%08x-%d" % (spi, seq), icv_len))


def esp(spi, seq, n=56):
    """ESP with opaque bytes after SPI/seq (AES-GCM-like: 8 IV + ciphertext + 16 ICV)."""
    return ESP(spi=spi, seq=seq, data=opaque("esp-%08x-%d" % (spi, seq), n))


def ike_payload(next_payload, body):
    """IKEv2 generic payload header (RFC 7296 3.2) + body."""
    return struct.pack("!BBH", next_payload, 0, 4 + len(body)) + body


def ike_header(ispi, rspi, next_payload, exch, flags, msgid, total_len):
    """IKEv2 header (RFC 7296 3.1), 28 bytes, version 2.0."""
    return struct.pack("!8s8sBBBBII", ispi, rspi, next_payload, 0x20, exch, flags, msgid,
                       total_len)


def ikev2_sa_init(ispi, rspi=b"\0" * 8, response=False, label="init"):
    """IKE_SA_INIT: SA (AES-GCM-16/256, PRF-HMAC-SHA256, ECP-256), KE (group 19), Nonce."""
    def transform(last, ttype, tid, attrs=b""):
        return struct.pack("!BBHBBH", 0 if last else 3, 0, 8 + len(attrs), ttype, 0, tid) + attrs
    transforms = (transform(False, 1, 20, struct.pack("!HH", 0x800E, 256))  # ENCR_AES_GCM_16
                  + transform(False, 2, 5)                                   # PRF_HMAC_SHA2_256
                  + transform(True, 4, 19))                                  # DH group 19
    proposal = struct.pack("!BBHBBBB", 0, 0, 8 + len(transforms), 1, 1, 0, 3) + transforms
    sa = ike_payload(34, proposal)                                          # next: KE
    ke = ike_payload(40, struct.pack("!HH", 19, 0) + opaque("ke-" + label, 64))  # next: Nonce
    nonce = ike_payload(0, opaque("nonce-" + label, 32))
    body = sa + ke + nonce
    flags = 0x20 if response else 0x08                                      # R / I
    return ike_header(ispi, rspi, 33, 34, flags, 0, 28 + len(body)) + body


def ikev2_auth(ispi, rspi, label="auth"):
    """IKE_AUTH request from the initiator: one Encrypted (SK) payload with opaque content."""
    sk = ike_payload(35, opaque("sk-" + label, 80))  # SK, first inner payload IDi
    return ike_header(ispi, rspi, 46, 35, 0x08, 1, 28 + len(sk)) + sk


def ikev1_main_mode(icookie, rcookie=b"\0" * 8):
    """IKEv1 Main Mode first message (scapy's ISAKMP layer)."""
    trans = ISAKMP_payload_Transform(
        num=1, transforms=[("Encryption", "AES-CBC"), ("KeyLength", 256), ("Hash", "SHA2-256"),
                           ("GroupDesc", "2048MODPgr"), ("Authentication", "PSK"),
                           ("LifeType", "Seconds"), ("LifeDuration", 28800)])
    prop = ISAKMP_payload_Proposal(proposal=1, trans_nb=1, trans=trans)
    return bytes(ISAKMP(init_cookie=icookie, resp_cookie=rcookie, exch_type=2, id=0)
                 / ISAKMP_payload_SA(prop=prop))


ISPI_A = bytes.fromhex("5a1e0c0ffee00001")
RSPI_A = bytes.fromhex("7b2d4e6f80910002")
ISPI_B = bytes.fromhex("1122334455667788")
ISPI_C = bytes.fromhex("c0ffee0012345678")
RSPI_C = bytes.fromhex("8765432100ddba11")
COOKIE_V1 = bytes.fromhex("a1b2c3d4e5f60718")
COOKIE_V1R = bytes.fromhex("0f1e2d3c4b5a6978")


def fix_l4(l3):
    """Fill in TCP/UDP checksums that scapy leaves at 0 behind AH or an extension header.

    Scapy only computes the pseudo-header checksum when TCP/UDP sits directly on IP/IPv6.
    Behind AH (transport mode) the pseudo-header still uses the nearest enclosing IP header's
    addresses (RFC 4302 3.1.1), so compute it as if the segment were directly on that header.
    A checksum given explicitly (not None) is left alone.
    """
    ip = None
    layer = l3
    while layer is not None and not isinstance(layer, NoPayload):
        if isinstance(layer, (IP, IPv6)):
            ip = layer
        elif isinstance(layer, (TCP, UDP)) and layer.chksum is None and ip is not None:
            cls = type(ip)
            seg = bytes(cls(src=ip.src, dst=ip.dst) / layer.copy())[20 if cls is IP else 40:]
            off = 16 if isinstance(layer, TCP) else 6
            layer.chksum = struct.unpack("!H", seg[off:off + 2])[0]
        layer = layer.payload
    return l3


def eth(l3):
    """Ethernet in front of a scapy IP/IPv6 packet."""
    return Ether(src=ETH_SRC, dst=ETH_DST) / fix_l4(l3)


def eth_raw(data, v6=False):
    """Ethernet in front of raw L3 bytes (scapy must not 'fix' anything)."""
    return Ether(src=ETH_SRC, dst=ETH_DST, type=0x86DD if v6 else 0x0800) / Raw(data)


def ip4_checksum(hdr):
    s = 0
    for i in range(0, len(hdr), 2):
        s += (hdr[i] << 8) | hdr[i + 1]
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip4_fix(data, hdr_len=20):
    """Recompute the IPv4 header checksum over the first hdr_len bytes of data."""
    b = bytearray(data)
    b[10:12] = b"\0\0"
    b[10:12] = struct.pack("!H", ip4_checksum(bytes(b[:hdr_len])))
    return bytes(b)


def syn(sport, dport, seq=1000):
    return TCP(sport=sport, dport=dport, flags="S", seq=seq, window=64240,
               options=[("MSS", 1460)])


def ack(sport, dport, seq, ackno, flags="A", payload=b""):
    t = TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ackno, window=501)
    return t / Raw(payload) if payload else t


def icmp_echo(kind=8, seq=1):
    return ICMP(type=kind, id=0x4242, seq=seq) / Raw(b"ipsecfw-demo-ping-0123456789abcdef")


# ---------------------------------------------------------------------------------------------
# The packets: (description, packet, (verdict, rule, reason) seed, same for ah-inner).

PKTS = []
POLICY = ("block", "policy", "-")


def add(desc, pkt, seed, ahin):
    PKTS.append((desc, pkt, seed, ahin))


def p(rule):
    return ("pass", str(rule), "-")


def b(rule):
    return ("block", str(rule), "-")


def bad(reason):
    return ("block", "-", reason)


# 1. The seed table, row by row, plus the NAT-T additions (rules 13/14 of seed-table.rules).
add("row 1: AH ext->int (ICMP echo request inside), Incoming AH, client to server",
    eth(IP(src=EXT4, dst=INT4) / ah(1, 0x00003001, 1) / icmp_echo(8)),
    p(1), POLICY)
add("row 2: AH int->ext (ICMP echo reply inside), Incoming AH, server to client",
    eth(IP(src=INT4, dst=EXT4) / ah(1, 0x00003101, 1) / icmp_echo(0)),
    p(2), p(5))
add("row 3: ESP ext->int, Incoming ESP, client to server",
    eth(IP(src=EXT4, dst=INT4) / esp(0x00004001, 1)),
    p(3), POLICY)
add("row 4: ESP int->ext, Incoming ESP, server to client",
    eth(IP(src=INT4, dst=EXT4) / esp(0x00004101, 1)),
    p(4), POLICY)
add("row 5: UDP 500->500 ext->int, IKEv2 IKE_SA_INIT request, Incoming ISAKMP request",
    eth(IP(src=EXT4, dst=INT4) / UDP(sport=500, dport=500) / Raw(ikev2_sa_init(ISPI_A))),
    p(5), p(6))
add("row 6: UDP 500->500 int->ext, IKEv2 IKE_SA_INIT response, ISAKMP response",
    eth(IP(src=INT4, dst=EXT4) / UDP(sport=500, dport=500)
        / Raw(ikev2_sa_init(ISPI_A, RSPI_A, response=True, label="resp"))),
    p(6), p(7))
add("row 7: AH int->ext (TCP SYN to 443 inside), Outgoing AH, client to server; shadowed by 2",
    eth(IP(src=INT4, dst=EXT4B) / ah(6, 0x00003102, 1) / syn(40001, 443, seq=5000)),
    p(2), p(5))
add("row 8: AH ext->int (TCP SYN-ACK from 443 inside), Outgoing AH, server to client; "
    "shadowed by 1",
    eth(IP(src=EXT4B, dst=INT4) / ah(6, 0x00003002, 1) / ack(443, 40001, 9000, 5001, "SA")),
    p(1), p(2))
add("row 9: ESP int->ext, Outgoing ESP, client to server; shadowed by 4",
    eth(IP(src=INT4, dst=EXT4B) / esp(0x00004102, 1)),
    p(4), POLICY)
add("row 10: ESP ext->int, Outgoing ESP, server to client; shadowed by 3",
    eth(IP(src=EXT4B, dst=INT4) / esp(0x00004002, 1)),
    p(3), POLICY)
add("row 11: UDP 500->500 int->ext, IKEv1 Main Mode, Outgoing ISAKMP request; shadowed by 6",
    eth(IP(src=INT4, dst=EXT4B) / UDP(sport=500, dport=500) / Raw(ikev1_main_mode(COOKIE_V1))),
    p(6), p(7))
add("row 12: UDP 500->500 ext->int, IKEv1 Main Mode response, ISAKMP response; shadowed by 5",
    eth(IP(src=EXT4B, dst=INT4) / UDP(sport=500, dport=500)
        / Raw(ikev1_main_mode(COOKIE_V1, COOKIE_V1R))),
    p(5), p(6))
add("NAT-T: UDP 4500->4500 ext->int, non-ESP marker + IKEv2 IKE_AUTH",
    eth(IP(src=EXT4, dst=INT4) / UDP(sport=4500, dport=4500)
        / Raw(b"\0\0\0\0" + ikev2_auth(ISPI_C, RSPI_C))),
    p(13), POLICY)
add("NAT-T: ESP-in-UDP 4500->4500 ext->int",
    eth(IP(src=EXT4, dst=INT4) / UDP(sport=4500, dport=4500) / esp(0x00004003, 7)),
    p(13), POLICY)
# A frame this short is padded to the 60-byte Ethernet minimum on the wire: the IP total
# length (29) is what counts, the 17 trailing zero bytes are link-layer padding.
_ka = bytes(IP(src=INT4, dst=EXT4) / UDP(sport=4500, dport=4500) / Raw(b"\xff"))
add("NAT-T: keepalive (single 0xff) int->ext 4500->4500, Ethernet-padded to 60 bytes",
    eth_raw(_ka + b"\0" * (60 - 14 - len(_ka))),
    p(14), POLICY)

# 2. Must be blocked (by policy, or not matching any pass rule).
add("AH ext->ext (TCP SYN to 22 inside): wrong direction",
    eth(IP(src=EXT4, dst=EXT4B) / ah(6, 0x00003003, 1) / syn(40002, 22)),
    POLICY, POLICY)
add("AH int->int (TCP SYN to 22 inside): wrong direction",
    eth(IP(src=INT4, dst=INT4B) / ah(6, 0x00003201, 1) / syn(40003, 22)),
    POLICY, POLICY)
add("ESP ext->ext: wrong direction",
    eth(IP(src=EXT4, dst=EXT4B) / esp(0x00004004, 1)),
    POLICY, POLICY)
add("ESP int->int: wrong direction",
    eth(IP(src=INT4, dst=INT4B) / esp(0x00004201, 1)),
    POLICY, POLICY)
add("UDP 1500->500 ext->int (IKE header, wrong source port)",
    eth(IP(src=EXT4, dst=INT4) / UDP(sport=1500, dport=500)
        / Raw(ikev2_sa_init(ISPI_B, label="b"))),
    POLICY, POLICY)
add("UDP 4500->500 ext->int (IKE header, wrong port pair)",
    eth(IP(src=EXT4, dst=INT4) / UDP(sport=4500, dport=500)
        / Raw(ikev2_sa_init(ISPI_B, label="c"))),
    POLICY, POLICY)
add("TCP ext->int SYN to port 22, not in AH",
    eth(IP(src=EXT4, dst=INT4) / syn(40004, 22)),
    POLICY, POLICY)
add("ICMP echo request ext->int",
    eth(IP(src=EXT4, dst=INT4) / icmp_echo(8)),
    POLICY, POLICY)
add("GRE (proto 47) ext->int carrying IPv4/ICMP",
    eth(IP(src=EXT4, dst=INT4) / GRE(proto=0x0800)
        / IP(src="198.51.100.40", dst="192.0.2.40") / icmp_echo(8)),
    POLICY, POLICY)

# 3. AH transport mode with TCP/UDP inside.
add("AH ext->int, TCP SYN to 22 inside",
    eth(IP(src=EXT4, dst=INT4) / ah(6, 0x00003004, 1) / syn(40005, 22)),
    p(1), p(1))
add("AH ext->int, TCP SYN to 80 inside (no ACK)",
    eth(IP(src=EXT4, dst=INT4) / ah(6, 0x00003004, 2) / syn(40006, 80)),
    p(1), b(3))
add("AH ext->int, TCP 80->40000 ACK inside (reply to an inside client)",
    eth(IP(src=EXT4, dst=INT4) / ah(6, 0x00003004, 3)
        / ack(80, 40000, 7001, 3001, "PA", b"HTTP/1.0 200 OK\r\n\r\n")),
    p(1), p(2))
add("AH ext->int, UDP 53->33333 inside (DNS reply)",
    eth(IP(src=EXT4, dst=INT4) / ah(17, 0x00003004, 4) / UDP(sport=53, dport=33333)
        / DNS(id=0x1d1d, qr=1, rd=1, ra=1, qd=DNSQR(qname="www.example.com"),
              an=DNSRR(rrname="www.example.com", ttl=300, rdata="198.51.100.80"))),
    p(1), p(4))
add("AH ext->int, UDP 33333->53 inside (DNS query, 53 is the destination)",
    eth(IP(src=EXT4, dst=INT4) / ah(17, 0x00003004, 5) / UDP(sport=33333, dport=53)
        / DNS(id=0x1d1e, rd=1, qd=DNSQR(qname="www.example.com"))),
    p(1), POLICY)
add("AH int->ext, TCP 40000->80 ACK inside",
    eth(IP(src=INT4, dst=EXT4) / ah(6, 0x00003101, 2)
        / ack(40000, 80, 3001, 7001, "PA", b"GET / HTTP/1.0\r\n\r\n")),
    p(2), p(5))

# 4. AH tunnel mode.
add("AH tunnel ext->int: IPv4 198.51.100.30->192.0.2.30 TCP SYN to 443 inside",
    eth(IP(src=EXT4, dst=INT4) / ah(IPPROTO_IPIP, 0x00003005, 1)
        / IP(src="198.51.100.30", dst="192.0.2.30") / syn(40007, 443)),
    p(1), b(3))

# 5. IPv6.
add("IPv6 AH ext->int after hop-by-hop, TCP 443->50000 ACK inside",
    eth(IPv6(src=EXT6, dst=INT6) / IPv6ExtHdrHopByHop() / ah(6, 0x00003006, 1)
        / ack(443, 50000, 11000, 12000)),
    p(1), p(2))
add("IPv6 AH ext->int, destination options, TCP SYN to 22",
    eth(IPv6(src=EXT6, dst=INT6) / ah(60, 0x00003006, 2) / IPv6ExtHdrDestOpt(nh=IPPROTO_TCP)
        / syn(40008, 22)),
    p(1), p(1))
add("IPv6 ESP ext->int after routing header type 0 (segments left 0)",
    eth(IPv6(src=EXT6, dst=INT6)
        / IPv6ExtHdrRouting(type=0, segleft=0, addresses=["2001:db8:1::1"])
        / esp(0x00004005, 1)),
    p(3), POLICY)
add("IPv6 ESP int->ext",
    eth(IPv6(src=INT6, dst=EXT6) / esp(0x00004301, 1)),
    p(4), POLICY)
add("IPv6 AH ext->int wrapping ESP (AH nh=50)",
    eth(IPv6(src=EXT6, dst=INT6) / ah(IPPROTO_ESP, 0x00003007, 1) / esp(0x00004006, 1)),
    p(1), POLICY)
add("IPv6 UDP 500->500 ext->int, IKEv2 IKE_SA_INIT",
    eth(IPv6(src=EXT6, dst=INT6) / UDP(sport=500, dport=500)
        / Raw(ikev2_sa_init(ISPI_B, label="v6"))),
    p(5), p(6))
add("IPv6 ext->int fragment header (atomic: offset 0, M=0) then AH, TCP SYN to 22",
    eth(IPv6(src=EXT6, dst=INT6) / IPv6ExtHdrFragment(nh=IPPROTO_AH, offset=0, m=0,
                                                     id=0x00c0ffee)
        / ah(6, 0x00003006, 3) / syn(40009, 22)),
    p(1), p(1))

# 6. IPv4 AH wrapping ESP.
add("AH ext->int wrapping ESP (AH nh=50)",
    eth(IP(src=EXT4, dst=INT4) / ah(IPPROTO_ESP, 0x00003008, 1) / esp(0x00004007, 1)),
    p(1), POLICY)

# 7. Malformed: each has exactly one defect, the decoder rejects it with that reason.
#    Built from raw bytes where scapy would repair the field.
_good = bytes(fix_l4(IP(src=EXT4, dst=INT4) / ah(6, 0x00003009, 1) / syn(40010, 22)))

_m = bytearray(_good)
_m[2:4] = struct.pack("!H", len(_good) + 20)            # total length 20 past the data
add("malformed: IPv4 total length 20 bytes larger than the data (AH/TCP 22)",
    eth_raw(ip4_fix(_m)), bad("bad-length"), bad("bad-length"))

_m = bytearray(_good)
_m[0] = 0x44                                            # IHL 4 (16 bytes)
add("malformed: IPv4 IHL 4 (AH/TCP 22)",
    eth_raw(ip4_fix(_m)), bad("bad-ihl"), bad("bad-ihl"))

_m = bytearray(_good)
_m[0] = 0x55                                            # version 5
add("malformed: IP version 5 (otherwise IPv4 AH/TCP 22)",
    eth_raw(ip4_fix(_m)), bad("bad-version"), bad("bad-version"))

# AH fixed part is 12 bytes (next header, length, reserved, SPI, sequence); only 8 present,
# IP total length says exactly that. The length field (4 = 24 bytes) is itself valid.
_ahcut = struct.pack("!BBHI", IPPROTO_TCP, 4, 0, 0x0000300A)
_m = bytes(IP(src=EXT4, dst=INT4, proto=IPPROTO_AH) / Raw(_ahcut))
add("malformed: AH cut short: IP total length 28, AH only 8 bytes (no sequence number)",
    eth_raw(_m), bad("truncated"), bad("truncated"))

# AH payload length 0 -> (0+2)*4 = 8 bytes, cannot hold SPI and sequence. Bytes on the wire
# are a full 24-byte AH + TCP; IP total length matches them.
_m = bytearray(_good)
assert _m[9] == IPPROTO_AH and _m[21] == 4
_m[21] = 0
add("malformed: AH payload length field 0 (TCP 22 behind it)",
    eth_raw(bytes(_m)), bad("bad-ah-length"), bad("bad-ah-length"))

# IPv6 AH, payload length 5 -> 28 bytes: a 16-byte ICV (HMAC-SHA-256-128) without the 4
# bytes of padding IPv6 needs. A multiple of 4 (fine for IPv4), not of 8.
add("malformed: IPv6 AH length 28 bytes, not a multiple of 8 (payloadlen 5, 16-byte ICV)",
    eth(IPv6(src=EXT6, dst=INT6) / ah(6, 0x0000300B, 1, icv_len=16) / syn(40011, 22)),
    bad("bad-alignment"), bad("bad-alignment"))

add("malformed: TCP data offset 3 (12 bytes) ext->int to 22, IP lengths correct",
    eth(IP(src=EXT4, dst=INT4) / TCP(sport=40012, dport=22, flags="S", seq=1000,
                                     window=64240, dataofs=3)),
    bad("bad-tcp-offset"), bad("bad-tcp-offset"))

add("malformed: IPv6 hop-by-hop after destination options (then AH/TCP 22)",
    eth(IPv6(src=EXT6, dst=INT6) / IPv6ExtHdrDestOpt(nh=0)
        / IPv6ExtHdrHopByHop(nh=IPPROTO_AH) / ah(6, 0x0000300C, 1) / syn(40013, 22)),
    bad("bad-exthdr"), bad("bad-exthdr"))

_chain = IPv6(src=EXT6, dst=INT6)
for _i in range(9):
    _chain = _chain / IPv6ExtHdrDestOpt(nh=60 if _i < 8 else IPPROTO_AH)
add("malformed: IPv6 with 9 destination-options headers (limit 8), then AH/TCP 22",
    eth(_chain / ah(6, 0x0000300D, 1) / syn(40014, 22)),
    bad("chain-too-long"), bad("chain-too-long"))

_deep = IP(src=EXT4, dst=INT4)
for _i in range(5):
    _deep = (_deep / ah(IPPROTO_IPIP, 0x00003010 + _i, 1)
             / IP(src="198.51.100.%d" % (50 + _i), dst="192.0.2.%d" % (50 + _i)))
add("malformed: AH tunnels nested 5 deep (6 IPv4 + 5 AH headers), TCP SYN to 22 innermost",
    eth(_deep / syn(40015, 22)),
    bad("too-deep"), bad("too-deep"))

# UDP length 8 more than the UDP data carried; IP total length correct. Checksum 0 (none,
# allowed over IPv4) so that the only inconsistency is the length field.
_u = bytearray(bytes(IP(src=EXT4, dst=INT4) / UDP(sport=500, dport=500, chksum=0)
                     / Raw(ikev2_sa_init(ISPI_B, label="d"))))
_ulen = struct.unpack("!H", _u[24:26])[0]
assert _ulen == len(_u) - 20
_u[24:26] = struct.pack("!H", _ulen + 8)
add("malformed: UDP 500->500 length field 8 bytes larger than the IP payload",
    eth_raw(bytes(_u)), bad("bad-length"), bad("bad-length"))

# 8. Non-first fragment of a TCP datagram: no L4 header, proto tcp, no pass rule for it.
add("IPv4 non-first fragment (offset 1480, last) of TCP ext->int",
    eth(IP(src=EXT4, dst=INT4, proto=IPPROTO_TCP, id=0x4242, flags=0, frag=185)
        / Raw(opaque("frag", 40))),
    POLICY, POLICY)


# ---------------------------------------------------------------------------------------------


def write_expect(path, which, rules):
    with open(path, "w") as f:
        f.write("# Expected verdicts for tests/data/demo.pcap under %s.\n" % rules)
        f.write("# Generated by tests/data/gen_demo.py; do not edit by hand.\n")
        f.write("# INDEX VERDICT RULE REASON  # description\n")
        for i, (desc, _pkt, seed, ahin) in enumerate(PKTS, 1):
            v, r, why = seed if which == "seed" else ahin
            f.write("%d %s %s %s  # %s\n" % (i, v, r, why, desc))


def main():
    w = PcapWriter(PCAP, linktype=1, sync=True)  # DLT_EN10MB, classic pcap (not pcapng)
    for i, (_desc, pkt, _s, _a) in enumerate(PKTS):
        pkt.time = T0 + STEP * i
        w.write(pkt)
    w.close()
    write_expect(EXPECT_SEED, "seed", "rules/seed-table.rules")
    write_expect(EXPECT_AHIN, "ahin", "rules/seed-ah-inner.rules")
    sys.stdout.write("wrote %d packets to %s and the .expect files\n" % (len(PKTS), PCAP))


if __name__ == "__main__":
    main()
