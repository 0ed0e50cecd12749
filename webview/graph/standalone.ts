/**
 * A drawing as a standalone SVG file: sized to the whole layout (not the view on screen), with
 * the stylesheet in concrete colours and fonts inside it and a background, so it opens the same
 * in a browser, an image viewer or a slide deck. The preview's export and `cnn-lens render` both
 * call this with their own document (the page's, or a headless one in Node) and palette.
 */
import { select } from 'd3';
import type { GraphSnapshot } from '../../src/core/protocol/messages';
import type { Layout } from './layout';
import { renderScene } from './render';
import { graphStyleSheet, type Palette } from './theme';

const svgNs = 'http://www.w3.org/2000/svg';

export function standaloneSvg(document: Document, snapshot: GraphSnapshot, layout: Layout, palette: Palette): string {
  const node = document.createElementNS(svgNs, 'svg') as SVGSVGElement;
  const svg = select(node)
    .attr('xmlns', svgNs)
    .attr('class', 'graph')
    .attr('width', Math.ceil(layout.width))
    .attr('height', Math.ceil(layout.height))
    .attr('viewBox', `0 0 ${Math.ceil(layout.width)} ${Math.ceil(layout.height)}`);
  svg.append('style').text(graphStyleSheet(palette));
  svg.append('rect').attr('width', '100%').attr('height', '100%').attr('fill', palette.background);
  renderScene(svg.append('g').attr('class', 'scene'), snapshot, layout);
  const text = node.outerHTML;
  // A headless DOM may not write the namespace the way an SVG file needs; make sure it is there once.
  return `<?xml version="1.0" encoding="UTF-8"?>\n${text.includes('xmlns="') ? text : text.replace('<svg', `<svg xmlns="${svgNs}"`)}\n`;
}
