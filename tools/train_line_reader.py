#!/usr/bin/python3
"""Trains crossocr's general line reader (models/line_reader.onnx) from generated lines only.

The strip recogniser (train_recognizer.py) reads CAPTCHA-like strips of 0-9 A-Z a-z; this network
reads one line of ordinary text: printable ASCII with space plus a few symbols (see CHARSET), 1-40
characters, printed or photographed, dark on light or light on dark. Every training line is drawn
here: label-like text (prices, dates, times, e-mails, phone numbers, serials, keyed values), words
from Debian's word list, codes and random characters, in every font on the machine that draws them,
on flat, graded, textured and photo-like grounds, with blur, JPEG, perspective, low resolution and
noise. No evaluation set is read. Fonts come from Debian packages (tools/train_line_reader.sh).

    /usr/bin/python3 tools/train_line_reader.py --minutes 60 --out models/line_reader.onnx
    /usr/bin/python3 tools/train_line_reader.py --dump-set DIR --count 2000 --seed 99

The input is the line resized to 32 px high (keeping its aspect, INTER_AREA when shrinking, linear
when enlarging, exactly as src/local/line_reader.cpp does with OpenCV), RGB stretched to the line's
own range, padded on the right by repeating the last column to a multiple of 4. The network is
all-convolutional with CTC: one class distribution per 4 columns.
"""
import argparse
import functools
import json
import math
import os
import random
import string
import sys
import time

import cv2
import numpy as np
import torch
import torch.nn as nn
from PIL import Image, ImageDraw, ImageFilter, ImageFont

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_recognizer import HELD_OUT_FONTS, StripGenerator, find_fonts, greedy  # noqa: E402  (CAPTCHA styles, fonts, CTC)

# Class k+1 is CHARSET[k]; class 0 is CTC's blank. The C++ reader reads this list from the model's
# side file (line_reader.json), so the two cannot drift apart.
CHARSET = "".join(chr(c) for c in range(0x20, 0x7F)) + "€£¥°"
HEIGHT = 32
MAX_WIDTH = 1024
WORDS_FILE = "/usr/share/dict/words"


def load_words():
    try:
        with open(WORDS_FILE, encoding="utf-8") as f:
            words = [w.strip() for w in f]
    except OSError:
        return ["the", "and", "for", "with", "from", "open", "close", "bank", "state", "india"]
    return [w for w in words if w.isascii() and w.isalpha() and "'" not in w]


class TextSampler:
    """Strings a line reader meets: labels, words, codes, numbers, random characters."""

    def __init__(self, rng, words):
        self.r = rng
        self.words = words

    def letters(self, n, pool=string.ascii_uppercase):
        return "".join(self.r.choice(pool) for _ in range(n))

    def digits(self, n):
        return "".join(self.r.choice(string.digits) for _ in range(n))

    def word(self):
        w = self.r.choice(self.words)
        case = self.r.random()
        if case < 0.35:
            return w.upper()
        if case < 0.65:
            return w[:1].upper() + w[1:].lower()
        return w.lower()

    def price(self):
        r = self.r
        value = r.choice([r.randint(0, 99), r.randint(100, 9999), r.randint(1000, 999999)])
        cents = f"{r.randint(0, 99):02d}"
        sep = r.choice(["", ",", " ", "."]) if value >= 1000 else ""
        dec = "," if sep == "." else r.choice([".", ".", ","]) if sep != "," else "."
        whole = f"{value:,}".replace(",", sep) if sep else str(value)
        amount = whole + dec + cents if r.random() < 0.85 else whole
        cur = r.choice(["USD ", "EUR ", "GBP ", "CHF ", "$", "€", "£", "¥", "", "JPY ", "SEK "])
        if r.random() < 0.2 and cur in ("", "USD ", "EUR "):
            return amount + r.choice([" €", " $", " EUR", "€", " kr"])
        return cur + amount

    def date(self):
        r = self.r
        y, m, d = r.randint(1950, 2039), r.randint(1, 12), r.randint(1, 28)
        return r.choice([f"{y}-{m:02d}-{d:02d}", f"{m:02d}/{d:02d}/{y % 100:02d}", f"{d:02d}.{m:02d}.{y}",
                         f"{m}/{d}/{y}", f"{d:02d}/{m:02d}/{y}", f"{d} {r.choice(MONTHS)} {y}",
                         f"{r.choice(MONTHS)} {d}, {y}"])

    def time_(self):
        r = self.r
        t = f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}"
        return t + (f":{r.randint(0, 59):02d}" if r.random() < 0.2 else "") + \
            (r.choice([" AM", " PM", "h"]) if r.random() < 0.1 else "")

    def email(self):
        r = self.r
        low = string.ascii_lowercase
        user = self.letters(r.randint(2, 9), low) if r.random() < 0.6 else \
            self.word().lower() + r.choice([".", "_", "", "-"]) + self.word().lower()[:8]
        return f"{user}@{self.letters(r.randint(3, 8), low)}.{r.choice(['com', 'org', 'de', 'net', 'io', 'co.uk', 'fr'])}"

    def phone(self):
        r = self.r
        return r.choice([f"({self.digits(3)}) {self.digits(3)}-{self.digits(4)}",
                         f"+{r.randint(1, 99)} {self.digits(r.randint(2, 3))} {self.digits(r.randint(5, 8))}",
                         f"{self.digits(3)}-{self.digits(3)}-{self.digits(4)}",
                         f"+{r.randint(1, 99)} {self.digits(3)} {self.digits(3)} {self.digits(3)}"])

    def serial(self):
        r = self.r
        alnum = string.ascii_uppercase + string.digits
        kind = r.random()
        if kind < 0.35:
            s = f"{self.letters(r.randint(2, 4))}-{self.digits(r.randint(3, 6))}"
            return s + (f"/{self.digits(2)}" if r.random() < 0.3 else "")
        if kind < 0.6:
            return " ".join(self.letters(4, alnum) for _ in range(r.randint(2, 4)))
        if kind < 0.8:
            return r.choice(["-", "", "/", "."]).join(self.letters(r.randint(3, 5), alnum)
                                                      for _ in range(r.randint(2, 3)))
        return self.letters(r.randint(6, 12), alnum)

    def keyed(self):
        r = self.r
        key = r.choice(KEYS)
        alnum = string.ascii_uppercase + string.digits
        value = r.choice([self.letters(r.randint(3, 8), alnum), self.digits(r.randint(2, 6)),
                          self.date(), self.price(), self.word()])
        return r.choice([f"{key}: {value}", f"{key} #{self.digits(r.randint(2, 6))}", f"{key} {value}",
                         f"{key}: #{self.digits(4)}", f"{key.upper()}: {value}"])

    def percent(self):
        r = self.r
        return r.choice([f"{r.uniform(0, 100):.1f}%", f"{r.randint(0, 100)}%", f"-{r.uniform(0, 50):.2f}%",
                         f"+{r.uniform(0, 50):.1f} %"])

    def number(self):
        r = self.r
        return r.choice([str(r.randint(0, 9)), str(r.randint(10, 999)), str(r.randint(1000, 99999)),
                         f"{r.uniform(0, 1000):.{r.randint(1, 3)}f}", f"{r.randint(1, 999)},{self.digits(3)}",
                         f"No. {r.randint(1, 999)}", f"{r.randint(1, 99)}/{r.randint(1, 99)}", f"#{r.randint(1, 9999)}"])

    def sentence(self):
        r = self.r
        parts = [self.word() for _ in range(r.randint(2, 6))]
        if r.random() < 0.5:
            parts = [p.lower() for p in parts]
            parts[0] = parts[0].capitalize()
        s = " ".join(parts)
        return s + r.choice(["", "", ".", ",", "!", "?", ":", ";"])

    def url(self):
        r = self.r
        low = string.ascii_lowercase
        return r.choice(["www.", "https://", "http://", ""]) + self.letters(r.randint(3, 10), low) + \
            r.choice([".com", ".org", ".de", ".net"]) + r.choice(["", "/" + self.word().lower(), "/?id=" + self.digits(4)])

    def random_chars(self):
        r = self.r
        pool = CHARSET if r.random() < 0.5 else string.ascii_letters + string.digits + ".,:;-/@#%+()$€ "
        s = "".join(r.choice(pool) for _ in range(r.randint(1, 24)))
        return s.strip() or "x"

    def code(self):
        r = self.r
        pool = r.choice([string.ascii_letters + string.digits, string.ascii_uppercase + string.digits,
                         string.ascii_lowercase + string.digits, string.ascii_uppercase, string.digits])
        return "".join(r.choice(pool) for _ in range(r.randint(1, 10)))

    def sample(self):
        kinds = [(self.word, 16), (self.sentence, 8), (self.price, 7), (self.date, 6), (self.time_, 3),
                 (self.email, 5), (self.phone, 5), (self.serial, 8), (self.keyed, 8), (self.percent, 3),
                 (self.number, 7), (self.url, 3), (self.random_chars, 9), (self.code, 9)]
        fn = self.r.choices([k for k, _ in kinds], [w for _, w in kinds])[0]
        text = fn()
        if len(text) > 40:
            text = text[:40].rstrip()
        return " ".join(text.split()) or "0"


MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
          "January", "March", "June", "July", "October", "December"]
KEYS = ["Ref", "Invoice", "Order", "Item", "Batch", "Lot", "Model", "Total", "Gate", "Seat", "Code", "Exp",
        "Best before", "Net wt", "Call", "Tel", "Fax", "ID", "SKU", "Serial", "Room", "Flight", "Date", "Price"]


class LineGenerator:
    """Draws a labelled line image: printed labels, photographed words, or a CAPTCHA-like strip."""

    def __init__(self, fonts, seed, words, svg_strips=(), captcha_share=0.12, mild_share=0.0):
        self.rng = random.Random(seed)
        self.mild_share = mild_share
        self.np = np.random.default_rng(seed)
        self.fonts = fonts
        self.text = TextSampler(self.rng, words)
        self.captcha_share = captcha_share
        self.strips = StripGenerator(fonts, seed + 17, svg_strips)
        self.coverage = {}

    @functools.lru_cache(maxsize=256)
    def font(self, path, size):
        return ImageFont.truetype(path, size)

    def draws(self, path, text):
        """True when the face has a real glyph for every character (not the missing-glyph box)."""
        cov = self.coverage.get(path)
        if cov is None:
            font = self.font(path, 24)
            tofu = bytes(font.getmask("\uffff"))
            cov = {c for c in CHARSET if c == " " or (bytes(font.getmask(c)) != tofu and any(font.getmask(c)))}
            self.coverage[path] = cov
        return all(c in cov for c in text)

    def face_for(self, text):
        for _ in range(20):
            path = self.rng.choice(self.rng.choice(self.fonts))
            if self.draws(path, text):
                return path
        return None

    def colours(self):
        r = self.rng
        mode = r.random()
        if mode < 0.5:    # dark on light
            ground = [r.randint(170, 255) for _ in range(3)]
            ink = [r.randint(0, 110) for _ in range(3)]
        elif mode < 0.8:  # light on dark
            ground = [r.randint(0, 110) for _ in range(3)]
            ink = [r.randint(170, 255) for _ in range(3)]
        else:             # any two colours far enough apart in lightness
            while True:
                ground = [r.randint(0, 255) for _ in range(3)]
                ink = [r.randint(0, 255) for _ in range(3)]
                if abs(sum(ground) - sum(ink)) / 3 > r.uniform(45, 90):
                    break
        return tuple(ground), tuple(ink)

    def ground(self, w, h, colour):
        """Flat, graded, or photo-like (noise at several scales, blobs, edges) around `colour`."""
        r = self.rng
        base = np.empty((h, w, 3), np.float32)
        base[:] = colour
        kind = r.random()
        if kind < 0.35:
            return base
        if kind < 0.6:  # gradient
            direction = r.choice([(1, 0), (0, 1), (1, 1)])
            ramp = (np.linspace(0, 1, w)[None, :] * direction[0] + np.linspace(0, 1, h)[:, None] * direction[1])
            delta = np.array([r.uniform(-60, 60) for _ in range(3)], np.float32)
            return np.clip(base + ramp[..., None] * delta, 0, 255)
        # photo-like: smooth noise at several scales, some blobs, maybe a hard edge
        out = base.copy()
        for scale in (4, 16, 64):
            sh, sw = max(2, h // scale + 2), max(2, w // scale + 2)
            field = self.np.normal(0, 1, (sh, sw, 3)).astype(np.float32)
            field = cv2.resize(field, (w, h), interpolation=cv2.INTER_CUBIC)
            out += field * r.uniform(0, 22 if scale > 4 else 10)
        for _ in range(r.randint(0, 3)):
            cx, cy = r.uniform(0, w), r.uniform(0, h)
            rx, ry = r.uniform(0.1, 0.6) * w, r.uniform(0.3, 1.5) * h
            mask = np.zeros((h, w), np.float32)
            cv2.ellipse(mask, (int(cx), int(cy)), (int(rx), int(ry)), r.uniform(0, 180), 0, 360, 1.0, -1)
            mask = cv2.GaussianBlur(mask, (0, 0), r.uniform(1, 8))[..., None]
            shift = np.array([r.uniform(-40, 40) for _ in range(3)], np.float32)
            out += mask * shift
        if r.random() < 0.2:
            x = r.randint(0, w)
            out[:, x:] += np.array([r.uniform(-30, 30) for _ in range(3)], np.float32)
        return np.clip(out, 0, 255)

    def render_text(self, text, path, size, stroke):
        """The text as a float mask (1 = ink) on a tight canvas, with optional shear and spacing."""
        r = self.rng
        font = self.font(path, size)
        spacing = r.choice([0, 0, 0, r.uniform(-0.05, 0.25)])
        if spacing == 0:
            box = font.getbbox(text, stroke_width=stroke)
            w, h = box[2] - box[0] + 2 * size, box[3] - box[1] + size
            img = Image.new("L", (w, h), 0)
            ImageDraw.Draw(img).text((size - box[0], size // 2 - box[1]), text, font=font, fill=255,
                                     stroke_width=stroke, stroke_fill=255)
        else:  # letter-spaced, as on signs and labels
            widths = [font.getlength(c) for c in text]
            total = int(sum(widths) * (1 + spacing)) + 3 * size
            asc, desc = font.getmetrics()
            img = Image.new("L", (total, asc + desc + size), 0)
            draw = ImageDraw.Draw(img)
            x = size
            for c, cw in zip(text, widths):
                draw.text((x, size // 2), c, font=font, fill=255, stroke_width=stroke, stroke_fill=255)
                x += cw * (1 + spacing)
        mask = np.asarray(img, np.float32) / 255
        if r.random() < 0.25:  # italic-like shear
            k = r.uniform(-0.3, 0.3)
            hh, ww = mask.shape
            m = np.float32([[1, k, -k * hh / 2 if k > 0 else -k * hh / 2], [0, 1, 0]])
            mask = cv2.warpAffine(mask, m, (ww + int(abs(k) * hh), hh))
        if r.random() < 0.2:  # condensed or expanded faces
            f = r.uniform(0.7, 1.35)
            mask = cv2.resize(mask, (max(4, int(mask.shape[1] * f)), mask.shape[0]), interpolation=cv2.INTER_AREA)
        ys, xs = np.nonzero(mask > 0.1)
        if len(xs) == 0:
            return None
        return mask[ys.min():ys.max() + 1, xs.min():xs.max() + 1]

    def printed(self, text, mild=False):
        """A label or a photographed word: ink on a ground, margins, geometry and camera damage.
        `mild`: a printed label as a scanner or a careful photo gives it (flat ground, a slight
        tilt, light blur and JPEG), the ordinary case the heavy damage of training hides."""
        r = self.rng
        if mild:
            return self.mild_label(text)
        path = self.face_for(text)
        if path is None:
            return None
        size = r.randint(18, 60)
        stroke = 1 if r.random() < 0.08 and size > 28 else 0
        mask = self.render_text(text, path, size, stroke)
        if mask is None:
            return None
        th, tw = mask.shape
        asc = size  # margins are relative to the font size, not the ink (a word of x-height letters)
        top, bottom = (int(asc * r.uniform(0.02, 0.6)) for _ in range(2))
        left, right = (int(asc * r.choice([r.uniform(0, 0.3), r.uniform(0.1, 1.5)])) for _ in range(2))
        h, w = th + top + bottom, tw + left + right
        ground_colour, ink_colour = self.colours()
        canvas = self.ground(w, h, ground_colour)
        full = np.zeros((h, w), np.float32)
        full[top:top + th, left:left + tw] = mask
        self.edge_fragments(full, path, size, left, right, top, th)
        effects = r.random()
        if effects < 0.12:  # drop shadow
            dx, dy = r.randint(1, max(1, size // 12)), r.randint(1, max(1, size // 12))
            shadow = np.roll(full, (dy, dx), axis=(0, 1))
            shade = np.array(ground_colour) * r.uniform(0.2, 0.6)
            canvas = canvas * (1 - shadow[..., None]) + shade * shadow[..., None]
        elif effects < 0.2:  # outlined letters in a second colour
            k = max(1, size // 16)
            outline = cv2.dilate(full, np.ones((2 * k + 1, 2 * k + 1), np.uint8)) - full
            edge_colour = np.array([r.randint(0, 255) for _ in range(3)], np.float32)
            canvas = canvas * (1 - outline[..., None]) + edge_colour * outline[..., None]
        ink = np.array(ink_colour, np.float32)
        if r.random() < 0.15:  # ink that varies along the line (print, paint)
            ink = ink + self.np.normal(0, 1, (1, w, 3)).astype(np.float32).repeat(h, 0) * r.uniform(5, 30)
        img = canvas * (1 - full[..., None]) + ink * full[..., None]
        if r.random() < 0.25:  # bits of neighbouring text or rules above and below
            img = self.neighbours(img, ink_colour, size)
        img = self.geometry(np.clip(img, 0, 255).astype(np.uint8))
        return self.camera(img)

    def mild_label(self, text):
        r = self.rng
        path = self.face_for(text)
        if path is None:
            return None
        size = r.randint(16, 48)
        mask = self.render_text(text, path, size, 0)
        if mask is None:
            return None
        th, tw = mask.shape
        top, bottom, left, right = (int(size * r.uniform(0.1, 0.6)) for _ in range(4))
        h, w = th + top + bottom, tw + left + right
        ground_colour, ink_colour = self.colours() if r.random() < 0.3 else \
            (tuple(r.randint(200, 255) for _ in range(3)), tuple(r.randint(0, 80) for _ in range(3)))
        canvas = np.empty((h, w, 3), np.float32)
        canvas[:] = ground_colour
        full = np.zeros((h, w), np.float32)
        full[top:top + th, left:left + tw] = mask
        img = canvas * (1 - full[..., None]) + np.array(ink_colour, np.float32) * full[..., None]
        img = np.clip(img, 0, 255).astype(np.uint8)
        if r.random() < 0.5:
            angle = r.uniform(-2, 2)
            m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
            img = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        if r.random() < 0.4:
            img = cv2.GaussianBlur(img, (0, 0), r.uniform(0.3, 0.9))
        if r.random() < 0.2:
            img = np.clip(img + self.np.normal(0, r.uniform(2, 6), img.shape), 0, 255).astype(np.uint8)
        if r.random() < 0.5:
            ok, enc = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, r.randint(50, 95)])
            img = cv2.imdecode(enc, cv2.IMREAD_COLOR)
        return img

    def edge_fragments(self, full, path, size, left, right, top, th):
        """Part of a neighbouring letter cut by the crop at the left or right edge, as in words
        cropped from a scene or a sign: ink that is not part of the label."""
        r = self.rng
        h, w = full.shape
        for side in ("left", "right"):
            if r.random() > 0.15:
                continue
            glyph = self.render_text(r.choice(string.ascii_letters + string.digits), path, size, 0)
            if glyph is None:
                continue
            gh, gw = glyph.shape
            show = max(1, int(gw * r.uniform(0.15, 0.6)))
            if (left if side == "left" else right) < show + max(2, size // 6) or gh > h:
                continue  # no room beside the text
            y = min(max(0, top + (th - gh) // 2), h - gh)
            if side == "left":
                full[y:y + gh, :show] = np.maximum(full[y:y + gh, :show], glyph[:, gw - show:])
            else:
                full[y:y + gh, w - show:] = np.maximum(full[y:y + gh, w - show:], glyph[:, :show])

    def neighbours(self, img, ink, size):
        r = self.rng
        h, w = img.shape[:2]
        for y in ([0] if r.random() < 0.5 else []) + ([h - 1] if r.random() < 0.5 else []):
            if r.random() < 0.5:
                thick = r.randint(1, max(1, size // 10))
                cv2.line(img, (0, y), (w, y), ink, thick)
            else:  # the descenders or ascenders of another line, cut by the crop
                for _ in range(r.randint(1, 6)):
                    x = r.randint(0, w)
                    cv2.rectangle(img, (x, y - 2), (x + r.randint(2, size // 2 + 3), y + 2), ink, -1)
        return img

    def geometry(self, img):
        """Rotation, perspective and curves; the canvas grows first so no ink leaves the frame."""
        r = self.rng
        border = cv2.BORDER_REPLICATE
        if r.random() < 0.5:
            angle = r.gauss(0, 1.5) if r.random() < 0.8 else r.uniform(-8, 8)
            h, w = img.shape[:2]
            pad = int(abs(math.tan(math.radians(angle))) * w / 2) + 1
            img = cv2.copyMakeBorder(img, pad, pad, 0, 0, border)
            m = cv2.getRotationMatrix2D((w / 2, h / 2 + pad), angle, 1.0)
            img = cv2.warpAffine(img, m, (w, h + 2 * pad), flags=cv2.INTER_LINEAR, borderMode=border)
        if r.random() < 0.3:  # perspective: a photo taken at an angle
            h, w = img.shape[:2]
            d = min(w, h) * r.uniform(0.02, 0.15)
            pad = int(d) + 1
            img = cv2.copyMakeBorder(img, pad, pad, pad, pad, border)
            h, w = img.shape[:2]
            src = np.float32([[pad, pad], [w - pad, pad], [w - pad, h - pad], [pad, h - pad]])
            dst = src + np.float32([[r.uniform(-d, d), r.uniform(-d, d)] for _ in range(4)])
            m = cv2.getPerspectiveTransform(src, dst)
            img = cv2.warpPerspective(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=border)
        if r.random() < 0.08:  # a gentle curve
            h, w = img.shape[:2]
            amp, period = r.uniform(1, h * 0.12), r.uniform(w * 0.8, w * 3)
            pad = int(amp) + 1
            img = cv2.copyMakeBorder(img, pad, pad, 0, 0, border)
            h = img.shape[0]
            ys = (np.arange(h)[:, None] + amp * np.sin(np.arange(w)[None, :] * 2 * math.pi / period)).astype(np.float32)
            xs = np.tile(np.arange(w, dtype=np.float32), (h, 1))
            img = cv2.remap(img, xs, ys, cv2.INTER_LINEAR, borderMode=border)
        return img

    def camera(self, img):
        """Resolution, blur, noise and compression as a scan or phone camera leaves them."""
        r = self.rng
        h, w = img.shape[:2]
        if r.random() < 0.35:  # low resolution, enlarged again
            f = r.uniform(0.25, 0.8)
            small = cv2.resize(img, (max(4, int(w * f)), max(4, int(h * f))), interpolation=cv2.INTER_AREA)
            img = cv2.resize(small, (w, h), interpolation=r.choice([cv2.INTER_LINEAR, cv2.INTER_CUBIC, cv2.INTER_NEAREST]))
        blur = r.random()
        if blur < 0.3:
            img = cv2.GaussianBlur(img, (0, 0), r.uniform(0.3, 1.6))
        elif blur < 0.38:  # motion
            k = r.randint(3, 7)
            kernel = np.zeros((k, k), np.float32)
            kernel[k // 2, :] = 1 / k
            m = cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), r.uniform(0, 180), 1)
            kernel = cv2.warpAffine(kernel, m, (k, k))
            img = cv2.filter2D(img, -1, kernel / max(kernel.sum(), 1e-6))
        if r.random() < 0.3:
            noise = self.np.normal(0, r.uniform(2, 14), img.shape)
            img = np.clip(img + noise, 0, 255).astype(np.uint8)
        if r.random() < 0.2:  # contrast squeezed (faded print, haze)
            lo, span = r.uniform(0, 90), r.uniform(0.35, 0.8)
            img = (lo + img.astype(np.float32) * span).clip(0, 255).astype(np.uint8)
        if r.random() < 0.45:
            ok, enc = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, r.randint(20, 95)])
            img = cv2.imdecode(enc, cv2.IMREAD_COLOR)
        return img

    def captcha(self):
        img, text = self.strips.sample()
        return np.asarray(img)[:, :, ::-1].copy(), text  # RGB -> BGR, as OpenCV reads files

    def sample(self):
        """(BGR uint8 image, text)."""
        while True:
            if self.rng.random() < self.captcha_share:
                return self.captcha()
            text = self.text.sample()
            img = self.printed(text, mild=self.rng.random() < self.mild_share)
            if img is not None and img.shape[0] >= 4 and img.shape[1] >= 4:
                return img, text


def to_input(bgr):
    """BGR uint8 line -> 3 x 32 x W float (W a multiple of 4): as src/local/line_reader.cpp."""
    h, w = bgr.shape[:2]
    width = int(w * HEIGHT / h + 0.5)  # as C++'s lround
    width = min(max(width, 8), MAX_WIDTH)
    interp = cv2.INTER_AREA if h > HEIGHT else cv2.INTER_LINEAR
    line = cv2.resize(bgr, (width, HEIGHT), interpolation=interp)
    pad = (-width) % 4
    if pad:
        line = cv2.copyMakeBorder(line, 0, 0, 0, pad, cv2.BORDER_REPLICATE)
    rgb = line[:, :, ::-1].astype(np.float32)
    lo, hi = rgb.min(), rgb.max()
    return ((rgb - lo) / max(hi - lo, 1.0)).transpose(2, 0, 1)


class LineReader(nn.Module):
    """All-convolutional (the engine's ConvNet runs it from ONNX at any width); ~0.6 M parameters,
    about 1.6 M multiply-adds per step of 4 input columns: it runs beside the strip recogniser on
    every line, so it is kept lean where the image is still tall (the first layers)."""

    def __init__(self, classes=len(CHARSET) + 1):
        super().__init__()

        def block(cin, cout, k=3, pad=1, dil=1):
            return [nn.Conv2d(cin, cout, k, padding=pad, dilation=dil), nn.BatchNorm2d(cout), nn.ReLU()]

        self.features = nn.Sequential(
            *block(3, 16), nn.MaxPool2d(2),                          # 16 x W/2
            *block(16, 32), nn.MaxPool2d(2),                         # 8 x W/4
            *block(32, 64), nn.MaxPool2d((2, 1)),                    # 4 x W/4
            *block(64, 128), *block(128, 128),
            *block(128, 160, (4, 1), 0),                             # 1 x W/4
        )
        # Context along the line, widening by dilation: a letter's case and a word's shape need
        # neighbours up to ~30 steps away.
        self.context = nn.ModuleList([nn.Sequential(*block(160, 160, (1, 3), (0, d), (1, d)))
                                      for d in (1, 2, 4, 8)])
        self.classifier = nn.Sequential(nn.Dropout(0.1), nn.Conv2d(160, classes, 1))

    def forward(self, x):
        f = self.features(x)
        for layer in self.context:
            f = f + layer(f)
        return self.classifier(f)  # N x classes x 1 x W/4


def make_batch(samples):
    xs = [to_input(img) for img, _ in samples]
    width = max(x.shape[2] for x in xs)
    batch = np.stack([np.pad(x, ((0, 0), (0, 0), (0, width - x.shape[2])), mode="edge") for x in xs])
    labels, lengths = [], []
    for _, text in samples:
        labels += [CHARSET.index(c) + 1 for c in text]
        lengths.append(len(text))
    return torch.from_numpy(batch), torch.tensor(labels), torch.tensor(lengths)


class Batches(torch.utils.data.IterableDataset):
    """Endless generated batches of similar widths (less padding), drawn in a worker process."""

    def __init__(self, fonts, words, svg_strips, seed, size):
        self.args = fonts, words, svg_strips, seed, size

    def __iter__(self):
        fonts, words, svg_strips, seed, size = self.args
        gen = LineGenerator(fonts, seed, words, svg_strips)
        while True:
            pool = [gen.sample() for _ in range(size * 4)]
            pool.sort(key=lambda s: s[0].shape[1] / s[0].shape[0])
            chunks = [pool[i:i + size] for i in range(0, len(pool), size)]
            random.Random(seed + len(pool)).shuffle(chunks)
            for chunk in chunks:
                yield make_batch(chunk)


def decode(logits):
    return greedy(logits, CHARSET)


def evaluate(model, val):
    model.eval()
    right = 0
    with torch.no_grad():
        for img, text in val:
            x = torch.from_numpy(to_input(img))[None]
            right += decode(model(x))[0] == text
    return right / len(val)


def export(model, checkpoint, out):
    model.eval()
    if checkpoint:
        torch.save(model.state_dict(), checkpoint)
    dummy = torch.zeros(1, 3, HEIGHT, 128)
    torch.onnx.export(model, dummy, out, opset_version=11, input_names=["line"], output_names=["logits"],
                      dynamic_axes={"line": {0: "n", 3: "width"}, "logits": {0: "n", 3: "steps"}})
    with open(os.path.splitext(out)[0] + ".json", "w", encoding="utf-8") as f:
        json.dump({"charset": CHARSET, "height": HEIGHT, "max_width": MAX_WIDTH, "downsample": 4,
                   "input": "RGB, resized to 32 px high (area when shrinking, linear when enlarging), "
                            "stretched to its own range, right-padded by repeating the last column"},
                  f, ensure_ascii=False, indent=1)
    print(f"wrote {out}", flush=True)


def dump_set(fonts, words, svg_strips, seed, count, folder, captcha_share, mild_share):
    """A labelled set in crossocr eval's format, for fitting the local reader's calibration."""
    os.makedirs(folder, exist_ok=True)
    gen = LineGenerator(fonts, seed, words, svg_strips, captcha_share=captcha_share, mild_share=mild_share)
    with open(os.path.join(folder, "labels.tsv"), "w", encoding="utf-8") as labels:
        for i in range(count):
            img, text = gen.sample()
            name = f"{i:05d}.png" if gen.rng.random() < 0.6 else f"{i:05d}.jpg"
            cv2.imwrite(os.path.join(folder, name), img)
            escaped = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            labels.write(f"{name}\t{escaped}\n")
    with open(os.path.join(folder, "dataset.json"), "w") as f:
        json.dump({"name": os.path.basename(folder.rstrip("/")), "count": count, "case_sensitive": True,
                   "origin": f"generated by tools/train_line_reader.py --dump-set (seed {seed})"}, f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default="models/line_reader.onnx")
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--checkpoint", default="")
    ap.add_argument("--init", default="", help="start from these PyTorch weights")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--export-every", type=float, default=0, help="minutes between interim exports")
    ap.add_argument("--svg-strips", default="")
    ap.add_argument("--dump-set", default="", help="no training: write a generated labelled set here")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--captcha-share", type=float, default=0.12)
    ap.add_argument("--mild-share", type=float, default=0.0,
                    help="--dump-set: the share of printed lines drawn with mild damage only")
    ap.add_argument("--held-out-fonts", action="store_true",
                    help="--dump-set: draw in the faces of tools/training/held-out-fonts.txt alone, which "
                         "training never uses")
    args = ap.parse_args()

    fonts = find_fonts(held_out=args.held_out_fonts)
    if not fonts:
        sys.exit("no font faces found" + (f" of the packages in {HELD_OUT_FONTS}" if args.held_out_fonts else ""))
    words = load_words()
    svg_strips = []
    if args.svg_strips:
        with open(args.svg_strips) as f:
            svg_strips = [(d["text"], d["svg"]) for d in map(json.loads, f)]
    print(f"{sum(map(len, fonts))} faces in {len(fonts)} families, {len(words)} words", flush=True)
    if args.dump_set:
        dump_set(fonts, words, svg_strips, args.seed, args.count, args.dump_set, args.captcha_share, args.mild_share)
        return

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(1)
    loader = torch.utils.data.DataLoader(Batches(fonts, words, svg_strips, args.seed, args.batch),
                                         batch_size=None, num_workers=1, prefetch_factor=6)
    model = LineReader()
    if args.init:
        model.load_state_dict(torch.load(args.init))
    print(f"{sum(p.numel() for p in model.parameters())} parameters", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    val_gen = LineGenerator(fonts, args.seed + 1000, words, svg_strips)
    val = [val_gen.sample() for _ in range(300)]

    start, step, last_export = time.time(), 0, time.time()
    budget = args.minutes * 60
    for x, y, lengths in loader:
        elapsed = time.time() - start
        if elapsed > budget:
            break
        frac = elapsed / budget
        warm = 1.0 if args.init else min(1.0, frac * 20)
        for g in opt.param_groups:
            g["lr"] = args.lr * warm * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * frac)))
        model.train()
        log_probs = model(x)[:, :, 0, :].permute(2, 0, 1).log_softmax(2)  # T x N x C
        loss = ctc(log_probs, y, torch.full((x.shape[0],), log_probs.shape[0], dtype=torch.long), lengths)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        step += 1
        if step % 250 == 0:
            print(f"step {step} {elapsed / 60:.1f} min loss {loss.item():.3f} "
                  f"generated-val exact {evaluate(model, val):.3f}", flush=True)
        if args.export_every and time.time() - last_export > args.export_every * 60:
            export(model, args.checkpoint, args.out)
            last_export = time.time()
    export(model, args.checkpoint, args.out)
    print(f"after {step} steps, generated-val exact {evaluate(model, val):.3f}", flush=True)


if __name__ == "__main__":
    main()
