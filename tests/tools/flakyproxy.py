#!/usr/bin/env python3
"""flakyproxy.py -- an HTTP proxy in front of envelogd that fails on cue,
for the tests of ingest clients (tests/integration/t_clients.sh).

    flakyproxy.py --listen PORT --upstream PORT --faults N:FAULT[,N:FAULT…]
                  --log FILE [--pidfile FILE]

Requests are numbered from 1 in the order they arrive.  Request N gets its
FAULT; every other request is forwarded to 127.0.0.1:UPSTREAM and its
answer passed back.  Faults:

  drop   forward it (the batch is committed), then close the connection
         without an answer: the client cannot tell whether it was logged
  kill   the same, and SIGKILL the server whose pid is in --pidfile after
         its answer, before closing (the test restarts the server)
  reset  close the connection without forwarding (nothing is committed)
  503    answer 503 queue_full with Retry-After: 1 without forwarding, as
         envelogd does when its writer is behind
  500    answer 500 internal_error without forwarding

While the upstream is down a request is closed without an answer, as a
dead server's would be.  Each request is one JSON line in --log: its
number, method, path, Idempotency-Key, the SHA-256 of its body, the fault
and the status passed back (null when none was).
"""
import argparse
import hashlib
import http.client
import http.server
import json
import os
import signal
import threading

ERRORS = {
    "503": (503, "queue_full", "the write queue is full; retry later", "1"),
    "500": (500, "internal_error", "the server could not complete the request", None),
}


class Proxy(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, args):
        super().__init__(("127.0.0.1", args.listen), Handler)
        self.args = args
        self.faults = {}
        for item in filter(None, args.faults.split(",")):
            n, fault = item.split(":")
            self.faults[int(n)] = fault
        self.count = 0
        self.lock = threading.Lock()
        self.log = open(args.log, "a", buffering=1, encoding="utf-8")

    def next_number(self):
        with self.lock:
            self.count += 1
            return self.count


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def record(self, n, body, fault, status):
        self.server.log.write(json.dumps({
            "n": n, "method": self.command, "path": self.path,
            "key": self.headers.get("Idempotency-Key"),
            "sha256": hashlib.sha256(body).hexdigest(),
            "fault": fault, "status": status}) + "\n")

    def hang_up(self):
        self.close_connection = True

    def handle_any(self):
        n = self.server.next_number()
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        fault = self.server.faults.get(n)
        if fault in ERRORS:
            status, code, msg, retry = ERRORS[fault]
            data = json.dumps({"error": {"code": code, "message": msg,
                                         "detail": {}}}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if retry:
                self.send_header("Retry-After", retry)
            self.end_headers()
            self.wfile.write(data)
            self.record(n, body, fault, status)
            return
        if fault == "reset":
            self.record(n, body, fault, None)
            return self.hang_up()
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("host", "connection")}
        try:
            up = http.client.HTTPConnection("127.0.0.1", self.server.args.upstream,
                                            timeout=60)
            up.request(self.command, self.path, body=body, headers=headers)
            r = up.getresponse()
            data = r.read()
            up.close()
        except OSError:
            self.record(n, body, "upstream down", None)
            return self.hang_up()
        if fault in ("drop", "kill"):
            if fault == "kill":
                with open(self.server.args.pidfile, encoding="ascii") as f:
                    os.kill(int(f.read().strip()), signal.SIGKILL)
            self.record(n, body, fault + " after %d" % r.status, None)
            return self.hang_up()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.record(n, body, None, r.status)

    do_GET = do_POST = do_HEAD = handle_any


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--listen", type=int, required=True)
    p.add_argument("--upstream", type=int, required=True)
    p.add_argument("--faults", default="")
    p.add_argument("--log", required=True)
    p.add_argument("--pidfile")
    Proxy(p.parse_args()).serve_forever()


if __name__ == "__main__":
    main()
