#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Send the packets of a raw-IP or Ethernet capture from the side their source belongs to.

    demo_send.py PCAP SIDE IFACE DMAC

SIDE is "ext" or "int": the packets whose source address is in the protected network
(192.0.2.0/24, 2001:db8:2::/48) go out on the int side, all others on the ext side. Each is
sent as it is in the capture, in an Ethernet frame to DMAC (the firewall's MAC) on IFACE.
"""
import ipaddress
import sys

from scapy.all import Ether, IP, IPv6, PcapReader, Raw, conf, sendp

INT_NETS = [ipaddress.ip_network("192.0.2.0/24"), ipaddress.ip_network("2001:db8:2::/48")]


def ip_bytes(pkt):
    """The IP datagram of a captured frame, as bytes, or None."""
    if Ether in pkt:
        pkt = pkt[Ether].payload
    data = bytes(pkt)
    return data if data and data[0] >> 4 in (4, 6) else None


def source(data):
    if data[0] >> 4 == 4 and len(data) >= 20:
        return ipaddress.ip_address(data[12:16])
    if data[0] >> 4 == 6 and len(data) >= 40:
        return ipaddress.ip_address(data[8:24])
    return None


def main():
    pcap, side, iface, dmac = sys.argv[1:5]
    conf.verb = 0
    frames = []
    for pkt in PcapReader(pcap):
        data = ip_bytes(pkt)
        if data is None:
            continue
        src = source(data)
        inside = src is not None and any(src in n for n in INT_NETS)
        if (side == "int") != inside:
            continue
        etype = 0x86DD if data[0] >> 4 == 6 else 0x0800
        frames.append(Ether(dst=dmac, type=etype) / Raw(data))
    sendp(frames, iface=iface, inter=0.01)
    print(f"{side}: sent {len(frames)} packets")


if __name__ == "__main__":
    main()
