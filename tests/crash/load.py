#!/usr/bin/env python3
"""load.py — the crash test's clients and its checker (see t_crash.sh).

  load.py clients --url URL --dir DIR --ingest TOKEN --authority TOKEN
                  --wkey FILE --envelog BIN [--clients 4] [--seconds S]
      Post event batches from --clients threads and lawful requests from one
      more, until DIR/stop exists, the process that started them is gone,
      or (if given) --seconds pass.  Every batch is noted
      in DIR/sent.K before it is sent; every acknowledged batch (events as
      sent, first, count, checkpoint) goes to DIR/acks.K; every bundle to
      DIR/bundles/rN.json, noted in DIR/requests with its subjects, window
      and the seqs of acknowledged events it must hold.  A connection that
      fails (the server was killed) is retried on a new one after a pause;
      a batch is retried with the same body and Idempotency-Key until it is
      acknowledged, so none may be stored twice.
      While DIR/pause exists the clients stay idle (see wait_while_paused).

      A lawful request answered 503 (the database was lost: a failover)
      or left unanswered is sent again, as a new warrant, after a pause.

  load.py check --url URL --dir SNAP --db DB --vkey VKEY --state FILE
                --envelog BIN --proofcheck BIN [--psql BIN]
      Run after a restart, with the clients paused, over SNAP, a copy of
      DIR taken while the server was down.  Prints TAP-like lines "ok|DESC" or "nok|DESC|DETAIL" for
      t_crash.sh, and keeps what it has already covered in FILE.  DB is a
      SQLite file, or a PostgreSQL connection string (then read with
      psql, --psql BIN; t_failover.sh).

Only the Python 3 standard library; traffic only to the given URL.
"""
import argparse
import base64
import datetime
import hashlib
import http.client
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

TYPES = ["message", "media", "voice", "call", "video_call", "group_message",
         "receipt", "status"]
NUMBERS = ["+4477001%05d" % i for i in range(200)]
FIELDS = ["sender", "recipient", "type", "size", "ts", "device"]
EMPTY_ROOT = base64.b64encode(hashlib.sha256(b"").digest()).decode()


class Conn:
    """One keep-alive connection that is replaced after any failure."""

    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port
        self.c = None

    def request(self, method, path, body=None, headers=None):
        """(status, body bytes), or None when the connection failed."""
        try:
            if self.c is None:
                self.c = http.client.HTTPConnection(self.host, self.port,
                                                    timeout=15)
            self.c.request(method, path, body=body, headers=headers or {})
            r = self.c.getresponse()
            data = r.read()
            if r.getheader("Connection", "").lower() == "close":
                self.close()
            return r.status, data
        except (OSError, http.client.HTTPException):
            self.close()
            return None

    def close(self):
        if self.c is not None:
            self.c.close()
            self.c = None


def append_line(path, obj):
    with open(path, "a") as f:
        f.write(json.dumps(obj, separators=(",", ":")) + "\n")


def read_lines(path):
    """The complete JSON lines of path (a line still being written is
    skipped)."""
    out = []
    try:
        with open(path) as f:
            for line in f:
                if line.endswith("\n"):
                    out.append(json.loads(line))
    except FileNotFoundError:
        pass
    return out


def rfc3339(t):
    return datetime.datetime.fromtimestamp(
        t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- clients

class Shared:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_number = {}  # number -> [seq] of acknowledged events


def running(a, deadline):
    """Until DIR/stop exists, the parent (the test) is gone or the
    deadline (if any) passes: a slow machine does not end the clients
    while the test still needs them."""
    return (time.time() < deadline and not os.path.exists(a.dir + "/stop")
            and os.getppid() == a.ppid)


def wait_while_paused(a, who, deadline):
    """While DIR/pause exists (it holds a round number), stay idle and say
    so in DIR/paused.WHO, so that the checks see a log nobody writes to."""
    said = None
    while running(a, deadline):
        try:
            with open(a.dir + "/pause") as f:
                r = f.read()
        except FileNotFoundError:
            return
        if r != said:
            with open("%s/paused.%s.tmp" % (a.dir, who), "w") as f:
                f.write(r)
            os.rename("%s/paused.%s.tmp" % (a.dir, who),
                      "%s/paused.%s" % (a.dir, who))
            said = r
        time.sleep(0.01)


def ingest(a, k, shared, deadline):
    conn = Conn(a.url)
    hdrs = {"Authorization": "Bearer " + a.ingest,
            "Content-Type": "application/json"}
    now = int(time.time() * 1000)
    for j in range(100000):
        wait_while_paused(a, str(k), deadline)
        if not running(a, deadline):
            break
        time.sleep(random.uniform(0, 0.02))  # bounds the checks' work
        evs = []
        for i in range(random.randint(1, 16)):
            evs.append({"ts": now - random.randint(0, 3600000),
                        "sender": random.choice(NUMBERS),
                        "recipient": random.choice(NUMBERS),
                        "type": random.choice(TYPES),
                        "size": random.randint(0, 1 << 20),
                        "device": "c%d-%d-%d" % (k, j, i)})
        append_line("%s/sent.%d" % (a.dir, k), {"k": k, "j": j,
                                                "n": len(evs)})
        # Retry-safe: the batch keeps its body and Idempotency-Key through
        # every retry, after a failed connection (the server was killed)
        # and after a 503, until it is acknowledged.
        body = json.dumps(evs)
        h = dict(hdrs, **{"Idempotency-Key": "c%d-%d" % (k, j)})
        ans, tries = None, 0
        while running(a, deadline):
            tries += 1
            r = conn.request("POST", "/v1/events", body, h)
            if r is None:
                time.sleep(0.02)
                wait_while_paused(a, str(k), deadline)
                continue
            status, rbody = r
            if status == 201:
                ans = json.loads(rbody)
                break
            append_line("%s/odd.%d" % (a.dir, k),
                        {"k": k, "j": j, "status": status,
                         "body": rbody[:300].decode("utf-8", "replace")})
            if status != 503:
                break
            time.sleep(0.05)
            wait_while_paused(a, str(k), deadline)
        if ans is None:
            continue
        append_line("%s/acks.%d" % (a.dir, k),
                    {"k": k, "j": j, "first": ans["first"],
                     "count": ans["count"], "checkpoint": ans["checkpoint"],
                     "tries": tries, "events": evs})
        with shared.lock:
            for i, e in enumerate(evs):
                for num in (e["sender"], e["recipient"]):
                    shared.by_number.setdefault(num, []).append(
                        ans["first"] + i)
    conn.close()


def lawful(a, shared, deadline):
    conn = Conn(a.url)
    hdrs = {"Authorization": "Bearer " + a.authority,
            "Content-Type": "text/plain"}
    os.makedirs(a.dir + "/bundles", exist_ok=True)
    # A warrant names the log it is for: the origin of its checkpoints.
    origin = None
    while origin is None and running(a, deadline):
        got = conn.request("GET", "/v1/checkpoint")
        if got and got[0] == 200:
            origin = got[1].decode().split("\n", 1)[0]
        else:
            # The server may have been killed before it answered: pause
            # with the others while the checks run.
            time.sleep(0.1)
            wait_while_paused(a, "lawful", deadline)
    for r in range(100000):
        time.sleep(random.uniform(0.05, 0.25))
        wait_while_paused(a, "lawful", deadline)
        if not running(a, deadline):
            break
        subjects = random.sample(NUMBERS, random.randint(1, 3))
        t = time.time()
        frm, to = rfc3339(t - 86400), rfc3339(t + 86400)
        text = ("envelog/warrant/v1\nid CRASH-%d\nauthority crash-auth\n"
                "log %s\n" % (r, origin))
        text += "".join("subject %s\n" % s for s in subjects)
        text += "from %s\nto %s\nexpires %s\nbasis crash test\n" % (
            frm, to, rfc3339(t + 2 * 86400))
        try:
            signed = subprocess.run([a.envelog, "warrant", "sign", "--key",
                                     a.wkey], input=text.encode(),
                                    capture_output=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            # An error for the test to report; this thread still pauses
            # when asked, so the rounds after it are checked.
            print("lawful: warrant sign failed: %s" % e, file=sys.stderr,
                  flush=True)
            continue
        # Every event acknowledged before the request is sent is committed,
        # so the bundle must hold it.
        with shared.lock:
            must = sorted({s for n in subjects
                           for s in shared.by_number.get(n, [])})
        res = conn.request("POST", "/v1/requests", signed, hdrs)
        if res is None:
            time.sleep(0.02)
            continue
        status, body = res
        if status == 503:
            # The database was lost (a failover): the next round asks
            # again with a new warrant (this one's id may be used).
            time.sleep(0.2)
            continue
        note = {"r": r, "status": status, "subjects": subjects,
                "from": int(t - 86400) * 1000, "to": int(t + 86400) * 1000,
                "must": must}
        if status == 200:
            path = "%s/bundles/r%d.json" % (a.dir, r)
            with open(path + ".tmp", "wb") as f:
                f.write(body)
            os.rename(path + ".tmp", path)
            note["file"] = "bundles/r%d.json" % r
        else:
            note["body"] = body[:300].decode("utf-8", "replace")
        append_line(a.dir + "/requests", note)
    conn.close()


def cmd_clients(a):
    shared = Shared()
    a.ppid = os.getppid()
    deadline = time.time() + a.seconds if a.seconds else float("inf")
    ts = [threading.Thread(target=ingest, args=(a, k, shared, deadline))
          for k in range(a.clients)]
    ts.append(threading.Thread(target=lawful, args=(a, shared, deadline)))
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return 0


# ---------------------------------------------------------------- checker

class Out:
    def __init__(self):
        self.failed = False

    def ok(self, desc):
        print("ok|" + desc)

    def nok(self, desc, *detail):
        self.failed = True
        print("nok|" + desc + "|" + " / ".join(str(d) for d in detail)[:600])

    def check(self, cond, desc, *detail):
        if cond:
            self.ok(desc)
        else:
            self.nok(desc, *detail)


def parse_checkpoint(note):
    """(size, root) from a checkpoint note's body (not verified here)."""
    lines = note.split("\n")
    return int(lines[1]), lines[2]


def is_pg(db):
    """Whether --db names a PostgreSQL database (as elog_store_is_pg)."""
    eq, slash = db.find("="), db.find("/")
    return (db.startswith("postgresql://") or db.startswith("postgres://")
            or (eq >= 0 and (slash < 0 or eq < slash)))


def event_rows(a):
    """(seq, ts, data) of every event record.  SQLite keeps them packed,
    in partitions (schema 009): read through the store with
    tests/tools/records, beside proofcheck."""
    if not is_pg(a.db):
        tool = os.path.join(os.path.dirname(a.proofcheck), "records")
        p = subprocess.run([tool, a.db], capture_output=True, check=True)
        rows = []
        for line in p.stdout.split(b"\n"):
            if line:
                seq, data = line.split(b"\t", 1)
                rows.append((int(seq), json.loads(data)["ts"], data))
        return rows
    # psql, unaligned, fields split by US; bytea comes as \x and hex.
    p = subprocess.run([a.psql, "-X", "-At", "-F", "\x1f", "-v",
                        "ON_ERROR_STOP=1", "-d", a.db, "-c",
                        "SELECT seq, ts, data FROM event_data"],
                       capture_output=True, check=True)
    out = []
    for line in p.stdout.split(b"\n"):
        if not line:
            continue
        seq, ts, data = line.split(b"\x1f", 2)
        if data.startswith(b"\\x"):
            data = bytes.fromhex(data[2:].decode())
        out.append((int(seq), int(ts), data))
    return out


def cmd_check(a):
    out = Out()
    try:
        with open(a.state) as f:
            st = json.load(f)
    except FileNotFoundError:
        st = {"prev": None, "acks_seen": {}, "requests_seen": 0,
              "sizes": {}, "events_checked": 0, "bundles_checked": 0,
              "checkpoints_checked": 0}
    conn = Conn(a.url)

    # 1. The first checkpoint after the restart, its signature verified.
    r = conn.request("GET", "/v1/checkpoint")
    if r is None or r[0] != 200:
        out.nok("the first checkpoint after the restart is served", r)
        return 1
    with tempfile.NamedTemporaryFile("wb") as f:
        f.write(r[1])
        f.flush()
        p = subprocess.run([a.proofcheck, "checkpoint", a.vkey, f.name],
                           capture_output=True, text=True)
    if p.returncode != 0:
        out.nok("the first checkpoint after the restart verifies",
                p.stderr.strip())
        return 1
    size, root = p.stdout.split()
    size = int(size)

    # 2. What the clients had been told before the crash.
    acks, sent = [], []
    new_cps = []  # (size, root, where)
    for k in range(a.clients):
        lines = read_lines("%s/acks.%d" % (a.dir, k))
        seen = st["acks_seen"].get(str(k), 0)
        for ln in lines[seen:]:
            new_cps.append(parse_checkpoint(ln["checkpoint"]) +
                           ("201 to client %d batch %d" % (k, ln["j"]),))
        st["acks_seen"][str(k)] = len(lines)
        acks += lines
        sent += read_lines("%s/sent.%d" % (a.dir, k))
    reqs = read_lines(a.dir + "/requests")
    new_reqs = reqs[st["requests_seen"]:]
    st["requests_seen"] = len(reqs)
    odd = []
    for k in range(a.clients):
        odd += read_lines("%s/odd.%d" % (a.dir, k))
    out.check(all(o["status"] == 503 for o in odd),
              "ingest was answered only 201 or 503", odd[:3])

    # 3. Every acknowledged event at its seq, with the data sent.
    rows = {}
    devices = {}
    for seq, ts, data in event_rows(a):
        e = json.loads(bytes(data) if not isinstance(data, str) else data)
        rows[seq] = (ts, e)
        d = e.get("device", "")
        devices[d] = devices.get(d, 0) + 1
    bad, checked = [], 0
    by_seq = {}
    for ln in acks:
        if ln["count"] != len(ln["events"]):
            bad.append("batch c%d-%d: count %d for %d events" % (
                ln["k"], ln["j"], ln["count"], len(ln["events"])))
        for i, ev in enumerate(ln["events"]):
            seq = ln["first"] + i
            by_seq[seq] = ev
            checked += 1
            got = rows.get(seq)
            if got is None:
                bad.append("seq %d (%s) is missing" % (seq, ev["device"]))
                continue
            ts, e = got
            diff = [f for f in FIELDS if e.get(f) != ev[f]]
            extra = set(e) - set(FIELDS) - {"kind", "nonce"}
            if diff or extra or e.get("kind") != "event" or ts != ev["ts"]:
                bad.append("seq %d: %s differs" % (seq, diff or extra or "ts"))
    st["events_checked"] += checked
    out.check(not bad, "%d acknowledged events are at their seqs with the "
              "data sent" % checked, *bad[:5])
    # A batch is stored whole or not at all, and no event twice.
    part = []
    for s in sent:
        n = sum(devices.get("c%d-%d-%d" % (s["k"], s["j"], i), 0)
                for i in range(s["n"]))
        if n not in (0, s["n"]):
            part.append("batch c%d-%d: %d of %d events" % (s["k"], s["j"], n,
                                                           s["n"]))
    twice = [d for d, c in devices.items() if c > 1]
    out.check(not part and not twice, "of %d batches sent none is stored in "
              "part and no event twice" % len(sent), *(part + twice)[:5])

    # 4. New bundles: verify offline, hold what they must, nothing else.
    bbad, nb = [], 0
    for q in new_reqs:
        if q["status"] != 200:
            bbad.append("request r%d answered %d %s" % (q["r"], q["status"],
                                                         q.get("body")))
            continue
        nb += 1
        path = os.path.join(a.dir, q["file"])
        p = subprocess.run([a.envelog, "bundle", "verify", "--vkey", a.vkey,
                            path], capture_output=True, text=True)
        if p.returncode != 0:
            bbad.append("r%d: bundle verify exit %d: %s" % (
                q["r"], p.returncode, (p.stdout + p.stderr).strip()))
        with open(path) as f:
            b = json.load(f)
        new_cps.append(parse_checkpoint(b["checkpoint"]) +
                       ("bundle r%d" % q["r"],))
        seqs = [x["seq"] for x in b["records"]]
        missing = sorted(set(q["must"]) - set(seqs))
        if missing:
            bbad.append("r%d lacks acknowledged seqs %s" % (q["r"],
                                                             missing[:5]))
            cp_size = parse_checkpoint(b["checkpoint"])[0]
            for m in missing[:3]:
                ev = by_seq.get(m, {})
                ack = next((ln for ln in acks if ln["first"] <= m <
                            ln["first"] + ln["count"]), {})
                bbad.append("seq %d: %s -> %s ts %s; acknowledged at size "
                            "%s after %s tries; bundle at size %d, "
                            "window [%d, %d)" % (
                                m, ev.get("sender"), ev.get("recipient"),
                                ev.get("ts"), parse_checkpoint(
                                    ack["checkpoint"])[0] if ack else None,
                                ack.get("tries"), cp_size, q["from"],
                                q["to"]))
        for x in b["records"]:
            e = x["record"]
            if not ((e["sender"] in q["subjects"] or
                     e["recipient"] in q["subjects"]) and
                    q["from"] <= e["ts"] < q["to"]):
                bbad.append("r%d: seq %d is outside the warrant" % (
                    q["r"], x["seq"]))
            sent_ev = by_seq.get(x["seq"])
            if sent_ev and any(e.get(f) != sent_ev[f] for f in FIELDS):
                bbad.append("r%d: seq %d differs from what was sent" % (
                    q["r"], x["seq"]))
        d = b["disclosure"]["entry"]
        if d["records"] != len(seqs) or d["subjects"] != len(q["subjects"]):
            bbad.append("r%d: disclosure counts %d/%d" % (
                q["r"], d["records"], d["subjects"]))
    st["bundles_checked"] += nb
    out.check(not bbad, "%d new bundles verify and hold every acknowledged "
              "event of their subjects, and only those" % nb, *bbad[:5])

    # 5. Consistency of every checkpoint served before with the first one
    # after the restart.  Checkpoints up to the previous restart were
    # proven consistent with that restart's first checkpoint, which is
    # checked here again, so the whole history is covered.
    if st["prev"]:
        new_cps.append((st["prev"][0], st["prev"][1], "previous restart"))
    cbad, distinct = [], {}
    for m, mroot, where in new_cps:
        known = st["sizes"].get(str(m))
        if known and known != mroot:
            cbad.append("two checkpoints of size %d with different roots "
                        "(%s)" % (m, where))
        st["sizes"][str(m)] = mroot
        if distinct.get(m, mroot) != mroot:
            cbad.append("two checkpoints of size %d (%s)" % (m, where))
        distinct[m] = mroot
    for m in sorted(distinct):
        mroot = distinct[m]
        if m > size:
            cbad.append("a checkpoint of size %d was served before, the "
                        "log now has %d" % (m, size))
        elif m == size or m == 0:
            if mroot != (root if m == size else EMPTY_ROOT):
                cbad.append("size %d: root %s, expected %s" % (
                    m, mroot, root if m else EMPTY_ROOT))
        else:
            r = conn.request("GET", "/v1/proof/consistency?old=%d&new=%d" %
                             (m, size))
            if r is None or r[0] != 200:
                cbad.append("consistency %d..%d: %s" % (m, size, r))
                continue
            proof = json.loads(r[1])["proof"]
            p = subprocess.run([a.proofcheck, "consistency", str(m),
                                str(size), mroot, root] + proof,
                               capture_output=True, text=True)
            if p.returncode != 0:
                cbad.append("consistency %d..%d does not verify: %s" % (
                    m, size, p.stderr.strip()))
    st["checkpoints_checked"] += len(distinct)
    out.check(not cbad, "the first checkpoint after the restart (size %d) "
              "is consistent with %d earlier checkpoints" % (
                  size, len(distinct)), *cbad[:5])
    conn.close()
    st["prev"] = [size, root]
    with open(a.state + ".tmp", "w") as f:
        json.dump(st, f)
    os.rename(a.state + ".tmp", a.state)
    return 1 if out.failed else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("clients")
    c.add_argument("--url", required=True)
    c.add_argument("--dir", required=True)
    c.add_argument("--ingest", required=True)
    c.add_argument("--authority", required=True)
    c.add_argument("--wkey", required=True)
    c.add_argument("--envelog", required=True)
    c.add_argument("--clients", type=int, default=4)
    c.add_argument("--seconds", type=float, default=0)
    k = sub.add_parser("check")
    k.add_argument("--url", required=True)
    k.add_argument("--dir", required=True)
    k.add_argument("--db", required=True)
    k.add_argument("--vkey", required=True)
    k.add_argument("--state", required=True)
    k.add_argument("--envelog", required=True)
    k.add_argument("--proofcheck", required=True)
    k.add_argument("--clients", type=int, default=4)
    k.add_argument("--psql", default="psql")
    a = ap.parse_args()
    return cmd_clients(a) if a.cmd == "clients" else cmd_check(a)


if __name__ == "__main__":
    sys.exit(main())
