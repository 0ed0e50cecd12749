// Generates the sample images the activations panel offers (media/images/*.png): each is an SVG
// written here, rasterised with @resvg/resvg-js and saved as a compact PNG (greyscale images as
// 8-bit grey, the others as RGB, with per-row filter selection) by a small encoder below, so the
// files are our own work, reproducible byte for byte (the grass uses a seeded random generator),
// and small enough to commit. The course images reproduce the 6×6 vertical-edge example from
// Andrew Ng's convolution lessons with hard pixel edges; shapes.png and scene.png give edges and
// textures at several scales for larger networks; digit-7.png is a 32×32 LeNet-5 input.
// Usage: node scripts/make-sample-images.mjs [outDir]   (default media/images)
import { Resvg } from '@resvg/resvg-js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = resolve(process.argv[2] ?? join(root, 'media', 'images'));

// ---- PNG encoding ------------------------------------------------------------------------------

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

const paeth = (a, b, c) => {
  const p = a + b - c;
  const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
};

/**
 * Encodes RGBA pixels (alpha dropped: every image here is opaque) as an 8-bit PNG with `channels`
 * 1 (grey, from the red channel) or 3 (RGB). Each row gets the filter with the smallest sum of
 * absolute residuals, the usual heuristic.
 */
function encodePng(rgba, width, height, channels) {
  const stride = width * channels;
  const rows = [];
  let prev = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = new Uint8Array(stride);
    for (let x = 0; x < width; x++) for (let c = 0; c < channels; c++) row[x * channels + c] = rgba[(y * width + x) * 4 + c];
    let best;
    for (let filter = 0; filter < 5; filter++) {
      const line = new Uint8Array(stride + 1);
      line[0] = filter;
      let cost = 0;
      for (let i = 0; i < stride; i++) {
        const a = i >= channels ? row[i - channels] : 0;
        const b = prev[i];
        const c = i >= channels ? prev[i - channels] : 0;
        const predicted = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter];
        const v = (row[i] - predicted) & 0xff;
        line[i + 1] = v;
        cost += v < 128 ? v : 256 - v;
      }
      if (!best || cost < best.cost) best = { cost, line };
    }
    rows.push(best.line);
    prev = row;
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 1 ? 0 : 2; // colour type: grey or RGB
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const idat = deflateSync(Buffer.concat(rows), { level: 9 });
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

function rasterise(svg, width, channels) {
  const image = new Resvg(svg, { fitTo: { mode: 'width', value: width }, font: { loadSystemFonts: false } }).render();
  if (image.width !== width) throw new Error(`rendered ${image.width} px wide, wanted ${width}`);
  return encodePng(image.pixels, image.width, image.height, channels);
}

// ---- helpers -----------------------------------------------------------------------------------

/** mulberry32: a tiny seeded PRNG, so the textures come out the same every run. */
function random(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const f = (n) => Number(n.toFixed(2));
const svgDoc = (size, body, defs = '') => `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}">${defs ? `<defs>${defs}</defs>` : ''}${body}</svg>`;

/** A grid of grey values (0–255) as hard-edged unit squares, one per pixel of the course's tiny images. */
function pixelGrid(values) {
  const n = values.length;
  const rects = values.flatMap((row, y) => row.map((v, x) => `<rect x="${x}" y="${y}" width="1" height="1" fill="rgb(${v},${v},${v})"/>`));
  return svgDoc(n, `<g shape-rendering="crispEdges">${rects.join('')}</g>`);
}

// ---- the images --------------------------------------------------------------------------------

/** The course's 6×6 example: three columns of 10 then three of 0, i.e. bright left, dark right. */
function courseVerticalEdge() {
  return pixelGrid(Array.from({ length: 6 }, () => [255, 255, 255, 0, 0, 0]));
}

/** Quadrants: bright top-left and bottom-right, so there is a vertical and a horizontal edge. */
function courseEdgesGrid() {
  return pixelGrid(Array.from({ length: 6 }, (_, y) => Array.from({ length: 6 }, (_, x) => ((x < 3) === (y < 3) ? 255 : 0))));
}

function shapes() {
  const stripes = Array.from({ length: 6 }, (_, i) => `<rect x="${128 + i * 14}" y="128" width="7" height="80" fill="#1f2d3d"/>`).join('');
  return svgDoc(
    224,
    [
      '<rect width="224" height="224" fill="#f3efe6"/>',
      '<circle cx="58" cy="58" r="38" fill="#d7263d"/>',
      '<rect x="126" y="22" width="76" height="76" fill="#1b6ca8"/>',
      '<polygon points="58,124 98,204 18,204" fill="#f4a300"/>',
      '<rect x="126" y="126" width="84" height="84" fill="#f9d56e"/>',
      stripes,
      '<circle cx="112" cy="112" r="10" fill="#2e8b57"/>',
    ].join(''),
  );
}

function scene() {
  const rand = random(20240607);
  const defs = [
    '<linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#3b78c4"/><stop offset="0.7" stop-color="#a9d0f0"/><stop offset="1" stop-color="#e8f2f8"/></linearGradient>',
    '<radialGradient id="sun"><stop offset="0" stop-color="#fff7c2"/><stop offset="0.35" stop-color="#ffd84a"/><stop offset="0.5" stop-color="#ffd84a" stop-opacity="0.5"/><stop offset="1" stop-color="#ffd84a" stop-opacity="0"/></radialGradient>',
    '<linearGradient id="farHill" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#7fa86a"/><stop offset="1" stop-color="#5a8a55"/></linearGradient>',
    '<linearGradient id="nearHill" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#5f9e3f"/><stop offset="1" stop-color="#2f6b25"/></linearGradient>',
    '<linearGradient id="wall" x1="0" y1="0" x2="1" y2="0"><stop offset="0" stop-color="#f2e4c9"/><stop offset="1" stop-color="#d9c4a0"/></linearGradient>',
    '<linearGradient id="roof" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#b3392b"/><stop offset="1" stop-color="#7d2219"/></linearGradient>',
    '<linearGradient id="glass" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#cfe9ff"/><stop offset="1" stop-color="#5a8fbf"/></linearGradient>',
    '<filter id="soft" x="-50%" y="-50%" width="200%" height="200%"><feGaussianBlur stdDeviation="3"/></filter>',
    '<filter id="cloud" x="-50%" y="-50%" width="200%" height="200%"><feGaussianBlur stdDeviation="1.5"/></filter>',
  ].join('');

  const cloud = (x, y, s) =>
    `<g filter="url(#cloud)" fill="#ffffff" opacity="0.9"><ellipse cx="${x}" cy="${y}" rx="${18 * s}" ry="${7 * s}"/><ellipse cx="${x - 8 * s}" cy="${y - 4 * s}" rx="${9 * s}" ry="${7 * s}"/><ellipse cx="${x + 6 * s}" cy="${y - 6 * s}" rx="${10 * s}" ry="${8 * s}"/></g>`;

  // Grass: many thin blades, darker and longer towards the bottom, drawn back to front.
  const blades = [];
  for (let i = 0; i < 900; i++) {
    const y = 168 + (rand() ** 0.7) * 60;
    const x = rand() * 232 - 4;
    const depth = (y - 168) / 56;
    const h = 3 + depth * 9 + rand() * 4;
    const lean = (rand() - 0.5) * (2 + depth * 4);
    const g = Math.round(110 + rand() * 70 - depth * 40);
    const r = Math.round(40 + rand() * 40 - depth * 20);
    blades.push(`<path d="M${f(x)} ${f(y)}q${f(lean * 0.3)} ${f(-h * 0.6)} ${f(lean)} ${f(-h)}" stroke="rgb(${r},${g},${Math.round(r * 0.6)})" stroke-width="${f(0.5 + depth * 0.7)}" fill="none"/>`);
  }
  // A few flowers in the grass: small-scale blobs of colour.
  const flowers = Array.from({ length: 14 }, () => {
    const x = f(10 + rand() * 204);
    const y = f(182 + rand() * 36);
    const colour = ['#ffffff', '#ffe14d', '#e85d9a'][Math.floor(rand() * 3)];
    return `<circle cx="${x}" cy="${y}" r="1.4" fill="${colour}"/>`;
  }).join('');
  // Fence: evenly spaced pickets, a regular mid-scale texture.
  const pickets = Array.from({ length: 12 }, (_, i) => `<path d="M${4 + i * 7} 176v-15l2.5-3l2.5 3v15z" fill="#f7f3ea" stroke="#8a7d68" stroke-width="0.5"/>`).join('');
  // Roof tiles: short horizontal lines on the roof, a fine texture.
  const tiles = Array.from({ length: 6 }, (_, i) => {
    const y = 106 + i * 5;
    const half = 8 + i * 6.2;
    return `<line x1="${f(150 - half)}" y1="${y}" x2="${f(150 + half)}" y2="${y}" stroke="#6a1c14" stroke-width="0.7"/>`;
  }).join('');

  const body = [
    '<rect width="224" height="224" fill="url(#sky)"/>',
    '<circle cx="178" cy="40" r="34" fill="url(#sun)"/>',
    '<circle cx="178" cy="40" r="11" fill="#fff3a8"/>',
    cloud(52, 38, 1.1),
    cloud(120, 62, 0.8),
    '<path d="M0 140 C40 112 80 118 120 132 S190 110 224 124 V224 H0 Z" fill="url(#farHill)"/>',
    '<path d="M0 168 C50 146 110 150 150 158 S200 150 224 156 V224 H0 Z" fill="url(#nearHill)"/>',
    // the house's soft shadow, then the house
    '<ellipse cx="160" cy="171" rx="44" ry="6" fill="#1d3d14" opacity="0.55" filter="url(#soft)"/>',
    '<rect x="118" y="128" width="64" height="42" fill="url(#wall)"/>',
    '<rect x="170" y="128" width="12" height="42" fill="#000000" opacity="0.08"/>',
    '<rect x="168" y="104" width="8" height="16" fill="#6b5a4a"/>',
    '<polygon points="150,98 190,132 110,132" fill="url(#roof)"/>',
    tiles,
    '<rect x="126" y="138" width="20" height="16" fill="url(#glass)" stroke="#ffffff" stroke-width="2"/>',
    '<path d="M136 138v16M126 146h20" stroke="#ffffff" stroke-width="1.5"/>',
    '<rect x="156" y="146" width="14" height="24" fill="#6b3f22"/>',
    '<circle cx="166" cy="159" r="1" fill="#e8c15a"/>',
    // a tree with a blurred shadow
    '<ellipse cx="70" cy="175" rx="22" ry="4" fill="#1d3d14" opacity="0.5" filter="url(#soft)"/>',
    '<rect x="66" y="140" width="7" height="36" fill="#5b3a1e"/>',
    '<circle cx="70" cy="128" r="20" fill="#2f7d32"/><circle cx="58" cy="136" r="13" fill="#2a6f2c"/><circle cx="83" cy="135" r="13" fill="#3a8c3a"/>',
    pickets,
    '<rect x="0" y="164" width="88" height="2" fill="#f7f3ea" stroke="#8a7d68" stroke-width="0.4"/>',
    blades.join(''),
    flowers,
  ].join('');
  return svgDoc(224, body, defs);
}

/** A handwritten-looking 7: slanted top bar with a slight hook, curved thick downstroke, soft edges. */
function digit7() {
  const defs = '<filter id="ink" x="-20%" y="-20%" width="140%" height="140%"><feGaussianBlur stdDeviation="0.45"/></filter>';
  const body = [
    '<rect width="32" height="32" fill="#000000"/>',
    '<g filter="url(#ink)" stroke="#ffffff" stroke-linecap="round" stroke-linejoin="round" fill="none">',
    '<path d="M8.6 9.4 C11.5 8.6 16.5 8.2 22.6 7.9 C21.2 10.4 18.6 14.6 16.8 18.4 C15.6 21 14.7 23.3 14.2 25.2" stroke-width="3.1"/>',
    '<path d="M8.4 9.6 C8.6 10.6 8.9 11.2 9.4 11.6" stroke-width="2.6"/>',
    '</g>',
  ].join('');
  return svgDoc(32, body, defs);
}

const images = [
  { file: 'course-vertical-edge.png', svg: courseVerticalEdge(), width: 96, channels: 1 },
  { file: 'course-edges-grid.png', svg: courseEdgesGrid(), width: 96, channels: 1 },
  { file: 'shapes.png', svg: shapes(), width: 224, channels: 3 },
  { file: 'scene.png', svg: scene(), width: 224, channels: 3 },
  { file: 'digit-7.png', svg: digit7(), width: 32, channels: 1 },
];

mkdirSync(outDir, { recursive: true });
for (const { file, svg, width, channels } of images) {
  const png = rasterise(svg, width, channels);
  const path = join(outDir, file);
  writeFileSync(path, png);
  const kb = (png.length / 1024).toFixed(1);
  if (png.length > 60 * 1024) console.warn(`warning: ${file} is ${kb} KiB, over the 60 KiB budget`);
  console.log(`${relative(root, path)}  ${width}×${width} ${channels === 1 ? 'grey' : 'RGB'}  ${kb} KiB`);
}
