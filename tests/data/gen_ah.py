#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Generate the AH ICV-verification corpus, made by an independent implementation (scapy).

Regenerate from the repository root with

    /usr/bin/python3 tests/data/gen_ah.py            # writes the three files below
    /usr/bin/python3 tests/data/gen_ah.py --check    # re-reads them and checks them (no writing)

which (over)writes, next to this script:

    tests/data/ah.pcap     classic pcap, LINKTYPE_RAW (101): every packet starts with its IP header
    tests/data/ah.keys     the SAs, ipsecfw.keys(5) syntax (copy it and chmod 600 before use)
    tests/data/ah.expect   one line per packet:  INDEX STATE NOTE

STATE is what an engine that holds ah.keys must conclude when it judges the packets in capture
order: `verified` (the ICV checks out and the sequence number is new), `icv-fail`, `replayed`
(refused by the anti-replay window before or regardless of the ICV), or `unknown-spi` (no SA for
(SPI, destination, AH)). Every packet marked verified or replayed carries a correct ICV.

Every AH packet is made by scapy's SecurityAssociation(AH, ...).encrypt(); the "still valid"
variants (TTL, TOS, DF, flow label, hop limit, mutable options filled in en route) and the
negative ones (flipped bits, wrong key) are byte edits of scapy's output made after signing.
Keys are derived from a label with SHA-256 (no random generator), timestamps are fixed
(1700000000.000 + 0.001 s per packet): the output is byte-for-byte reproducible.

--check re-parses every packet with scapy and runs scapy's own SecurityAssociation.decrypt()
(AH verification) with the key from ah.keys; it models the anti-replay window and the ESN
high-bit inference of RFC 4303 Appendix A independently of the generator, and compares both
with ah.expect. It prints a table and exits 1 on any disagreement.

scapy 2.5.0 and RFC 4302 (what this corpus avoids, and why):
  * the IPv4 Fragment Offset is in scapy's ICV (RFC 4302 3.3.3.1.1.1 zeroes it); harmless for
    whole packets (offset 0), so no packet here has a non-zero offset;
  * with LSRR/SSRR scapy signs the IPv4 destination as sent (first hop), not the final one the
    RFC predicts; no source-route options here;
  * a type 0 routing header is predicted when signing but not when verifying, so scapy only
    verifies such a packet at its final destination, never in transit; none here;
  * IPv4 options are classified by their 5-bit number alone (copy and class bits ignored) and
    Security is dissected only in its RFC 791 11-byte form (a shorter RFC 1108 option is
    mis-dissected into the next header): the Security option here is the 11-byte form;
  * ESN: scapy never infers the high bits; encrypt()/decrypt() take them as `esn`, and esn=0
    falls back to the SA's value (`esn or self.esn`), so the generator sets sa.esn instead.

Addresses are documentation ranges only: 198.51.100.0/24 and 2001:db8:1::/64 external,
192.0.2.0/24 and 2001:db8:2::/64 internal. AH SPIs are 0x1000-0x1fff:

    0x1001          replay SA (hmac(sha1), IPv4 transport, replay-window 32)
    0x1A01..0x1A07  per algorithm A (1 sha1, 2 sha256, 3 sha384, 4 sha512, 5 md5):
                    01 IPv4 transport, 02 IPv4 tunnel, 03 IPv6 transport, 04 IPv6 tunnel,
                    05 IPv4 ESN crossing 2^32, 06 IPv6 ESN starting at seq-hi 1
    0x1ffe, 0x1fff  no SA (unknown SPI)
"""

import hashlib
import os
import struct
import sys

from scapy.config import conf
from scapy.layers.inet import IP, TCP, UDP, IPOption
from scapy.layers.inet6 import (IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrHopByHop, HBHOptUnknown,
                                PadN)
from scapy.layers.ipsec import AH, IPSecIntegrityError, SecurityAssociation
from scapy.packet import Raw

conf.verb = 0

HERE = os.path.dirname(os.path.abspath(__file__))
PCAP = os.path.join(HERE, "ah.pcap")
KEYS = os.path.join(HERE, "ah.keys")
EXPECT = os.path.join(HERE, "ah.expect")

T0_SEC = 1700000000
LINKTYPE_RAW = 101

EXT4, EXT4GW = "198.51.100.10", "198.51.100.1"
INT4, INT4B, INT4GW = "192.0.2.10", "192.0.2.20", "192.0.2.1"
EXT6, EXT6GW = "2001:db8:1::10", "2001:db8:1::1"
INT6, INT6GW = "2001:db8:2::10", "2001:db8:2::1"

# scapy name, XFRM name, truncation (bits), key length (bytes), short tag
ALGOS = [
    ("HMAC-SHA1-96", "hmac(sha1)", 96, 20, "sha1"),
    ("SHA2-256-128", "hmac(sha256)", 128, 32, "sha256"),
    ("SHA2-384-192", "hmac(sha384)", 192, 48, "sha384"),
    ("SHA2-512-256", "hmac(sha512)", 256, 64, "sha512"),
    ("HMAC-MD5-96", "hmac(md5)", 96, 16, "md5"),
]
XFRM_TO_SCAPY = {(x, bits): s for s, x, bits, _, _ in ALGOS}

# IPv4 options (raw bytes). RFC 4302 Appendix A.1: Router Alert (148) and Security (130) are
# immutable; Record Route (7) and Timestamp (68) are mutable and zeroed as a whole.
OPT_RR_EMPTY = bytes([7, 11, 4]) + bytes(8)                  # two empty slots, pointer 4
OPT_RR_ONE = bytes([7, 11, 8]) + bytes([198, 51, 100, 1]) + bytes(4)   # a router recorded itself
OPT_RA = bytes([148, 4, 0, 0])                               # Router Alert, value 0
# Security in its RFC 791 11-byte form (scapy cannot dissect RFC 1108's shorter forms)
OPT_SEC = bytes([130, 11]) + b"\xf1\x35" + bytes(4) + b"TCC"   # "Confidential"
OPT_TS_EMPTY = bytes([68, 12, 5, 0]) + bytes(8)              # Timestamp, flg 0, two empty slots
OPT_TS_ONE = bytes([68, 12, 9, 0]) + struct.pack("!L", 0x0123ABCD) + bytes(4)

# IPv6 options. 0x3E and 0x1E are the RFC 3692-style experiment types (action 00 = skip),
# 0x3E with the change-en-route bit (0x20) set, 0x1E without it.
HBH_DATA = b"\x11\x22\x33\x44"
DST_DATA_CHG = b"\x55\x66"
DST_DATA_FIX = b"\x77\x88\x99\xaa"


def opaque(label, n):
    """n fixed, random-looking bytes derived from label (SHA-256 in counter mode)."""
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(b"ipsecfw-ah-corpus|%s|%d" % (label.encode(), i)).digest()
        i += 1
    return out[:n]


# ---------------------------------------------------------------------------------------------
# Byte-level helpers (edits made after signing)


def flip(b, off, bit=0x01):
    b = bytearray(b)
    b[off] ^= bit
    return bytes(b)


def put(b, off, data):
    b = bytearray(b)
    b[off:off + len(data)] = data
    return bytes(b)


def ip4_csum(hdr):
    s = 0
    for i in range(0, len(hdr), 2):
        s += (hdr[i] << 8) | hdr[i + 1]
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def fix4(b, base=0):
    """Recompute the IPv4 header checksum of the header at offset base."""
    ihl = (b[base] & 0x0f) * 4
    b = put(b, base + 10, b"\0\0")
    return put(b, base + 10, struct.pack("!H", ip4_csum(b[base:base + ihl])))


def parse(b):
    return IP(b) if b[0] >> 4 == 4 else IPv6(b)


def ah_offset(b):
    p = parse(b)
    return len(b) - len(bytes(p[AH]))


def after_ah(b):
    off = ah_offset(b)
    return off + (b[off + 1] + 2) * 4


# ---------------------------------------------------------------------------------------------
# SAs and the corpus


class Sa:
    def __init__(self, algo, spi, dst, tunnel=None, esn=False, window=None, state=None,
                 key_label=None, listed=True):
        self.sname, self.xname, self.bits, klen, self.tag = algo
        self.spi = spi
        self.dst = dst
        self.tunnel = tunnel
        self.esn = esn
        self.window = window
        self.state = state                       # (seq-hi, seq): highest already received
        self.key = opaque(key_label or "key-%04x" % spi, klen)
        self.listed = listed
        self.sa = SecurityAssociation(AH, spi=spi, auth_algo=self.sname, auth_key=self.key,
                                      tunnel_header=tunnel, esn_en=esn)

    def line(self):
        s = "ah spi 0x%08x dst %s auth-trunc %s 0x%s %d" % (
            self.spi, self.dst, self.xname, self.key.hex(), self.bits)
        if self.tunnel is not None:
            s += " mode tunnel"
        if self.esn:
            s += " esn"
        if self.window is not None:
            s += " replay-window %d" % self.window
        if self.state is not None:
            s += " seq-hi 0x%x seq 0x%x" % self.state
        return s

    def sign(self, pkt, seq, hi=0):
        """scapy's AH output for pkt with sequence number seq (and ESN high bits hi)."""
        self.sa.esn = hi           # encrypt(esn=0) would fall back to self.esn: set it here
        return bytes(self.sa.encrypt(pkt, seq_num=seq))


class Corpus:
    def __init__(self):
        self.sas = []
        self.pkts = []             # (bytes, state, note)

    def add_sa(self, *a, **kw):
        sa = Sa(*a, **kw)
        if sa.listed:
            self.sas.append(sa)
        return sa

    def add(self, b, state, note):
        assert " " not in note and state in ("verified", "icv-fail", "replayed", "unknown-spi")
        self.pkts.append((b, state, note))


def tcp_syn22(sport=40000):
    return TCP(sport=sport, dport=22, flags="S", seq=1000, window=64240)


def tcp_ack(data=b"reply-data-after-ack"):
    return TCP(sport=443, dport=40001, flags="A", seq=5000, ack=1001, window=501) / Raw(data)


def v4(options=None, **kw):
    return IP(src=EXT4, dst=INT4, ttl=64, id=0x1234, options=options or [], **kw)


def v6_exthdrs():
    hbh = IPv6ExtHdrHopByHop(options=[HBHOptUnknown(otype=0x3E, optdata=HBH_DATA),
                                      PadN(optdata=b"\0\0\0\0")])
    dst = IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=0x1E, optdata=DST_DATA_FIX),
                                     HBHOptUnknown(otype=0x3E, optdata=DST_DATA_CHG),
                                     PadN(optdata=b"\0\0")])
    return hbh, dst


def v6(**kw):
    return IPv6(src=EXT6, dst=INT6, hlim=64, fl=0x12345, **kw)


def opts(*raws):
    return [IPOption(r) for r in raws]


def build_algo(c, ai, algo):
    tag = algo[4]
    base = 0x1000 + 0x100 * (ai + 1)
    icv_len = algo[2] // 8

    # -- IPv4 transport ------------------------------------------------------------------------
    sa = c.add_sa(algo, base + 1, INT4)
    seq = iter(range(1, 1000))
    c.add(sa.sign(v4() / tcp_syn22(), next(seq)), "verified", tag + "-v4-syn22")
    c.add(sa.sign(v4() / tcp_ack(), next(seq)), "verified", tag + "-v4-ack")
    c.add(sa.sign(v4(opts(OPT_RR_EMPTY, OPT_RA)) / tcp_syn22(), next(seq)), "verified",
          tag + "-v4-opt-rr-ra")
    c.add(sa.sign(v4(opts(OPT_SEC, OPT_TS_EMPTY)) / tcp_ack(), next(seq)), "verified",
          tag + "-v4-opt-sec-ts")
    # mutable options filled in by a router after signing
    b = sa.sign(v4(opts(OPT_RR_EMPTY, OPT_RA)) / tcp_syn22(), next(seq))
    c.add(fix4(put(b, 20, OPT_RR_ONE)), "verified", tag + "-v4-opt-rr-filled-en-route")
    b = sa.sign(v4(opts(OPT_SEC, OPT_TS_EMPTY)) / tcp_ack(), next(seq))
    c.add(fix4(put(b, 20 + len(OPT_SEC), OPT_TS_ONE)), "verified",
          tag + "-v4-opt-ts-filled-en-route")
    # mutable base-header fields changed after signing
    b = sa.sign(v4() / tcp_syn22(), next(seq))
    c.add(put(b, 8, b"\x3f"), "verified", tag + "-v4-ttl-changed-stale-csum")
    b = sa.sign(v4() / tcp_ack(), next(seq))
    c.add(fix4(put(b, 8, b"\x3f")), "verified", tag + "-v4-ttl-changed-csum-fixed")
    b = sa.sign(v4(tos=0x00) / tcp_ack(), next(seq))
    c.add(fix4(put(b, 1, b"\xb8")), "verified", tag + "-v4-dscp-ef-ecn-changed")
    b = sa.sign(v4() / tcp_ack(), next(seq))
    c.add(fix4(flip(b, 6, 0x40)), "verified", tag + "-v4-df-set-en-route")
    b = sa.sign(v4(opts(OPT_RR_EMPTY, OPT_RA)) / tcp_ack(), next(seq))
    c.add(fix4(put(b, 8, b"\x20")), "verified", tag + "-v4-opt-ttl-changed")
    # negative cases
    b = sa.sign(v4() / tcp_ack(), next(seq))
    c.add(flip(b, len(b) - 1), "icv-fail", tag + "-v4-payload-bit-flipped")
    b = sa.sign(v4() / tcp_ack(), next(seq))
    c.add(flip(b, ah_offset(b) + 12), "icv-fail", tag + "-v4-icv-bit-flipped")
    b = sa.sign(v4() / tcp_syn22(), next(seq))
    c.add(fix4(flip(b, 12 + 3)), "icv-fail", tag + "-v4-src-bit-flipped")
    b = sa.sign(v4(opts(OPT_RR_EMPTY, OPT_RA)) / tcp_syn22(), next(seq))
    c.add(fix4(flip(b, 20 + len(OPT_RR_EMPTY) + 3)), "icv-fail",
          tag + "-v4-router-alert-value-flipped")
    b = sa.sign(v4(opts(OPT_SEC, OPT_TS_EMPTY)) / tcp_syn22(), next(seq))
    c.add(fix4(flip(b, 20 + 2, 0x10)), "icv-fail", tag + "-v4-security-opt-flipped")
    forged = Sa(algo, base + 1, INT4, key_label="forged-%04x" % (base + 1), listed=False)
    c.add(forged.sign(v4() / tcp_syn22(), next(seq)), "icv-fail", tag + "-v4-wrong-key")
    if ai == 0:
        b = sa.sign(v4() / tcp_syn22(), next(seq))
        c.add(flip(b, ah_offset(b) + 3), "icv-fail", tag + "-v4-ah-reserved-flipped")
        b = sa.sign(v4() / tcp_syn22(), next(seq))
        c.add(fix4(flip(b, 4)), "icv-fail", tag + "-v4-ip-id-flipped")

    # -- IPv4 tunnel (inner IPv4 TCP) ----------------------------------------------------------
    tun = c.add_sa(algo, base + 2, INT4GW, tunnel=IP(src=EXT4GW, dst=INT4GW, ttl=64, id=7))
    seq = iter(range(1, 1000))
    c.add(tun.sign(v4() / tcp_syn22(), next(seq)), "verified", tag + "-v4tun-syn22")
    c.add(tun.sign(v4() / tcp_ack(), next(seq)), "verified", tag + "-v4tun-ack")
    b = tun.sign(v4() / tcp_ack(), next(seq))
    c.add(fix4(put(b, 8, b"\x01")), "verified", tag + "-v4tun-outer-ttl-changed")
    b = tun.sign(v4() / tcp_syn22(), next(seq))
    inner = after_ah(b)
    c.add(fix4(flip(b, inner + 16 + 3), inner), "icv-fail", tag + "-v4tun-inner-dst-flipped")
    b = tun.sign(v4() / tcp_ack(), next(seq))
    c.add(flip(b, len(b) - 1), "icv-fail", tag + "-v4tun-payload-bit-flipped")

    # -- IPv6 transport, hop-by-hop and destination options before AH --------------------------
    sa6 = c.add_sa(algo, base + 3, INT6)
    seq = iter(range(1, 1000))
    hbh, dst = v6_exthdrs()
    c.add(sa6.sign(v6() / hbh / dst / tcp_syn22(), next(seq)), "verified",
          tag + "-v6-hbh-dst-syn22")
    c.add(sa6.sign(v6() / hbh / dst / tcp_ack(), next(seq)), "verified",
          tag + "-v6-hbh-dst-ack")
    c.add(sa6.sign(v6() / tcp_syn22(), next(seq)), "verified", tag + "-v6-plain-syn22")
    c.add(sa6.sign(v6() / hbh / tcp_ack(), next(seq)), "verified", tag + "-v6-hbh-only-ack")
    b = sa6.sign(v6() / hbh / dst / tcp_ack(), next(seq))
    c.add(put(b, 7, b"\x01"), "verified", tag + "-v6-hlim-changed")
    b = sa6.sign(v6() / hbh / dst / tcp_ack(), next(seq))
    c.add(put(b, 1, bytes([b[1] & 0xf0 | 0x0a]) + b"\xbc\xde"), "verified",
          tag + "-v6-flowlabel-changed")
    b = sa6.sign(v6() / hbh / dst / tcp_ack(), next(seq))
    c.add(put(b, 0, bytes([0x6b, 0x80 | (b[1] & 0x0f)])), "verified", tag + "-v6-tclass-changed")
    # option data with the change-en-route bit changed after signing: still valid
    b = sa6.sign(v6() / hbh / dst / tcp_ack(), next(seq))
    i = b.index(bytes([0x3E, len(HBH_DATA)]) + HBH_DATA)
    b = put(b, i + 2, b"\xde\xad\xbe\xef")
    j = b.index(bytes([0x3E, len(DST_DATA_CHG)]) + DST_DATA_CHG)
    c.add(put(b, j + 2, b"\xca\xfe"), "verified", tag + "-v6-chg-option-data-changed")
    # negative cases
    b = sa6.sign(v6() / hbh / dst / tcp_ack(), next(seq))
    j = b.index(bytes([0x1E, len(DST_DATA_FIX)]) + DST_DATA_FIX)
    c.add(flip(b, j + 2), "icv-fail", tag + "-v6-fixed-option-data-flipped")
    b = sa6.sign(v6() / hbh / dst / tcp_ack(), next(seq))
    c.add(flip(b, len(b) - 1), "icv-fail", tag + "-v6-payload-bit-flipped")
    b = sa6.sign(v6() / hbh / dst / tcp_ack(), next(seq))
    c.add(flip(b, ah_offset(b) + 12 + icv_len - 1, 0x80), "icv-fail", tag + "-v6-icv-bit-flipped")
    if (12 + icv_len) % 8:
        b = sa6.sign(v6() / hbh / dst / tcp_ack(), next(seq))
        c.add(flip(b, ah_offset(b) + 12 + icv_len), "icv-fail", tag + "-v6-icv-padding-flipped")
    b = sa6.sign(v6() / hbh / dst / tcp_syn22(), next(seq))
    c.add(flip(b, 8 + 15), "icv-fail", tag + "-v6-src-bit-flipped")
    # The destination is part of the SA's identity: flipping it makes the SA unknown.
    b = sa6.sign(v6() / hbh / dst / tcp_syn22(), next(seq))
    c.add(flip(b, 24 + 15), "unknown-spi", tag + "-v6-dst-bit-flipped-no-sa")
    forged = Sa(algo, base + 3, INT6, key_label="forged-%04x" % (base + 3), listed=False)
    c.add(forged.sign(v6() / hbh / dst / tcp_syn22(), next(seq)), "icv-fail",
          tag + "-v6-wrong-key")

    # -- IPv6 tunnel (inner IPv6 UDP) ----------------------------------------------------------
    tun6 = c.add_sa(algo, base + 4, INT6GW, tunnel=IPv6(src=EXT6GW, dst=INT6GW, hlim=64))
    seq = iter(range(1, 1000))
    udp = UDP(sport=40002, dport=53) / Raw(b"udp-payload-in-v6-tunnel")
    c.add(tun6.sign(v6() / udp, next(seq)), "verified", tag + "-v6tun-udp53")
    b = tun6.sign(v6() / udp, next(seq))
    c.add(put(b, 7, b"\x02"), "verified", tag + "-v6tun-outer-hlim-changed")
    b = tun6.sign(v6() / udp, next(seq))
    inner = after_ah(b)
    c.add(put(b, inner + 7, b"\x02"), "icv-fail", tag + "-v6tun-inner-hlim-changed")
    b = tun6.sign(v6() / udp, next(seq))
    c.add(flip(b, inner + 24 + 15), "icv-fail", tag + "-v6tun-inner-dst-flipped")
    b = tun6.sign(v6() / udp, next(seq))
    c.add(flip(b, len(b) - 1), "icv-fail", tag + "-v6tun-payload-bit-flipped")

    # -- ESN, IPv4 transport, crossing 2^32 (highest received: 0x0:ffffffe0) ------------------
    esn = c.add_sa(algo, base + 5, INT4, esn=True, window=32, state=(0, 0xffffffe0))
    c.add(esn.sign(v4() / tcp_syn22(), 0xfffffff0, 0), "verified", tag + "-esn-v4-hi0-fffffff0")
    c.add(esn.sign(v4() / tcp_ack(), 0xffffffff, 0), "verified", tag + "-esn-v4-hi0-ffffffff")
    c.add(esn.sign(v4() / tcp_ack(), 2, 1), "verified", tag + "-esn-v4-hi1-2")
    # behind the top, inside the window, across the boundary: high bits inferred as 0
    c.add(esn.sign(v4() / tcp_ack(), 0xfffffff5, 0), "verified",
          tag + "-esn-v4-hi0-fffffff5-late")
    c.add(esn.sign(v4(opts(OPT_RR_EMPTY, OPT_RA)) / tcp_ack(), 5, 1), "verified",
          tag + "-esn-v4-hi1-5-opts")
    # signed without the high bits (as a non-ESN peer would): fails; must not move the window
    c.add(esn.sign(v4() / tcp_ack(), 6, 0), "icv-fail", tag + "-esn-v4-hi1-6-signed-as-hi0")
    c.add(esn.sign(v4() / tcp_ack(), 6, 1), "verified", tag + "-esn-v4-hi1-6")
    if ai == 1:
        c.add(esn.sign(v4() / tcp_ack(), 0xfffffff0, 0), "replayed",
              tag + "-esn-v4-hi0-fffffff0-dup")
        c.add(esn.sign(v4() / tcp_ack(), 5, 1), "replayed", tag + "-esn-v4-hi1-5-dup")
        # Left of the window (top is 1:00000006, window 32, so 0:ffffffe7 is its left edge):
        # RFC 4303 A2.2 infers the high bits as 1 (the packet "from the future" 1:ffffffe6),
        # so it is not a replay but an ICV failure.
        c.add(esn.sign(v4() / tcp_ack(), 0xffffffe6, 0), "icv-fail",
              tag + "-esn-v4-hi0-ffffffe6-left-of-window-seen-as-hi1")

    # -- ESN, IPv6 transport, joining at seq-hi 1 seq 3 ----------------------------------------
    esn6 = c.add_sa(algo, base + 6, INT6, esn=True, window=32, state=(1, 3))
    hbh, dst = v6_exthdrs()
    c.add(esn6.sign(v6() / hbh / dst / tcp_syn22(), 5, 1), "verified", tag + "-esn-v6-hi1-5")
    c.add(esn6.sign(v6() / hbh / tcp_ack(), 4, 1), "verified", tag + "-esn-v6-hi1-4-late")
    c.add(esn6.sign(v6() / tcp_ack(), 7, 0), "icv-fail", tag + "-esn-v6-hi1-7-signed-as-hi0")
    b = esn6.sign(v6() / hbh / dst / tcp_ack(), 8, 1)
    c.add(put(b, 7, b"\x05"), "verified", tag + "-esn-v6-hi1-8-hlim-changed")
    if ai == 1:
        c.add(esn6.sign(v6() / tcp_ack(), 3, 1), "replayed", tag + "-esn-v6-hi1-3-initial-top")


def build():
    c = Corpus()
    for ai, algo in enumerate(ALGOS):
        build_algo(c, ai, algo)

    # -- replay, one SA, window 32 -------------------------------------------------------------
    rsa = c.add_sa(ALGOS[0], 0x1001, INT4, window=32)
    forged = Sa(ALGOS[0], 0x1001, INT4, key_label="forged-1001", listed=False)
    for s, state, note in [(1, "verified", "first"), (2, "verified", "second"),
                           (3, "verified", "third"), (2, "replayed", "duplicate"),
                           (10, "verified", "jump"), (7, "verified", "reordered-in-window"),
                           (50, "icv-fail", "forged"), (50, "verified", "after-forged"),
                           (1000, "icv-fail", "forged-far-ahead"),
                           (100, "verified", "top"), (1, "replayed", "left-of-window"),
                           (69, "verified", "left-edge-of-window"),
                           (68, "replayed", "just-left-of-window"),
                           (100, "replayed", "top-duplicate"),
                           (101, "verified", "next")]:
        signer = forged if state == "icv-fail" else rsa
        c.add(signer.sign(v4() / tcp_ack(), s), state, "sha1-replay-seq%d-%s" % (s, note))

    # -- no SA ---------------------------------------------------------------------------------
    nosa = Sa(ALGOS[1], 0x1fff, INT4, listed=False)
    c.add(nosa.sign(v4() / tcp_syn22(), 1), "unknown-spi", "sha256-v4-unknown-spi")
    nosa6 = Sa(ALGOS[1], 0x1ffe, INT6, listed=False)
    c.add(nosa6.sign(v6() / tcp_syn22(), 1), "unknown-spi", "sha256-v6-unknown-spi")
    # a known SPI (0x1101) towards a destination it has no SA for, signed with that SA's key
    other = Sa(ALGOS[0], 0x1101, INT4B, key_label="key-1101", listed=False)
    c.add(other.sign(IP(src=EXT4, dst=INT4B, ttl=64, id=0x1234) / tcp_syn22(), 100),
          "unknown-spi", "sha1-v4-known-spi-other-dst")
    return c


def write(c):
    with open(PCAP, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, LINKTYPE_RAW))
        for i, (b, _, _) in enumerate(c.pkts):
            f.write(struct.pack("<IIII", T0_SEC, i * 1000, len(b), len(b)) + b)
    with open(KEYS, "w") as f:
        f.write("# AH SAs for tests/data/ah.pcap, made by tests/data/gen_ah.py (do not edit).\n"
                "# ipsecfw refuses a key file readable by group or others and git does not keep\n"
                "# the mode: tests copy this file and chmod 600 the copy before use.\n"
                "# seq-hi/seq: the highest sequence number already received (ip xfrm state's\n"
                "# anti-replay context); SAs without replay-window use the default.\n")
        for sa in c.sas:
            f.write(sa.line() + "\n")
    with open(EXPECT, "w") as f:
        f.write("# INDEX STATE NOTE for tests/data/ah.pcap (tests/data/gen_ah.py). Packets are\n"
                "# judged in capture order by one engine holding tests/data/ah.keys.\n")
        for i, (_, state, note) in enumerate(c.pkts, 1):
            f.write("%d %s %s\n" % (i, state, note))


# ---------------------------------------------------------------------------------------------
# Independent check: read the three files back, verify with scapy, model the replay window.


def read_pcap(path):
    data = open(path, "rb").read()
    magic, _, _, _, _, _, lt = struct.unpack("<IHHiIII", data[:24])
    assert magic == 0xa1b2c3d4 and lt == LINKTYPE_RAW, (hex(magic), lt)
    off, out = 24, []
    while off < len(data):
        _, _, caplen, _ = struct.unpack("<IIII", data[off:off + 16])
        out.append(data[off + 16:off + 16 + caplen])
        off += 16 + caplen
    return out


def read_keys(path, default_window):
    sas = {}
    for line in open(path):
        line = line.split("#")[0].split()
        if not line:
            continue
        assert line[0] == "ah" and line[5] == "auth-trunc", line
        spi, dst = int(line[2], 16), line[4]
        name, key, bits = line[6], bytes.fromhex(line[7][2:]), int(line[8])
        esn = "esn" in line
        i = line.index("replay-window") if "replay-window" in line else None
        window = int(line[i + 1]) if i else default_window
        top = 0
        if "seq-hi" in line:
            top = (int(line[line.index("seq-hi") + 1], 16) << 32) | \
                int(line[line.index("seq") + 1], 16)
        sa = SecurityAssociation(AH, spi=spi, auth_algo=XFRM_TO_SCAPY[(name, bits)],
                                 auth_key=key, esn_en=esn)
        sas[(spi, dst)] = {"sa": sa, "esn": esn, "w": window, "top": top,
                           "seen": {top} if top else set(), "name": name}
    return sas


def infer_hi(st, lo):
    """RFC 4303 Appendix A2.2: the high 32 bits of an ESN packet's sequence number."""
    W, T = st["w"], st["top"]
    Th, Tl = T >> 32, T & 0xffffffff
    Bl = (Tl - W + 1) & 0xffffffff
    if Tl >= W - 1:
        return Th + 1 if lo < Bl else Th
    return Th - 1 if lo >= Bl else Th


def judge(sas, b):
    p = parse(b)
    ah = p[AH]
    key = (ah.spi, p.dst)
    if key not in sas:
        return "unknown-spi", "n/a", "-"
    st = sas[key]
    lo = ah.seq
    hi = infer_hi(st, lo) if st["esn"] else 0
    s64 = (hi << 32) | lo
    W = st["w"]
    replayed = W > 0 and (s64 in st["seen"] or s64 + W <= st["top"])
    try:
        st["sa"].decrypt(parse(b), esn_en=st["esn"], esn=hi)
        icv = "ok"
    except IPSecIntegrityError:
        icv = "FAIL"
    if replayed:
        return "replayed", icv, "%x:%08x" % (hi, lo)
    if icv != "ok":
        return "icv-fail", icv, "%x:%08x" % (hi, lo)
    st["seen"].add(s64)
    st["top"] = max(st["top"], s64)
    return "verified", icv, "%x:%08x" % (hi, lo)


def check():
    pkts = read_pcap(PCAP)
    exp = [ln.split() for ln in open(EXPECT) if ln.strip() and not ln.startswith("#")]
    assert len(exp) == len(pkts), (len(exp), len(pkts))
    bad = 0
    runs = {w: read_keys(KEYS, w) for w in (0, 64)}   # the default window must not matter
    print("%-4s %-12s %-5s %-12s %-12s %s" % ("idx", "expect", "icv", "model", "seq", "note"))
    for (idx, state, note), b in zip(exp, pkts):
        res = {w: judge(sas, b) for w, sas in runs.items()}
        model, icv, seq = res[0]
        ok = all(r[0] == state for r in res.values())
        # the ICV must be valid exactly for verified/replayed packets (scapy's own verdict)
        ok = ok and ((icv == "ok") == (state in ("verified", "replayed")) or icv == "n/a")
        bad += not ok
        print("%-4s %-12s %-5s %-12s %-12s %s%s" % (idx, state, icv, model, seq, note,
                                                     "" if ok else "   <-- MISMATCH"))
    print("%d packets, %d mismatches" % (len(pkts), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        sys.exit(check())
    write(build())
    print("wrote %s, %s, %s" % (PCAP, KEYS, EXPECT))
