#!/usr/bin/python3
"""A leaner strip recogniser (issue 19): fewer channels, taught by the shipped one.

The shipped network (models/strip_recognizer.onnx) spends most of a local read's time. This
script keeps, in each layer, the channels whose filters weigh most in it (the rest are cut), then
trains the narrower network on generated strips (tools/train_recognizer.py's generator, never an
evaluation image) to read as the labels say (CTC) and as the shipped network does, step by step
(the teacher's per-step class distributions: both networks place their 32 steps alike, so a
step-wise KL term applies directly). Training starts from kept weights, not from scratch, which
is why an hour or two on two cores suffices where the shipped file took six.

    /usr/bin/python3 tools/distill_recognizer.py --teacher models/strip_recognizer.onnx \
        --widths 16,32,64,64,96,96,192 --minutes 100 --out lean.onnx --checkpoint lean.pt

The shipped file's normalisation layers were folded into its convolutions by the export; the
student has its own again (cut channels change every layer's scale, and normalised layers
recover from that far faster), which its export folds in turn.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import adapt_recognizer as adapt  # noqa: E402  (folded_network: the shipped file in PyTorch)
import train_recognizer as base  # noqa: E402

def convs(model):
    """Trunk convolutions in order, the context block's three, the classifier."""
    trunk = [m for m in model.net[:-2] if isinstance(m, nn.Conv2d)]
    return trunk, [m for m in model.context if isinstance(m, nn.Conv2d)], model.net[-1]


def strongest(weight, keep):
    """Indices of the `keep` output channels whose filters have the largest L1 norm, in order."""
    norms = weight.abs().flatten(1).sum(1)
    return torch.sort(torch.topk(norms, keep).indices).values


def pruned_from(teacher, widths):
    """A StripRecognizer of these widths holding the teacher's strongest channels in every layer. The channels
    the context block adds to (the last trunk layer's) are one set, chosen by how much the
    classifier and the context block read them."""
    student = base.StripRecognizer(widths=widths)
    t_trunk, t_ctx, t_cls = convs(teacher)
    s_trunk, s_ctx, s_cls = convs(student)
    kept_in = torch.arange(1)
    for i, (t, s) in enumerate(zip(t_trunk, s_trunk)):
        if i < len(t_trunk) - 1:
            kept_out = strongest(t.weight.data, s.out_channels)
        else:  # the residual stream: weighed by its readers
            use = t_cls.weight.data.abs().flatten(1).sum(0) + t_ctx[0].weight.data.abs().flatten(1).sum(0)
            kept_out = torch.sort(torch.topk(use, s.out_channels).indices).values
        s.weight.data = t.weight.data[kept_out][:, kept_in].clone()
        s.bias.data = t.bias.data[kept_out].clone()
        kept_in = kept_out
    stream = kept_in
    s_ctx[0].weight.data = t_ctx[0].weight.data[:, stream].clone()
    s_ctx[0].bias.data = t_ctx[0].bias.data.clone()
    for t, s in zip(t_ctx[1:], s_ctx[1:]):
        s.weight.data = t.weight.data.clone()
        s.bias.data = t.bias.data.clone()
    s_ctx[2].weight.data = t_ctx[2].weight.data[stream].clone()
    s_ctx[2].bias.data = t_ctx[2].bias.data[stream].clone()
    s_cls.weight.data = t_cls.weight.data[:, stream].clone()
    s_cls.bias.data = t_cls.bias.data.clone()
    return student


def exact(model, val, val_x):
    model.eval()
    with torch.no_grad():
        got = base.greedy(model(val_x))
    return sum(g == t for g, (_, t) in zip(got, val)) / len(val)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--teacher", default="models/strip_recognizer.onnx")
    ap.add_argument("--widths", default="16,32,64,64,96,96,192", help="c1..c6 (trunk), c7 (along the strip)")
    ap.add_argument("--minutes", type=float, default=100)
    ap.add_argument("--batch", type=int, default=48)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--lr", type=float, default=5e-4, help="peak learning rate")
    ap.add_argument("--temperature", type=float, default=2.0, help="of the teacher's distributions")
    ap.add_argument("--teach", type=float, default=1.0, help="weight of the teacher's term against CTC's")
    ap.add_argument("--seed", type=int, default=41)
    ap.add_argument("--svg-strips", default="", help="JSON lines from tools/training/svg_captcha_strips.js")
    ap.add_argument("--init", default="", help="continue from these student weights (same widths)")
    ap.add_argument("--checkpoint", default="", help="also save the PyTorch weights here")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    widths = tuple(int(w) for w in args.widths.split(","))
    teacher = adapt.folded_network(args.teacher).eval()
    student = pruned_from(teacher, widths)
    if args.init:
        student.load_state_dict(torch.load(args.init))
    print(f"student {widths}: {sum(p.numel() for p in student.parameters())} parameters "
          f"(teacher {sum(p.numel() for p in teacher.parameters())})", flush=True)

    fonts = base.find_fonts()
    svg_strips = []
    if args.svg_strips:
        with open(args.svg_strips) as f:
            svg_strips = [(d["text"], d["svg"]) for d in map(json.loads, f)]
    loader = torch.utils.data.DataLoader(base.Batches(fonts, svg_strips, args.seed, args.batch),
                                         batch_size=None, num_workers=1, prefetch_factor=4)
    val_gen = base.StripGenerator(fonts, args.seed + 1, svg_strips)
    val = [val_gen.sample() for _ in range(300)]
    val_x = torch.from_numpy(np.stack([base.to_input(i) for i, _ in val])[:, None])
    print(f"generated-val exact: teacher {exact(teacher, val, val_x):.3f}, "
          f"student before training {exact(student, val, val_x):.3f}", flush=True)

    opt = torch.optim.AdamW(student.parameters(), lr=args.lr, weight_decay=1e-4)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    T = args.temperature
    start, step = time.time(), 0
    budget = args.minutes * 60
    for x, y, lengths in loader:
        elapsed = time.time() - start
        if elapsed > budget:
            break
        frac = elapsed / budget
        for g in opt.param_groups:
            g["lr"] = args.lr * min(1.0, frac * 20) * (0.5 * (1 + math.cos(math.pi * frac)))
        with torch.no_grad():
            taught = teacher(x)[:, :, 0, :]                 # N x C x T
        student.train()
        logits = student(x)[:, :, 0, :]
        log_probs = logits.permute(2, 0, 1).log_softmax(2)  # T x N x C
        loss_ctc = ctc(log_probs, y, torch.full((x.shape[0],), log_probs.shape[0], dtype=torch.long), lengths)
        loss_kd = F.kl_div((logits / T).log_softmax(1), (taught / T).log_softmax(1), log_target=True,
                           reduction="none").sum(1).mean() * T * T
        loss = loss_ctc + args.teach * loss_kd
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(student.parameters(), 5.0)
        opt.step()
        step += 1
        if step % 200 == 0:
            print(f"step {step} {elapsed / 60:.1f} min ctc {loss_ctc.item():.3f} kd {loss_kd.item():.3f} "
                  f"generated-val exact {exact(student, val, val_x):.3f}", flush=True)
        if args.checkpoint and step % 1000 == 0:
            torch.save(student.state_dict(), args.checkpoint)

    student.eval()
    if args.checkpoint:
        torch.save(student.state_dict(), args.checkpoint)
    torch.onnx.export(student, torch.zeros(1, 1, base.HEIGHT, base.WIDTH), args.out, opset_version=11,
                      input_names=["strip"], output_names=["logits"])
    print(f"after {step} steps: generated-val exact {exact(student, val, val_x):.3f}; wrote {args.out}")


if __name__ == "__main__":
    main()
