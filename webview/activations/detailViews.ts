/**
 * The two close-up views of the activations panel: a dense layer's units as a bar chart (the
 * top-k with class indices for a final softmax, as a classifier's answer), and one channel of a
 * feature map enlarged, with the value under the pointer and the kernel slices that produced it
 * (for a convolution whose weights the panel holds). Plain DOM and canvas, no tf: the data arrive
 * already downloaded.
 */
import { diverging } from './featureGrid';

const fmt = (v: number) => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.001 && v !== 0) ? v.toExponential(2) : v.toFixed(3));

/** Bars for every unit (up to a few hundred), and the top-k listed with their indices. */
export function drawDense(container: HTMLElement, values: Float32Array, softmax: boolean): void {
  const k = Math.min(values.length, softmax ? 5 : 10);
  const top = [...values.keys()].sort((a, b) => values[b] - values[a]).slice(0, k);
  const max = Math.max(...values.map(Math.abs), 1e-12);
  const chart = document.createElement('canvas');
  chart.className = 'dense-chart';
  chart.width = Math.min(800, Math.max(values.length * 3, 200));
  chart.height = 120;
  const context = chart.getContext('2d')!;
  const step = chart.width / values.length;
  const styles = getComputedStyle(document.body);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] / max;
    const [r, g, b] = diverging(v);
    context.fillStyle = `rgb(${r},${g},${b})`;
    const hgt = Math.abs(v) * 58;
    context.fillRect(i * step, v >= 0 ? 60 - hgt : 60, Math.max(1, step - (step > 3 ? 1 : 0)), hgt);
  }
  context.fillStyle = styles.getPropertyValue('--vscode-descriptionForeground') || '#888';
  context.fillRect(0, 60, chart.width, 1);
  const list = document.createElement('ol');
  list.className = 'topk';
  for (const i of top) {
    const item = list.appendChild(document.createElement('li'));
    item.dataset.index = String(i);
    item.textContent = `${softmax ? 'class' : 'unit'} ${i}: ${softmax ? `${(values[i] * 100).toFixed(1)}%` : fmt(values[i])}`;
  }
  const title = document.createElement('h3');
  title.textContent = softmax ? `Top ${k} of ${values.length} classes` : `${values.length} units, largest ${k}:`;
  container.replaceChildren(chart, title, list);
}

export interface KernelSlices {
  /** [inChannel][kH][kW] for one output channel, at most a handful of input channels. */
  readonly slices: readonly (readonly number[][])[];
  readonly inChannels: number;
  readonly label?: string;
}

/** One channel of an [H, W, C] map, enlarged, with a value readout and its kernel slices. */
export function drawChannel(container: HTMLElement, data: Float32Array, shape: { h: number; w: number; c: number }, channel: number, kernel: KernelSlices | undefined): void {
  const { h, w, c } = shape;
  let bound = 1e-12;
  for (let i = channel; i < data.length; i += c) bound = Math.max(bound, Math.abs(data[i]));
  const canvas = document.createElement('canvas');
  canvas.className = 'channel-map';
  canvas.width = w;
  canvas.height = h;
  const context = canvas.getContext('2d')!;
  const image = context.createImageData(w, h);
  for (let i = 0; i < h * w; i++) {
    const [r, g, b] = diverging(data[i * c + channel] / bound);
    image.data.set([r, g, b, 255], i * 4);
  }
  context.putImageData(image, 0, 0);
  const readout = document.createElement('div');
  readout.className = 'readout';
  readout.textContent = `channel ${channel}${kernel?.label ? ` (${kernel.label})` : ''} · hover for values`;
  canvas.addEventListener('mousemove', (event) => {
    const r = canvas.getBoundingClientRect();
    const x = Math.floor(((event.clientX - r.left) / r.width) * w);
    const y = Math.floor(((event.clientY - r.top) / r.height) * h);
    if (x >= 0 && y >= 0 && x < w && y < h) readout.textContent = `channel ${channel} [${y}, ${x}] = ${fmt(data[(y * w + x) * c + channel])}`;
  });
  const map = document.createElement('div');
  map.className = 'channel';
  map.append(canvas, readout);
  const parts: HTMLElement[] = [map];
  if (kernel) {
    const kernels = document.createElement('div');
    kernels.className = 'kernels';
    const heading = kernels.appendChild(document.createElement('h3'));
    heading.textContent = `Kernel for channel ${channel}${kernel.inChannels > kernel.slices.length ? ` (first ${kernel.slices.length} of ${kernel.inChannels} input channels)` : ''}`;
    kernel.slices.forEach((slice, i) => {
      const table = kernels.appendChild(document.createElement('table'));
      table.className = 'kernel';
      table.title = `input channel ${i}`;
      const max = Math.max(...slice.flat().map(Math.abs), 1e-12);
      for (const row of slice) {
        const tr = table.insertRow();
        for (const v of row) {
          const td = tr.insertCell();
          td.textContent = Math.abs(v) < 100 ? String(+v.toFixed(2)) : v.toExponential(1);
          const [r, g, b] = diverging(v / max);
          td.style.background = `rgb(${r},${g},${b})`;
        }
      }
    });
    parts.push(kernels);
  }
  container.replaceChildren(...parts);
}
