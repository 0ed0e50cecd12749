/**
 * Hover for layers: on a definition (`self.conv1 = nn.Conv2d(…)`, `layers.Conv2D(…)`) or an
 * application (`x = self.conv1(x)`), the shapes in the framework's layout, the arithmetic as the
 * course writes it, parameters with weight shapes, MACs, receptive field and memory; on a model's
 * first line, its totals. It only reads the analysis service's cache.
 */
import * as vscode from 'vscode';
import type { ModuleResult, NodeResult } from '../core/shapes/shapePass';
import { AnalysisService, isHere, loadEngine } from './analysisService';
import type { ModelResult } from './engine';

const maxApplicationsShown = 3;

export class LayerHoverProvider implements vscode.HoverProvider {
  constructor(private readonly service: AnalysisService) {}

  /** The hover being written (hovers are computed synchronously), for its Reveal in Graph link. */
  private at: { uri: string; line: number } | undefined;

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    this.at = { uri: document.uri.toString(), line: position.line };
    const analysis = this.service.get(document);
    if (!analysis) return undefined;
    const parts: string[] = [];
    for (const model of analysis.result.models) {
      const found = analysis.indexes.get(model)?.at(position.line, position.character);
      if (!found) continue;
      const shown = new Set<NodeResult>();
      for (const call of found.calls) {
        parts.push(this.describeApplication(model, call));
        shown.add(call);
      }
      for (const def of found.definitions) {
        const applications = def.applications.map((id) => model.analysis.nodes.get(id)!).filter((r) => !shown.has(r));
        if (applications.length || !def.applications.length)
          parts.push(this.describeDefinition(model, def, applications));
      }
      if (
        !found.calls.length &&
        !found.definitions.length &&
        model.range.start.line === position.line &&
        isHere(analysis, model.range)
      )
        parts.push(this.describeModel(model));
      if (parts.length) break;
    }
    if (!parts.length) {
      // On `class Bottleneck(nn.Module):` — how the block behaves where the models use it.
      const className = /^\s*class\s+(\w+)/.exec(document.lineAt(position.line).text)?.[1];
      if (className)
        for (const model of analysis.result.models) {
          const block = this.describeBlock(model, className);
          if (block) parts.push(block);
        }
    }
    if (!parts.length) return undefined;
    const md = new vscode.MarkdownString(
      parts.join('\n\n---\n\n') +
        (analysis.stale ? '\n\n*(from the last version that analysed; the current text has errors)*' : ''),
    );
    md.isTrusted = {
      enabledCommands: [
        'cnnLens.revealInGraph',
        'cnnLens.openPreviewToSide',
        'cnnLens.stepThroughActivations',
        'cnnLens.showSummary',
      ],
    };
    return new vscode.Hover(md);
  }

  private describeApplication(model: ModelResult, r: NodeResult): string {
    const { describeNode } = loadEngine();
    const module = r.node.moduleId === undefined ? undefined : model.analysis.modules[r.node.moduleId];
    const [title, shapes, ...rest] = describeNode(r, module);
    return `**${escape(title)}**  \n\`${shapes}\`\n\n\`\`\`text\n${rest.join('\n')}\n\`\`\`\n${this.links()}`;
  }

  private describeDefinition(model: ModelResult, def: ModuleResult, applications: NodeResult[]): string {
    const { describeNode, formatInt } = loadEngine();
    const name = def.module.name ?? def.module.className;
    const params = (def.trainable ?? 0) + (def.nonTrainable ?? 0);
    const nonTrainable = def.nonTrainable ? ` (${formatInt(def.nonTrainable)} non-trainable)` : '';
    const header = `**${escape(name)}** · \`${def.module.className}\` · ${formatInt(params)} params${nonTrainable}`;
    if (!applications.length) {
      const counted =
        model.framework === 'pytorch' ? ' (PyTorch still counts its parameters)' : ' (Keras builds no weights for it)';
      return `${header}\n\nnever applied in this forward pass${counted}`;
    }
    const shown = applications.slice(0, maxApplicationsShown).map((r) => {
      const [, shapes, ...rest] = describeNode(r);
      return `\`${shapes}\`\n\`\`\`text\n${rest.join('\n')}\n\`\`\``;
    });
    const more =
      applications.length > maxApplicationsShown
        ? `\n\n… and ${applications.length - maxApplicationsShown} more application(s)`
        : '';
    const applied = applications.length > 1 ? ` · applied ${applications.length}×` : '';
    return `${header}${applied}\n\n${shown.join('\n\n')}${more}\n${this.links()}`;
  }

  private describeBlock(model: ModelResult, className: string): string | undefined {
    const { formatShape, formatInt } = loadEngine();
    const groups = [...model.analysis.graph.groups.values()].filter((g) => g.className === className);
    if (!groups.length) return undefined;
    const inside = (groupId: string | undefined, target: string): boolean => {
      for (let g = groupId; g; g = model.analysis.graph.groups.get(g)?.parentId) if (g === target) return true;
      return false;
    };
    const rows = groups
      .map((g) => {
        const nodes = model.analysis.nodeResults.filter((r) => inside(r.node.groupId, g.id));
        if (!nodes.length) return undefined;
        const modules = new Set(nodes.map((r) => r.node.moduleId).filter((id): id is number => id !== undefined));
        const params = [...modules].reduce(
          (sum, id) =>
            sum + (model.analysis.modules[id].trainable ?? 0) + (model.analysis.modules[id].nonTrainable ?? 0),
          0,
        );
        const [first, last] = [nodes[0], nodes[nodes.length - 1]];
        const inOut = `${formatShape(first.inputShapes[0])} → ${formatShape(last.outputShapes[0])}`;
        return `| \`${g.name || className}\` | \`${inOut}\` | ${formatInt(params)} |`;
      })
      .filter(Boolean);
    if (!rows.length) return undefined;
    const shown = rows.slice(0, 8);
    return [
      `**${escape(className)}** in \`${escape(model.name)}\`: used ${rows.length}×`,
      '',
      '| instance | shapes | params |',
      '|---|---|---:|',
      ...shown,
      rows.length > shown.length ? `\n… and ${rows.length - shown.length} more` : '',
    ].join('\n');
  }

  private describeModel(model: ModelResult): string {
    const { formatShape, formatShapes, formatInt, formatCompact, formatBytes } = loadEngine();
    const t = model.analysis.totals;
    const { incompleteText } = loadEngine();
    return [
      `**${escape(model.name)}** (${model.framework})`,
      ...(model.incomplete
        ? [`**incomplete:** ${escape(incompleteText(model.incomplete))}; the totals below leave out what follows`]
        : []),
      `\`${formatShapes(model.inputs)} → ${t.outputShapes.map((s) => formatShape(s)).join(', ')}\``,
      `${formatInt(t.params)} params (${formatInt(t.trainable)} trainable, ` +
        `${formatInt(t.nonTrainable)} non-trainable) · ${formatCompact(t.macs)}MACs · ` +
        `peak activations ${formatBytes(t.peakActivationBytes)}`,
      this.links(),
    ].join('\n\n');
  }

  private links(): string {
    const reveal = this.at
      ? `command:cnnLens.revealInGraph?${encodeURIComponent(JSON.stringify([this.at]))}`
      : 'command:cnnLens.openPreviewToSide';
    return (
      `[Reveal in Graph](${reveal}) · [Show Activations](command:cnnLens.stepThroughActivations)` +
      ' · [Summary](command:cnnLens.showSummary)'
    );
  }
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]<>#|]/g, '\\$&');
}
