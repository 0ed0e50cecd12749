/**
 * Number and shape formatting shared by the arithmetic text, summaries and hovers, so every view
 * writes `9,408`, `4.1 G` and `64×3×7×7` the same way.
 */
import type { Dim } from '../ir/dims';

export function formatInt(n: number | null): string {
  if (n === null) return '?';
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** 25.6 M, 4.1 G, 9.4 k: three significant digits at most. */
export function formatCompact(n: number | null): string {
  if (n === null) return '?';
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [scale, unit] of units) if (Math.abs(n) >= scale) return `${trim(n / scale)} ${unit}`;
  return String(n);
}

export function formatBytes(n: number | null): string {
  if (n === null) return '?';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : trim(n)} ${units[i]}`;
}

function trim(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1).replace(/\.0$/, '') : x.toFixed(2).replace(/\.?0+$/, '');
}

export function dimText(d: Dim): string {
  return d === null ? '?' : String(d);
}

/** `64·3·7·7`, the product as the course writes it. */
export function productText(dims: readonly Dim[]): string {
  return dims.map(dimText).join('·');
}
