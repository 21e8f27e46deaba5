#!/usr/bin/env python3
"""Kills crossocr with SIGKILL at random moments of a 1,000-image batch and checks what is on disk.

  tools/kill_batch.py [--crossocr build/crossocr] [--images 1000] [--kills 30] [--resume-kills 10]
                      [--seed 1] [--work build/kill-batch]

The batch is a folder of the bundled sets' images (strips, labels, a few pages) with three bad
files among them (empty, text, a truncated PNG). Three phases:

1. One uninterrupted run: every file gives one result (the bad ones an error), and each image's
   reading time.
2. --kills runs with --unordered -o FILE (--in-order: without), each killed at a random moment. Under strace, which logs
   when a reading thread opened each image: every image opened more than a second plus twice its
   uninterrupted reading time before the kill must have its result in FILE, and every line of FILE
   must be whole JSON.
3. The batch with --output-dir DIR --skip-existing, killed at random moments until a run ends by
   itself: no image is read to the end twice (its result twice in the streams), and DIR ends with
   a file for every good image.

Prints what it found and exits 1 when a check failed. Needs strace (Debian: strace).
"""
import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = ["xor-strips", "keras-captcha", "svg-captcha", "svg-captcha-upper", "pycaptcha-upper",
        "printed-labels", "multiline-labels", "seed", "trial-labels"]
PAGES = 4  # from tesseract-testing: images that take seconds, not milliseconds


def build_batch(folder: Path, count: int, rng: random.Random) -> list:
    images = []
    for name in SETS:
        images += sorted(p for p in (ROOT / "data" / name).iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg"))
    pages = sorted((p for p in (ROOT / "data" / "tesseract-testing").iterdir() if p.suffix.lower() == ".png"),
                   key=lambda p: -p.stat().st_size)
    rng.shuffle(images)
    chosen = [images[i % len(images)] for i in range(count - 3 - PAGES)] + pages[:PAGES]
    rng.shuffle(chosen)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    paths = []
    for i, source in enumerate(chosen):
        target = folder / f"{i:04d}-{source.parent.name}-{source.name}"
        shutil.copyfile(source, target)
        paths.append(target)
    png = next((ROOT / "data" / "seed").glob("*.png")).read_bytes()
    bad = {"empty.png": b"", "notes.jpg": b"not a picture\n", "truncated.png": png[:len(png) // 3]}
    for i, (name, content) in enumerate(bad.items()):
        target = folder / f"{(i + 1) * count // 4:04d}-bad-{name}"
        target.write_bytes(content)
        paths.append(target)
    return sorted(str(p) for p in paths)


def whole_lines(path: Path) -> tuple:
    """The JSON rows of a stream file and the number of lines that are not whole JSON."""
    text = path.read_text() if path.exists() else ""
    lines = text.split("\n")
    broken = 0 if lines[-1] == "" else 1  # a last line without its line break
    rows = []
    for line in lines[:-1]:
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            broken += 1
    return rows, broken


def traced_pid(trace: Path) -> int:
    """The pid of the process strace started: the first on each line of its log."""
    for _ in range(1000):
        if trace.exists():
            first = trace.read_text().split(None, 1)
            if first:
                return int(first[0])
        time.sleep(0.01)
    raise RuntimeError("strace started no crossocr")


def reading_opens(trace: Path, main_pid: int) -> dict:
    """The last time a reading thread (not the main thread, which only looks at the files while
    listing them) opened each file."""
    opened = {}
    for line in trace.read_text().splitlines():
        parts = line.split(None, 2)
        if len(parts) < 3 or not parts[2].startswith("openat(") or int(parts[0]) == main_pid:
            continue
        if " = -1 " in line:  # not opened (an "<unfinished ...>" call was)
            continue
        start = parts[2].find('"') + 1
        opened[parts[2][start:parts[2].find('"', start)]] = float(parts[1])
    return opened


def killed_run(args, batch: Path, extra: list, out: Path, delay: float, traced: bool) -> tuple:
    """Runs crossocr on the batch, SIGKILLs it after delay seconds (if it is still running) and
    returns (exit status, kill time, openings by reading threads, its main pid)."""
    command = [args.crossocr, "--format", "jsonl", "-q", "-o", str(out)] + extra + [str(batch)]
    trace = out.with_suffix(".trace")
    if traced:
        command = ["strace", "-f", "-ttt", "--seccomp-bpf", "-e", "trace=openat", "-o", str(trace)] + command
    trace.unlink(missing_ok=True)
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pid = traced_pid(trace) if traced else process.pid
    try:
        process.wait(timeout=delay)
        return process.returncode, None, {}, pid
    except subprocess.TimeoutExpired:
        pass
    killed_at = time.time()
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:  # it ended as its time was up
        return process.wait(), None, {}, pid
    process.wait()
    return -9, killed_at, reading_opens(trace, pid) if traced else {}, pid


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--crossocr", default=str(ROOT / "build" / "crossocr"))
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--kills", type=int, default=30)
    ap.add_argument("--resume-kills", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", default=str(ROOT / "build" / "kill-batch"))
    ap.add_argument("--in-order", action="store_true",
                    help="phase 2 without --unordered: results behind a slow image wait for it (at most 8 a "
                         "thread), so this shows what input order costs a kill")
    args = ap.parse_args()
    if shutil.which("strace") is None:
        print("kill_batch.py: needs strace (apt-get install strace)", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    work = Path(args.work)
    batch = work / "images"
    files = build_batch(batch, args.images, rng)
    bad_files = {f for f in files if "-bad-" in f}
    failures = []

    # 1. Uninterrupted: one result a file, and each image's reading time.
    started = time.time()
    status, _, _, _ = killed_run(args, batch, ["--unordered"], work / "whole.jsonl", 1e9, traced=False)
    whole_seconds = time.time() - started
    rows, broken = whole_lines(work / "whole.jsonl")
    errors = sum("error" in r for r in rows)
    print(f"uninterrupted: {len(rows)} results for {len(files)} files ({errors} errors), exit {status}, "
          f"{whole_seconds:.1f} s")
    if sorted(r["file"] for r in rows if r.get("page", 1) == 1) != files or broken:
        failures.append("the uninterrupted run did not give one whole result per file")
    latency = {}
    for r in rows:
        latency[r["file"]] = latency.get(r["file"], 0.0) + r.get("latency_ms", 100.0) / 1000.0

    # 2. Killed at random moments, results out of order: everything finished a second ago is there.
    lost_total, broken_total, checked_total, on_disk_total = 0, 0, 0, 0
    for k in range(args.kills):
        out = work / f"kill-{k:02d}.jsonl"
        delay = rng.uniform(0.2, whole_seconds)
        order = [] if args.in_order else ["--unordered"]
        status, killed_at, opened, _ = killed_run(args, batch, order, out, delay, traced=True)
        rows, broken = whole_lines(out)
        done = {r["file"] for r in rows}
        due = [f for f, t in opened.items() if f in latency and t + 1.0 + 2 * latency[f] < (killed_at or 1e18)]
        lost = [f for f in due if f not in done]
        lost_total += len(lost)
        broken_total += broken
        checked_total += len(due)
        on_disk_total += len(done)
        print(f"kill {k + 1:2d} at {delay:5.2f} s: {len(done):4d} results on disk, {len(due):4d} finished "
              f"over a second before, {len(lost)} of them missing, {broken} broken lines")
        if lost:
            print("   missing: " + ", ".join(Path(f).name for f in lost[:5]))
    if lost_total or broken_total:
        failures.append(f"{lost_total} finished results missing and {broken_total} broken lines over the kills")

    # 3. Resumed with --skip-existing after each kill until a run ends by itself.
    out_dir = work / "out"
    shutil.rmtree(out_dir, ignore_errors=True)
    streamed = []
    runs, status = 0, -9
    while status == -9:
        out = work / f"resume-{runs:02d}.jsonl"
        delay = rng.uniform(0.2, whole_seconds / 2) if runs < args.resume_kills else 1e9
        status, _, _, _ = killed_run(args, batch, ["--output-dir", str(out_dir), "--skip-existing"], out, delay,
                                     traced=False)
        rows, broken = whole_lines(out)
        broken_total += broken
        streamed += [r["file"] for r in rows if "error" not in r and r.get("page", 1) == 1]
        runs += 1
    twice = sorted({f for f in streamed if streamed.count(f) > 1})
    written = len([p for p in out_dir.iterdir() if not p.name.startswith(".")])
    leftovers = len([p for p in out_dir.iterdir() if p.name.startswith(".")])
    good = len(files) - len(bad_files)
    print(f"resumed: {runs} runs ({runs - 1} killed), last exit {status}; {written} output files for {good} good "
          f"images; {len(twice)} images read to the end twice; {leftovers} temporary files left by kills")
    if twice or written != good:
        failures.append(f"resume: {len(twice)} images read twice, {written} of {good} output files")

    print(f"kills: {args.kills} {'in input order' if args.in_order else 'unordered'} + {runs - 1} resumed; {checked_total} results checked, "
          f"{lost_total} missing; {broken_total} broken lines")
    for failure in failures:
        print("FAILED: " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
