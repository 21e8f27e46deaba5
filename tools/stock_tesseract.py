#!/usr/bin/python3
"""Stock Tesseract on labelled sets, for the README's comparison: `tesseract IMAGE - --psm N` run
once per image (7, a single line, unless the set's labels hold several lines: then 6, a block),
scored exact under each set's case rule, as crossocr eval scores.

    tools/stock_tesseract.py SET_DIR...
"""
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor


def unescape(text):
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append({"n": "\n", "t": "\t", "\\": "\\"}.get(text[i + 1], text[i + 1]))
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def stock(path, psm):
    run = subprocess.run(["tesseract", path, "-", "--psm", str(psm)], capture_output=True, text=True,
                         env=dict(os.environ, OMP_THREAD_LIMIT="1"))
    lines = [l.rstrip() for l in run.stdout.strip().splitlines()]
    return "\n".join(l for l in lines if l)


def main():
    for folder in sys.argv[1:]:
        with open(os.path.join(folder, "labels.tsv"), encoding="utf-8") as f:
            items = [l.rstrip("\n").split("\t", 1) for l in f if "\t" in l]
        meta = {}
        if os.path.exists(os.path.join(folder, "dataset.json")):
            with open(os.path.join(folder, "dataset.json")) as f:
                meta = json.load(f)
        case = meta.get("case_sensitive", True)
        labels = [unescape(t) for _, t in items]
        psm = 6 if any("\n" in t for t in labels) else 7
        with ThreadPoolExecutor(os.cpu_count()) as pool:
            got = list(pool.map(lambda it: stock(os.path.join(folder, it[0]), psm), items))
        same = (lambda a, b: a == b) if case else (lambda a, b: a.lower() == b.lower())
        right = sum(same(g, e) for g, e in zip(got, labels))
        name = meta.get("name", os.path.basename(folder.rstrip("/")))
        print(f"{name}\tpsm {psm}\t{right}/{len(items)}\t{100.0 * right / max(1, len(items)):.1f}%", flush=True)


if __name__ == "__main__":
    main()
