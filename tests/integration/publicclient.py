#!/usr/bin/env python3
"""publicclient.py URL SIZE ROOT — what any member of the public can check
(SPEC R2: every leaf's data is public), written apart from libenvelog: page
through /v1/leaves, recompute every leaf hash from its served entry (the
canonical JSON of SPEC "Leaf data"; an event's entry must be exactly its
commitment), every chain value, and the RFC 6962 root over the first SIZE
leaves, which must be ROOT (base64, from a verified checkpoint).

Prints "ok N K1=n1 K2=n2 …" (entries checked, per kind) and exits 0, or
prints what failed and exits 1."""
import base64
import hashlib
import json
import re
import sys
import urllib.request

url, size, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def sha256(b):
    return hashlib.sha256(b).digest()


def canonical(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


def tree(hashes):
    if len(hashes) == 0:
        return sha256(b"")
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return sha256(b"\x01" + tree(hashes[:k]) + tree(hashes[k:]))


def fail(msg):
    print(msg)
    sys.exit(1)


leaves, chain, kinds = [], bytes(32), {}
while len(leaves) < size:
    with urllib.request.urlopen("%s/v1/leaves?start=%d&end=%d" %
                                (url, len(leaves), size)) as r:
        page = json.load(r)["leaves"]
    if not page:
        fail("no leaves from %d" % len(leaves))
    for l in page:
        seq = len(leaves)
        if l.get("seq") != seq:
            fail("seq %d: out of order" % seq)
        e = l.get("entry")
        if not isinstance(e, dict):
            fail("seq %d: served without its leaf data" % seq)
        if e.get("kind") != l.get("kind"):
            fail("seq %d: listed as %s, its data says %s" %
                 (seq, l.get("kind"), e.get("kind")))
        if l["kind"] == "event" and (
                sorted(e) != ["commitment", "kind"] or
                not re.fullmatch(r"[A-Za-z0-9+/]{43}=", e["commitment"])):
            fail("seq %d: an event's data is not exactly a commitment" % seq)
        lh = sha256(b"\x00" + canonical(e))
        if base64.b64encode(lh).decode() != l.get("leaf_hash"):
            fail("seq %d: the leaf hash does not match its data" % seq)
        chain = sha256(chain + lh)
        if base64.b64encode(chain).decode() != l.get("chain_hash"):
            fail("seq %d: the chain value does not follow" % seq)
        kinds[l["kind"]] = kinds.get(l["kind"], 0) + 1
        leaves.append(lh)
if base64.b64encode(tree(leaves)).decode() != root:
    fail("the root over the leaves is not the checkpoint's")
print("ok %d %s" % (len(leaves),
                    " ".join("%s=%d" % kv for kv in sorted(kinds.items()))))
