/**
 * The details side panel: the model's summary table (layer, type, output shape, parameters, MACs,
 * as `torchinfo` and `model.summary()` print them) with the totals, beside the drawing. Rows
 * follow the selection in the drawing and the editor; clicking a row selects that layer
 * everywhere (and opens its stage if it is collapsed).
 */
import type { GraphSnapshot } from '../../src/core/protocol/messages';

const integer = new Intl.NumberFormat('en-US');

export class SummaryPanel {
  readonly element: HTMLElement;
  private rows = new Map<string, HTMLTableRowElement>();

  constructor(parent: HTMLElement, private readonly select: (layerId: string) => void) {
    this.element = parent.appendChild(document.createElement('aside'));
    this.element.className = 'summary-panel';
  }

  show(snapshot: GraphSnapshot): void {
    this.rows.clear();
    const table = document.createElement('table');
    const head = table.createTHead().insertRow();
    for (const title of ['Layer', 'Type', 'Output', 'Params', 'MACs']) head.appendChild(document.createElement('th')).textContent = title;
    const body = table.createTBody();
    const counted = new Set<string>();
    for (const layer of snapshot.layers) {
      const row = body.insertRow();
      row.dataset.layer = layer.id;
      if (layer.problem) row.className = 'problem';
      // A module applied twice is listed twice; its parameters are counted at the first use only.
      const key = `${layer.name}\u0000${layer.kind}`;
      const params = layer.params && !counted.has(key) ? integer.format(layer.params) : layer.params ? '(shared)' : '–';
      counted.add(key);
      const cells = [layer.name, layer.kind, layer.outputShape ? layer.outputShape.map((d) => d ?? '?').join('×') : '?', params, layer.macs ? integer.format(layer.macs) : '–'];
      cells.forEach((text, i) => {
        const cell = row.insertCell();
        cell.textContent = text;
        if (i >= 3) cell.className = 'number';
      });
      row.title = layer.details.join('\n');
      row.addEventListener('click', () => this.select(layer.id));
      this.rows.set(layer.id, row);
    }
    const totals = document.createElement('div');
    totals.className = 'totals';
    const t = snapshot.totals;
    totals.textContent = t ? `Total params: ${integer.format(t.params)} · trainable ${integer.format(t.trainable)} · non-trainable ${integer.format(t.nonTrainable)} · MACs ${integer.format(t.macs)}` : '';
    const heading = document.createElement('h2');
    heading.textContent = snapshot.model ?? snapshot.document.name;
    this.element.replaceChildren(heading, totals, table);
  }

  highlight(layerIds: readonly string[]): void {
    for (const row of this.rows.values()) row.classList.remove('selected');
    const rows = layerIds.map((id) => this.rows.get(id)).filter((r): r is HTMLTableRowElement => !!r);
    for (const row of rows) row.classList.add('selected');
    rows[0]?.scrollIntoView({ block: 'nearest' });
  }
}
