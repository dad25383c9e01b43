#!/usr/bin/env python3
"""Writes authmux.yaml(5) from README.md's "Configuration reference" section.

The README is where every configuration key is documented (a house rule), so the man page is
made from it rather than kept by hand beside it: the two cannot drift apart. Only the Markdown
that section uses is handled: ### headings, paragraphs, tables (as tbl tables: the page starts
with the '\\" t line that tells man(1) to run tbl), fenced code, numbered and bulleted lists,
`code`, **bold** and *italic*.

Usage: readme-to-man.py README.md VERSION > authmux.yaml.5
"""
import re
import sys

START = "## Configuration reference"


def section(text):
    lines = text.split("\n")
    start = lines.index(START) + 1
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("## "))
    return lines[start:end]


def escape(text):
    text = text.replace("\\", "\\e")
    # A line starting with . or ' would be read as a request.
    return text


def inline(text):
    text = escape(text)
    text = re.sub(r"\*\*(.+?)\*\*", r"\\fB\1\\fR", text)
    text = re.sub(r"`([^`]+)`", lambda m: "\\fB" + m.group(1).replace("*", "\\(**") + "\\fR", text)
    text = re.sub(r"(?<![\w*\\])\*([^*\s][^*]*?)\*(?!\w)", r"\\fI\1\\fR", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)
    return text


def text_line(text):
    out = inline(text)
    if out.startswith(".") or out.startswith("'"):
        out = "\\&" + out
    return out


def table(rows):
    cells = [[c.strip() for c in row.strip().strip("|").split("|")] for row in rows]
    header, body = cells[0], [r for r in cells[2:]]
    width = len(header)
    out = [".TS", "allbox tab(\x07);", " ".join(["lb"] * width) + "", " ".join(["lx" if i == width - 1 else "l" for i in range(width)]) + "."]
    out.append("\x07".join(inline(c) for c in header))
    for row in body:
        row = (row + [""] * width)[:width]
        out.append("\x07".join("T{\n" + inline(c) + "\nT}" for c in row))
    out.append(".TE")
    return out


def convert(lines):
    out = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("### "):
            out.append(".SS " + inline(line[4:]).replace('"', "\\(dq"))
            i += 1
        elif line.startswith("```"):
            out += [".PP", ".nf", ".RS 4"]
            i += 1
            while not lines[i].startswith("```"):
                out.append("\\&" + escape(lines[i]))
                i += 1
            out += [".RE", ".fi"]
            i += 1
        elif line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(lines[i])
                i += 1
            out += [".PP"] + table(rows)
        elif re.match(r"^(\d+\.|-) ", line):
            marker = re.match(r"^(\d+\.|-) ", line).group(1)
            item = [line[len(marker) + 1:]]
            i += 1
            while i < len(lines) and lines[i].startswith("   ") or (i < len(lines) and lines[i].startswith("  ") and not lines[i].strip().startswith("|")):
                item.append(lines[i].strip())
                i += 1
            out += [".IP \\(bu 2" if marker == "-" else ".IP " + marker + " 4", text_line(" ".join(item))]
        elif line.strip() == "":
            i += 1
        else:
            para = []
            while i < len(lines) and lines[i].strip() and not re.match(r"^(#|```|\||\d+\. |- )", lines[i]):
                para.append(lines[i].strip())
                i += 1
            out += [".PP", text_line(" ".join(para))]
    return out


def main():
    readme, version = sys.argv[1], sys.argv[2]
    with open(readme, encoding="utf-8") as f:
        body = convert(section(f.read()))
    page = [
        "'\\\" t",
        '.TH AUTHMUX.YAML 5 "" "authmux %s" "File Formats"' % version,
        ".SH NAME",
        "authmux.yaml \\- configuration of the authmux password-check daemon",
        ".SH SYNOPSIS",
        "/etc/authmux/authmux.yaml",
        ".SH DESCRIPTION",
        ".BR authmuxd (8)",
        "reads its configuration from this YAML file (or the one given with \\fB\\-\\-config\\fR)"
        " at start and on SIGHUP. \\fBauthmuxd check\\-config\\fR validates it and prints what it would do;"
        " \\fBauthmuxd migrate\\fR writes one from a saslauthd set-up."
        " This page is made from the Configuration reference of /usr/share/doc/authmux/README.md.gz,"
        " which also explains the front doors, the realm rules, metrics and the migration from saslauthd.",
    ]
    page += body
    page += [
        ".SH FILES",
        ".TP",
        "/etc/authmux/authmux.yaml",
        "the configuration, a conffile of the package",
        ".TP",
        "/usr/share/doc/authmux/examples/authmux.yaml",
        "an annotated example",
        ".SH SEE ALSO",
        ".BR authmuxd (8),",
        ".BR authtest (1),",
        ".BR saslauthd (8)",
    ]
    sys.stdout.write("\n".join(page) + "\n")


main()
