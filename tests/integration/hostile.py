#!/usr/bin/env python3
"""hostile.py — raw-socket clients for t_hostile.sh, where curl cannot do it.

Every socket has a timeout and every wait a bound, so each command ends by
itself.  Traffic only to 127.0.0.1 (sources may be other loopback
addresses, 127.0.0.x, to stand for other clients).

  hostile.py raw PORT FILE
      send FILE's bytes as they are, read until the server closes; print the
      status of every response in order ("200 404"), or "none".  The
      responses are kept in FILE.out.
  hostile.py slow PORT KIND N READY
      open N connections that each send the start of a request and then
      stall (KIND: headers, body, chunked); touch READY once all are sent;
      wait until the server closes each.  Print "closed C/N answered A":
      C closed by the server, A that got any byte back.
  hostile.py hold PORT N READY RELEASE [SRC]
      open N idle connections (from SRC, default 127.0.0.1), touch READY,
      keep them until RELEASE exists or the server closes them; print
      "held N closed-by-server C".
  hostile.py get PORT SRC PATH
      one GET from the source address SRC; print the status, or "none" when
      the connection ends without an answer.
"""
import os
import socket
import sys
import time

BOUND = 20  # seconds: the longest any wait here may take


def connect(port, src="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(BOUND)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s


def read_to_close(s):
    """Everything until the peer closes (or resets, or the bound)."""
    out = b""
    end = time.time() + BOUND
    while time.time() < end:
        try:
            d = s.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            break
        except socket.timeout:
            break
        if not d:
            break
        out += d
    return out


def statuses(data):
    """The status codes of the HTTP responses in data, in order."""
    out = []
    while data.startswith(b"HTTP/"):
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            out.append(head.split(b" ")[1].decode())
            break
        lines = head.split(b"\r\n")
        out.append(lines[0].split(b" ")[1].decode())
        length = 0
        for ln in lines[1:]:
            k, _, v = ln.partition(b":")
            if k.strip().lower() == b"content-length":
                length = int(v.strip())
        data = rest[length:]
    return out


def cmd_raw(port, path):
    with open(path, "rb") as f:
        req = f.read()
    s = connect(port)
    try:
        s.sendall(req)
    except (BrokenPipeError, ConnectionResetError):
        pass
    data = read_to_close(s)
    s.close()
    with open(path + ".out", "wb") as f:
        f.write(data)
    print(" ".join(statuses(data)) or "none")


def cmd_slow(port, kind, n, ready):
    token = os.environ.get("INGEST", "")
    starts = {
        "headers": b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a",
        "body": ("POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 "Authorization: Bearer %s\r\n"
                 "Content-Type: application/json\r\n"
                 "Content-Length: 1000\r\n\r\n[{\"ts\":" % token).encode(),
        "chunked": ("POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    "Authorization: Bearer %s\r\n"
                    "Content-Type: application/json\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n"
                    "1\r\n[\r\n" % token).encode(),
    }
    socks = []
    for _ in range(n):
        s = connect(port)
        s.sendall(starts[kind])
        socks.append(s)
    open(ready, "w").close()
    closed = answered = 0
    for s in socks:
        data = b""
        try:
            data = s.recv(65536)
            # anything received, the close must follow
            if data:
                data += read_to_close(s)
            closed += 1
        except ConnectionResetError:
            closed += 1
        except socket.timeout:
            pass
        answered += 1 if data else 0
        s.close()
    print("closed %d/%d answered %d" % (closed, n, answered))


def cmd_trickle(port):
    """A body sent one byte every 0.3 s, never idle long enough for the
    idle timeout: the server must still end it (--request-timeout)."""
    token = os.environ.get("INGEST", "")
    s = connect(port)
    s.sendall(("POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               "Authorization: Bearer %s\r\n"
               "Content-Type: application/json\r\n"
               "Content-Length: 100000\r\n\r\n[" % token).encode())
    start = time.time()
    closed = False
    s.settimeout(0.3)
    while time.time() - start < 12 and not closed:
        try:
            s.sendall(b" ")
            if s.recv(65536) == b"":
                closed = True
        except socket.timeout:
            pass
        except OSError:
            closed = True
    s.close()
    print("closed" if closed else "still open")


def cmd_hold(port, n, ready, release, src):
    socks = [connect(port, src) for _ in range(n)]
    open(ready, "w").close()
    closed = 0
    end = time.time() + BOUND
    for s in socks:
        s.settimeout(0.05)
    open_socks = list(socks)
    while open_socks and time.time() < end and not os.path.exists(release):
        for s in list(open_socks):
            try:
                if s.recv(1) == b"":
                    closed += 1
                    open_socks.remove(s)
            except socket.timeout:
                pass
            except ConnectionResetError:
                closed += 1
                open_socks.remove(s)
    for s in socks:
        s.close()
    print("held %d closed-by-server %d" % (n, closed))


def cmd_get(port, src, path):
    try:
        s = connect(port, src)
        s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   "Connection: close\r\n\r\n" % path).encode())
        data = read_to_close(s)
        s.close()
    except OSError:
        data = b""
    print(" ".join(statuses(data)) or "none")


def main(a):
    if a[0] == "raw":
        cmd_raw(int(a[1]), a[2])
    elif a[0] == "slow":
        cmd_slow(int(a[1]), a[2], int(a[3]), a[4])
    elif a[0] == "trickle":
        cmd_trickle(int(a[1]))
    elif a[0] == "hold":
        cmd_hold(int(a[1]), int(a[2]), a[3], a[4],
                 a[5] if len(a) > 5 else "127.0.0.1")
    elif a[0] == "get":
        cmd_get(int(a[1]), a[2], a[3])
    else:
        sys.exit("usage: see the top of hostile.py")


if __name__ == "__main__":
    main(sys.argv[1:])
