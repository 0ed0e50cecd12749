/**
 * Draws one layer's feature maps as a grid of channels into a single ImageData (one putImageData
 * per layer, never per-channel tf ops: the measured way to show 112×112×32 in ~20 ms), with the
 * normalisation (per channel or per layer) and colour scale (diverging around zero, or grey from
 * min to max) the user picked, channels optionally sorted by activation energy. It also computes
 * the statistics the panel shows: per layer and per channel min, max, mean and the share of
 * exact zeros (what ReLU leaves). Pure over a Float32Array in NHWC order.
 */

export type Normalisation = 'channel' | 'layer';
export type ColourScale = 'diverging' | 'grey';

export interface ChannelStats {
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  /** Share of values that are exactly 0. */
  readonly zeros: number;
  /** Mean of squares: what "sort by energy" orders by. */
  readonly energy: number;
}

export interface GridGeometry {
  readonly columns: number;
  readonly tileW: number;
  readonly tileH: number;
  readonly gap: number;
  /** Channel index shown in each tile, in tile order. */
  readonly order: readonly number[];
}

/** Statistics of each channel of an [H, W, C] map, and of the whole layer. */
export function channelStats(data: Float32Array, channels: number): { perChannel: ChannelStats[]; layer: ChannelStats } {
  const per = Array.from({ length: channels }, () => ({ min: Infinity, max: -Infinity, sum: 0, sq: 0, zeros: 0 }));
  for (let i = 0; i < data.length; i++) {
    const s = per[i % channels];
    const v = data[i];
    if (v < s.min) s.min = v;
    if (v > s.max) s.max = v;
    s.sum += v;
    s.sq += v * v;
    if (v === 0) s.zeros++;
  }
  const n = data.length / channels;
  const perChannel = per.map((s) => ({ min: s.min, max: s.max, mean: s.sum / n, zeros: s.zeros / n, energy: s.sq / n }));
  const total = per.reduce((a, s) => ({ min: Math.min(a.min, s.min), max: Math.max(a.max, s.max), sum: a.sum + s.sum, sq: a.sq + s.sq, zeros: a.zeros + s.zeros }), { min: Infinity, max: -Infinity, sum: 0, sq: 0, zeros: 0 });
  return { perChannel, layer: { min: total.min, max: total.max, mean: total.sum / data.length, zeros: total.zeros / data.length, energy: total.sq / data.length } };
}

/** Diverging blue–white–red for t in [−1, 1]. */
export function diverging(t: number): [number, number, number] {
  const v = Math.max(-1, Math.min(1, t));
  if (v >= 0) return [255, Math.round(255 * (1 - v * 0.85)), Math.round(255 * (1 - v))];
  return [Math.round(255 * (1 + v)), Math.round(255 * (1 + v * 0.55)), 255];
}

export function drawGrid(
  canvas: HTMLCanvasElement,
  data: Float32Array,
  shape: { h: number; w: number; c: number },
  stats: { perChannel: ChannelStats[]; layer: ChannelStats },
  options: { normalisation: Normalisation; colour: ColourScale; sortByEnergy: boolean },
): GridGeometry {
  const { h, w, c } = shape;
  // Two pixels between tiles, transparent: the canvas background (a border colour) separates
  // channels even where a tile's edge is as bright as the page.
  const gap = 2;
  const columns = Math.max(1, Math.ceil(Math.sqrt((c * h) / w)));
  const rows = Math.ceil(c / columns);
  const order = [...Array(c).keys()];
  if (options.sortByEnergy) order.sort((a, b) => stats.perChannel[b].energy - stats.perChannel[a].energy);
  canvas.width = columns * (w + gap) - gap;
  canvas.height = rows * (h + gap) - gap;
  const context = canvas.getContext('2d', { willReadFrequently: true })!;
  const image = context.createImageData(canvas.width, canvas.height);
  const pixels = image.data;
  // A channel is never amplified more than 10⁴× beyond the layer: a channel that is zero up to
  // float rounding (a horizontal-edge filter on a vertical edge) stays flat instead of showing noise.
  const layerBound = Math.max(Math.abs(stats.layer.min), Math.abs(stats.layer.max));
  const floor = Math.max(layerBound * 1e-4, 1e-12);
  // Gaps show the page background through (alpha 0).
  order.forEach((channel, tile) => {
    const s = options.normalisation === 'channel' ? stats.perChannel[channel] : stats.layer;
    const bound = Math.max(Math.abs(s.min), Math.abs(s.max), floor);
    const span = Math.max(s.max - s.min, floor);
    const x0 = (tile % columns) * (w + gap);
    const y0 = Math.floor(tile / columns) * (h + gap);
    for (let y = 0; y < h; y++) {
      let p = ((y0 + y) * canvas.width + x0) * 4;
      for (let x = 0; x < w; x++, p += 4) {
        const v = data[(y * w + x) * c + channel];
        if (options.colour === 'diverging') {
          const [r, g, b] = diverging(v / bound);
          pixels[p] = r;
          pixels[p + 1] = g;
          pixels[p + 2] = b;
        } else {
          const grey = Math.round((255 * (v - s.min)) / span);
          pixels[p] = pixels[p + 1] = pixels[p + 2] = grey;
        }
        pixels[p + 3] = 255;
      }
    }
  });
  context.putImageData(image, 0, 0);
  return { columns, tileW: w, tileH: h, gap, order };
}

/** The channel under a point of the grid canvas (in canvas pixels), and the position inside it. */
export function hitTest(geometry: GridGeometry, x: number, y: number): { channel: number; x: number; y: number } | undefined {
  const col = Math.floor(x / (geometry.tileW + geometry.gap));
  const row = Math.floor(y / (geometry.tileH + geometry.gap));
  const tile = row * geometry.columns + col;
  const inX = Math.floor(x - col * (geometry.tileW + geometry.gap));
  const inY = Math.floor(y - row * (geometry.tileH + geometry.gap));
  if (col >= geometry.columns || tile >= geometry.order.length || inX >= geometry.tileW || inY >= geometry.tileH || inX < 0 || inY < 0) return undefined;
  return { channel: geometry.order[tile], x: inX, y: inY };
}

/** The legend: the colour scale drawn from its low to its high end, with the values at both ends. */
export function drawLegend(canvas: HTMLCanvasElement, colour: ColourScale): void {
  canvas.width = 160;
  canvas.height = 10;
  const context = canvas.getContext('2d')!;
  for (let x = 0; x < canvas.width; x++) {
    const t = (x / (canvas.width - 1)) * 2 - 1;
    const [r, g, b] = colour === 'diverging' ? diverging(t) : [Math.round(((t + 1) / 2) * 255), Math.round(((t + 1) / 2) * 255), Math.round(((t + 1) / 2) * 255)];
    context.fillStyle = `rgb(${r},${g},${b})`;
    context.fillRect(x, 0, 1, canvas.height);
  }
}
