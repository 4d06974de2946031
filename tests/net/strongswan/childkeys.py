#!/usr/bin/env python3
"""Turn a CHILD_SA's keys, as charon logs them, into `ipsecfw sa add` lines.

usage: childkeys.py CHARON_LOG CHILD_NAME

CHARON_LOG is the file log of the IKE *initiator* of the CHILD_SA, written with `chd = 4`
(strongSwan 5.9: keymat_v2 logs "encryption initiator key => N bytes @ ..." and the hex dump
lines after it at level 4, then "adding inbound ESP SA" / "adding outbound ESP SA" with
"SPI 0x..., src A dst B"). The last CHILD_SA of that name (the block from
"CHILD_SA NAME{n} state change: CREATED => INSTALLING" to "=> INSTALLED") is used. The
initiator's keys protect what the initiator sends (its outbound SA), the responder's keys its
inbound SA. Prints two lines, outbound SA first, each the words of one `sa add` LINE (tunnel
mode, ESP in UDP 4500 as kernel-libipsec always does).
"""
import re
import sys

# strongSwan's names (as in "using X for encryption/integrity") -> ipsecfw.keys(5) words
AEAD = {"AES_GCM_16": 128, "AES_GCM_12": 96, "AES_GCM_8": 64}
INTEG = {
    "HMAC_SHA1_96": ("hmac(sha1)", 96),
    "HMAC_SHA2_256_128": ("hmac(sha256)", 128),
    "HMAC_SHA2_384_192": ("hmac(sha384)", 192),
    "HMAC_SHA2_512_256": ("hmac(sha512)", 256),
}

LINE = re.compile(r"^\S+ \d+\[(\w+)\] (?:<[^>]*> )?(.*)$")


def last_block(path, child):
    start = re.compile(r"CHILD_SA %s\{\d+\} state change: CREATED => INSTALLING" % re.escape(child))
    end = re.compile(r"CHILD_SA %s\{\d+\} state change: INSTALLING => INSTALLED" % re.escape(child))
    block, cur = None, None
    for raw in open(path, errors="replace"):
        m = LINE.match(raw.rstrip("\n"))
        if not m:
            continue
        msg = m.group(2)
        if start.search(msg):
            cur = []
        elif cur is not None:
            if end.search(msg):
                block, cur = cur, None
            else:
                cur.append(msg)
    if block is None:
        sys.exit("childkeys: no installed CHILD_SA %r in %s" % (child, path))
    return block


def parse(block):
    keys, sas, enc, integ = {}, {}, None, None
    i = 0
    while i < len(block):
        msg = block[i]
        m = re.match(r"\s*using (\S+) for (encryption|integrity)", msg)
        if m:
            if m.group(2) == "encryption":
                enc = m.group(1)
            else:
                integ = m.group(1)
        m = re.match(r"(encryption|integrity) (initiator|responder) key => (\d+) bytes", msg)
        if m:
            n, data = int(m.group(3)), b""
            while len(data) < n:
                i += 1
                d = re.match(r"\s*\d+: ((?:[0-9A-F]{2} ?)+)", block[i])
                if not d:
                    sys.exit("childkeys: short hex dump after %r" % msg)
                data += bytes.fromhex(d.group(1).replace(" ", ""))
            keys[(m.group(1), m.group(2))] = data[:n]
        m = re.match(r"adding (inbound|outbound) ESP SA", msg)
        if m:
            s = re.match(r"\s*SPI (0x[0-9a-f]+), src (\S+) dst (\S+)", block[i + 1])
            if not s:
                sys.exit("childkeys: no SPI line after %r" % msg)
            sas[m.group(1)] = s.groups()
        i += 1
    return keys, sas, enc, integ


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    keys, sas, enc, integ = parse(last_block(sys.argv[1], sys.argv[2]))
    if set(sas) != {"inbound", "outbound"}:
        sys.exit("childkeys: SAs found: %s" % sorted(sas))
    for direction, who in (("outbound", "initiator"), ("inbound", "responder")):
        spi, src, dst = sas[direction]
        ek = keys.get(("encryption", who))
        if ek is None:
            sys.exit("childkeys: no encryption %s key (log level chd = 4?)" % who)
        words = ["esp", "spi", spi, "src", src, "dst", dst]
        if enc in AEAD:
            words += ["aead", "rfc4106(gcm(aes))", "0x" + ek.hex(), str(AEAD[enc])]
        elif enc == "CHACHA20_POLY1305":
            words += ["aead", "rfc7539esp(chacha20,poly1305)", "0x" + ek.hex(), "128"]
        elif enc == "AES_CBC" and integ in INTEG:
            ik = keys.get(("integrity", who))
            if ik is None:
                sys.exit("childkeys: no integrity %s key" % who)
            alg, bits = INTEG[integ]
            words += ["enc", "cbc(aes)", "0x" + ek.hex(), "auth-trunc", alg, "0x" + ik.hex(), str(bits)]
        else:
            sys.exit("childkeys: algorithms %s/%s not mapped" % (enc, integ))
        words += ["mode", "tunnel", "encap", "espinudp", "4500", "4500", "0.0.0.0"]
        print(" ".join(words))


if __name__ == "__main__":
    main()
