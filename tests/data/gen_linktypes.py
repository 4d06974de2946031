#!/usr/bin/python3
# Writes tests/data/linktype-*.pcap(ng): the same two packets (an AH-wrapped TCP SYN to
# port 22 and an ARP request that carries no IP) under each link type that `ipsecfw replay`
# reads. Run from the repository root:  /usr/bin/python3 tests/data/gen_linktypes.py
import struct
from scapy.all import (ARP, AH, IP, TCP, Ether, Dot1Q, Raw, CookedLinux, wrpcap,
                       PcapWriter, PcapNgWriter)
from scapy.layers.l2 import CookedLinuxV2
import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

ip = IP(src="198.51.100.10", dst="192.0.2.10", ttl=64) / \
    AH(spi=0x1000, seq=1, nh=6, payloadlen=4, icv=b"\x11" * 12) / \
    TCP(sport=40000, dport=22, flags="S", seq=1)
ip = IP(bytes(ip))
arp = ARP(psrc="192.0.2.1", pdst="192.0.2.2")
T = 1700000000.0
eth = dict(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")


def stamp(pkts):
    for i, p in enumerate(pkts):
        p.time = T + i * 0.001
    return pkts


def raw_writer(path, linktype, frames):
    w = PcapWriter(path, linktype=linktype, sync=True)
    for i, f in enumerate(frames):
        p = Raw(f)
        p.time = T + i * 0.001
        w.write(p)
    w.close()


d = "tests/data/"
wrpcap(d + "linktype-ether-vlan.pcap",
       stamp([Ether(**eth) / Dot1Q(vlan=10) / Dot1Q(vlan=20) / ip, Ether(**eth) / arp]))
raw_writer(d + "linktype-raw.pcap", 101, [bytes(ip), b"\x00" * 20])
wrpcap(d + "linktype-sll.pcap",
       stamp([CookedLinux(proto=0x0800) / ip, CookedLinux(proto=0x0806) / arp]))
wrpcap(d + "linktype-sll2.pcap",
       stamp([CookedLinuxV2(proto=0x0800) / ip, CookedLinuxV2(proto=0x0806) / arp]))
raw_writer(d + "linktype-null.pcap", 0,
           [struct.pack("<I", 2) + bytes(ip), struct.pack("<I", 7) + b"\x00" * 20])
w = PcapNgWriter(d + "linktype-ether.pcapng")
for p in stamp([Ether(**eth) / ip, Ether(**eth) / arp]):
    w.write(p)
w.close()
# A link type replay does not read (IEEE 802.11): opening it must fail with a clear message.
raw_writer(d + "linktype-80211.pcap", 105, [b"\x08\x00" + b"\x00" * 22])
# A capture made with a small snapshot length: the first frame is cut after 54 bytes of its
# 78, the second (ARP) is whole. Replay must skip the cut frame, not call it malformed.
w = PcapWriter(d + "snaplen-cut.pcap", linktype=1, snaplen=54, sync=True)
for i, p in enumerate([Ether(**eth) / ip, Ether(**eth) / arp]):
    p.time = T + i * 0.001
    w.write(p)
w.close()
