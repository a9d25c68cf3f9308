#!/usr/bin/env python3
"""envelog_ingest.py -- an ingest client for envelog, standard library only.

A message server hands events to an IngestClient; the client sends them in
batches to POST /v1/events and makes sure each batch is logged exactly
once, however often the network or the server fails:

- every batch gets its own Idempotency-Key when it is formed; the key and
  the exact body bytes are kept until the batch is answered 201;
- a connection failure, a timeout, a 500 or a 503 is retried with the same
  key and body, after an exponential back-off with full jitter, and never
  sooner than a 503's Retry-After;
- a retry of a batch that was committed is answered with the original
  {first, count, checkpoint} and appends nothing;
- any other 4xx is the batch's fault and is not retried (it would be
  refused again); 409 conflict means the key was reused for another body,
  a bug in the client.

As a program it reads events (one JSON object a line) from stdin and
prints one line per batch, "first count", on stdout:

    ENVELOG_TOKEN=elog_… python3 envelog_ingest.py --url http://127.0.0.1:8080 \\
        --batch 1000 <events.ndjson
"""
import argparse
import http.client
import json
import os
import random
import re
import sys
import time
import urllib.error
import urllib.request
import uuid


class BatchRefused(Exception):
    """The server refused a batch for good (a 4xx): resending it unchanged
    would be refused again."""

    def __init__(self, status, body):
        self.status = status
        try:
            self.error = json.loads(body)["error"]
        except (ValueError, KeyError, TypeError):
            self.error = {"code": None, "message": body[:200].decode("utf-8", "replace"),
                          "detail": {}}
        super().__init__("%d %s: %s" % (status, self.error.get("code"),
                                        self.error.get("message")))


class GaveUp(Exception):
    """A batch was not answered within max_attempts; it may or may not be
    logged. Send it again later with the same key (batch.key), within the
    server's --idempotency-window (24 h by default)."""


class Batch:
    """The unit of retry: a body and the key that names it."""

    def __init__(self, events, key_prefix):
        self.body = json.dumps(events, separators=(",", ":")).encode("utf-8")
        self.count = len(events)
        # 1-128 characters of letters, digits and "-_.:"
        prefix = re.sub(r"[^A-Za-z0-9_.:-]", "", key_prefix)[:64]
        self.key = "%s-%s" % (prefix or "batch", uuid.uuid4().hex)


class IngestClient:
    def __init__(self, url, token, batch_size=1000, timeout=30.0,
                 backoff_base=0.5, backoff_max=60.0, max_attempts=20,
                 key_prefix="py", log=None):
        self.endpoint = url.rstrip("/") + "/v1/events"
        self.token = token
        self.batch_size = batch_size
        self.timeout = timeout
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_attempts = max_attempts
        self.key_prefix = key_prefix
        self.log = log or (lambda msg: None)
        self.pending = []

    def add(self, event):
        """Queue one event; sends a batch when batch_size are queued.
        Returns the answer of the batch sent, or None."""
        self.pending.append(event)
        if len(self.pending) >= self.batch_size:
            return self.flush()
        return None

    def flush(self):
        """Send what is queued as one batch; its answer, or None if empty."""
        if not self.pending:
            return None
        batch = Batch(self.pending, self.key_prefix)
        self.pending = []
        return self.send(batch)

    def send(self, batch):
        """POST the batch until it is answered 201; returns the answer
        {"first", "count", "checkpoint"}."""
        for attempt in range(self.max_attempts):
            retry_after = 0.0
            try:
                return self._post(batch)
            except urllib.error.HTTPError as e:
                body = e.read()
                if e.code < 500:  # 500, 503 (and a proxy's 502, 504) are retried
                    raise BatchRefused(e.code, body) from None
                retry_after = _retry_after(e.headers.get("Retry-After"))
                why = "%d %s" % (e.code, _code(body))
            except (urllib.error.URLError, http.client.HTTPException, OSError,
                    ValueError) as e:
                # no answer, or not a whole one: the batch may be logged
                why = "no answer (%s)" % (getattr(e, "reason", None) or e)
            if attempt + 1 == self.max_attempts:
                break
            wait = max(retry_after, self._backoff(attempt))
            self.log("batch %s: %s; retrying in %.2f s" % (batch.key, why, wait))
            time.sleep(wait)
        raise GaveUp("batch %s: no answer after %d attempts" %
                     (batch.key, self.max_attempts))

    def _backoff(self, attempt):
        # "full jitter": uniform in [0, min(max, base * 2^attempt)]
        return random.uniform(0, min(self.backoff_max,
                                     self.backoff_base * (2 ** attempt)))

    def _post(self, batch):
        req = urllib.request.Request(self.endpoint, data=batch.body, method="POST", headers={
            "Authorization": "Bearer " + self.token,
            "Content-Type": "application/json",
            "Idempotency-Key": batch.key,
        })
        with urllib.request.urlopen(req, timeout=self.timeout) as r:
            answer = json.loads(r.read())
        if r.status != 201 or answer.get("count") != batch.count:
            raise ValueError("unexpected answer %d %r" % (r.status, answer))
        return answer


def _retry_after(value):
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return 0.0


def _code(body):
    try:
        return json.loads(body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return "(no error body)"


def main():
    p = argparse.ArgumentParser(description="Send events (NDJSON on stdin) to envelog.")
    p.add_argument("--url", required=True, help="envelogd's base URL")
    p.add_argument("--batch", type=int, default=1000, help="events per batch")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per attempt")
    p.add_argument("--backoff-base", type=float, default=0.5)
    p.add_argument("--backoff-max", type=float, default=60.0)
    p.add_argument("--attempts", type=int, default=20)
    p.add_argument("--key-prefix", default=os.uname().nodename.split(".")[0] or "py")
    a = p.parse_args()
    token = os.environ.get("ENVELOG_TOKEN")
    if not token:
        print("envelog_ingest: set ENVELOG_TOKEN to an ingest token", file=sys.stderr)
        return 2
    client = IngestClient(a.url, token, a.batch, a.timeout, a.backoff_base,
                          a.backoff_max, a.attempts, a.key_prefix,
                          log=lambda m: print("envelog_ingest: " + m, file=sys.stderr))

    def report(answer):
        if answer:
            print(answer["first"], answer["count"], flush=True)

    try:
        for line in sys.stdin:
            if line.strip():
                report(client.add(json.loads(line)))
        report(client.flush())
    except (BatchRefused, GaveUp) as e:
        print("envelog_ingest: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
