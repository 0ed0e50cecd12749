/**
 * Draws one laid-out model into an SVG: title, legend, a dashed frame around each expanded stage
 * (whose title collapses it again), then the volume or graph view. Shared by the preview, its
 * export and `cnn-lens render`, so a file written by the CLI is the drawing the editor shows; it
 * touches the DOM only through D3 on the nodes it is given, which lets a headless DOM stand in.
 */
import type { Selection } from 'd3';
import type { GraphSnapshot } from '../../src/core/protocol/messages';
import { drawGraphView } from './graphView';
import { margin, repeatedStages, type Box, type Layout } from './layout';
import { drawVolumes } from './volumes';

export interface Scene {
  readonly boxes: Selection<SVGGElement, Box, SVGGElement, unknown>;
  /** Frames of expanded stages, keyed by group id (their titles collapse the stage). */
  readonly frames: Selection<SVGGElement, StageFrame, SVGGElement, unknown>;
}

export interface StageFrame {
  readonly group: string;
  readonly title: string;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

const legends = {
  volumes: ['volume: height ∝ log₂ H, depth ∝ log₂ W, width ∝ log₂ C (clamped) · bars: dense units', 'small red box: the f×f filter (stride s) in the volume it slides over · ⊕ add, c concat, ⊗ multiply'],
  graph: ['one box per layer, edges labelled with the tensor shape they carry', '⊕ add, c concat, ⊗ multiply'],
};

export function renderScene(scene: Selection<SVGGElement, unknown, null, undefined>, snapshot: GraphSnapshot, layout: Layout): Scene {
  scene.append('text').attr('class', 'title').attr('x', margin.left).attr('y', 28).text(snapshot.model ?? snapshot.document.name);
  legends[layout.view].forEach((line, i) => scene.append('text').attr('class', 'legend').attr('x', margin.left).attr('y', 46 + i * 14).text(line));
  const frames = scene
    .append('g')
    .attr('class', 'stage-frames')
    .selectAll<SVGGElement, StageFrame>('g.stage-frame')
    .data(stageFrames(snapshot, layout))
    .join('g')
    .attr('class', 'stage-frame')
    .attr('data-group', (f) => f.group);
  frames.append('rect').attr('x', (f) => f.x).attr('y', (f) => f.y).attr('width', (f) => f.w).attr('height', (f) => f.h).attr('rx', 6);
  frames.append('text').attr('x', (f) => f.x + 6).attr('y', (f) => f.y - 5).text((f) => `${f.title} [collapse]`);
  const boxes = layout.view === 'volumes' ? drawVolumes(scene, layout, snapshot) : drawGraphView(scene, layout, snapshot);
  return { boxes, frames };
}

/** The bounds of the boxes of each expanded stage of repeated blocks. */
function stageFrames(snapshot: GraphSnapshot, layout: Layout): StageFrame[] {
  const stages = repeatedStages(snapshot);
  const parents = new Map((snapshot.groups ?? []).map((g) => [g.id, g.parent]));
  const bounds = new Map<string, { x0: number; y0: number; x1: number; y1: number }>();
  for (const b of layout.boxes) {
    if (b.stack) continue;
    const pad = layout.view === 'volumes' ? b.d * 0.5 : 0;
    for (let g: string | undefined = b.layer.group; g; g = parents.get(g)) {
      if (!stages.has(g)) continue;
      const r = bounds.get(g) ?? { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
      bounds.set(g, { x0: Math.min(r.x0, b.x), y0: Math.min(r.y0, b.y - pad), x1: Math.max(r.x1, b.x + b.w + pad), y1: Math.max(r.y1, b.y + b.h) });
    }
  }
  return [...bounds].map(([group, r]) => {
    const info = stages.get(group)!;
    return { group, title: `${info.name}: ${info.className} ×${info.count}`, x: r.x0 - 12, y: r.y0 - 24, w: r.x1 - r.x0 + 24, h: r.y1 - r.y0 + 58 };
  });
}
