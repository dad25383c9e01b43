#!/usr/bin/env python3
"""bench/sasldb-scale.sh's probe of the first check after a change:

  first_check.py SOCKET DB REALM USERS ROUNDS

ROUNDS times: one saslpasswd2 changing user `churn` (another user than any checked), then at
once one check of a valid generated user over SOCKET, timed; and, as the reference, one check
of a valid user with no change before it, timed the same way. Prints one JSON object: the
latencies' p50, p99 and maximum in ms for each, and the answers that were not OK. The client is
this one process, on one connection per check as a saslauthd client makes them, so both
figures carry the same client overhead.
"""
import json
import random
import socket
import struct
import subprocess
import sys
import time


def field(text):
    data = text.encode()
    return struct.pack(">H", len(data)) + data


def check(path, user, password, realm):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        s.sendall(field(user) + field(password) + field("imap") + field(realm))
        head = b""
        while len(head) < 2:
            chunk = s.recv(2 - len(head))
            if not chunk:
                return "EOF"
            head += chunk
        (size,) = struct.unpack(">H", head)
        body = b""
        while len(body) < size:
            chunk = s.recv(size - len(body))
            if not chunk:
                break
            body += chunk
        return body.decode(errors="replace")
    finally:
        s.close()


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else None


def main():
    sock, db, realm, users, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    rng = random.Random(7)
    after, steady, refused = [], [], 0
    for n in range(rounds):
        subprocess.run(["saslpasswd2", "-f", db, "-p", "-c", "-u", realm, "churn"], input=("churn-%d" % n).encode(), check=True)
        i = rng.randrange(users)
        t0 = time.perf_counter()
        answer = check(sock, "user%d" % i, "pw-user%d" % i, realm)
        after.append((time.perf_counter() - t0) * 1000)
        refused += not answer.startswith("OK")
        time.sleep(0.05)
        i = rng.randrange(users)
        t0 = time.perf_counter()
        answer = check(sock, "user%d" % i, "pw-user%d" % i, realm)
        steady.append((time.perf_counter() - t0) * 1000)
        refused += not answer.startswith("OK")
    out = {"rounds": rounds, "refused": refused}
    for name, values in (("after_change", after), ("steady", steady)):
        out[name] = {"p50": percentile(values, 50), "p99": percentile(values, 99), "max": max(values)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
