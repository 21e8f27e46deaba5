#!/usr/bin/python3
"""Trains crossocr's strip recogniser (models/strip_recognizer.onnx) from generated data only.

A small all-convolutional network with CTC, reading a 32x128 grey strip into up to 32 character
slots over 0-9 A-Z a-z. It is trained only on strips this script draws: random strings in every
TrueType font on the machine, in several CAPTCHA styles (two-colour strips whose text inverts over a
polygon, noise curves and dots, coloured and rotated letters, waves). The evaluation sets are never
read. Reproducible: fixed seeds; the fonts come from Debian packages (tools/train_recognizer.sh).

    /usr/bin/python3 tools/train_recognizer.py --minutes 20 --out models/strip_recognizer.onnx
"""
import argparse
import glob
import math
import os
import random
import time

import numpy as np
import torch
import torch.nn as nn
from PIL import Image, ImageDraw, ImageFilter, ImageFont

CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
HEIGHT, WIDTH = 32, 128

FONT_DIRS = ["/usr/share/fonts/truetype", "/usr/share/fonts/opentype", "/usr/share/fonts/type1"]


def find_fonts():
    fonts = []
    for d in FONT_DIRS:
        for ext in ("ttf", "otf", "pfb", "t1"):
            fonts += glob.glob(os.path.join(d, "**", "*." + ext), recursive=True)
    # Symbol and dingbat faces draw no letters.
    return sorted(f for f in fonts if not any(s in f.lower() for s in ("symbol", "dingbat", "z003")))


class StripGenerator:
    """Draws a random labelled strip in one of several CAPTCHA styles."""

    def __init__(self, fonts, seed):
        self.fonts = fonts
        self.rng = random.Random(seed)
        self.cache = {}

    def font(self, path, size):
        key = (path, size)
        if key not in self.cache:
            self.cache[key] = ImageFont.truetype(path, size)
        return self.cache[key]

    def text(self):
        r = self.rng
        n = r.randint(4, 6)
        pool = r.choice([CHARSET, CHARSET[:36], CHARSET[:10] + CHARSET[36:], CHARSET[10:36]])
        return "".join(r.choice(pool) for _ in range(n))

    def glyph_layer(self, text, w, h):
        """Text as a mask (L mode, 255 = ink), letters placed one by one with jitter; shrunk until
        every letter fits, so the label is always what is drawn."""
        r = self.rng
        font_path = r.choice(self.fonts)
        size = int(h * r.uniform(0.45, 0.8))
        rotate = r.random() < 0.6
        spacing = r.uniform(-0.15, 0.45)
        start = r.uniform(0.02, 0.15) * w
        angles = [r.uniform(-25, 25) for _ in text]
        offsets = [r.uniform(-0.12, 0.12) * h for _ in text]
        gaps = [r.uniform(0, 0.05) * w for _ in text]
        while True:
            try:
                font = self.font(font_path, size)
            except OSError:
                font = self.font(self.fonts[0], size)
            layer = Image.new("L", (w, h), 0)
            x = start
            for ch, angle, dy, gap in zip(text, angles, offsets, gaps):
                bbox = font.getbbox(ch)
                cw = bbox[2] - bbox[0]
                tile = Image.new("L", (cw + 8, size * 2), 0)
                ImageDraw.Draw(tile).text((4 - bbox[0], size * 0.4), ch, fill=255, font=font)
                if rotate:
                    tile = tile.rotate(angle, resample=Image.BILINEAR, expand=True)
                y = (h - tile.size[1]) / 2 + dy
                layer.paste(255, (int(x), int(y)), tile)
                x += cw * (1 + spacing) + gap
            if x <= w * 0.98 or size < 10:
                return layer
            size = int(size * 0.85)
            start *= 0.5

    def wave(self, img):
        r = self.rng
        if r.random() < 0.5:
            return img
        a = np.asarray(img)
        amp, period, phase = r.uniform(1, 3), r.uniform(30, 90), r.uniform(0, 6.3)
        out = np.empty_like(a)
        for x in range(a.shape[1]):
            out[:, x] = np.roll(a[:, x], int(amp * math.sin(2 * math.pi * x / period + phase)), axis=0)
        return Image.fromarray(out)

    def noise_curves(self, draw, w, h, colour, count):
        r = self.rng
        for _ in range(count):
            pts = []
            x0, y0 = r.uniform(0, w * 0.2), r.uniform(0.2, 0.8) * h
            k = r.uniform(-0.5, 0.5)
            bend = r.uniform(-0.3, 0.3) * h
            for i in range(12):
                t = i / 11
                pts.append((x0 + t * (w - x0), y0 + k * t * h + bend * math.sin(math.pi * t)))
            draw.line(pts, fill=colour, width=r.randint(1, 3))

    def sample(self):
        r = self.rng
        text = self.text()
        w, h = r.randint(140, 230), r.randint(42, 66)
        ink = self.wave(self.glyph_layer(text, w, h))
        style = r.random()
        if style < 0.35:
            img = self.xor_style(ink, w, h)
        elif style < 0.7:
            img = self.noisy_style(ink, w, h)
        else:
            img = self.colour_style(ink, w, h)
        if r.random() < 0.3:
            img = img.filter(ImageFilter.GaussianBlur(r.uniform(0.3, 1.0)))
        return img.convert("L"), text

    def xor_style(self, ink, w, h):
        """Two flat colours; text inverted where it crosses a light polygon."""
        r = self.rng
        dark = tuple(r.randint(0, 90) for _ in range(3))
        light = tuple(r.randint(170, 255) for _ in range(3))
        poly = Image.new("L", (w, h), 0)
        pts = [(r.uniform(-0.2, 1.2) * w, r.uniform(-0.3, 1.3) * h) for _ in range(r.randint(3, 5))]
        ImageDraw.Draw(poly).polygon(pts, fill=255)
        region = np.asarray(poly) > 127
        text = np.asarray(ink) > 127
        lit = region ^ text
        out = np.where(lit[..., None], np.array(light, np.uint8), np.array(dark, np.uint8))
        if r.random() < 0.5:  # coloured specks along strokes
            edge = np.asarray(ink.filter(ImageFilter.FIND_EDGES)) > 0
            speck = edge & (np.random.default_rng(r.randint(0, 1 << 30)).random(edge.shape) < 0.15)
            out[speck] = np.random.default_rng(r.randint(0, 1 << 30)).integers(0, 255, (speck.sum(), 3))
        return Image.fromarray(out.astype(np.uint8), "RGB")

    def noisy_style(self, ink, w, h):
        """Dark text on a light, possibly graded ground, with noise curves and dots."""
        r = self.rng
        ground = r.randint(170, 255)
        grad = np.linspace(0, r.uniform(-60, 60), w)[None, :]
        base = np.clip(ground + grad + np.zeros((h, w)), 0, 255).astype(np.uint8)
        img = Image.fromarray(base, "L").convert("RGB")
        tone = r.randint(0, 110)
        img.paste((tone,) * 3, (0, 0), ink)
        draw = ImageDraw.Draw(img)
        self.noise_curves(draw, w, h, (tone,) * 3, r.randint(0, 3))
        for _ in range(r.randint(0, 120)):
            x, y = r.uniform(0, w), r.uniform(0, h)
            draw.point((x, y), fill=(r.randint(0, 255),) * 3)
        return img

    def colour_style(self, ink, w, h):
        """Coloured letters, sometimes only outlined, with thin curves through them."""
        r = self.rng
        img = Image.new("RGB", (w, h), tuple(r.randint(200, 255) for _ in range(3)))
        colour = tuple(r.randint(0, 200) for _ in range(3))
        if r.random() < 0.4:
            outline = ink.filter(ImageFilter.FIND_EDGES)
            img.paste(colour, (0, 0), outline)
        else:
            img.paste(colour, (0, 0), ink)
        draw = ImageDraw.Draw(img)
        for _ in range(r.randint(1, 4)):
            self.noise_curves(draw, w, h, tuple(r.randint(0, 220) for _ in range(3)), 1)
        return img


def to_input(img):
    """Grey strip -> 1x32x128 float in [0, 1], stretched to the strip's own range."""
    a = np.asarray(img.resize((WIDTH, HEIGHT), Image.BILINEAR), np.float32)
    lo, hi = a.min(), a.max()
    return (a - lo) / max(hi - lo, 1.0)


class StripRecognizer(nn.Module):
    """All-convolutional, so OpenCV's dnn module runs the exported ONNX as is."""

    def __init__(self, classes=len(CHARSET) + 1):
        super().__init__()

        def block(cin, cout, k=3, pad=1):
            return [nn.Conv2d(cin, cout, k, padding=pad), nn.BatchNorm2d(cout), nn.ReLU()]

        # Sized for training on two CPU cores in minutes: ~0.25 M parameters.
        self.net = nn.Sequential(
            *block(1, 16), nn.MaxPool2d(2),                    # 16 x 64
            *block(16, 32), nn.MaxPool2d(2),                   # 8 x 32
            *block(32, 64), *block(64, 64), nn.MaxPool2d((2, 1)),  # 4 x 32
            *block(64, 96), nn.MaxPool2d((2, 1)),              # 2 x 32
            *block(96, 128, (2, 1), 0),                        # 1 x 32
            *block(128, 128, (1, 5), (0, 2)),                  # context along the strip
            nn.Conv2d(128, classes, 1),                        # logits: N x classes x 1 x 32
        )

    def forward(self, x):
        return self.net(x)


class Batches(torch.utils.data.IterableDataset):
    """Endless generated batches; drawn in a worker process while the main one trains."""

    def __init__(self, fonts, seed, size):
        self.fonts, self.seed, self.size = fonts, seed, size

    def __iter__(self):
        gen = StripGenerator(self.fonts, self.seed)
        while True:
            imgs, labels, lengths = [], [], []
            for _ in range(self.size):
                img, text = gen.sample()
                imgs.append(to_input(img))
                labels += [CHARSET.index(c) + 1 for c in text]
                lengths.append(len(text))
            yield (torch.from_numpy(np.stack(imgs)[:, None]), torch.tensor(labels),
                   torch.tensor(lengths))


def greedy(logits):
    best = logits.argmax(1)[:, 0, :]  # N x T
    out = []
    for row in best.tolist():
        s, prev = [], 0
        for k in row:
            if k != prev and k != 0:
                s.append(CHARSET[k - 1])
            prev = k
        out.append("".join(s))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=20)
    ap.add_argument("--batch", type=int, default=48)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default="models/strip_recognizer.onnx")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--checkpoint", default="", help="also save the PyTorch weights here")
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    fonts = find_fonts()
    print(f"{len(fonts)} fonts")
    loader = torch.utils.data.DataLoader(Batches(fonts, args.seed, args.batch), batch_size=None,
                                         num_workers=1, prefetch_factor=4)
    model = StripRecognizer()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    val_gen = StripGenerator(fonts, args.seed + 1)
    val = [val_gen.sample() for _ in range(300)]
    val_x = torch.from_numpy(np.stack([to_input(i) for i, _ in val])[:, None])

    start, step = time.time(), 0
    budget = args.minutes * 60
    for x, y, lengths in loader:
        elapsed = time.time() - start
        if elapsed > budget:
            break
        # One-cycle-like schedule over the time budget.
        frac = elapsed / budget
        for g in opt.param_groups:
            g["lr"] = 2e-3 * min(1.0, frac * 10) * (0.5 * (1 + math.cos(math.pi * frac)))
        model.train()
        logits = model(x)[:, :, 0, :]                 # N x C x T
        log_probs = logits.permute(2, 0, 1).log_softmax(2)  # T x N x C
        loss = ctc(log_probs, y, torch.full((x.shape[0],), log_probs.shape[0], dtype=torch.long), lengths)
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 100 == 0:
            model.eval()
            with torch.no_grad():
                got = greedy(model(val_x))
            acc = sum(g == t for g, (_, t) in zip(got, val)) / len(val)
            print(f"step {step} {elapsed / 60:.1f} min loss {loss.item():.3f} generated-val exact {acc:.3f}", flush=True)

    model.eval()
    if args.checkpoint:
        torch.save(model.state_dict(), args.checkpoint)
    dummy = torch.zeros(1, 1, HEIGHT, WIDTH)
    torch.onnx.export(model, dummy, args.out, opset_version=11, input_names=["strip"],
                      output_names=["logits"])
    print(f"wrote {args.out} after {step} steps")


if __name__ == "__main__":
    main()
