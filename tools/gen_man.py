#!/usr/bin/env python3
"""Regenerates man/megarouter.1 from man/head.roff, the COMMANDS section built
from the binary's own --help output (every subcommand, option and example),
and man/tail.roff. Run after changing the command line:

    python3 tools/gen_man.py build/megarouter > man/megarouter.1

A unit test (tests/unit/cli/docs_test.cpp) fails when the committed page
lacks a subcommand or an option that the binary has.
"""
import re
import subprocess
import sys


def esc(text):
    text = text.replace("\\", "\\\\").replace("-", "\\-")
    if text.startswith(".") or text.startswith("'"):
        text = "\\&" + text
    return text


def help_of(binary, path):
    out = subprocess.run([binary, *path, "--help"], capture_output=True, text=True)
    return out.stdout


def parse(text):
    lines = text.splitlines()
    description = lines[0] if lines and not lines[0].startswith("Usage:") else ""
    usage, section, sections = "", None, {}
    for line in lines:
        if line.startswith("Usage:"):
            usage = line[len("Usage:"):].strip()
            continue
        m = re.match(r"^([A-Z][A-Za-z ]+):\s*$", line)
        if m:
            section = m.group(1)
            sections[section] = []
            continue
        if section:
            sections[section].append(line)
    return description, usage, sections


def entries(block):
    """Two-column help lines -> [(left, right)], joining wrapped lines."""
    out = []
    for line in block:
        if not line.strip():
            continue
        m = re.match(r"^  (\S.*?)(?:\s{2,}(\S.*))?$", line)
        if m and not line.startswith("    " * 7):
            out.append([m.group(1).strip(), (m.group(2) or "").strip()])
        elif out:
            out[-1][1] += " " + line.strip()
    return out


def render(binary, path, out, parent_examples=None):
    description, usage, sections = parse(help_of(binary, path))
    examples = sections.get("Examples")
    if path:
        out.append(".SS \"%s\"" % esc("megarouter " + " ".join(path)))
        if description:
            out.append(esc(description) + ".")
        out.append(".PP")
        out.append("\\fBUsage:\\fR " + esc(usage))
        for title in ("Positionals", "Options"):
            for left, right in entries(sections.get(title, [])):
                if left.startswith("-h,--help"):
                    continue
                out.append(".TP")
                out.append("\\fB" + esc(left) + "\\fR")
                out.append(esc(right) if right else "")
        if examples and examples != parent_examples:
            out.append(".PP")
            out.append("Examples:")
            out.append(".nf")
            out.append(".RS 4")
            for line in sections["Examples"]:
                if line.strip():
                    out.append(esc(line.strip()))
            out.append(".RE")
            out.append(".fi")
    for name, _ in entries(sections.get("Subcommands", [])):
        render(binary, path + [name], out, examples)


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "build/megarouter"
    out = []
    render(binary, [], out)
    head = open("man/head.roff").read()
    tail = open("man/tail.roff").read()
    sys.stdout.write(head + "\n".join(out) + "\n" + tail)


if __name__ == "__main__":
    main()
