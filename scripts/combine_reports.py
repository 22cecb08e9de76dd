#!/usr/bin/env python3
"""Combines the reports of several benchmark programs (each run with --out DIR/<program>) into
DIR/report.md (every protocol's table and report, in order, with links to its plots), DIR/results.csv
(every per-epoch row, with a leading 'program' column) and DIR/results.json ({program: its results.json}).
A program without a results.json is listed with the tail of its log (DIR/<program>.log).

usage: combine_reports.py DIR PROGRAM [PROGRAM ...]
"""
import csv
import json
import os
import sys


def main():
    out, programs = sys.argv[1], sys.argv[2:]
    md = ["# cnnbench: every published comparison, quick protocols\n"]
    summary = ["| Program | Protocol | Wall time (s) | Report |", "|---|---|---|---|"]
    sections, combined, rows, header = [], {}, [], None
    for p in programs:
        d = os.path.join(out, p)
        res = os.path.join(d, "results.json")
        secs_file = os.path.join(out, p + ".seconds")
        secs = open(secs_file).read().strip() if os.path.exists(secs_file) else "-"
        if not os.path.exists(res):
            log = os.path.join(out, p + ".log")
            tail = open(log).read()[-2000:] if os.path.exists(log) else "(no log)"
            summary.append(f"| {p} | - | - | did not run: see {p}.log |")
            sections.append(f"## {p}: did not run\n\n```\n{tail}\n```\n")
            continue
        with open(res) as f:
            combined[p] = json.load(f)
        proto = combined[p]["protocol"]
        summary.append(f"| {p} | {proto['title']} | {secs} | [{p}/report.md]({p}/report.md) |")
        with open(os.path.join(d, "report.md")) as f:
            body = f.read().replace("\n# ", "\n### ").replace("\n## ", "\n### ")
        if body.startswith("# "):
            body = "##" + body[1:]
        plots = "".join(f"\n![{p} learning curves]({p}/learning_curves.png)\n"
                        for _ in [0] if os.path.exists(os.path.join(d, "learning_curves.png")))
        sections.append(body + plots)
        with open(os.path.join(d, "results.csv")) as f:
            r = csv.reader(f)
            h = next(r)
            header = header or ["program"] + h
            rows += [[p] + row for row in r]
    md += summary + [""] + sections
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write("\n".join(md))
    if header:
        with open(os.path.join(out, "results.csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(rows)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(combined, f, indent=1)
    print("\n".join(summary))


if __name__ == "__main__":
    main()
