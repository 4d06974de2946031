#!/usr/bin/python3
# Reads `ipsecfw -j replay` output on stdin: every line must be a JSON object, and the
# summary must agree with the packet lines and with itself. Exit 1 with a message otherwise.
import json
import sys

packets, summary = [], None
for n, line in enumerate(sys.stdin, 1):
    try:
        obj = json.loads(line)
    except ValueError as e:
        sys.exit(f"line {n}: not JSON ({e}): {line[:80]}")
    if "summary" in obj:
        summary = obj["summary"]
    else:
        packets.append(obj)
if summary is None:
    sys.exit("no summary object")
judged = [p for p in packets if "verdict" in p]
skipped = [p for p in packets if "skipped" in p]
for i, p in enumerate(packets, 1):
    if p["index"] != i:
        sys.exit(f"packet {i}: index {p['index']}")
rules = sum(r["packets"] for r in summary["rules"])
rejected = sum(summary["reasons"].values())
checks = [
    ("judged packets", len(judged), summary["packets"]),
    ("skipped frames", len(skipped), summary["skipped"]),
    ("rules + policy + decoder", rules + summary["policy"]["packets"] + rejected,
     summary["packets"]),
    ("pass + block packets", summary["pass"]["packets"] + summary["block"]["packets"],
     summary["packets"]),
    ("pass + block bytes", summary["pass"]["bytes"] + summary["block"]["bytes"],
     summary["bytes"]),
    ("bytes of the packet lines", sum(p["len"] for p in judged), summary["bytes"]),
    ("pass lines", sum(p["verdict"] == "pass" for p in judged), summary["pass"]["packets"]),
    ("policy lines", sum(p["rule"] is None and p["reason"] is None for p in judged),
     summary["policy"]["packets"]),
    ("decoder lines", sum(p["reason"] is not None for p in judged), rejected),
]
for r in summary["rules"]:
    checks.append((f"rule {r['rule']} lines", sum(p["rule"] == r["rule"] for p in judged),
                   r["packets"]))
bad = [f"{name}: {got} != {want}" for name, got, want in checks if got != want]
if bad:
    sys.exit("; ".join(bad))
