#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Generate the ESP decryption corpus, made by an independent implementation (scapy).

Regenerate from the repository root with

    /usr/bin/python3 tests/data/gen_esp.py            # writes the three files below
    /usr/bin/python3 tests/data/gen_esp.py --check    # re-reads them and checks them (no writing)

which (over)writes, next to this script:

    tests/data/esp.pcap     classic pcap, LINKTYPE_RAW (101): every packet starts with its IP header
    tests/data/esp.keys     the SAs, ipsecfw.keys(5) syntax (copy it and chmod 600 before use)
    tests/data/esp.expect   one line per packet:  INDEX STATE NOTE INNER

STATE is what an engine that holds esp.keys must conclude when it judges the packets in capture
order:
    verified     decrypted, authenticated, padding (RFC 4303 2.4: 1, 2, 3, ...) and pad length
                 fine, sequence number new
    dummy        the same, but next header 59 (RFC 4303 2.6 dummy packet): nothing inside
    icv-fail     the ICV (HMAC or AEAD tag) does not check out
    bad-padding  the ICV checks out, but the decrypted padding bytes are not 1, 2, 3, ... or the
                 pad length runs past the start of the payload
    replayed     refused by the anti-replay window (the packet carries a correct ICV)
    unknown-spi  no SA for (SPI, destination, protocol)
For a chain (AH around ESP, ESP tunnel inside ESP tunnel) STATE is that of the first layer,
outermost first, that is not verified, and `verified` when every layer is.

INNER is `-` unless STATE is verified; then it is what the ESP carries, innermost layer for a
chain: `proto/sport/dport` in transport mode (for ICMP: `icmp/type/code`) and
`proto/sport/dport/inner_src/inner_dst` in tunnel mode, e.g. `udp/5353/53/198.51.100.30/192.0.2.30`.

Every ESP packet is made by scapy's SecurityAssociation(ESP, ...).encrypt(); corrections and
negative cases are described where they are made:
  * bad padding and extra-long (valid) padding: scapy's own encrypt() with its CryptAlgo.pad()
    replaced for that one call, so the ICV over the odd trailer is scapy's and valid;
  * TFC padding (RFC 4303 2.7): bytes after an inner IP datagram or UDP datagram whose length
    field excludes them, handed to encrypt() as scapy's Padding layer;
  * flipped bits (ciphertext, ICV, IV, sequence number, SPI) and wrong keys: after encryption.
Keys and IVs are derived from a label with SHA-256 (no random generator), timestamps are fixed
(1700000000.000 + 0.001 s per packet): the output is byte-for-byte reproducible.

--check re-parses every packet with scapy and runs scapy's SecurityAssociation.decrypt() with the
keys read back from esp.keys (ICV verification and decryption), decrypts each ESP payload a second
time with the `cryptography` library directly to inspect the padding scapy does not check, models
the anti-replay window and the ESN high-bit inference of RFC 4303 Appendix A independently of the
generator, and compares with esp.expect. It prints a table and exits 1 on any disagreement.

scapy 2.5.0 and RFC 4303/4106/7634/3948 (what this corpus works around, and how):
  * ESN with a separate integrity algorithm (CBC or NULL + HMAC): scapy leaves the high 32 bits
    out of the ICV (RFC 4303 2.2.1/3.3.2.1 append them after the trailer), even with esn_en.
    The generator replaces the ICV of such packets by HMAC(key, ESP header .. next header ||
    seq-hi), using scapy's own AuthAlgo.new_mac(); the check verifies it the same way. Packets
    `...-scapy-esn-hmac-no-seq-hi` keep scapy's unmodified (wrong) ICV: icv-fail.
    For AEAD (GCM, ChaCha20-Poly1305) scapy's ESN AAD is right (SPI || seq-hi || seq-lo).
  * ESN high bits: as for AH, encrypt/decrypt take them as `esn` and `esn or self.esn` falls back
    to the SA's value when 0, so the generator and the check set sa.esn instead.
  * AES-GCM ICV size: scapy's AESGCM path ignores crypt_icv_size and always writes a 16-byte tag.
    8 and 12-byte ICVs (RFC 4106) are made by scapy's older Cipher/modes.GCM code path, reached
    through a CryptAlgo registered here as 'AES-GCM-8' / 'AES-GCM-12' (same class, mode=modes.GCM,
    icv_size 8/12: scapy then truncates the tag, which is RFC 4106's and SP 800-38D's MSB_t).
  * ESP-GMAC (rfc4543(gcm(aes)) for ESP): scapy 2.5 has no such ESP algorithm; not in this corpus.
  * NAT-T: with nat_t_header scapy writes the UDP header with length 8 (the ESP after it is not
    counted; scapy cannot then decrypt its own packet). The generator sets the UDP length to
    8 + ESP length (checksum stays 0, RFC 3948 2.1).
  * scapy's decrypt() never checks the padding bytes (RFC 4303 2.4 receiver SHOULD) and returns a
    mis-sliced `padding` field; the check inspects padding from its own decryption.
  * AH around ESP: scapy's AuthAlgo.sign() treats any packet with an ESP layer as ESP (it appends
    an HMAC to the ESP data and leaves the AH ICV zero). The generator unbinds IP/IPv6 -> ESP while
    AH signs, so scapy sees AH over opaque bytes; verification then works unchanged.
  * decrypt() of IPv6 transport ESP behind a hop-by-hop header sets the right next header but
    dissects the payload as another hop-by-hop header; the check re-parses the bytes.
  * Dummy packets: scapy has no API; an IP/IPv6 header with protocol 59 and a payload makes
    scapy's encrypt() write next header 59. In tunnel mode that is done without the tunnel header
    (a dummy packet has no inner datagram), under the tunnel SA's keys.

Addresses are documentation ranges only: 198.51.100.0/24 and 2001:db8:1::/64 external,
192.0.2.0/24 and 2001:db8:2::/64 internal. ESP SPIs are 0x2000-0x2fff, AH SPIs (bundles) 0x2fa*:

    0x2S01..0x2S06  per suite S (see SUITES, 1..e): 01 IPv4 transport, 02 IPv4 tunnel
                    (198.51.100.10 -> 192.0.2.1), 03 IPv6 transport, 04 IPv6 tunnel,
                    05 IPv4 ESN crossing 2^32 (window 32),
                    06 IPv6 ESN joining at seq-hi 1 (window 32)
    0x2f01          replay SA (cbc128-sha256, IPv4 transport, replay-window 32)
    0x2f02, 0x2f03  ESP in UDP 4500: cbc128-sha256 IPv4 transport, gcm128 IPv4 tunnel
    0x2f11..0x2f13  ESP behind AH 0x2fa1..0x2fa3 (IPv4, IPv6, IPv4 ESP tunnel)
    0x2f21, 0x2f22  nested tunnels: ESP tunnel 0x2f21 to 192.0.2.1 carrying ESP tunnel 0x2f22
                    (198.51.100.20 -> 192.0.2.2) carrying 198.51.100.30 -> 192.0.2.30
    0x2ffd..0x2fff  no SA (unknown SPI)
"""

import copy
import hashlib
import os
import struct
import sys

from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.exceptions import InvalidTag

from scapy.config import conf
from scapy.layers.inet import IP, TCP, UDP, ICMP
from scapy.layers.inet6 import IPv6, IPv6ExtHdrHopByHop, PadN
from scapy.layers.ipsec import (AH, ESP, CRYPT_ALGOS, CryptAlgo, IPSecIntegrityError,
                                SecurityAssociation)
from scapy.packet import Raw, bind_layers, split_layers

conf.verb = 0

HERE = os.path.dirname(os.path.abspath(__file__))
PCAP = os.path.join(HERE, "esp.pcap")
KEYS = os.path.join(HERE, "esp.keys")
EXPECT = os.path.join(HERE, "esp.expect")

T0_SEC = 1700000000
LINKTYPE_RAW = 101

EXT4, INT4, INT4B, INT4GW, INT4GW2 = ("198.51.100.10", "192.0.2.10", "192.0.2.20", "192.0.2.1",
                                      "192.0.2.2")
EXT4B = "198.51.100.20"
IN4S, IN4D = "198.51.100.30", "192.0.2.30"              # inner addresses (tunnel mode)
EXT6, INT6, INT6GW = "2001:db8:1::10", "2001:db8:2::10", "2001:db8:2::1"
IN6S, IN6D = "2001:db8:1::30", "2001:db8:2::30"

# scapy's AES-GCM with a truncated ICV, through its Cipher/modes.GCM code path (see above)
for _n in (8, 12):
    CRYPT_ALGOS["AES-GCM-%d" % _n] = CryptAlgo(
        "AES-GCM-%d" % _n, cipher=algorithms.AES, mode=modes.GCM, key_size=(16, 24, 32),
        block_size=1, iv_size=8, icv_size=_n, salt_size=4,
        format_mode_iv=lambda sa, iv, **kw: sa.crypt_salt + iv)

# tag, scapy crypt, crypt key bytes (with salt), "enc"/"aead", XFRM crypt name,
#      scapy auth, auth key bytes, XFRM auth name, ICV bits
SUITES = [
    ("cbc128-sha1", "AES-CBC", 16, "enc", "cbc(aes)", "HMAC-SHA1-96", 20, "hmac(sha1)", 96),
    ("cbc256-sha1", "AES-CBC", 32, "enc", "cbc(aes)", "HMAC-SHA1-96", 20, "hmac(sha1)", 96),
    ("cbc128-sha256", "AES-CBC", 16, "enc", "cbc(aes)", "SHA2-256-128", 32, "hmac(sha256)", 128),
    ("cbc256-sha256", "AES-CBC", 32, "enc", "cbc(aes)", "SHA2-256-128", 32, "hmac(sha256)", 128),
    ("cbc128-sha384", "AES-CBC", 16, "enc", "cbc(aes)", "SHA2-384-192", 48, "hmac(sha384)", 192),
    ("cbc256-sha384", "AES-CBC", 32, "enc", "cbc(aes)", "SHA2-384-192", 48, "hmac(sha384)", 192),
    ("cbc128-sha512", "AES-CBC", 16, "enc", "cbc(aes)", "SHA2-512-256", 64, "hmac(sha512)", 256),
    ("cbc256-sha512", "AES-CBC", 32, "enc", "cbc(aes)", "SHA2-512-256", 64, "hmac(sha512)", 256),
    ("gcm128-16", "AES-GCM", 20, "aead", "rfc4106(gcm(aes))", None, 0, None, 128),
    ("gcm256-16", "AES-GCM", 36, "aead", "rfc4106(gcm(aes))", None, 0, None, 128),
    ("gcm128-8", "AES-GCM-8", 20, "aead", "rfc4106(gcm(aes))", None, 0, None, 64),
    ("gcm256-12", "AES-GCM-12", 36, "aead", "rfc4106(gcm(aes))", None, 0, None, 96),
    ("chacha", "CHACHA20-POLY1305", 36, "aead", "rfc7539esp(chacha20,poly1305)", None, 0, None,
     128),
    ("null-sha1", "NULL", 0, "enc", "ecb(cipher_null)", "HMAC-SHA1-96", 20, "hmac(sha1)", 96),
]
SUITE = {s[0]: s for s in SUITES}
AH_ALGO = ("SHA2-256-128", 32, "hmac(sha256)", 128)

STATES = ("verified", "dummy", "icv-fail", "bad-padding", "replayed", "unknown-spi")


def opaque(label, n):
    """n fixed, random-looking bytes derived from label (SHA-256 in counter mode)."""
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(b"ipsecfw-esp-corpus|%s|%d" % (label.encode(), i)).digest()
        i += 1
    return out[:n]


def flip(b, off, bit=0x01):
    b = bytearray(b)
    b[off] ^= bit
    return bytes(b)


def parse(b):
    return IP(b) if b[0] >> 4 == 4 else IPv6(b)


def esp_offset(b):
    p = parse(b)
    return len(b) - len(bytes(p[ESP]))


# ---------------------------------------------------------------------------------------------
# SAs


class EspSa:
    def __init__(self, suite, spi, dst, tunnel=None, natt=False, esn=False, window=None,
                 state=None, key_label=None, listed=True):
        (self.tag, self.scrypt, eklen, self.kind, self.xenc, self.sauth, aklen, self.xauth,
         self.bits) = SUITE[suite]
        self.spi, self.dst, self.tunnel, self.natt = spi, dst, tunnel, natt
        self.esn, self.window, self.state, self.listed = esn, window, state, listed
        label = key_label or "%04x" % spi
        self.ekey = opaque("enc-" + label, eklen)
        self.akey = opaque("auth-" + label, aklen) if aklen else None
        self.ivs = 0
        nat = UDP(sport=4500, dport=4500) if natt else None
        self.sa = SecurityAssociation(ESP, spi=spi, crypt_algo=self.scrypt,
                                      crypt_key=self.ekey or None, auth_algo=self.sauth,
                                      auth_key=self.akey, tunnel_header=tunnel,
                                      nat_t_header=nat, esn_en=esn)
        # the same keys without a tunnel header: dummy packets in tunnel mode
        self.sa_notun = SecurityAssociation(ESP, spi=spi, crypt_algo=self.scrypt,
                                            crypt_key=self.ekey or None, auth_algo=self.sauth,
                                            auth_key=self.akey, nat_t_header=nat, esn_en=esn)

    @property
    def proto(self):
        return "esp"

    def line(self):
        s = "esp spi 0x%08x dst %s " % (self.spi, self.dst)
        if self.kind == "aead":
            s += "aead %s 0x%s %d" % (self.xenc, self.ekey.hex(), self.bits)
        else:
            s += "enc %s 0x%s auth-trunc %s 0x%s %d" % (self.xenc, self.ekey.hex(), self.xauth,
                                                        self.akey.hex(), self.bits)
        if self.tunnel is not None:
            s += " mode tunnel"
        if self.esn:
            s += " esn"
        if self.window is not None:
            s += " replay-window %d" % self.window
        if self.state is not None:
            s += " seq-hi 0x%x seq 0x%x" % self.state
        return s

    def next_iv(self):
        n = CRYPT_ALGOS[self.scrypt].iv_size
        self.ivs += 1
        return opaque("iv-%04x-%s-%d" % (self.spi, self.tag, self.ivs), n) if n else None

    def enc(self, pkt, seq, hi=0, pad=None, dummy=False, scapy_esn_hmac=False):
        """scapy's ESP output for pkt (bytes). pad: a function replacing CryptAlgo.pad()."""
        sa = self.sa_notun if dummy else self.sa
        sa.esn = hi
        saved = sa.crypt_algo
        if pad is not None:
            ca = copy.copy(saved)
            ca.pad = lambda esp, orig=saved.pad: pad(orig(esp), saved)
            sa.crypt_algo = ca
        try:
            b = bytes(sa.encrypt(pkt, seq_num=seq, iv=self.next_iv()))
        finally:
            sa.crypt_algo = saved
        if self.natt:
            ihl = (b[0] & 0x0f) * 4 if b[0] >> 4 == 4 else 40
            b = b[:ihl + 4] + struct.pack("!H", len(b) - ihl) + b[ihl + 6:]
        if self.esn and self.akey and not scapy_esn_hmac:
            # RFC 4303 2.2.1: the high 32 bits enter the ICV, appended after the trailer
            icv = sa.auth_algo.icv_size
            off = esp_offset(b)
            mac = sa.auth_algo.new_mac(self.akey)
            mac.update(b[off:-icv] + struct.pack("!L", hi))
            b = b[:-icv] + mac.finalize()[:icv]
        return b


class AhSa:
    def __init__(self, spi, dst):
        self.sname, klen, self.xname, self.bits = AH_ALGO
        self.spi, self.dst, self.listed, self.esn = spi, dst, True, False
        self.key = opaque("ah-%04x" % spi, klen)
        self.sa = SecurityAssociation(AH, spi=spi, auth_algo=self.sname, auth_key=self.key)

    def line(self):
        return "ah spi 0x%08x dst %s auth-trunc %s 0x%s %d" % (self.spi, self.dst, self.xname,
                                                                self.key.hex(), self.bits)

    def sign(self, b, seq):
        # scapy's AuthAlgo.sign() takes any packet with an ESP layer for an ESP packet: it would
        # append an HMAC to the ESP data and leave the AH ICV zero. Hide ESP from the dissector
        # while signing, so that scapy sees AH over opaque bytes.
        split_layers(IP, ESP, proto=50)
        split_layers(IPv6, ESP, nh=50)
        try:
            return bytes(self.sa.encrypt(parse(b), seq_num=seq))
        finally:
            bind_layers(IP, ESP, proto=50)
            bind_layers(IPv6, ESP, nh=50)


class Corpus:
    def __init__(self):
        self.sas = []
        self.pkts = []             # (bytes, state, note, inner)

    def esp(self, *a, **kw):
        sa = EspSa(*a, **kw)
        if sa.listed:
            self.sas.append(sa)
        return sa

    def ah(self, *a):
        sa = AhSa(*a)
        self.sas.append(sa)
        return sa

    def add(self, b, state, note, inner="-"):
        assert " " not in note and state in STATES, (state, note)
        assert (inner != "-") == (state == "verified"), (state, note, inner)
        self.pkts.append((b, state, note, inner))


# ---------------------------------------------------------------------------------------------
# Packets


def syn22(sport=40000):
    return TCP(sport=sport, dport=22, flags="S", seq=1000, window=64240)


def ack80(sport=40001):
    return TCP(sport=sport, dport=80, flags="A", seq=5000, ack=1001, window=501) / \
        Raw(b"GET / HTTP/1.1\r\nHost: example.net\r\n\r\n")


def udp53(sport=5353):
    return UDP(sport=sport, dport=53) / Raw(b"\x12\x34\x01\x00\x00\x01" + bytes(6) +
                                            b"\x07example\x03net\x00\x00\x01\x00\x01")


def icmp_echo():
    return ICMP(type=8, code=0, id=0x4242, seq=1) / Raw(b"ping-payload-0123456789")


def v4(src=EXT4, dst=INT4, **kw):
    return IP(src=src, dst=dst, ttl=64, id=0x2345, **kw)


def v6(src=EXT6, dst=INT6, **kw):
    return IPv6(src=src, dst=dst, hlim=64, fl=0x54321, **kw)


def inner4(l4):
    return IP(src=IN4S, dst=IN4D, ttl=63, id=0x0101) / l4


def inner6(l4):
    return IPv6(src=IN6S, dst=IN6D, hlim=63) / l4


def tfc(pkt, n):
    """pkt followed by n bytes of TFC padding its length field does not count."""
    return pkt.__class__(bytes(pkt) + bytes(n))


def summ(proto, sport, dport, src=None, dst=None):
    s = "%s/%d/%d" % (proto, sport, dport)
    return s + ("/%s/%s" % (src, dst) if src else "")


# CryptAlgo.pad() replacements, called with scapy's correctly padded _ESPPlain


def pad_long(esp, algo):
    """Valid but longer than needed: two more alignment units, still 1, 2, 3, ..."""
    n = esp.padlen + 32                      # a multiple of every alignment (4 or 16)
    esp.padlen = n
    esp.padding = bytes(range(1, n + 1))
    return esp


def pad_bad_bytes(esp, algo):
    """Padding 1, 2, 3, ... with one byte wrong (at least 4 padding bytes)."""
    align = algo.block_size if algo.block_size > 4 else 4
    n = esp.padlen
    while n < 4:
        n += align
    p = bytearray(range(1, n + 1))
    p[n // 2] = 0
    esp.padlen, esp.padding = n, bytes(p)
    return esp


def pad_len_exceeds(esp, algo):
    """Correct padding bytes, but the pad length byte points before the payload's start."""
    total = len(bytes(esp.data)) + len(esp.padding) + 2
    esp.padlen = min(255, total - 1)
    assert esp.padlen + 2 > total
    return esp


def pad_zeros(esp, algo):
    """Zero padding (as if the sender skipped RFC 4303's default), at least 2 bytes."""
    align = algo.block_size if algo.block_size > 4 else 4
    n = esp.padlen
    while n < 2:
        n += align
    esp.padlen, esp.padding = n, bytes(n)
    return esp


# ---------------------------------------------------------------------------------------------
# The corpus


def build_suite(c, si, suite):
    tag = suite
    base = 0x2000 + 0x100 * (si + 1)
    null = SUITE[suite][1] == "NULL"
    aead = SUITE[suite][3] == "aead"
    hmac_suite = not aead

    # -- IPv4 transport --------------------------------------------------------------------------
    sa = c.esp(suite, base + 1, INT4)
    seq = iter(range(1, 1000))
    c.add(sa.enc(v4() / syn22(), next(seq)), "verified", tag + "-v4-tcp22-syn",
          summ("tcp", 40000, 22))
    c.add(sa.enc(v4() / ack80(), next(seq)), "verified", tag + "-v4-tcp80-ack",
          summ("tcp", 40001, 80))
    c.add(sa.enc(v4() / udp53(), next(seq)), "verified", tag + "-v4-udp53", summ("udp", 5353, 53))
    c.add(sa.enc(v4() / icmp_echo(), next(seq)), "verified", tag + "-v4-icmp-echo",
          summ("icmp", 8, 0))
    c.add(sa.enc(v4() / syn22(40002), next(seq), pad=pad_long), "verified",
          tag + "-v4-tcp22-long-padding", summ("tcp", 40002, 22))
    c.add(sa.enc(tfc(v4() / udp53(5354), 23), next(seq)), "verified",
          tag + "-v4-udp53-tfc23", summ("udp", 5354, 53))
    c.add(sa.enc(v4(proto=59) / Raw(opaque("dummy-%x" % base, 40)), next(seq)), "dummy",
          tag + "-v4-dummy-nh59")
    # negative cases
    b = sa.enc(v4() / syn22(), next(seq))
    c.add(flip(b, len(b) - sa.bits // 8 - 5), "icv-fail", tag + "-v4-ciphertext-bit-flipped")
    b = sa.enc(v4() / syn22(), next(seq))
    c.add(flip(b, len(b) - 1, 0x80), "icv-fail", tag + "-v4-icv-bit-flipped")
    if not null:
        b = sa.enc(v4() / syn22(), next(seq))
        c.add(flip(b, esp_offset(b) + 8 + 2), "icv-fail", tag + "-v4-iv-bit-flipped")
    b = sa.enc(v4() / syn22(), next(seq))
    c.add(flip(b, esp_offset(b) + 4, 0x40), "icv-fail", tag + "-v4-seq-bit-flipped")
    b = sa.enc(v4() / syn22(), next(seq))
    c.add(flip(b, esp_offset(b), 0x80), "unknown-spi", tag + "-v4-spi-bit-flipped-no-sa")
    forged = EspSa(suite, base + 1, INT4, key_label="forged-%04x" % (base + 1), listed=False)
    c.add(forged.enc(v4() / syn22(), next(seq)), "icv-fail", tag + "-v4-wrong-key")
    c.add(sa.enc(v4() / syn22(), next(seq), pad=pad_bad_bytes), "bad-padding",
          tag + "-v4-padding-byte-wrong")
    c.add(sa.enc(v4() / syn22(), next(seq), pad=pad_len_exceeds), "bad-padding",
          tag + "-v4-padlen-exceeds-payload")
    c.add(sa.enc(v4() / udp53(), next(seq), pad=pad_zeros), "bad-padding",
          tag + "-v4-padding-zeros")
    c.add(sa.enc(v4() / udp53(5355), next(seq)), "verified", tag + "-v4-udp53-after-negatives",
          summ("udp", 5355, 53))

    # -- IPv4 tunnel, outer 198.51.100.10 -> 192.0.2.1 -------------------------------------------
    tun = c.esp(suite, base + 2, INT4GW, tunnel=IP(src=EXT4, dst=INT4GW, ttl=64, id=7))
    seq = iter(range(1, 1000))
    c.add(tun.enc(inner4(syn22()), next(seq)), "verified", tag + "-v4tun-inner4-tcp22",
          summ("tcp", 40000, 22, IN4S, IN4D))
    c.add(tun.enc(inner6(udp53()), next(seq)), "verified", tag + "-v4tun-inner6-udp53",
          summ("udp", 5353, 53, IN6S, IN6D))
    c.add(tun.enc(tfc(inner4(udp53(5356)), 61), next(seq)), "verified",
          tag + "-v4tun-inner4-udp53-tfc61", summ("udp", 5356, 53, IN4S, IN4D))
    c.add(tun.enc(IP(src=EXT4, dst=INT4GW, ttl=64, id=8, proto=59) /
                  Raw(opaque("tdummy-%x" % base, 64)), next(seq), dummy=True), "dummy",
          tag + "-v4tun-dummy-nh59")
    b = tun.enc(inner4(syn22()), next(seq))
    c.add(flip(b, esp_offset(b) + 8 + CRYPT_ALGOS[tun.scrypt].iv_size + 19), "icv-fail",
          tag + "-v4tun-inner-dst-ciphertext-flipped")
    c.add(tun.enc(inner4(ack80()), next(seq), pad=pad_bad_bytes), "bad-padding",
          tag + "-v4tun-padding-byte-wrong")

    # -- IPv6 transport --------------------------------------------------------------------------
    sa6 = c.esp(suite, base + 3, INT6)
    seq = iter(range(1, 1000))
    c.add(sa6.enc(v6() / syn22(), next(seq)), "verified", tag + "-v6-tcp22-syn",
          summ("tcp", 40000, 22))
    c.add(sa6.enc(v6() / ack80(), next(seq)), "verified", tag + "-v6-tcp80-ack",
          summ("tcp", 40001, 80))
    c.add(sa6.enc(v6() / udp53(), next(seq)), "verified", tag + "-v6-udp53", summ("udp", 5353, 53))
    hbh = IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\0\0\0\0")])
    c.add(sa6.enc(v6() / hbh / syn22(40003), next(seq)), "verified", tag + "-v6-hbh-tcp22",
          summ("tcp", 40003, 22))
    c.add(sa6.enc(v6(nh=59) / Raw(opaque("dummy6-%x" % base, 24)), next(seq)), "dummy",
          tag + "-v6-dummy-nh59")
    b = sa6.enc(v6() / ack80(), next(seq))
    c.add(flip(b, len(b) - sa6.bits // 8 - 1, 0x10), "icv-fail",
          tag + "-v6-ciphertext-bit-flipped")
    b = sa6.enc(v6() / ack80(), next(seq))
    c.add(flip(b, len(b) - 2), "icv-fail", tag + "-v6-icv-bit-flipped")
    c.add(sa6.enc(v6() / udp53(), next(seq), pad=pad_len_exceeds), "bad-padding",
          tag + "-v6-padlen-exceeds-payload")
    # the destination is part of the SA's identity
    b = sa6.enc(v6() / syn22(), next(seq))
    c.add(flip(b, 24 + 15), "unknown-spi", tag + "-v6-dst-bit-flipped-no-sa")

    # -- IPv6 tunnel, outer 2001:db8:1::10 -> 2001:db8:2::1 --------------------------------------
    tun6 = c.esp(suite, base + 4, INT6GW, tunnel=IPv6(src=EXT6, dst=INT6GW, hlim=64))
    seq = iter(range(1, 1000))
    c.add(tun6.enc(inner6(udp53()), next(seq)), "verified", tag + "-v6tun-inner6-udp53",
          summ("udp", 5353, 53, IN6S, IN6D))
    c.add(tun6.enc(inner4(syn22()), next(seq)), "verified", tag + "-v6tun-inner4-tcp22",
          summ("tcp", 40000, 22, IN4S, IN4D))
    b = tun6.enc(inner6(udp53()), next(seq))
    c.add(flip(b, len(b) - 3, 0x04), "icv-fail", tag + "-v6tun-icv-bit-flipped")

    # -- ESN, IPv4 transport, crossing 2^32 (highest received: 0x0:ffffffe0) ---------------------
    esn = c.esp(suite, base + 5, INT4, esn=True, window=32, state=(0, 0xffffffe0))
    c.add(esn.enc(v4() / syn22(), 0xfffffff0, 0), "verified", tag + "-esn-v4-hi0-fffffff0",
          summ("tcp", 40000, 22))
    c.add(esn.enc(v4() / ack80(), 0xffffffff, 0), "verified", tag + "-esn-v4-hi0-ffffffff",
          summ("tcp", 40001, 80))
    c.add(esn.enc(v4() / udp53(), 2, 1), "verified", tag + "-esn-v4-hi1-2", summ("udp", 5353, 53))
    c.add(esn.enc(v4() / ack80(), 0xfffffff5, 0), "verified", tag + "-esn-v4-hi0-fffffff5-late",
          summ("tcp", 40001, 80))
    c.add(esn.enc(v4() / ack80(), 6, 0), "icv-fail", tag + "-esn-v4-hi1-6-made-as-hi0")
    if hmac_suite:
        c.add(esn.enc(v4() / ack80(), 6, 1, scapy_esn_hmac=True), "icv-fail",
              tag + "-esn-v4-hi1-6-scapy-esn-hmac-no-seq-hi")
    c.add(esn.enc(v4() / ack80(), 6, 1), "verified", tag + "-esn-v4-hi1-6",
          summ("tcp", 40001, 80))
    c.add(esn.enc(v4(proto=59) / Raw(opaque("edummy-%x" % base, 16)), 7, 1), "dummy",
          tag + "-esn-v4-hi1-7-dummy")
    c.add(esn.enc(v4() / syn22(), 8, 1, pad=pad_bad_bytes), "bad-padding",
          tag + "-esn-v4-hi1-8-padding-byte-wrong")
    if si == 2 or suite == "gcm128-16":
        c.add(esn.enc(v4() / ack80(), 0xfffffff0, 0), "replayed",
              tag + "-esn-v4-hi0-fffffff0-dup")
        c.add(esn.enc(v4() / udp53(), 2, 1), "replayed", tag + "-esn-v4-hi1-2-dup")
        # top is 1:00000007 (the dummy), window 32: 0:ffffffe8 is the left edge; 0:ffffffe6 is
        # inferred as 1:ffffffe6 (RFC 4303 A2.2), a packet "from the future": ICV failure
        c.add(esn.enc(v4() / ack80(), 0xffffffe6, 0), "icv-fail",
              tag + "-esn-v4-hi0-ffffffe6-left-of-window-seen-as-hi1")

    # -- ESN, IPv6 transport, joining at seq-hi 1 seq 3 ------------------------------------------
    esn6 = c.esp(suite, base + 6, INT6, esn=True, window=32, state=(1, 3))
    c.add(esn6.enc(v6() / syn22(), 5, 1), "verified", tag + "-esn-v6-hi1-5",
          summ("tcp", 40000, 22))
    c.add(esn6.enc(v6() / udp53(), 4, 1), "verified", tag + "-esn-v6-hi1-4-late",
          summ("udp", 5353, 53))
    c.add(esn6.enc(v6() / ack80(), 7, 0), "icv-fail", tag + "-esn-v6-hi1-7-made-as-hi0")
    c.add(esn6.enc(v6() / ack80(), 8, 1), "verified", tag + "-esn-v6-hi1-8",
          summ("tcp", 40001, 80))
    if si == 2:
        c.add(esn6.enc(v6() / ack80(), 3, 1), "replayed", tag + "-esn-v6-hi1-3-initial-top")


def build():
    c = Corpus()
    for si, s in enumerate(SUITES):
        build_suite(c, si, s[0])

    # -- replay, one SA, window 32 ---------------------------------------------------------------
    rsa = c.esp("cbc128-sha256", 0x2f01, INT4, window=32)
    forged = EspSa("cbc128-sha256", 0x2f01, INT4, key_label="forged-2f01", listed=False)
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
        c.add(signer.enc(v4() / ack80(), s), state, "cbc128-sha256-replay-seq%d-%s" % (s, note),
              summ("tcp", 40001, 80) if state == "verified" else "-")

    # -- ESP in UDP 4500 (RFC 3948) --------------------------------------------------------------
    nat = c.esp("cbc128-sha256", 0x2f02, INT4, natt=True)
    c.add(nat.enc(v4() / syn22(), 1), "verified", "natt-cbc128-sha256-v4-tcp22",
          summ("tcp", 40000, 22))
    c.add(nat.enc(v4() / udp53(), 2), "verified", "natt-cbc128-sha256-v4-udp53",
          summ("udp", 5353, 53))
    b = nat.enc(v4() / syn22(), 3)
    c.add(flip(b, len(b) - 20), "icv-fail", "natt-cbc128-sha256-v4-ciphertext-bit-flipped")
    c.add(nat.enc(v4(proto=59) / Raw(opaque("ndummy", 32)), 4), "dummy",
          "natt-cbc128-sha256-v4-dummy-nh59")
    c.add(nat.enc(v4() / syn22(), 5, pad=pad_bad_bytes), "bad-padding",
          "natt-cbc128-sha256-v4-padding-byte-wrong")
    natt = c.esp("gcm128-16", 0x2f03, INT4GW, natt=True,
                 tunnel=IP(src=EXT4, dst=INT4GW, ttl=64, id=9))
    c.add(natt.enc(inner4(syn22()), 1), "verified", "natt-gcm128-v4tun-inner4-tcp22",
          summ("tcp", 40000, 22, IN4S, IN4D))
    c.add(natt.enc(inner6(udp53()), 2), "verified", "natt-gcm128-v4tun-inner6-udp53",
          summ("udp", 5353, 53, IN6S, IN6D))
    b = natt.enc(inner4(syn22()), 3)
    c.add(flip(b, len(b) - 1), "icv-fail", "natt-gcm128-v4tun-icv-bit-flipped")
    b = natt.enc(inner4(syn22()), 4)
    c.add(flip(b, 28, 0x80), "unknown-spi", "natt-gcm128-v4tun-spi-bit-flipped-no-sa")

    # -- AH (transport) around ESP: ESP applied first, then AH (RFC 4301 transport adjacency) ---
    ah4 = c.ah(0x2fa1, INT4)
    e4 = c.esp("cbc128-sha256", 0x2f11, INT4)
    ah6 = c.ah(0x2fa2, INT6)
    e6 = c.esp("gcm128-16", 0x2f12, INT6)
    ah4t = c.ah(0x2fa3, INT4GW)
    e4t = c.esp("gcm256-16", 0x2f13, INT4GW, tunnel=IP(src=EXT4, dst=INT4GW, ttl=64, id=10))
    c.add(ah4.sign(e4.enc(v4() / syn22(), 1), 1), "verified", "ah-esp-cbc128-sha256-v4-tcp22",
          summ("tcp", 40000, 22))
    c.add(ah4.sign(e4.enc(v4() / udp53(), 2), 2), "verified", "ah-esp-cbc128-sha256-v4-udp53",
          summ("udp", 5353, 53))
    c.add(ah6.sign(e6.enc(v6() / udp53(), 1), 1), "verified", "ah-esp-gcm128-v6-udp53",
          summ("udp", 5353, 53))
    c.add(ah6.sign(e6.enc(v6() / syn22(), 2), 2), "verified", "ah-esp-gcm128-v6-tcp22",
          summ("tcp", 40000, 22))
    c.add(ah4t.sign(e4t.enc(inner4(syn22()), 1), 1), "verified",
          "ah-esp-gcm256-v4tun-inner4-tcp22", summ("tcp", 40000, 22, IN4S, IN4D))
    b = e4.enc(v4() / syn22(), 3)
    c.add(ah4.sign(flip(b, len(b) - 1), 3), "icv-fail", "ah-ok-esp-icv-flipped-v4")
    b = ah4.sign(e4.enc(v4() / syn22(), 4), 4)
    c.add(flip(b, len(b) - 1), "icv-fail", "ah-icv-fail-esp-part-flipped-v4")
    b = e6.enc(v6() / syn22(), 3)
    c.add(ah6.sign(flip(b, len(b) - 1), 3), "icv-fail", "ah-ok-esp-tag-flipped-v6")
    ghost = EspSa("cbc128-sha256", 0x2ffd, INT4, listed=False)
    c.add(ah4.sign(ghost.enc(v4() / syn22(), 1), 5), "unknown-spi",
          "ah-ok-esp-spi-2ffd-no-sa-v4")
    c.add(ah4.sign(e4.enc(v4() / syn22(), 6, pad=pad_bad_bytes), 6), "bad-padding",
          "ah-ok-esp-padding-byte-wrong-v4")

    # -- nested ESP tunnels ----------------------------------------------------------------------
    outer = c.esp("gcm128-16", 0x2f21, INT4GW, tunnel=IP(src=EXT4, dst=INT4GW, ttl=64, id=11))
    innert = c.esp("cbc128-sha256", 0x2f22, INT4GW2,
                   tunnel=IP(src=EXT4B, dst=INT4GW2, ttl=64, id=12))
    c.add(outer.enc(IP(innert.enc(inner4(syn22()), 1)), 1), "verified",
          "nested-gcm128-cbc128-sha256-inner4-tcp22", summ("tcp", 40000, 22, IN4S, IN4D))
    c.add(outer.enc(IP(innert.enc(inner4(udp53()), 2)), 2), "verified",
          "nested-gcm128-cbc128-sha256-inner4-udp53", summ("udp", 5353, 53, IN4S, IN4D))
    b = innert.enc(inner4(syn22()), 3)
    c.add(outer.enc(IP(flip(b, len(b) - 1)), 3), "icv-fail",
          "nested-outer-ok-inner-icv-flipped")

    # -- no SA -----------------------------------------------------------------------------------
    nosa = EspSa("gcm128-16", 0x2fff, INT4, listed=False)
    c.add(nosa.enc(v4() / syn22(), 1), "unknown-spi", "gcm128-v4-unknown-spi")
    nosa6 = EspSa("cbc128-sha256", 0x2ffe, INT6, listed=False)
    c.add(nosa6.enc(v6() / syn22(), 1), "unknown-spi", "cbc128-sha256-v6-unknown-spi")
    other = EspSa("cbc128-sha1", 0x2101, INT4B, key_label="2101", listed=False)
    c.add(other.enc(v4(dst=INT4B) / syn22(), 100), "unknown-spi",
          "cbc128-sha1-v4-known-spi-other-dst")
    ahonly = EspSa("cbc128-sha256", 0x2fa1, INT4, key_label="2fa1", listed=False)
    c.add(ahonly.enc(v4() / syn22(), 100), "unknown-spi", "esp-with-spi-of-ah-sa-2fa1")
    return c


def write(c):
    with open(PCAP, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, LINKTYPE_RAW))
        for i, (b, _, _, _) in enumerate(c.pkts):
            f.write(struct.pack("<IIII", T0_SEC, i * 1000, len(b), len(b)) + b)
    with open(KEYS, "w") as f:
        f.write("# ESP (and AH) SAs for tests/data/esp.pcap, made by tests/data/gen_esp.py "
                "(do not\n"
                "# edit). ipsecfw refuses a key file readable by group or others and git does not\n"
                "# keep the mode: tests copy this file and chmod 600 the copy before use.\n"
                "# seq-hi/seq: the highest sequence number already received (ip xfrm state's\n"
                "# anti-replay context); SAs without replay-window use the default.\n"
                "# aead keys are the cipher key followed by the 4-byte salt, as Linux writes "
                "them;\n"
                "# ecb(cipher_null) has an empty key, written 0x.\n")
        for sa in c.sas:
            f.write(sa.line() + "\n")
    with open(EXPECT, "w") as f:
        f.write("# INDEX STATE NOTE INNER for tests/data/esp.pcap (tests/data/gen_esp.py). "
                "Packets\n"
                "# are judged in capture order by one engine holding tests/data/esp.keys.\n"
                "# INNER (verified only, else -): proto/sport/dport in transport mode (ICMP:\n"
                "# icmp/type/code), proto/sport/dport/inner_src/inner_dst in tunnel mode; the\n"
                "# innermost layer for chains.\n")
        for i, (_, state, note, inner) in enumerate(c.pkts, 1):
            f.write("%d %s %s %s\n" % (i, state, note, inner))


# ---------------------------------------------------------------------------------------------
# Independent check: read the three files back, decrypt with scapy (and with `cryptography`
# directly for the padding), model the replay window.


XFRM_ENC = {("cbc(aes)", 16): "AES-CBC", ("cbc(aes)", 32): "AES-CBC",
            ("ecb(cipher_null)", 0): "NULL",
            ("rfc4106(gcm(aes))", 128): "AES-GCM", ("rfc4106(gcm(aes))", 96): "AES-GCM-12",
            ("rfc4106(gcm(aes))", 64): "AES-GCM-8",
            ("rfc7539esp(chacha20,poly1305)", 128): "CHACHA20-POLY1305"}
XFRM_AUTH = {("hmac(sha1)", 96): "HMAC-SHA1-96", ("hmac(sha256)", 128): "SHA2-256-128",
             ("hmac(sha384)", 192): "SHA2-384-192", ("hmac(sha512)", 256): "SHA2-512-256"}


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


def hexkey(w):
    assert w.startswith("0x"), w
    return bytes.fromhex(w[2:])


def read_keys(path, default_window):
    sas = {}
    for line in open(path):
        w = line.split("#")[0].split()
        if not w:
            continue
        proto, spi, dst = w[0], int(w[2], 16), w[4]
        assert w[1] == "spi" and w[3] == "dst", w
        st = {"proto": proto, "esn": "esn" in w, "tunnel": "tunnel" in w}
        i = w.index("replay-window") if "replay-window" in w else None
        st["w"] = int(w[i + 1]) if i else default_window
        top = 0
        if "seq-hi" in w:
            top = (int(w[w.index("seq-hi") + 1], 16) << 32) | int(w[w.index("seq") + 1], 16)
        st["top"], st["seen"] = top, ({top} if top else set())
        if proto == "ah":
            a = w.index("auth-trunc")
            st["sa"] = SecurityAssociation(AH, spi=spi, auth_key=hexkey(w[a + 2]),
                                           auth_algo=XFRM_AUTH[(w[a + 1], int(w[a + 3]))])
        elif "aead" in w:
            a = w.index("aead")
            key, bits = hexkey(w[a + 2]), int(w[a + 3])
            st["crypt"] = XFRM_ENC[(w[a + 1], bits)]
            st["sa"] = SecurityAssociation(ESP, spi=spi, crypt_algo=st["crypt"], crypt_key=key,
                                           esn_en=st["esn"])
            st["icv"], st["key"], st["akey"] = bits // 8, key, None
        else:
            e, a = w.index("enc"), w.index("auth-trunc")
            key = hexkey(w[e + 2])
            st["crypt"] = XFRM_ENC[(w[e + 1], len(key))]
            bits = int(w[a + 3])
            st["akey"] = hexkey(w[a + 2])
            st["sa"] = SecurityAssociation(ESP, spi=spi, crypt_algo=st["crypt"],
                                           crypt_key=key or None, auth_key=st["akey"],
                                           auth_algo=XFRM_AUTH[(w[a + 1], bits)],
                                           esn_en=st["esn"])
            st["icv"], st["key"] = bits // 8, key
        sas[(proto, spi, dst)] = st
    return sas


def infer_hi(st, lo):
    """RFC 4303 Appendix A2.2: the high 32 bits of an ESN packet's sequence number."""
    W, T = st["w"], st["top"]
    Th, Tl = T >> 32, T & 0xffffffff
    Bl = (Tl - W + 1) & 0xffffffff
    if Tl >= W - 1:
        return Th + 1 if lo < Bl else Th
    return Th - 1 if lo >= Bl else Th


def plaintext(st, esp, hi):
    """The decrypted ESP payload + padding + pad length + next header, with `cryptography`
    directly (not scapy); None if the AEAD tag fails."""
    data, icv = st["icv"], None
    d = bytes(esp)[8:]
    algo, key = st["crypt"], st["key"]
    aad = struct.pack("!LLL", esp.spi, hi, esp.seq) if st["esn"] else bytes(esp)[:8]
    if algo == "NULL":
        return d[:-data]
    if algo == "AES-CBC":
        iv, ct = d[:16], d[16:-data]
        dec = Cipher(algorithms.AES(key), modes.CBC(iv), default_backend()).decryptor()
        return dec.update(ct) + dec.finalize()
    iv, ct, icv = d[:8], d[8:-data], d[-data:]
    nonce = key[-4:] + iv
    try:
        if algo == "CHACHA20-POLY1305":
            return ChaCha20Poly1305(key[:-4]).decrypt(nonce, ct + icv, aad)
        dec = Cipher(algorithms.AES(key[:-4]), modes.GCM(nonce, icv, min_tag_length=len(icv)),
                     default_backend()).decryptor()
        dec.authenticate_additional_data(aad)
        return dec.update(ct) + dec.finalize()
    except InvalidTag:
        return None


def padding_ok(pt):
    padlen = pt[-2]
    if padlen + 2 > len(pt):
        return False
    return pt[len(pt) - 2 - padlen:-2] == bytes(range(1, padlen + 1))


def window_check(st, lo):
    hi = infer_hi(st, lo) if st["esn"] else 0
    s64 = (hi << 32) | lo
    W = st["w"]
    replayed = W > 0 and (s64 in st["seen"] or s64 + W <= st["top"])
    return hi, s64, replayed


def window_accept(st, s64):
    st["seen"].add(s64)
    st["top"] = max(st["top"], s64)


def inner_summary(p):
    l4 = p.payload
    while l4.__class__.__name__.startswith("IPv6ExtHdr"):
        l4 = l4.payload
    if isinstance(l4, ICMP):
        return "icmp/%d/%d" % (l4.type, l4.code)
    name = "tcp" if isinstance(l4, TCP) else "udp" if isinstance(l4, UDP) else None
    assert name, p.summary()
    return "%s/%d/%d" % (name, l4.sport, l4.dport)


def judge(sas, b, bad_pad_moves, log):
    """Walk the packet's layers; return (state, inner summary)."""
    p = parse(b)
    tunnel_addrs = None
    while True:
        if p.haslayer(AH):
            ah = p[AH]
            st = sas.get(("ah", ah.spi, p.dst))
            if st is None:
                return "unknown-spi", "-"
            hi, s64, replayed = window_check(st, ah.seq)
            try:
                q = st["sa"].decrypt(parse(bytes(p)))
                log.append("ah:ok")
            except IPSecIntegrityError:
                log.append("ah:FAIL")
                return ("replayed" if replayed else "icv-fail"), "-"
            if replayed:
                return "replayed", "-"
            window_accept(st, s64)
            p = parse(bytes(q))
            continue
        if not p.haslayer(ESP):
            break
        esp = p[ESP]
        st = sas.get(("esp", esp.spi, p.dst))
        if st is None:
            return "unknown-spi", "-"
        hi, s64, replayed = window_check(st, esp.seq)
        sa = st["sa"]
        sa.esn = hi
        # 1. ICV: scapy's verify (HMAC without ESN, AEAD); HMAC with ESN by hand (see above)
        ok = True
        try:
            if st["akey"] and st["esn"]:
                n = st["icv"]
                raw_esp = bytes(esp)
                mac = sa.auth_algo.new_mac(st["akey"])
                mac.update(raw_esp[:-n] + struct.pack("!L", hi))
                if mac.finalize()[:n] != raw_esp[-n:]:
                    raise IPSecIntegrityError("esn hmac")
                q = sa.decrypt(parse(bytes(p)), verify=False)
            else:
                q = sa.decrypt(parse(bytes(p)))
        except IPSecIntegrityError:
            ok = False
        pt = plaintext(st, esp, hi)
        assert (pt is not None) or not ok         # cryptography and scapy agree on AEAD tags
        log.append("esp:%s:%x:%08x" % ("ok" if ok else "FAIL", hi, esp.seq))
        if replayed:                              # replayed packets carry a correct ICV
            return ("replayed" if ok else "replayed-with-bad-icv"), "-"
        if not ok:
            return "icv-fail", "-"
        if not padding_ok(pt):
            log.append("pad:BAD")
            if bad_pad_moves:
                window_accept(st, s64)
            return "bad-padding", "-"
        window_accept(st, s64)
        nh = pt[-1]
        body = pt[:len(pt) - 2 - pt[-2]]
        # scapy's decrypted payload (transport-style: the check's SAs have no tunnel header)
        # must match the independent decryption
        assert bytes(q).endswith(body), "scapy and cryptography disagree"
        if nh == 59:
            return "dummy", "-"
        if nh in (4, 41):
            inner = IP(body) if nh == 4 else IPv6(body)
            ilen = inner.len if nh == 4 else 40 + inner.plen
            tunnel_addrs = (inner.src, inner.dst)
            p = parse(body[:ilen])
            continue
        s = inner_summary(parse(bytes(q)))      # scapy mis-dissects IPv6 + HBH here
        return "verified", s + ("/%s/%s" % tunnel_addrs if tunnel_addrs else "")
    # reached the end of the layers of a decapsulated tunnel
    assert tunnel_addrs, p.summary()
    return "verified", inner_summary(p) + "/%s/%s" % tunnel_addrs


def check():
    pkts = read_pcap(PCAP)
    exp = [ln.split() for ln in open(EXPECT) if ln.strip() and not ln.startswith("#")]
    assert len(exp) == len(pkts), (len(exp), len(pkts))
    bad = 0
    # the default window and whether bad padding moves the window must not matter
    runs = {(w, m): read_keys(KEYS, w) for w in (0, 64) for m in (False, True)}
    counts = {}
    print("%-4s %-12s %-12s %-40s %s" % ("idx", "expect", "model", "scapy/crypto log", "note"))
    for (idx, state, note, inner), b in zip(exp, pkts):
        res = {}
        logs = {}
        for (w, m), sas in runs.items():
            logs[(w, m)] = []
            res[(w, m)] = judge(sas, b, m, logs[(w, m)])
        model, got_inner = res[(0, False)]
        ok = all(r == (state, inner) for r in res.values())
        bad += not ok
        counts[state] = counts.get(state, 0) + 1
        print("%-4s %-12s %-12s %-40s %s %s%s" % (idx, state, model,
                                                 ",".join(logs[(64, False)]), note, got_inner,
                                                 "" if ok else "   <-- MISMATCH %r" % res))
    print("%d packets (%s), %d mismatches" % (
        len(pkts), ", ".join("%s %d" % kv for kv in sorted(counts.items())), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        sys.exit(check())
    write(build())
    print("wrote %s, %s, %s" % (PCAP, KEYS, EXPECT))
