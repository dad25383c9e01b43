#!/usr/bin/env python3
"""One SMTP AUTH, as a mail client does it, against a server on a Unix socket or an MTA's
"-bs" mode on standard input and output.

usage: smtp-auth.py unix:PATH|--bs COMMAND... -- MECH USER PASSWORD
Prints the server's EHLO AUTH line and its answer to the authentication; exit 0 for 235,
1 for any other answer."""
import base64
import socket
import subprocess
import sys


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class Line:
    """SMTP over a pair of byte streams: writes a line, reads a (multi-line) reply."""

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer

    def send(self, text: str):
        self.writer.write(text.encode() + b"\r\n")
        self.writer.flush()

    def reply(self):
        lines = []
        while True:
            line = self.reader.readline()
            if not line:
                raise SystemExit(f"connection closed after {lines}")
            line = line.decode(errors="replace").rstrip("\r\n")
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                return int(line[:3]), lines


def main():
    args = sys.argv[1:]
    split = args.index("--")
    target, (mech, user, password) = args[:split], args[split + 1:]
    if target[0] == "--bs":
        process = subprocess.Popen(target[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        smtp = Line(process.stdout, process.stdin)
    else:
        assert target[0].startswith("unix:"), target[0]
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.settimeout(30)
        connection.connect(target[0][5:])
        stream = connection.makefile("rwb")
        smtp = Line(stream, stream)
    code, greeting = smtp.reply()
    assert code == 220, greeting
    smtp.send("EHLO client.example")
    code, ehlo = smtp.reply()
    print("EHLO:", " | ".join(line[4:] for line in ehlo if "AUTH" in line))
    if mech == "PLAIN":
        smtp.send("AUTH PLAIN " + b64(b"\0" + user.encode() + b"\0" + password.encode()))
        code, answer = smtp.reply()
    else:
        smtp.send("AUTH LOGIN")
        code, answer = smtp.reply()
        for value in (user, password):
            if code != 334:
                break
            smtp.send(b64(value.encode()))
            code, answer = smtp.reply()
    print("AUTH:", code, " ".join(answer))
    smtp.send("QUIT")
    try:
        smtp.reply()
    except SystemExit:
        pass
    sys.exit(0 if code == 235 else 1)


main()
