"""What the per-scenario report writers (pam_report.py, ldap_report.py, soak_report.py) share.

Each writes its own section of BENCHMARKS.md between two marker comments, replacing the
previous one or appending it; bench/summarize.py carries marked sections over when it rewrites
the file, so every benchmark script can be rerun on its own.
"""
import json
import os
import statistics


def load(path):
    """The JSON lines a benchmark script recorded, one object per run."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def num(value, digits=0):
    if value is None:
        return "-"
    return "{:,.{d}f}".format(value, d=digits)


def fenced(path, lang=""):
    """A file's lines in a fenced block, to show the configuration a run used."""
    with open(path, encoding="utf-8") as handle:
        return ["```" + lang] + handle.read().splitlines() + ["```"]


def write_section(path, begin, end, lines):
    """Puts `lines` (which start with `begin` and end with `end`) into the file at `path`."""
    text = open(path, encoding="utf-8").read() if os.path.exists(path) else "# Benchmarks\n"
    block = "\n".join(lines)
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def publish(args, section, begin, end, shown=lambda line: line.startswith("|")):
    """Writes the section built from `args.results` into `args.out` and prints its `shown` lines.
    Returns the exit status: 3 when `section` reported runs with problems, else 0."""
    lines, bad = section(load(args.results), args)
    write_section(args.out, begin, end, lines)
    print("\n".join(line for line in lines if shown(line)))
    return 3 if bad else 0
