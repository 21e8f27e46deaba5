"""crossocr adapt: fine-tunes the shipped strip recogniser on a user's images of one kind.

Run by `crossocr adapt` (which finds this file beside the models); usable alone:

    /usr/bin/python3 adapt_recognizer.py --base strip_recognizer.onnx --out mine.onnx \
        [--set DIR...] [--readings RESULTS.jsonl...] [--validate DIR] [--minutes 10]

What it does, and why:
- starts from the shipped network: its ONNX weights (batch normalisation already folded into the
  convolutions) are loaded into the same architecture without normalisation layers, and the
  rebuilt network is checked to read exactly as the file does;
- trains every layer (a probe measured the last layer alone far worse: 46.5% against 72.5% on an
  unseen kind with 100 examples) on the user's images, prepared exactly as the C++ reader prepares
  a strip (src/local/strip_recognizer.cpp), with light shifts and blur so that a few hundred
  examples are not learnt by heart;
- keeps what the network knew: half of every batch is generated strips of the base training's
  styles (when fonts are installed; drawn from a bank of a thousand renewed two a batch, since
  drawing each afresh took most of the time budget: class GeneratedStrips), and every weight is
  pulled towards its shipped value (L2-SP), because an adapted model lost 8 points on
  keras-captcha without either;
- holds back a tenth of the examples (or reads --validate), measures exact match on them before
  and during training, and writes the best network seen: the best running average of the weights
  (class Average; --average 0 for the weights as trained); when training never beats the base
  network on the held-back images, the base network is written unchanged and the report says so;
- learns from remote readings (--readings: crossocr's JSONL of remote or vote results) only where
  a second reader confirms them: the vote found the local reading the same, or the network being
  trained reads the image as the remote model did, or gives the remote text a probability of at
  least 0.2. As the network learns the kind it confirms more (co-training); a remote model's
  wrong answers, which the network has no reason to share, stay out. With no labelled images,
  the best network is chosen by its agreement with the remote readings of held-back images;
- computes the network's forward pass in bfloat16 (autocast; weights, loss and updates stay
  float32) where the CPU does bfloat16 natively (AVX512-BF16, AMX): a step of 32 strips took a
  third of its float32 time on the project's machine, so the same minutes train about twice as
  many steps;
- stops within the time budget and prints one progress line about every 15 seconds.
"""
import argparse
import copy
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


def distort(bgr, rng):
    """The same code as another image of its kind might draw it: a little rotation, scale and
    shear, strokes bent, margins cut or added, colours shifted channel by channel, noise and blur.
    A few hundred examples seen a hundred times each are otherwise learnt by heart, pixel for
    pixel."""
    h, w = bgr.shape[:2]
    angle = rng.uniform(-4, 4)
    scale = rng.uniform(0.92, 1.08)
    shear = rng.uniform(-0.15, 0.15)
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    m[0, 1] += shear
    m[0, 2] += rng.uniform(-3, 3) - shear * h / 2
    m[1, 2] += rng.uniform(-2, 2)
    out = cv2.warpAffine(bgr, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
    if rng.random() < 0.5:
        out = bend(out, rng)
    if rng.random() < 0.5:  # margins: a crop or a border of the strip's own edge
        left, right = rng.randint(-w // 20, w // 20), rng.randint(-w // 20, w // 20)
        out = out[:, max(0, -left):w - max(0, -right)]
        out = cv2.copyMakeBorder(out, 0, 0, max(0, left), max(0, right), cv2.BORDER_REPLICATE)
    if out.ndim == 3 and rng.random() < 0.5:
        gains = np.array([rng.uniform(0.8, 1.2) for _ in range(3)], np.float32)
        out = np.clip(out.astype(np.float32) * gains, 0, 255).astype(np.uint8)
    if rng.random() < 0.3:
        noise = np.random.default_rng(rng.randint(0, 1 << 30)).normal(0, rng.uniform(2, 8), out.shape)
        out = np.clip(out.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    if rng.random() < 0.3:
        out = cv2.GaussianBlur(out, (3, 3), rng.uniform(0.3, 1.0))
    return out


def bend(bgr, rng):
    """The glyphs themselves drawn a little differently: a smooth random displacement (a coarse
    grid of offsets, a third of the strip's height apart, of 2-4.5% of its height, interpolated)
    bends strokes as another hand or another warp would. Rotation and shear move a whole strip;
    kinds whose glyphs vary one by one (handwriting, wavy CAPTCHAs) need this."""
    h, w = bgr.shape[:2]
    step = max(4, h // 3)
    gh, gw = h // step + 2, w // step + 2
    r = np.random.default_rng(rng.randint(0, 1 << 30))
    size = rng.uniform(0.02, 0.045) * h
    dx = cv2.resize(r.normal(0, size, (gh, gw)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    dy = cv2.resize(r.normal(0, size, (gh, gw)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(bgr, xs + dx, ys + dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def load_image(path):
    """BGR pixels as the reader sees them; PIL for what OpenCV cannot open (GIF), flattening any
    transparency onto white as the C++ decoder does."""
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is not None:
        return img
    try:
        from PIL import Image
        with Image.open(path) as im:
            rgba = im.convert("RGBA")
            flat = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            flat.alpha_composite(rgba)
            return cv2.cvtColor(np.asarray(flat.convert("RGB")), cv2.COLOR_RGB2BGR)
    except OSError:
        return None


def usable_label(text):
    return bool(text) and len(text) <= 16 and all(c in base.CHARSET for c in text)


def case_sensitive(folder):
    """A set's case rule, from its dataset.json as crossocr eval reads it (sensitive without one)."""
    try:
        with open(os.path.join(folder, "dataset.json"), encoding="utf-8") as f:
            return bool(json.load(f).get("case_sensitive", True))
    except (OSError, ValueError, AttributeError):
        return True


# The labels show a kind's whole alphabet when the rarest character in them was seen at least this
# often: a character as common as that one would be missing from them with a chance of e^-10
# (Poisson). Words and mixed text, whose rare characters are seen once or twice, never qualify.
ALPHABET_SEEN_AT_LEAST = 10


def kind_alphabet(labels):
    """The characters the kind is written in, from (text, case sensitive) labels, or None when
    the labels do not show all of them. A label whose case does not count admits both cases."""
    counts = {}
    for text, sensitive in labels:
        for c in text:
            for form in {c} if sensitive else {c.lower(), c.upper()}:
                counts[form] = counts.get(form, 0) + 1
    if not counts or min(counts.values()) < ALPHABET_SEEN_AT_LEAST:
        return None
    return "".join(sorted(counts))


def read_set(folder):
    """(image, text, path) of each image of a labels.tsv folder, and how many were left out: unreadable images,
    and labels outside the recogniser's characters (it reads 0-9 A-Z a-z only, at most 16)."""
    pairs, unreadable, outside = [], 0, 0
    with open(os.path.join(folder, "labels.tsv"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or "\t" not in line:
                continue
            name, text = line.split("\t", 1)
            if not usable_label(text):
                outside += 1
                continue
            img = load_image(os.path.join(folder, name))
            if img is None:
                unreadable += 1
                continue
            pairs.append((img, text, os.path.abspath(os.path.join(folder, name))))
    return pairs, {"unreadable": unreadable, "outside the characters": outside}


def remote_reading(record):
    """The remote text of one crossocr result (remote or vote mode), and whether the vote found
    the local reading in agreement; None when the remote side gave nothing usable."""
    mode = record.get("mode")
    if mode == "vote":
        remote = record.get("remote") or {}
        if remote.get("error") or not remote.get("text"):
            return None
        return remote["text"], record.get("status") == "agree" and not record.get("flagged", True)
    if mode == "remote" and not record.get("error") and record.get("source", "remote") == "remote":
        return (record["text"], False) if record.get("text") else None
    return None


def resolve(name, jsonl_path):
    """A result's file as crossocr named it: relative to where it ran, else to the JSONL's folder."""
    if os.path.isabs(name) or os.path.exists(name):
        return os.path.abspath(name)
    return os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(jsonl_path)), name))


def read_readings(jsonl_path):
    """Pseudo-labelled images from a JSONL of `crossocr --mode remote|vote` results: dicts of
    image, text (the remote reading), agreed (the vote's two readings agreed, unflagged)."""
    items, left = [], {"failed or not remote": 0, "unreadable": 0, "outside the characters": 0}
    with open(jsonl_path, encoding="utf-8") as f:
        for line in f:
            try:
                record = json.loads(line)
            except ValueError:
                left["failed or not remote"] += 1
                continue
            got = remote_reading(record) if isinstance(record, dict) and record.get("file") not in (None, "-") else None
            if got is None:
                left["failed or not remote"] += 1
                continue
            text, agreed = got
            if not usable_label(text):
                left["outside the characters"] += 1
                continue
            path = resolve(record["file"], jsonl_path)
            img = load_image(path)
            if img is None:
                left["unreadable"] += 1
                continue
            items.append({"image": img, "text": text, "agreed": agreed, "path": path})
    return items, left


class PseudoLabels:
    """Readings from a remote model that is often wrong, used as labels only where a second
    reader confirms them: the vote found the local reading the same, or the network being trained
    now reads the image exactly as the remote model did. Two readers with different failings
    rarely make the same mistake, so what they agree on is nearly always right; as the network
    learns the kind it confirms more of them (co-training), and what it never confirms (the remote
    model's wrong answers, which the network has no reason to copy) is never learnt."""

    def __init__(self, items):
        self.items = items
        self.confirmed = [it["agreed"] for it in items]

    # The network's probability of the remote text (summed over CTC paths) at which it counts as
    # confirming it though its own best reading differs: on an unseen CAPTCHA kind, readings
    # confirmed this way alone were 94% right, those it read itself 98.5% (against 59% for all).
    CONFIRMING_PROBABILITY = 0.2

    def confirm(self, model):
        """Re-reads every pseudo-labelled image; returns the confirmed (image, text) pairs."""
        if self.items:
            got, likely = readings_and_likelihood(model, [it["image"] for it in self.items],
                                                  [it["text"] for it in self.items])
            self.confirmed = [it["agreed"] or g == it["text"] or p >= self.CONFIRMING_PROBABILITY
                              for it, g, p in zip(self.items, got, likely)]
        return [(it["image"], it["text"]) for it, ok in zip(self.items, self.confirmed) if ok]


def agreement(model, items):
    """On held-back pseudo-labelled images: how often the network reads what the remote model
    read. Rises with the network's own accuracy when the remote model's errors do not follow it."""
    if not items:
        return None
    got = readings(model, [it["image"] for it in items])
    return sum(g == it["text"] for g, it in zip(got, items)) / len(items)


def folded_network(onnx_path):
    """The shipped network in PyTorch: the architecture of train_recognizer.py with each
    normalisation layer replaced by nothing, since the export folded them into the convolutions.
    Its widths are the file's (the shipped network, or a narrower one taught by it)."""
    graph = onnx.load(onnx_path).graph
    weights = {t.name: onnx.numpy_helper.to_array(t) for t in graph.initializer}
    convs = [n for n in graph.node if n.op_type == "Conv"]
    widths = tuple(weights[n.input[1]].shape[0] for n in convs[:7]) if len(convs) >= 7 else ()
    try:
        model = base.StripRecognizer(widths=widths)
    except ValueError:
        raise SystemExit(f"{onnx_path} is not a strip recogniser of this architecture")
    for seq in (model.net, model.context):
        for i, layer in enumerate(seq):
            if isinstance(layer, nn.BatchNorm2d):
                seq[i] = nn.Identity()
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


def readings_and_likelihood(model, images, texts=None, chunk=256):
    """The network's greedy readings of these images, and (given texts) the probability it gives
    each text."""
    model.eval()
    got, likely = [], []
    ctc = nn.CTCLoss(blank=0, reduction="none", zero_infinity=True)
    with torch.no_grad():
        for i in range(0, len(images), chunk):
            x = torch.from_numpy(np.stack([strip_input(img) for img in images[i:i + chunk]])[:, None])
            logits = model(x)
            got += base.greedy(logits)
            if texts is None:
                continue
            log_probs = logits[:, :, 0, :].permute(2, 0, 1).log_softmax(2)
            targets = [torch.tensor([base.CHARSET.index(c) + 1 for c in t]) for t in texts[i:i + chunk]]
            loss = ctc(log_probs, torch.cat(targets), torch.full((x.shape[0],), log_probs.shape[0], dtype=torch.long),
                       torch.tensor([len(t) for t in targets]))
            likely += torch.exp(-loss).tolist()
    return got, likely


def exact(model, examples):
    if not examples:
        return None
    got = readings(model, [e[0] for e in examples])
    return sum(g == e[1] for g, e in zip(got, examples)) / len(examples)


def readings(model, images):
    """The network's greedy readings of these images."""
    return readings_and_likelihood(model, images)[0]


class GeneratedStrips:
    """Strips of the base training's styles to mix into every batch, from a bank drawn once and
    renewed a few at a time. Drawing one costs several times what a training step spends on a
    user's image (about 6 ms against 1-3 on the project's machine), so drawing half of every batch
    afresh spent most of the time budget on drawing; as a reminder of what the network knew, a
    bank of a thousand, slowly renewed, does as well for far fewer draws."""

    def __init__(self, fonts, seed, size, renewed_per_batch=2):
        self.gen = base.StripGenerator(fonts, seed)
        self.rng = random.Random(seed)
        self.bank = [self.draw() for _ in range(size)]
        self.renewed_per_batch = renewed_per_batch

    def draw(self):
        pil, text = self.gen.sample()
        return base.to_input(pil), text

    def renew(self):
        for _ in range(self.renewed_per_batch):
            self.bank[self.rng.randrange(len(self.bank))] = self.draw()

    def sample(self):
        return self.rng.choice(self.bank)


def bank_size(budget):
    """Generated strips to bank for a training of `budget` seconds: about a hundredth of it spent
    drawing them (some 6 ms each), so a thousand for the default 10 minutes and a few dozen for
    the half-minute runs of the tests."""
    return max(50, min(1000, int(budget * 1.7)))


def batches(train, fonts, rng, size, augment, bank):
    """Endless batches: half the user's images (varied by `augment`), half generated strips when
    fonts are there to draw them (from a bank of `bank`)."""
    generated = GeneratedStrips(fonts, rng.randint(0, 1 << 30), size=bank) if fonts else None
    while True:
        imgs, labels, lengths = [], [], []
        for k in range(size):
            if generated is not None and k % 2 == 1:
                strip, text = generated.sample()
                imgs.append(strip)
            else:
                img, text = rng.choice(train)[:2]
                imgs.append(strip_input(augment(img, rng)))
            labels += [base.CHARSET.index(c) + 1 for c in text]
            lengths.append(len(text))
        if generated is not None:
            generated.renew()
        yield torch.from_numpy(np.stack(imgs)[:, None]), torch.tensor(labels), torch.tensor(lengths)


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True, help="the shipped strip_recognizer.onnx")
    ap.add_argument("--out", required=True)
    ap.add_argument("--set", action="append", default=[], help="a labels.tsv folder (repeatable)")
    ap.add_argument("--readings", action="append", default=[],
                    help="a JSONL of crossocr --mode remote|vote results: pseudo-labels (repeatable)")
    ap.add_argument("--validate", action="append", default=[], help="a labels.tsv folder to measure on")
    ap.add_argument("--heldback-out", help="write the labelled images measured on here (path TAB text)")
    ap.add_argument("--heldback-readings-out",
                    help="write the held-back remote readings here (path TAB remote text), when no labelled "
                         "images are held back")
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-generated", action="store_true", help="train on the user's images only")
    # Small: the folded network has no normalisation to absorb a weight's scale, so Adam's steps
    # of a fixed size rewrite it fast (at 1e-3 an adapted model forgot svg-captcha, 86.5% -> 35.5%).
    # 3e-4 since the shipped network reads beside an adapted one (what it knew is kept there):
    # on an unseen kind from 300 examples, 82.0% at 1e-4 and 83.5% at 3e-4 with light variation,
    # 85.0-87.0% at 3e-4 with strong; the shared sets then stayed within 4 points.
    ap.add_argument("--lr", type=float, default=3e-4, help="peak learning rate")
    ap.add_argument("--augment", choices=["light", "strong"], default="strong",
                    help="how the user's images are varied: shifts and blur, or distortions too")
    ap.add_argument("--anchor", type=float, default=1e-2, help="weight of the pull towards the shipped weights")
    ap.add_argument("--average", type=int, default=1, help="choose among averaged weights (1) or the weights as trained (0)")
    ap.add_argument("--precision", choices=["auto", "float32", "bfloat16"], default="auto",
                    help="of the training forward pass; auto: bfloat16 where the CPU has it natively")
    args = ap.parse_args()
    if args.precision == "auto":
        args.precision = "bfloat16" if native_bfloat16() else "float32"
    if not args.set and not args.readings:
        ap.error("nothing to learn from: give --set or --readings")
    return args


def held_back_tenth(items):
    cut = len(items) // 10 if len(items) >= 10 else 0
    return items[:cut], items[cut:]


class Measure:
    """What the best network is chosen by: exact match on held-back labelled images when there
    are any, else agreement with the remote readings of held-back pseudo-labelled images."""

    def __init__(self, labelled, pseudo):
        self.labelled, self.pseudo = labelled, pseudo
        self.name = "held-back exact" if labelled else "held-back agreement with the remote readings"

    def __call__(self, model):
        return exact(model, self.labelled) if self.labelled else agreement(model, self.pseudo)


def describe_left_out(left):
    return ", ".join(f"{n} {why}" for why, n in left.items() if n) or "none"


def add_counts(total, more):
    for why, n in more.items():
        total[why] = total.get(why, 0) + n


def load_sources(args, rng):
    """Labelled examples (image, text, path, case sensitive), pseudo-labelled ones, what was left out."""
    labelled, pseudo, left = [], [], {}
    for folder in args.set:
        pairs, l = read_set(folder)
        sensitive = case_sensitive(folder)
        labelled += [(*p, sensitive) for p in pairs]
        add_counts(left, l)
    for path in args.readings:
        items, l = read_readings(path)
        pseudo += items
        add_counts(left, l)
    rng.shuffle(labelled)
    rng.shuffle(pseudo)
    return labelled, pseudo, left


def native_bfloat16():
    """Whether the CPU computes bfloat16 itself (elsewhere PyTorch emulates it, slower than float32)."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read()
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def train(args, model, pool, pseudo, measure, fonts, rng, budget):
    """Trains until the budget is spent; returns (best score, its state or None for the base,
    steps, strips seen)."""
    anchor = [p.detach().clone() for p in model.parameters()]
    average = Average(model) if args.average else None
    chosen = average.network() if average else model  # what is measured and written
    base_score = measure(model)
    best, best_state = base_score, None  # None: the base network, until training beats it

    def improves(score):
        # A later average at the same score has seen more of the training: it wins the tie.
        return score > best or (average is not None and score == best and best_state is not None)

    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    bf16 = args.precision == "bfloat16"
    start, step, seen, last_report, last_confirm = time.time(), 0, 0, time.time(), time.time()
    augment = distort if args.augment == "strong" else jitter
    for x, y, lengths in batches(pool, fonts, rng, 32, augment, bank_size(budget)):
        elapsed = time.time() - start
        if elapsed > budget:
            break
        frac = elapsed / max(budget, 1)
        for g in opt.param_groups:
            g["lr"] = args.lr * min(1.0, frac * 20) * 0.5 * (1 + math.cos(math.pi * frac))
        model.train()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits = model(x)
        log_probs = logits.float()[:, :, 0, :].permute(2, 0, 1).log_softmax(2)
        loss = ctc(log_probs, y, torch.full((x.shape[0],), log_probs.shape[0], dtype=torch.long), lengths)
        drift = sum(((p - a) ** 2).sum() for p, a in zip(model.parameters(), anchor))
        opt.zero_grad()
        (loss + args.anchor * drift).backward()
        opt.step()
        step += 1
        if average:
            average.update(model, step)
        seen += x.shape[0]
        if pseudo.items and time.time() - last_confirm > 30:
            pool[:] = pool[:pool.labelled] + pseudo.confirm(model)
            last_confirm = time.time()
        if time.time() - last_report > 15:
            now = measure(chosen)
            if now is not None and improves(now):
                best, best_state = now, {k: v.clone() for k, v in chosen.state_dict().items()}
            confirmed = f", {sum(pseudo.confirmed)} of {len(pseudo.items)} readings confirmed" if pseudo.items else ""
            print(f"adapt: {seen} strips seen, loss {loss.item():.3f}, {measure.name} {percent(now)} "
                  f"(base {percent(base_score)}){confirmed}, {elapsed / 60:.1f} of {budget / 60:.1f} min, "
                  f"ETA {max(0, budget - elapsed) / 60:.1f} min", flush=True)
            last_report = time.time()
    final = measure(chosen)
    if final is None:  # nothing held back to choose by: the last network
        best_state = chosen.state_dict()
    elif improves(final):
        best, best_state = final, chosen.state_dict()
    return base_score, best, best_state, step, seen


class Average:
    """An exponential moving average of the weights: it spans about the last tenth of the steps so
    far, at most about `horizon`. A few hundred examples measured on a few dozen make each step's
    network a noisy pick; the average of the networks along the way reads better than any one of
    them (an unseen kind from 300 examples: 86.0% over two seeds -> 89.7% over three) and moves
    slowly enough to choose by."""

    def __init__(self, model, horizon=500):
        self.decay = 1 - 1 / horizon
        self.copy = copy.deepcopy(model)
        for p in self.copy.parameters():
            p.requires_grad_(False)

    def update(self, model, step):
        d = min(self.decay, (1 + step) / (10 + step))  # early on, follow the network closely
        with torch.no_grad():
            for a, p in zip(self.copy.parameters(), model.parameters()):
                a.mul_(d).add_(p.detach(), alpha=1 - d)

    def network(self):
        return self.copy


class Pool(list):
    """The examples batches draw from: the labelled ones first (`labelled` of them), then the
    pseudo-labelled ones confirmed so far, replaced in place as confirmation grows."""

    def __init__(self, labelled):
        super().__init__(labelled)
        self.labelled = len(labelled)


def main():
    args = parse_args()
    start = time.time()
    torch.manual_seed(args.seed)
    torch.set_num_threads(max(1, args.threads))
    cv2.setNumThreads(1)
    rng = random.Random(args.seed)

    labelled, pseudo_items, left = load_sources(args, rng)
    if args.validate:
        held = [e for folder in args.validate for e in read_set(folder)[0]]
    else:
        held, labelled = held_back_tenth(labelled)
    pseudo_held, pseudo_items = held_back_tenth(pseudo_items) if not held else ([], pseudo_items)
    model = folded_network(args.base)
    check_same_reading(model, args.base)
    pseudo = PseudoLabels(pseudo_items)
    pool = Pool([(e[0], e[1]) for e in labelled])
    pool += pseudo.confirm(model)
    if len(pool) < 5:
        raise SystemExit(f"adapt: {len(pool)} usable examples ({len(labelled)} labelled, "
                         f"{sum(pseudo.confirmed)} of {len(pseudo_items)} remote readings confirmed); "
                         f"at least 5 are needed (left out: {describe_left_out(left)})")
    fonts = [] if args.no_generated else installed_fonts()
    measure = Measure(held, pseudo_held)
    print(f"adapt: {len(labelled)} labelled examples and {len(pseudo_items)} remote readings "
          f"({sum(pseudo.confirmed)} confirmed so far) to learn from, {len(held) + len(pseudo_held)} held back "
          f"to measure; left out: {describe_left_out(left)}; "
          + (f"generated strips from {sum(map(len, fonts))} faces mixed in" if fonts else
             "no fonts, so the shipped weights alone anchor what the network knew")
          + f"; forward pass in {args.precision}", flush=True)

    budget = args.minutes * 60 - (time.time() - start) - 10  # ten seconds to write the files
    base_score, best, best_state, steps, seen = train(args, model, pool, pseudo, measure, fonts, rng, budget)
    kept_base = best_state is None
    if kept_base:
        model = folded_network(args.base)
    else:
        model.load_state_dict(best_state)
    model.eval()
    torch.onnx.export(model, torch.zeros(1, 1, base.HEIGHT, base.WIDTH), args.out, opset_version=11,
                      input_names=["strip"], output_names=["logits"])
    if args.heldback_out:
        with open(args.heldback_out, "w", encoding="utf-8") as f:
            f.writelines(f"{e[2]}\t{e[1]}\n" for e in held)
    alphabet = kind_alphabet([(e[1], e[3]) for e in labelled + held if len(e) > 3]
                             + [(it["text"], True) for it, ok in zip(pseudo.items, pseudo.confirmed) if ok])
    if args.heldback_readings_out:
        with open(args.heldback_readings_out, "w", encoding="utf-8") as f:
            f.writelines(f"{it['path']}\t{it['text']}\n" for it in pseudo_held)
    meta = {
        "kind": "crossocr adapted strip recogniser",
        "base": os.path.abspath(args.base),
        "sources": [os.path.abspath(s) for s in args.set + args.readings],
        "validated_on": [os.path.abspath(s) for s in args.validate] or "a tenth of the sources, held back",
        "labelled_examples": len(labelled),
        "remote_readings": len(pseudo_items),
        "remote_readings_confirmed": sum(pseudo.confirmed),
        "held_back": len(held) + len(pseudo_held),
        # Read by crossocr (src/local/adapted_kind.cpp): a reading with other characters is not
        # of this kind, and the shipped network reads that strip.
        "alphabet": alphabet,
        "left_out": left,
        "generated_mixed_in": bool(fonts),
        "steps": steps,
        "precision": args.precision,
        "strips_seen": seen,
        "minutes": round((time.time() - start) / 60, 2),
        "validation": {"measure": measure.name, "base": base_score, "adapted": best},
        "kept_base": kept_base,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    with open(os.path.splitext(args.out)[0] + ".json", "w") as f:
        json.dump(meta, f, indent=1)
    print(f"adapt: wrote {args.out}: {measure.name} {percent(base_score)} -> {percent(best)}"
          + (" (training did not beat the base network, so it is written unchanged)" if kept_base else "")
          + (f"; {sum(pseudo.confirmed)} of {len(pseudo_items)} remote readings confirmed" if pseudo_items else ""),
          flush=True)
    print(f"adapt: the kind is written in {alphabet}: readings with other characters are left to the shipped network"
          if alphabet else "adapt: the labels do not show the kind's whole alphabet (a character seen fewer than "
          f"{ALPHABET_SEEN_AT_LEAST} times), so none is recorded", flush=True)


if __name__ == "__main__":
    main()
