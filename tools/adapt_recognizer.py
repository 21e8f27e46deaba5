#!/usr/bin/python3
"""crossocr adapt: fine-tunes the shipped strip recogniser on a user's labelled images of one kind.

Run by `crossocr adapt` (which finds this file beside the models); usable alone:

    /usr/bin/python3 adapt_recognizer.py --base strip_recognizer.onnx --out mine.onnx \
        --set DIR [--set DIR...] [--validate DIR] [--minutes 10]

What it does, and why:
- starts from the shipped network: its ONNX weights (batch normalisation already folded into the
  convolutions) are loaded into the same architecture without normalisation layers, and the
  rebuilt network is checked to read exactly as the file does;
- trains every layer (a probe measured the last layer alone far worse: 46.5% against 72.5% on an
  unseen kind with 100 examples) on the user's images, prepared exactly as the C++ reader prepares
  a strip (src/local/strip_recognizer.cpp), with light shifts and blur so that a few hundred
  examples are not learnt by heart;
- keeps what the network knew: half of every batch is generated strips of the base training's
  styles (when fonts are installed), and every weight is pulled towards its shipped value (L2-SP),
  because an adapted model lost 8 points on keras-captcha without either;
- holds back a tenth of the examples (or reads --validate), measures exact match on them before
  and during training, and writes the best network seen; when training never beats the base
  network on the held-back images, the base network is written unchanged and the report says so;
- stops within the time budget and prints one progress line about every 15 seconds.
"""
import argparse
import datetime
import json
import math
import os
import random
import subprocess
import sys
import time

import cv2
import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_recognizer as base  # noqa: E402  (the architecture, charset and generator)

MIN_ASPECT = 3  # as kMinAspect in src/local/strip_recognizer.cpp


def installed_fonts():
    """The faces the base training drew with, as far as this machine has them (none without
    fontconfig: the shipped weights alone then anchor what the network knew)."""
    try:
        return base.find_fonts()
    except (OSError, subprocess.CalledProcessError):
        return []


def strip_input(bgr):
    """As the C++ reader: the darkest channel, a strip narrower than 3:1 widened with its ground
    colour (the median of its first and last columns), area-resampled to 128x32, stretched."""
    grey = bgr.min(axis=2) if bgr.ndim == 3 else bgr
    h, w = grey.shape
    if w < MIN_ASPECT * h:
        pad = (MIN_ASPECT * h - w + 1) // 2
        ground = int(np.median(np.concatenate([grey[:, 0], grey[:, -1]])))
        grey = cv2.copyMakeBorder(grey, 0, 0, pad, pad, cv2.BORDER_CONSTANT, value=ground)
    small = cv2.resize(grey, (base.WIDTH, base.HEIGHT), interpolation=cv2.INTER_AREA).astype(np.float32)
    lo, hi = small.min(), small.max()
    return (small - lo) / max(hi - lo, 1.0)


def jitter(bgr, rng):
    """A few pixels of shift and crop, sometimes a little blur: the same code seen again."""
    h, w = bgr.shape[:2]
    dx, dy = rng.randint(-3, 3), rng.randint(-2, 2)
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    out = cv2.warpAffine(bgr, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
    if rng.random() < 0.3:
        out = cv2.GaussianBlur(out, (3, 3), rng.uniform(0.3, 1.0))
    return out


def read_set(folder):
    """(image, text) pairs of a labels.tsv folder; labels outside the recogniser's characters are
    counted and left out (it reads 0-9 A-Z a-z only)."""
    pairs, skipped = [], 0
    with open(os.path.join(folder, "labels.tsv"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or "\t" not in line:
                continue
            name, text = line.split("\t", 1)
            img = cv2.imread(os.path.join(folder, name), cv2.IMREAD_COLOR)
            if img is None or not text or any(c not in base.CHARSET for c in text) or len(text) > 16:
                skipped += 1
                continue
            pairs.append((img, text))
    return pairs, skipped


def folded_network(onnx_path):
    """The shipped network in PyTorch: the architecture of train_recognizer.py with each
    normalisation layer replaced by nothing, since the export folded them into the convolutions."""
    model = base.StripRecognizer()
    for seq in (model.net, model.context):
        for i, layer in enumerate(seq):
            if isinstance(layer, nn.BatchNorm2d):
                seq[i] = nn.Identity()
    graph = onnx.load(onnx_path).graph
    weights = {t.name: onnx.numpy_helper.to_array(t) for t in graph.initializer}
    convs = [n for n in graph.node if n.op_type == "Conv"]
    # Execution order: the trunk, the context branch, the classifier (as forward() runs them).
    layers = [m for m in model.net[:-2] if isinstance(m, nn.Conv2d)] + \
             [m for m in model.context if isinstance(m, nn.Conv2d)] + [model.net[-1]]
    if len(convs) != len(layers):
        raise SystemExit(f"{onnx_path} is not a strip recogniser of this architecture")
    for node, layer in zip(convs, layers):
        w, b = weights[node.input[1]], weights[node.input[2]]
        if tuple(w.shape) != tuple(layer.weight.shape):
            raise SystemExit(f"{onnx_path}: layer shapes differ from this architecture")
        layer.weight.data = torch.from_numpy(w.copy())
        layer.bias.data = torch.from_numpy(b.copy())
    return model


def check_same_reading(model, onnx_path):
    net = cv2.dnn.readNetFromONNX(onnx_path)
    x = np.random.default_rng(0).random((2, 1, base.HEIGHT, base.WIDTH), dtype=np.float32)
    net.setInput(x)
    expected = net.forward()
    model.eval()
    with torch.no_grad():
        got = model(torch.from_numpy(x)).numpy()
    if np.abs(got - expected).max() > 1e-3:
        raise SystemExit(f"the network rebuilt from {onnx_path} does not read as the file does")


def percent(rate):
    return "-" if rate is None else f"{rate * 100:.1f}%"


def exact(model, examples):
    if not examples:
        return None
    model.eval()
    x = torch.from_numpy(np.stack([strip_input(img) for img, _ in examples])[:, None])
    with torch.no_grad():
        got = base.greedy(model(x))
    return sum(g == t for g, (_, t) in zip(got, examples)) / len(examples)


def batches(train, fonts, rng, size):
    """Endless batches: half the user's images (jittered), half generated strips when fonts are
    there to draw them."""
    gen = base.StripGenerator(fonts, rng.randint(0, 1 << 30)) if fonts else None
    while True:
        imgs, labels, lengths = [], [], []
        for k in range(size):
            if gen is not None and k % 2 == 1:
                pil, text = gen.sample()
                imgs.append(base.to_input(pil))
            else:
                img, text = rng.choice(train)
                imgs.append(strip_input(jitter(img, rng)))
            labels += [base.CHARSET.index(c) + 1 for c in text]
            lengths.append(len(text))
        yield torch.from_numpy(np.stack(imgs)[:, None]), torch.tensor(labels), torch.tensor(lengths)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True, help="the shipped strip_recognizer.onnx")
    ap.add_argument("--out", required=True)
    ap.add_argument("--set", action="append", required=True, help="a labels.tsv folder (repeatable)")
    ap.add_argument("--validate", action="append", default=[], help="a labels.tsv folder to measure on")
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-generated", action="store_true", help="train on the user's images only")
    # Small: the folded network has no normalisation to absorb a weight's scale, so Adam's steps
    # of a fixed size rewrite it fast (at 1e-3 an adapted model forgot svg-captcha, 86.5% -> 35.5%).
    ap.add_argument("--lr", type=float, default=1e-4, help="peak learning rate")
    ap.add_argument("--anchor", type=float, default=1e-2, help="weight of the pull towards the shipped weights")
    args = ap.parse_args()
    start = time.time()
    torch.manual_seed(args.seed)
    torch.set_num_threads(max(1, args.threads))
    cv2.setNumThreads(1)
    rng = random.Random(args.seed)

    examples, skipped = [], 0
    for folder in args.set:
        pairs, bad = read_set(folder)
        examples += pairs
        skipped += bad
    rng.shuffle(examples)
    if args.validate:
        held = [p for folder in args.validate for p in read_set(folder)[0]]
        train = examples
    else:
        cut = max(1, len(examples) // 10) if len(examples) >= 10 else 0
        held, train = examples[:cut], examples[cut:]
    if len(train) < 5:
        raise SystemExit(f"adapt: {len(train)} usable examples; at least 5 are needed "
                         f"({skipped} left out: unreadable, or characters outside 0-9 A-Z a-z)")
    fonts = [] if args.no_generated else installed_fonts()
    print(f"adapt: {len(train)} examples to learn from, {len(held)} held back to measure, {skipped} left out; "
          f"generated strips from {sum(map(len, fonts))} faces mixed in" if fonts else
          f"adapt: {len(train)} examples to learn from, {len(held)} held back to measure, {skipped} left out; "
          f"no fonts, so the shipped weights alone anchor what the network knew", flush=True)

    model = folded_network(args.base)
    check_same_reading(model, args.base)
    anchor = [p.detach().clone() for p in model.parameters()]
    base_exact = exact(model, held)
    best_exact, best_state = base_exact, None  # None: the base network, until training beats it
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    budget = args.minutes * 60 - (time.time() - start) - 10  # ten seconds to write the files
    train_start, step, seen, last_report = time.time(), 0, 0, time.time()
    for x, y, lengths in batches(train, fonts, rng, 32):
        elapsed = time.time() - train_start
        if elapsed > budget:
            break
        frac = elapsed / max(budget, 1)
        for g in opt.param_groups:
            g["lr"] = args.lr * min(1.0, frac * 20) * 0.5 * (1 + math.cos(math.pi * frac))
        model.train()
        log_probs = model(x)[:, :, 0, :].permute(2, 0, 1).log_softmax(2)
        loss = ctc(log_probs, y, torch.full((x.shape[0],), log_probs.shape[0], dtype=torch.long), lengths)
        drift = sum(((p - a) ** 2).sum() for p, a in zip(model.parameters(), anchor))
        opt.zero_grad()
        (loss + args.anchor * drift).backward()
        opt.step()
        step += 1
        seen += x.shape[0]
        if time.time() - last_report > 15:
            now = exact(model, held)
            if now is not None and now > best_exact:
                best_exact, best_state = now, {k: v.clone() for k, v in model.state_dict().items()}
            print(f"adapt: {seen} strips seen, loss {loss.item():.3f}, held-back exact {percent(now)} "
                  f"(base {percent(base_exact)}), {elapsed / 60:.1f} of {budget / 60:.1f} min, "
                  f"ETA {max(0, budget - elapsed) / 60:.1f} min", flush=True)
            last_report = time.time()
    final = exact(model, held)
    if final is None:  # nothing held back to choose by: the last network
        best_state = model.state_dict()
    elif final > best_exact:
        best_exact, best_state = final, model.state_dict()
    kept_base = best_state is None
    if kept_base:
        model = folded_network(args.base)
    else:
        model.load_state_dict(best_state)
    model.eval()
    torch.onnx.export(model, torch.zeros(1, 1, base.HEIGHT, base.WIDTH), args.out, opset_version=11,
                      input_names=["strip"], output_names=["logits"])
    meta = {
        "kind": "crossocr adapted strip recogniser",
        "base": os.path.abspath(args.base),
        "sources": [os.path.abspath(s) for s in args.set],
        "validated_on": [os.path.abspath(s) for s in args.validate] or "a tenth of the sources, held back",
        "examples": len(train),
        "held_back": len(held),
        "left_out": skipped,
        "generated_mixed_in": bool(fonts),
        "steps": step,
        "strips_seen": seen,
        "minutes": round((time.time() - start) / 60, 2),
        "validation_exact": {"base": base_exact, "adapted": best_exact},
        "kept_base": kept_base,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    with open(os.path.splitext(args.out)[0] + ".json", "w") as f:
        json.dump(meta, f, indent=1)
    print(f"adapt: wrote {args.out}: held-back exact {percent(base_exact)} -> {percent(best_exact)}"
          + (" (training did not beat the base network, so it is written unchanged)" if kept_base else ""),
          flush=True)


if __name__ == "__main__":
    main()
