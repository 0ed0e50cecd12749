/**
 * The minimap: the whole layout drawn small on a canvas (one rectangle per box, in its category's
 * colour), with the part on screen outlined. Clicking or dragging in it moves the view there. A
 * canvas, not a second SVG, so a 5,000-box model costs one cheap repaint, not 5,000 more nodes.
 */
import type { Layout } from './layout';
import type { Palette } from './theme';

const maxWidth = 220;
const maxHeight = 120;

export class Minimap {
  readonly element: HTMLDivElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly viewport: HTMLDivElement;
  private scale = 1;
  private layout: Layout | undefined;

  constructor(parent: HTMLElement, private readonly centreOn: (x: number, y: number) => void) {
    this.element = parent.appendChild(document.createElement('div'));
    this.element.className = 'minimap';
    this.element.title = 'Minimap: click or drag to move the view';
    this.canvas = this.element.appendChild(document.createElement('canvas'));
    this.viewport = this.element.appendChild(document.createElement('div'));
    this.viewport.className = 'viewport';
    let dragging = false;
    const move = (event: PointerEvent) => {
      const r = this.canvas.getBoundingClientRect();
      this.centreOn((event.clientX - r.left) / this.scale, (event.clientY - r.top) / this.scale);
    };
    this.element.addEventListener('pointerdown', (event) => {
      dragging = true;
      this.element.setPointerCapture(event.pointerId);
      move(event);
    });
    this.element.addEventListener('pointermove', (event) => dragging && move(event));
    this.element.addEventListener('pointerup', () => (dragging = false));
  }

  draw(layout: Layout, palette: Palette): void {
    this.layout = layout;
    this.scale = Math.min(maxWidth / layout.width, maxHeight / layout.height);
    const ratio = window.devicePixelRatio || 1;
    const [w, h] = [Math.ceil(layout.width * this.scale), Math.ceil(layout.height * this.scale)];
    Object.assign(this.canvas, { width: w * ratio, height: h * ratio });
    Object.assign(this.canvas.style, { width: `${w}px`, height: `${h}px` });
    const context = this.canvas.getContext('2d')!;
    context.setTransform(ratio * this.scale, 0, 0, ratio * this.scale, 0, 0);
    context.clearRect(0, 0, layout.width, layout.height);
    const colour: Record<string, string> = { conv: palette.conv, pool: palette.pool, dense: palette.dense, reshape: palette.reshape, merge: palette.merge };
    for (const b of layout.boxes) {
      context.fillStyle = colour[b.stack ? 'conv' : b.layer.category] ?? palette.neutral;
      const lift = b.d * 0.5;
      context.fillRect(b.x, b.y - lift, Math.max(b.w + lift, 2 / this.scale), Math.max(b.h + lift, 2 / this.scale));
    }
  }

  /** Outlines the part of the layout on screen, given the zoom transform and the view's size. */
  show(transform: { x: number; y: number; k: number }, viewWidth: number, viewHeight: number): void {
    if (!this.layout) return;
    const s = this.scale;
    // The visible part, clipped to the minimap (the view can be larger than the whole drawing).
    const [w, h] = [this.layout.width * s, this.layout.height * s];
    const x0 = Math.max(0, (-transform.x / transform.k) * s);
    const y0 = Math.max(0, (-transform.y / transform.k) * s);
    const x1 = Math.min(w, ((-transform.x + viewWidth) / transform.k) * s);
    const y1 = Math.min(h, ((-transform.y + viewHeight) / transform.k) * s);
    Object.assign(this.viewport.style, { left: `${x0 + 3}px`, top: `${y0 + 3}px`, width: `${Math.max(0, x1 - x0)}px`, height: `${Math.max(0, y1 - y0)}px` });
  }
}
