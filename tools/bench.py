#!/usr/bin/env python3
"""Throughput, time per stage and peak memory of crossocr, each against stock Tesseract on the same
images in the same run (issue 19's benchmark).

    tools/bench.py [--strips DIR] [--pages DIR] [--count N] [--modes local,remote,vote]

For each kind of image (strips: one line each; pages: whole documents) and each mode, crossocr
reads the whole batch in one process, as a user's batch would run; stock `tesseract IMAGE -`
runs once per image (--psm 7 for strips, its default for pages), as a script calling it would.
Remote and vote modes read against the project's simulated vision model on loopback
(build/tests/crossocr_simulated_vlm), so they measure the client, not a network. Stage times come
from CROSSOCR_STAGE_TIMES (summed over threads: the CPU each stage took per image, not wall time);
peak memory is the process's maximum resident set. Prints a Markdown table.
"""
import argparse
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_measured(cmd, env=None):
    """Runs cmd; returns (wall seconds, peak resident MB, stderr text)."""
    start = time.time()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    err = proc.stderr.read().decode("utf-8", "replace")
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    return time.time() - start, usage.ru_maxrss / 1024.0, err


def stage_ms(stderr, images):
    """Milliseconds per image of each stage, from the stage-times line."""
    line = next((l for l in stderr.splitlines() if l.startswith("stage-times:")), "")
    return {name: float(ms) / max(images, 1) for name, ms in re.findall(r" ([a-z-]+) ([0-9.]+) ms", line)}


def images_of(folder, count):
    names = sorted(f for f in os.listdir(folder) if f.lower().endswith((".png", ".jpg", ".jpeg", ".tif", ".tiff")))
    return [os.path.join(folder, f) for f in names[:count]]


def stock_tesseract(images, psm):
    start = time.time()
    peak = 0.0
    for image in images:
        cmd = ["tesseract", image, "-"] + (["--psm", str(psm)] if psm else [])
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(proc.pid, 0)
        peak = max(peak, usage.ru_maxrss / 1024.0)
    return time.time() - start, peak


class SimulatedModel:
    """The loopback stand-in for the vision model, serving the labelled sets given."""

    def __init__(self, sets):
        server = os.path.join(ROOT, "build", "tests", "crossocr_simulated_vlm")
        self.proc = subprocess.Popen([server, "--accuracy", "0.85"] + sets, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.url = self.proc.stdout.readline().decode().strip()

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strips", default=os.path.join(ROOT, "data", "xor-strips"))
    ap.add_argument("--pages", default=os.path.join(ROOT, "data", "tesseract-testing"))
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--modes", default="local,remote,vote")
    args = ap.parse_args()
    crossocr = os.environ.get("CROSSOCR", os.path.join(ROOT, "build", "crossocr"))
    modes = args.modes.split(",")
    model = SimulatedModel([args.strips, args.pages]) if set(modes) - {"local"} else None
    env = dict(os.environ, CROSSOCR_STAGE_TIMES="1", GROQ_API_KEY="bench-not-a-key")
    stages = ["decode", "preprocess", "line-finder", "line-reader", "strip-recognizer", "tesseract", "remote", "output"]
    print(f"{os.cpu_count()} cores; stage columns: ms per image summed over threads\n")
    print("| images | reader | images/s | x stock | peak MB | " + " | ".join(stages) + " |")
    print("|---" * (5 + len(stages)) + "|")
    try:
        for kind, folder, psm in (("strips", args.strips, 7), ("pages", args.pages, 0)):
            images = images_of(folder, args.count)
            stock_s, stock_mb = stock_tesseract(images, psm)
            print(f"| {len(images)} {kind} | stock tesseract | {len(images) / stock_s:.1f} | 1.0 | {stock_mb:.0f} |"
                  + " |" * len(stages))
            for mode in modes:
                cmd = [crossocr, "--mode", mode, "--format", "jsonl", "-o", "/dev/null", "--no-cache"] + images
                if model:
                    cmd[1:1] = ["--base-url", model.url]
                wall, mb, err = run_measured(cmd, env)
                per = stage_ms(err, len(images))
                print(f"| {len(images)} {kind} | crossocr {mode} | {len(images) / wall:.1f} | {stock_s / wall:.1f} | "
                      f"{mb:.0f} | " + " | ".join(f"{per.get(s, 0):.2f}" for s in stages) + " |", flush=True)
    finally:
        if model:
            model.close()


if __name__ == "__main__":
    sys.exit(main())
