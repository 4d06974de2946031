#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""ESP tunnel traffic for tests/net/t_esp.sh, made by scapy's SecurityAssociation (an
implementation independent of ours); run with /usr/bin/python3.

    esp.py keys
        The two tunnel SAs of the test as key-file lines (our ipsecfw.keys(5) syntax).
    esp.py send IFACE DMAC MANIFEST
        From ext: ESP tunnel packets 198.51.100.2 -> 192.0.2.2 carrying 198.51.100.130 ->
        192.0.2.130 (or the resolver 192.0.2.153), see CASES, sent as Ethernet frames to DMAC
        on IFACE. Each one's tag and ESP bytes (SPI, sequence number, IV, ciphertext, ICV) go
        to MANIFEST, one `TAG SPI SEQ SHA256` line each.
    esp.py check MANIFEST PCAP
        Print the tag of each ESP packet found in the capture, one per line. The ESP stays
        encrypted on the wire, so the tag inside is not visible: a packet is known by its ESP
        layer (its SPI and sequence number, and the hash of its bytes, which tells apart
        packets with the same sequence number). An ESP packet not sent by us prints as
        `unknown:SPI:SEQ`.
"""
import hashlib
import sys

OUT_SRC, OUT_DST = "198.51.100.2", "192.0.2.2"          # the gateways (outer header)
IN_SRC, IN_DST, RESOLVER = "198.51.100.130", "192.0.2.130", "192.0.2.153"

SPI_GCM, SPI_CBC, SPI_NONE = 0x3001, 0x3002, 0x3999
GCM_KEY = bytes.fromhex("4f1c2b3a5d6e7f8091a2b3c4d5e6f701" "c0ffee42")   # key || salt
CBC_KEY = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c")
SHA_KEY = bytes.fromhex("5a5b5c5d5e5f606162636465666768696a6b6c6d6e6f70717273747576777879")
BAD_GCM_KEY = bytes(20)

SAS = {
    SPI_GCM: dict(crypt_algo="AES-GCM", crypt_key=GCM_KEY),
    SPI_CBC: dict(crypt_algo="AES-CBC", crypt_key=CBC_KEY,
                  auth_algo="SHA2-256-128", auth_key=SHA_KEY),
    SPI_NONE: dict(crypt_algo="AES-CBC", crypt_key=CBC_KEY,
                   auth_algo="SHA2-256-128", auth_key=SHA_KEY),
}

# tag, spi, seq, inner (proto, dst, dport, flags), what to do to it: what esp-tunnel.rules must
# do with each is in t_esp.sh.
CASES = []
for _n, _spi in (("gcm", SPI_GCM), ("cbc", SPI_CBC)):
    CASES += [
        (_n + "-ssh-syn", _spi, 1, ("tcp", IN_DST, 22, "S"), None),      # rule 1: pass
        (_n + "-https-syn", _spi, 2, ("tcp", IN_DST, 443, "S"), None),   # rule 1: pass
        (_n + "-web-syn", _spi, 3, ("tcp", IN_DST, 80, "S"), None),      # rule 4: block
        (_n + "-web-ack", _spi, 4, ("tcp", IN_DST, 80, "A"), None),      # rule 2: pass
        (_n + "-dns", _spi, 5, ("udp", RESOLVER, 53, None), None),       # rule 3: pass
        (_n + "-dns-other", _spi, 6, ("udp", IN_DST, 53, None), None),   # rule 4: block
    ]
CASES += [
    # wrong key: the GCM tag does not check out, dropped before the rules (icv-fail)
    ("gcm-wrong-key", SPI_GCM, 7, ("tcp", IN_DST, 22, "S"), "wrong-key"),
    # the ICV failure must not have taken seq 7: the real one passes (rule 2)
    ("gcm-late-ack", SPI_GCM, 7, ("tcp", IN_DST, 80, "A"), None),
    # seq 1 again, freshly encrypted (another IV) with the right key: replayed, dropped
    ("gcm-replay", SPI_GCM, 1, ("tcp", IN_DST, 22, "S"), None),
    # one ciphertext bit flipped: the HMAC does not check out (icv-fail)
    ("cbc-tampered", SPI_CBC, 7, ("tcp", IN_DST, 22, "S"), "tamper"),
    # seq 4 again: replayed, dropped
    ("cbc-replay", SPI_CBC, 4, ("tcp", IN_DST, 80, "A"), None),
    # no SA: cannot be decrypted, blocked by rule 4
    ("nosa-ssh-syn", SPI_NONE, 1, ("tcp", IN_DST, 22, "S"), None),
]


def keys():
    print("esp spi 0x%08x dst %s src %s aead rfc4106(gcm(aes)) 0x%s 128 mode tunnel "
          "replay-window 32" % (SPI_GCM, OUT_DST, OUT_SRC, GCM_KEY.hex()))
    print("esp spi 0x%08x dst %s src %s enc cbc(aes) 0x%s auth-trunc hmac(sha256) 0x%s 128 "
          "mode tunnel replay-window 32" % (SPI_CBC, OUT_DST, OUT_SRC, CBC_KEY.hex(),
                                            SHA_KEY.hex()))


def esp_id(esp):
    return hashlib.sha256(bytes(esp)).hexdigest()


def send(iface, dmac, manifest):
    from scapy.config import conf
    from scapy.layers.inet import IP, TCP, UDP
    from scapy.layers.ipsec import ESP, SecurityAssociation
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw
    from scapy.sendrecv import sendp
    conf.verb = 0
    frames = []
    with open(manifest, "w") as man:
        for tag, spi, seq, (proto, dst, dport, flags), how in CASES:
            params = dict(SAS[spi])
            if how == "wrong-key":
                params["crypt_key"] = BAD_GCM_KEY
            sa = SecurityAssociation(ESP, spi=spi, seq_num=seq,
                                     tunnel_header=IP(src=OUT_SRC, dst=OUT_DST), **params)
            sport = 40000 + (spi & 0xff) * 100 + seq
            if proto == "tcp":
                l4 = TCP(sport=sport, dport=dport, flags=flags, seq=1000 + seq)
            else:
                l4 = UDP(sport=sport, dport=dport)
            inner = IP(src=IN_SRC, dst=dst, ttl=64) / l4 / Raw(b"tag:" + tag.encode())
            pkt = IP(bytes(sa.encrypt(inner)))
            if how == "tamper":
                # CBC: 16-byte IV, then ciphertext; flip a bit in the first ciphertext block
                data = bytearray(pkt[ESP].data)
                data[16 + 3] ^= 0x40
                pkt[ESP].data = bytes(data)
                pkt = IP(bytes(pkt))
            esp = pkt[ESP]
            man.write("%s 0x%x %d %s\n" % (tag, esp.spi, esp.seq, esp_id(esp)))
            frames.append(Ether(dst=dmac) / pkt)
    sendp(frames, iface=iface, inter=0.01)
    print("sent %d ESP packets" % len(frames))


def check(manifest, pcap):
    from scapy.layers.ipsec import ESP
    from scapy.utils import rdpcap
    known = {}
    with open(manifest) as man:
        for line in man:
            tag, _spi, _seq, h = line.split()
            known[h] = tag
    for p in rdpcap(pcap):
        if ESP in p:
            esp = p[ESP]
            print(known.get(esp_id(esp), "unknown:0x%x:%d" % (esp.spi, esp.seq)))


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "keys":
        keys()
    elif cmd == "send" and len(sys.argv) == 5:
        send(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "check" and len(sys.argv) == 4:
        check(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: esp.py keys | send IFACE DMAC MANIFEST | check MANIFEST PCAP")
