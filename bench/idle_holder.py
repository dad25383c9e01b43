#!/usr/bin/env python3
"""Hold N idle connections to a Unix socket: open them, send nothing, and re-open any the
server closes, until SIGINT or SIGTERM; then close them all and print one JSON object.

bench/soak.sh runs it against each daemon. A daemon with a read deadline (authmux's
limits.read_timeout) closes idle connections, and this client opens them again at once, so the
daemon sees a steady churn of silent clients; a daemon without one (saslauthd) keeps its
workers blocked on them. Connects are non-blocking: a full listen backlog (EAGAIN) is retried
after a short pause, and counted, never waited on.

Output (stdout, at the end): target, held at the end, peak and median held (sampled every
100 ms), connections opened, closed by the server (EOF or reset), connect failures by errno,
bytes the server sent on idle connections, and the seconds held.
"""
import argparse
import errno
import json
import os
import selectors
import signal
import socket
import statistics
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("socket")
    parser.add_argument("-n", "--connections", type=int, default=1000)
    parser.add_argument("--retry-ms", type=int, default=50, help="pause before retrying a refused connect")
    parser.add_argument("--ready-file", help="touched once all connections are open (or after 5 s)")
    args = parser.parse_args()

    stop = []
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.append(True))

    selector = selectors.DefaultSelector()
    live = {}                 # fd -> socket
    opened = 0
    closed_by_server = 0
    server_bytes = 0
    failures = {}             # errno name -> count
    samples = []
    peak = 0
    started = time.monotonic()
    next_sample = started
    retry_at = started
    ready = False

    def try_open():
        nonlocal opened
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            sock.connect(args.socket)
        except OSError as error:
            sock.close()
            name = errno.errorcode.get(error.errno, str(error.errno))
            failures[name] = failures.get(name, 0) + 1
            return False
        live[sock.fileno()] = sock
        selector.register(sock, selectors.EVENT_READ)
        opened += 1
        return True

    while not stop:
        now = time.monotonic()
        if len(live) < args.connections and now >= retry_at:
            while len(live) < args.connections and not stop:
                if not try_open():
                    retry_at = time.monotonic() + args.retry_ms / 1000
                    break
        if not ready and args.ready_file and (len(live) >= args.connections or now - started >= 5):
            open(args.ready_file, "w").close()
            ready = True
        if now >= next_sample:
            samples.append(len(live))
            next_sample = now + 0.1
        peak = max(peak, len(live))
        timeout = 0.1 if len(live) >= args.connections else max(0.0, min(0.1, retry_at - time.monotonic()))
        try:
            events = selector.select(timeout)
        except InterruptedError:
            continue
        for key, _ in events:
            sock = key.fileobj
            try:
                data = sock.recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if data:
                # An answer to a request never sent (e.g. "NO incomplete request"): count it and
                # keep reading until the server closes.
                server_bytes += len(data)
                continue
            selector.unregister(sock)
            del live[sock.fileno()]
            sock.close()
            closed_by_server += 1

    held = len(live)
    for sock in list(live.values()):
        sock.close()
    print(json.dumps({
        "target": args.connections,
        "held_at_end": held,
        "peak_held": peak,
        "median_held": statistics.median(samples) if samples else 0,
        "opened": opened,
        "closed_by_server": closed_by_server,
        "connect_failures": failures,
        "server_bytes": server_bytes,
        "seconds": round(time.monotonic() - started, 3),
    }, sort_keys=True))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
