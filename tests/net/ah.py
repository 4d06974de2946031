#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""AH traffic for tests/net/t_ah.sh, made by scapy's SecurityAssociation (an implementation
independent of ours); run with /usr/bin/python3.

    ah.py keys KEYFILE
        The SA of the test as a key-file line (our ipsecfw.keys(5) syntax).
    ah.py send IFACE DMAC
        From ext: AH-wrapped TCP from 198.51.100.2 to 192.0.2.2, each segment tagged in its
        payload: see CASES. Sent as Ethernet frames to DMAC on IFACE.
    ah.py check PCAP
        Print the tags found in a capture, one per line.
"""
import sys

SPI = 0x2001
KEY = bytes.fromhex("6a1f2e3d4c5b6a79881726354453627180918273")     # hmac(sha1), 20 bytes
BAD_KEY = bytes.fromhex("00" * 20)
SRC, DST = "198.51.100.2", "192.0.2.2"

# tag, key, spi, dport, flags, seq: what ah-inner.rules must do with it is in t_ah.sh
CASES = [
    ("ssh-syn", KEY, SPI, 22, "S", 1),          # verified, to port 22: pass
    ("web-syn", KEY, SPI, 80, "S", 2),          # verified, SYN to 80: block (rule 5)
    ("web-ack", KEY, SPI, 80, "A", 3),          # verified, ACK: pass
    ("forged-ack", BAD_KEY, SPI, 80, "A", 4),   # wrong key: ICV fails, dropped before rules
    ("replay-ack", KEY, SPI, 80, "A", 3),       # seq 3 again: replayed, dropped
    ("nosa-ack", KEY, 0x2999, 80, "A", 1),      # no SA: unverified, block (rule 5)
    ("late-ack", KEY, SPI, 443, "A", 10),       # verified, ACK: pass
]


def keys():
    print("ah spi 0x%08x dst %s auth-trunc hmac(sha1) 0x%s 96 replay-window 32"
          % (SPI, DST, KEY.hex()))


def send(iface, dmac):
    from scapy.config import conf
    from scapy.layers.inet import IP, TCP
    from scapy.layers.ipsec import AH, SecurityAssociation
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw
    from scapy.sendrecv import sendp
    conf.verb = 0
    frames = []
    for tag, key, spi, dport, flags, seq in CASES:
        sa = SecurityAssociation(AH, spi=spi, auth_algo="HMAC-SHA1-96", auth_key=key,
                                 seq_num=seq)
        pkt = IP(src=SRC, dst=DST, ttl=64) / TCP(sport=40000 + seq, dport=dport,
                                                flags=flags) / Raw(b"tag:" + tag.encode())
        frames.append(Ether(dst=dmac) / sa.encrypt(pkt))
    sendp(frames, iface=iface, inter=0.01)
    print("sent %d AH packets" % len(frames))


def check(pcap):
    from scapy.utils import RawPcapReader
    for raw, _meta in RawPcapReader(pcap):
        i = raw.find(b"tag:")
        if i >= 0:
            print(raw[i + 4:].split(b"\0")[0].decode(errors="replace"))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "keys":
        keys()
    elif cmd == "send":
        send(sys.argv[2], sys.argv[3])
    elif cmd == "check":
        check(sys.argv[2])
    else:
        sys.exit("usage: ah.py keys | send IFACE DMAC | check PCAP")
