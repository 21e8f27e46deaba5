// Writes N strips from the npm svg-captcha generator as JSON lines {"text", "svg"}, with options
// drawn at random so the recogniser sees the generator's whole range, not one configuration.
//   node tools/training/svg_captcha_strips.js N SEED > strips.jsonl   (svg-captcha on NODE_PATH)
'use strict';
const svgCaptcha = require('svg-captcha');

const count = parseInt(process.argv[2] || '1000', 10);
let seed = parseInt(process.argv[3] || '1', 10);
// svg-captcha draws with Math.random; a seeded replacement makes the pool reproducible.
Math.random = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const pick = (items) => items[Math.floor(Math.random() * items.length)];
const between = (lo, hi) => lo + Math.random() * (hi - lo);

const digits = '0123456789';
const upper = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const lower = 'abcdefghijklmnopqrstuvwxyz';
const presets = [digits + upper + lower, upper, digits + lower, digits + upper, upper + lower];

for (let i = 0; i < count; i++) {
  const size = Math.floor(between(4, 7));
  const height = Math.round(between(40, 66));
  const fontSize = Math.round(height * between(0.85, 1.25));
  // Wide enough that neighbours overlap no more than the generator's defaults make them.
  const width = Math.round(Math.max(height * between(2.6, 4.6), (size + 1) * fontSize * 0.5));
  const light = () => `rgb(${[0, 0, 0].map(() => Math.round(between(215, 255))).join(',')})`;
  const options = {
    size,
    width,
    height,
    noise: Math.floor(between(0, 5)),
    color: Math.random() < 0.75,
    background: Math.random() < 0.3 ? light() : '',
    fontSize,
    charPreset: pick(presets),
  };
  const text = svgCaptcha.randomText(options);
  const svg = svgCaptcha(text, options);
  process.stdout.write(JSON.stringify({ text, svg }) + '\n');
}
