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
import functools
import io
import json
import math
import os
import random
import re
import subprocess
import time

import numpy as np
import torch
import torch.nn as nn
from PIL import Image, ImageDraw, ImageFilter, ImageFont

CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
HEIGHT, WIDTH = 32, 128


SKIP_FACES = ("symbol", "dingbat", "z003", "emoji", "math", "music", "braille", "ocr", "d050000l")


def draws_latin(path):
    """True when the face draws every character of CHARSET, with lower case unlike upper case:
    script-only faces draw boxes, and capitals-only faces would mislabel."""
    try:
        font = ImageFont.truetype(path, 28)
        masks = {c: bytes(font.getmask(c)) for c in "AaBbEeGgRr0\uffff"}
    except OSError:
        return False
    tofu = masks.pop("\uffff")
    if any(not any(m) for m in masks.values()):
        return False
    if masks["A"] == tofu or masks["0"] == tofu:
        return False
    return sum(masks[u] != masks[u.lower()] for u in "ABEGR") >= 4


# Font packages kept out of every training run, so that readers can be measured on faces they never
# learnt: lines drawn in the first list's faces decide thresholds (--held-out-fonts of the set
# makers); the second's are for tools/training/unseen_font_labels.py alone.
TRAINING = os.path.join(os.path.dirname(os.path.abspath(__file__)), "training")
HELD_OUT_FONTS = os.path.join(TRAINING, "held-out-fonts.txt")
PROBE_FONTS = os.path.join(TRAINING, "probe-fonts.txt")


def package_faces(list_file):
    """The font files installed by the Debian packages named in list_file (one per line); none where
    the list is not there (the trainers installed beside the models, for `crossocr adapt`) or dpkg
    is not."""
    try:
        with open(list_file) as f:
            packages = f.read().split()
        listed = subprocess.run(["dpkg", "-L", *packages], capture_output=True, text=True)
    except OSError:
        return set()
    return {line for line in listed.stdout.splitlines() if line.endswith((".ttf", ".otf", ".pfb", ".t1"))}


def find_fonts(held_out=False):
    """Faces grouped by family (the file name's first word), so a family with fifty weights, or the
    same faces installed in three formats, weighs no more than a family of one. Training's faces
    are every one but the held-out and probe packages'; held_out: the held-out packages' alone."""
    listed = subprocess.run(["fc-list", ":lang=en", "file"], capture_output=True, text=True, check=True)
    held_out_faces = package_faces(HELD_OUT_FONTS)
    probe_faces = package_faces(PROBE_FONTS)
    families = {}
    for f in sorted(line.rstrip(": ") for line in listed.stdout.splitlines()):
        if f in probe_faces or (f in held_out_faces) != held_out:
            continue
        if f.endswith((".ttf", ".otf", ".pfb", ".t1")) and not any(s in f.lower() for s in SKIP_FACES) \
                and draws_latin(f):
            family = re.split(r"[-_ .]", os.path.basename(f))[0].lower()
            families.setdefault(family, []).append(f)
    return [sorted(v) for _, v in sorted(families.items())]


class StripGenerator:
    """Draws a random labelled strip in one of several CAPTCHA styles."""

    def __init__(self, fonts, seed, svg_strips=()):
        self.fonts = fonts
        self.svg_strips = svg_strips
        self.rng = random.Random(seed)

    @functools.lru_cache(maxsize=512)  # a face holds its whole file: keep only the recent ones
    def font(self, path, size):
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            return ImageFont.truetype(self.fonts[0][0], size)

    def face(self):
        return self.rng.choice(self.rng.choice(self.fonts))

    def text(self):
        r = self.rng
        # Mostly 4-6 like common CAPTCHAs, but codes and labels run from 3 to 8.
        n = r.choice((3, 4, 4, 5, 5, 6, 6, 7, 8))
        pool = r.choice([CHARSET, CHARSET[:36], CHARSET[:10] + CHARSET[36:], CHARSET[10:36]])
        return "".join(r.choice(pool) for _ in range(n))

    def glyph_layer(self, text, w, h, size=(0.45, 0.8), spacing=(-0.15, 0.45), tilt=25, clip=False):
        """Text as a mask (L mode, 255 = ink), letters placed one by one with jitter; shrunk until
        every letter fits, so the label is always what is drawn. With `clip`, the last letter may
        run off the right edge, as careless generators draw it: usually by up to 55% of its
        width, sometimes until only its first sixth shows."""
        r = self.rng
        font_path = self.face()
        size = int(h * r.uniform(*size))
        rotate = r.random() < 0.6
        spacing = r.uniform(*spacing)
        start = r.uniform(0.02, 0.15) * w
        angles = [r.uniform(-tilt, tilt) for _ in text]
        offsets = [r.uniform(-0.12, 0.12) * h for _ in text]
        gaps = [r.uniform(0, 0.05) * w for _ in text]
        shown = r.choice((0.45, 0.45, 0.16))  # the least part of a clipped last letter in view
        while True:
            font = self.font(font_path, size)
            layer = Image.new("L", (w, h), 0)
            x = start
            for ch, angle, dy, gap in zip(text, angles, offsets, gaps):
                bbox = font.getbbox(ch)
                cw = bbox[2] - bbox[0]
                last_start, last_width = x, cw
                tile = Image.new("L", (cw + 8, size * 2), 0)
                ImageDraw.Draw(tile).text((4 - bbox[0], size * 0.4), ch, fill=255, font=font)
                if rotate:
                    tile = tile.rotate(angle, resample=Image.BILINEAR, expand=True)
                y = (h - tile.size[1]) / 2 + dy
                layer.paste(255, (int(x), int(y)), tile)
                x += cw * (1 + spacing) + gap
            if x <= w * 0.98 or size < 10 or (clip and last_start + shown * last_width <= w):
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
        style = r.random()
        if style < 0.15:
            img = self.layered_style(text)
        elif style < 0.3:
            img = self.smeared_style(text)
        elif style < 0.45 and self.svg_strips:
            img = self.svg_style()
            text = img.info["text"]
        elif style < 0.55:
            img = self.textured_style(text)
        else:
            w, h = r.randint(140, 230), r.randint(42, 66)
            ink = self.wave(self.glyph_layer(text, w, h, clip=r.random() < 0.25))
            if style < 0.8:
                img = self.xor_style(ink, w, h)
            elif style < 0.9:
                img = self.noisy_style(ink, w, h)
            else:
                img = self.colour_style(ink, w, h)
        if r.random() < 0.3:
            img = img.filter(ImageFilter.GaussianBlur(r.uniform(0.3, 1.0)))
        return img.convert("RGB"), text

    def warped_glyph(self, ch, font):
        """One letter as a mask, rotated and pulled by a random quadrilateral (the recipe of the
        python `captcha` package's ImageCaptcha, redrawn here)."""
        r = self.rng
        _, _, w, h = font.getbbox(ch)
        w, h = max(w, 4), max(h, 4)
        dx, dy = r.randint(0, 4), r.randint(0, 6)
        tile = Image.new("L", (w + dx, h + dy), 0)
        ImageDraw.Draw(tile).text((dx, dy), ch, font=font, fill=255)
        if tile.getbbox():
            tile = tile.crop(tile.getbbox())
        tile = tile.rotate(r.uniform(-30, 30), Image.BILINEAR, expand=True)
        px, py = w * r.uniform(0.1, 0.3), h * r.uniform(0.2, 0.3)
        x1, y1, x2, y2 = (int(r.uniform(-d, d)) for d in (px, py, px, py))
        w2, h2 = w + abs(x1) + abs(x2), h + abs(y1) + abs(y2)
        tile = tile.resize((w2, h2))
        return tile.transform((w, h), Image.QUAD, (x1, y1, -x1, h2 - y2, w2 + x2, h2 + y2, w2 - x2, -y1))

    def layered_style(self, text):
        """Warped letters overlapping one another, squeezed to the strip's width, then dots and an
        arc in the text's colour, and a smoothing pass."""
        r = self.rng
        w, h = (160, 60) if r.random() < 0.3 else (r.randint(120, 240), r.randint(40, 80))
        ground = tuple(r.randint(230, 255) for _ in range(3))
        colour = tuple(r.randint(10, 200) for _ in range(3))
        face = self.face()
        sizes = [int(h * f) for f in (0.7, 0.83, 0.93)]
        tiles = []
        for ch in text:
            font = self.font(face, r.choice(sizes))
            if r.random() < 0.5:  # a blank of a space's width
                tiles.append(Image.new("L", (int(font.size * 0.3) + r.randint(0, 4), 4), 0))
            tiles.append(self.warped_glyph(ch, font))
        text_width = sum(t.size[0] for t in tiles)
        canvas = Image.new("RGB", (max(text_width, w), h), ground)
        average = text_width // len(text)
        x = int(average * 0.1)
        for tile in tiles:
            canvas.paste(colour, (x, (h - tile.size[1]) // 2), tile.point(lambda v: min(255, int(v * 1.97))))
            x += tile.size[0] - r.randint(0, int(0.25 * average))
        img = canvas.resize((w, h)) if canvas.size[0] > w else canvas
        draw = ImageDraw.Draw(img)
        for _ in range(r.randint(0, 40)):
            x0, y0 = r.randint(0, w), r.randint(0, h)
            draw.line(((x0, y0), (x0 - 1, y0 - 1)), fill=colour, width=3)
        x1, x2 = r.randint(0, w // 5), r.randint(w - w // 5, w)
        y1 = r.randint(h // 5, h - h // 5)
        y2 = r.randint(y1, h - h // 5)
        draw.arc((x1, y1, x2, y2), r.randint(0, 20), r.randint(160, 200), fill=colour)
        return img.filter(ImageFilter.SMOOTH)

    def smeared_style(self, text):
        """Dark letters packed tight, their fill broken into strokes, on a sideways grey gradient,
        with a thin polyline through them."""
        r = self.rng
        w, h = r.randint(150, 230), r.randint(40, 64)
        ink = np.asarray(self.glyph_layer(text, w, h, size=(0.55, 0.85), spacing=(-0.25, 0.05), tilt=8),
                         np.float32) / 255
        # Hatching: noise smeared along one direction, so strokes look drawn over and over.
        noise = Image.fromarray((np.random.default_rng(r.randint(0, 1 << 30)).random((h, w)) * 255).astype(np.uint8))
        k = r.choice([3, 5])
        hatch = np.asarray(noise.filter(ImageFilter.Kernel((k, k), [1 if i % (k + 1) == 0 else 0
                                                                    for i in range(k * k)])), np.float32) / 255
        strength = r.uniform(0, 0.8)
        ink = ink * (1 - strength * (hatch > r.uniform(0.4, 0.6)))
        shift = np.roll(ink, (r.randint(-1, 1), r.randint(-2, 2)), axis=(0, 1))
        ink = np.maximum(ink, shift * r.uniform(0, 0.7))
        left, right = r.randint(140, 215), r.randint(215, 255)
        ground = np.tile(np.linspace(left, right, w, dtype=np.float32), (h, 1))
        if r.random() < 0.5:
            ground = ground[:, ::-1]
        tone = r.randint(0, 60)
        img = Image.fromarray((ground * (1 - ink) + tone * ink).astype(np.uint8), "L").convert("RGB")
        pts = [(r.uniform(0.05, 0.25) * w, r.uniform(0.2, 0.8) * h)]
        for _ in range(r.choice([0, 1, 1, 2])):  # a hook before the text, easily taken for a letter
            pts.insert(0, (pts[0][0] + r.uniform(-0.05, 0.08) * w, pts[0][1] + r.uniform(-0.5, 0.5) * h))
        for _ in range(r.randint(1, 3)):
            pts.append((pts[-1][0] + r.uniform(0.2, 0.45) * w, r.uniform(0.1, 0.9) * h))
        ImageDraw.Draw(img).line(pts, fill=(tone,) * 3, width=r.randint(1, max(2, h // 14)), joint="curve")
        return img

    def svg_style(self):
        """A strip from the npm svg-captcha generator (tools/training/svg_captcha_strips.js),
        rasterised over its own or a light ground."""
        import cairosvg  # only here: crossocr adapt imports this module without svg strips

        r = self.rng
        text, svg = r.choice(self.svg_strips)
        png = cairosvg.svg2png(bytestring=svg.encode())
        strip = Image.open(io.BytesIO(png)).convert("RGBA")
        ground = Image.new("RGBA", strip.size, tuple(r.randint(225, 255) for _ in range(3)) + (255,))
        ground.alpha_composite(strip)
        img = ground.convert("RGB")
        img.info["text"] = text
        return img

    def textured_style(self, text):
        """Letters in several colours over a ground hatched with many thin coloured lines."""
        r = self.rng
        w, h = r.randint(100, 200), r.randint(30, 60)
        img = Image.new("RGB", (w, h), tuple(r.randint(190, 255) for _ in range(3)))
        draw = ImageDraw.Draw(img)
        for _ in range(r.randint(20, 200)):
            x0, y0 = r.uniform(-w, w), r.uniform(0, h)
            draw.line(((x0, y0), (x0 + r.uniform(5, w), y0 + r.uniform(-h, h))),
                      fill=tuple(r.randint(100, 230) for _ in range(3)), width=1)
        ink = self.glyph_layer(text, w, h, size=(0.55, 0.85), spacing=(0, 0.5), tilt=20)
        band = max(1, w // len(text))
        colours = Image.new("RGB", (w, h))
        for i in range(0, w, band):
            colours.paste(tuple(r.randint(0, 120) for _ in range(3)), (i, 0, i + band, h))
        img.paste(colours, (0, 0), ink)
        return img

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
    """RGB strip -> 32x128 float in [0, 1]: the darkest channel (pale colours on white keep their
    contrast, unlike in luminance), area-resampled, stretched to the strip's own range. The C++
    reader (src/local/strip_recognizer.cpp) differs in two ways: OpenCV's INTER_AREA weighs the
    pixels a box's edge cuts by the fraction covered (Pillow's BOX takes whole pixels), and strips
    narrower than 3:1 are first widened with their ground colour (see models/README.md)."""
    grey = Image.fromarray(np.asarray(img.convert("RGB")).min(axis=2))
    a = np.asarray(grey.resize((WIDTH, HEIGHT), Image.BOX), np.float32)
    lo, hi = a.min(), a.max()
    return (a - lo) / max(hi - lo, 1.0)


# Channels of the six 3x3 trunk layers, then of the three layers along the strip. The shipped
# file has these; tools/distill_recognizer.py teaches narrower ones.
SHIPPED_WIDTHS = (32, 64, 128, 128, 160, 160, 256)


class StripRecognizer(nn.Module):
    """All-convolutional, so the engine's ConvNet (src/local/conv_net) runs the exported ONNX as is."""

    def __init__(self, classes=len(CHARSET) + 1, widths=SHIPPED_WIDTHS):
        super().__init__()
        c1, c2, c3, c4, c5, c6, c7 = widths

        def block(cin, cout, k=3, pad=1):
            return [nn.Conv2d(cin, cout, k, padding=pad), nn.BatchNorm2d(cout), nn.ReLU()]

        # Sized for a few hours' training on two CPU cores: ~1.6 M parameters at the shipped widths.
        self.net = nn.Sequential(
            *block(1, c1), nn.MaxPool2d(2),                   # 16 x 64
            *block(c1, c2), nn.MaxPool2d(2),                  # 8 x 32
            *block(c2, c3), *block(c3, c4), nn.MaxPool2d((2, 1)),  # 4 x 32
            *block(c4, c5), *block(c5, c6), nn.MaxPool2d((2, 1)),  # 2 x 32
            *block(c6, c7, (2, 1), 0),                        # 1 x 32
            *block(c7, c7, (1, 5), (0, 2)),                   # context along the strip
            *block(c7, c7, (1, 5), (0, 2)),
            nn.Dropout(0.1),
            nn.Conv2d(c7, classes, 1),                        # logits: N x classes x 1 x 32
        )

        # Whole-strip context: a glyph's case (c/C, x/X...) shows only in its size against the
        # other glyphs, farther away than the convolutions above reach. A residual bottleneck whose
        # last layer starts at zero, so a network trained without it loads and reads as before.
        self.context = nn.Sequential(
            nn.Conv2d(c7, 64, 1), nn.ReLU(),
            nn.Conv2d(64, 64, (1, 31), padding=(0, 15)), nn.ReLU(),
            nn.Conv2d(64, c7, 1),
        )
        nn.init.zeros_(self.context[-1].weight)
        nn.init.zeros_(self.context[-1].bias)

    def forward(self, x):
        features = self.net[:-2](x)
        features = features + self.context(features)
        return self.net[-2:](features)


class Batches(torch.utils.data.IterableDataset):
    """Endless generated batches; drawn in a worker process while the main one trains."""

    def __init__(self, fonts, svg_strips, seed, size):
        self.fonts, self.svg_strips, self.seed, self.size = fonts, svg_strips, seed, size

    def __iter__(self):
        gen = StripGenerator(self.fonts, self.seed, self.svg_strips)
        while True:
            imgs, labels, lengths = [], [], []
            for _ in range(self.size):
                img, text = gen.sample()
                imgs.append(to_input(img))
                labels += [CHARSET.index(c) + 1 for c in text]
                lengths.append(len(text))
            yield (torch.from_numpy(np.stack(imgs)[:, None]), torch.tensor(labels),
                   torch.tensor(lengths))


def greedy(logits, charset=CHARSET):
    """Best class per step, repeats merged, blanks (class 0) dropped; class k is charset[k - 1]."""
    best = logits.argmax(1)[:, 0, :]  # N x T
    out = []
    for row in best.tolist():
        s, prev = [], 0
        for k in row:
            if k != prev and k != 0:
                s.append(charset[k - 1])
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
    ap.add_argument("--svg-strips", default="", help="JSON lines from tools/training/svg_captcha_strips.js")
    ap.add_argument("--init", default="", help="start from these PyTorch weights (a second stage)")
    ap.add_argument("--lr", type=float, default=2e-3, help="peak learning rate")
    ap.add_argument("--average", nargs="+", default=[], metavar="WEIGHTS",
                    help="no training: average these PyTorch weights (runs that share a start) "
                         "into --checkpoint and --out")
    args = ap.parse_args()
    if args.average:
        export(average_weights(args.average), args.checkpoint, args.out)
        return

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    fonts = find_fonts()
    svg_strips = []
    if args.svg_strips:
        with open(args.svg_strips) as f:
            svg_strips = [(d["text"], d["svg"]) for d in map(json.loads, f)]
    print(f"{sum(map(len, fonts))} faces in {len(fonts)} families, {len(svg_strips)} svg-captcha strips")
    loader = torch.utils.data.DataLoader(Batches(fonts, svg_strips, args.seed, args.batch), batch_size=None,
                                         num_workers=1, prefetch_factor=4)
    model = StripRecognizer()
    if args.init:  # layers the weights lack (a stage added since) keep their neutral start
        missing = model.load_state_dict(torch.load(args.init), strict=False).missing_keys
        print(f"started from {args.init}; new: {', '.join(missing) or 'nothing'}")
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    val_gen = StripGenerator(fonts, args.seed + 1, svg_strips)
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
            g["lr"] = args.lr * min(1.0, frac * 10) * (0.5 * (1 + math.cos(math.pi * frac)))
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
        if args.checkpoint and step % 1000 == 0:  # a long run can be inspected, or survive a stop
            torch.save(model.state_dict(), args.checkpoint)

    export(model, args.checkpoint, args.out)
    print(f"after {step} steps")


def average_weights(paths):
    """One network whose every weight is the mean of the runs' ("model soup"): runs fine-tuned
    from the same weights stay in one basin, and their mean reads better than either."""
    states = [torch.load(p) for p in paths]
    mean = {k: sum(s[k].double() for s in states) / len(states) for k in states[0]}
    model = StripRecognizer()
    model.load_state_dict({k: v.to(states[0][k].dtype) for k, v in mean.items()})
    return model


def export(model, checkpoint, out):
    model.eval()
    if checkpoint:
        torch.save(model.state_dict(), checkpoint)
    dummy = torch.zeros(1, 1, HEIGHT, WIDTH)
    torch.onnx.export(model, dummy, out, opset_version=11, input_names=["strip"],
                      output_names=["logits"])
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
