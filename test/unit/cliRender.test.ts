/**
 * `cnn-lens render`: the preview's drawing written by the CLI as SVG or PNG. Runs the command in
 * process (as cli.test.ts does) on the samples and checks what a reader of the file would see:
 * the layer labels, a standalone well-formed SVG with its stylesheet resolved, residual arcs,
 * a PNG at twice the SVG's size (capped), and the exit codes and messages of every failure.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser } from 'linkedom';
import { runCli as run } from '../support/runCli';
import { forResvg, maxPngSide, pngZoomFor, rasteriser, svgSize } from '../../src/cli/render';

/** Problems that make `xml` not well-formed: unbalanced or mismatched tags, raw `&` or `<`, unquoted or repeated attributes. */
function xmlProblems(xml: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  let roots = 0;
  const badAmp = /&(?!(amp|lt|gt|quot|apos|#\d+|#x[\da-fA-F]+);)/;
  const body = xml.replace(/^<\?xml [^?]*\?>\s*/, '');
  const token = /<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[A-Za-z_][\w:.-]*="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  for (let m; (m = token.exec(body)); ) {
    const [, closing, name, attrs, selfClosing, text, stray] = m;
    if (stray) problems.push(`stray '<' at ${m.index}`);
    else if (text !== undefined) {
      if (badAmp.test(text)) problems.push(`raw '&' in text at ${m.index}`);
      if (!stack.length && text.trim()) problems.push(`text outside the root at ${m.index}`);
    } else if (closing) {
      if (stack.pop() !== name) problems.push(`</${name}> does not close the open element at ${m.index}`);
    } else {
      const names = [...attrs.matchAll(/([\w:.-]+)="([^"]*)"/g)].map(([, n, v]) => {
        if (badAmp.test(v)) problems.push(`raw '&' in ${name}@${n}`);
        return n;
      });
      if (new Set(names).size !== names.length) problems.push(`repeated attribute on <${name}>`);
      if (!stack.length) roots++;
      if (!selfClosing) stack.push(name);
    }
  }
  if (stack.length) problems.push(`unclosed: ${stack.join(' > ')}`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  return problems;
}

interface Svg {
  text: string;
  doc: ReturnType<DOMParser['parseFromString']>;
}

function parseSvg(path: string): Svg {
  const text = readFileSync(path, 'utf8');
  return { text, doc: new DOMParser().parseFromString(text, 'image/svg+xml') };
}

const labelsOf = (svg: Svg) => [...svg.doc.querySelectorAll('text.label')].map((t) => t.textContent);

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.equal(png.toString('latin1', 12, 16), 'IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('cnn-lens render', function () {
  // The first render loads d3, linkedom and the renderer through tsx.
  this.timeout(30_000);
  let dir: string;
  const out = (name: string) => join(dir, name);
  before(() => (dir = mkdtempSync(join(tmpdir(), 'cnn-lens-render-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is documented in --help', async () => {
    const r = await run('--help');
    assert.match(r.out, /^ {2}render <file> -o OUT/m);
    for (const option of ['--view volumes|graph', '--expand none|all', '--theme light|dark', '-o, --output FILE']) assert.ok(r.out.includes(option), option);
  });

  it('draws LeNet-5 as a standalone, well-formed SVG with every layer labelled', async () => {
    const r = await run('render', 'samples/lenet5_pytorch.py', '-o', out('lenet.svg'));
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '', 'one model in the file: nothing to say');
    const svg = parseSvg(out('lenet.svg'));
    for (const label of ['28×28×6', '14×14×6', '10×10×16', '5×5×16', '120', '84', '10']) {
      assert.ok(svg.text.includes(`>${label}</text>`), `${label} in the SVG text`);
      assert.ok(labelsOf(svg).includes(label), `${label} as a layer label`);
    }
    assert.match(svg.text, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    const style = /<style>([\s\S]*?)<\/style>/.exec(svg.text)?.[1];
    assert.ok(style && style.includes('.link.arc'), 'the stylesheet is inside the SVG');
    assert.ok(!svg.text.includes('var(--vscode'), 'no theme variable left for another viewer to miss');
    assert.ok(style.includes('#1a85ff'), "convolutions in the Light theme's blue");
    assert.deepEqual(xmlProblems(svg.text), []);
    const root = svg.doc.documentElement;
    assert.equal(root.tagName, 'svg');
    assert.equal(root.getAttribute('xmlns'), 'http://www.w3.org/2000/svg');
    assert.equal(svg.doc.querySelector('parsererror'), null);
    assert.equal(svg.doc.querySelector('text.title')?.textContent, 'LeNet5 (pytorch)');
  });

  it('draws residual connections as arcs, every block with --expand all', async () => {
    const expanded = await run('render', 'samples/resnet_blocks.py', '--model', 'ResNet18Like', '--expand', 'all', '-o', out('resnet.svg'));
    assert.equal(expanded.code, 0, expanded.err);
    assert.equal(expanded.err, '', '--model chose the model: nothing to say');
    const svg = parseSvg(out('resnet.svg'));
    const arcs = [...svg.doc.querySelectorAll('path')].filter((p) => p.getAttribute('class') === 'link arc');
    assert.ok(arcs.length >= 8, `a skip arc per BasicBlock (got ${arcs.length})`);
    assert.deepEqual(xmlProblems(svg.text), []);
    const collapsed = await run('render', 'samples/resnet_blocks.py', '--model', 'ResNet18Like', '-o', out('resnet-collapsed.svg'));
    assert.equal(collapsed.code, 0, collapsed.err);
    const volumes = (s: Svg) => s.doc.querySelectorAll('g.volume').length;
    assert.ok(volumes(svg) > volumes(parseSvg(out('resnet-collapsed.svg'))), 'expanding stages draws more volumes');
  });

  it('draws the first of several models and says which, and which others exist', async () => {
    const r = await run('render', 'samples/resnet_blocks.py', '-o', out('first.svg'));
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /drew ResNet18Like, the first of 2 models in samples\/resnet_blocks\.py; the others: resnet50_like \(pick one with --model NAME\)/);
    assert.equal(parseSvg(out('first.svg')).doc.querySelector('text.title')?.textContent, 'ResNet18Like (pytorch)');
  });

  it('takes --view graph and --theme dark', async () => {
    const r = await run('render', 'samples/inception_module.py', '--view', 'graph', '--theme', 'dark', '-o', out('inception.svg'));
    assert.equal(r.code, 0, r.err);
    const svg = parseSvg(out('inception.svg'));
    assert.ok(svg.doc.querySelectorAll('g.volume.node').length > 10, 'one node box per layer');
    assert.equal(svg.doc.querySelector('rect')?.getAttribute('fill'), '#1f1f1f', 'Dark Modern background');
    assert.ok(/svg\.graph text \{ fill: #cccccc;/.test(svg.text), 'Dark Modern foreground');
    assert.deepEqual(xmlProblems(svg.text), []);
  });

  it('rasterises to PNG at twice the SVG size', async () => {
    assert.equal((await run('render', 'samples/mobilenetv2_block.py', '-o', out('mobilenet.svg'))).code, 0);
    const r = await run('render', 'samples/mobilenetv2_block.py', '-o', out('mobilenet.png'));
    assert.equal(r.code, 0, r.err);
    const svg = svgSize(readFileSync(out('mobilenet.svg'), 'utf8'));
    assert.ok(svg.width > 0 && svg.height > 0);
    assert.deepEqual(pngSize(readFileSync(out('mobilenet.png'))), { width: 2 * svg.width, height: 2 * svg.height });
  });

  it('caps a PNG side at 16384 px and says so', async () => {
    const deep = out('deep.py');
    writeFileSync(deep, 'import torch.nn as nn\n\n\n# cnn-lens: input=(1, 8, 16, 16)\nclass Deep(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.body = nn.Sequential(*[nn.Conv2d(8, 8, 3, padding=1) for _ in range(200)])\n\n    def forward(self, x):\n        return self.body(x)\n');
    assert.equal((await run('render', deep, '-o', out('deep.svg'))).code, 0);
    const svg = svgSize(readFileSync(out('deep.svg'), 'utf8'));
    assert.ok(svg.width * 2 > maxPngSide, `the drawing is wide enough to need the cap (${svg.width} px)`);
    const r = await run('render', deep, '-o', out('deep.png'));
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, new RegExp(`the drawing is ${svg.width}×${svg.height} px; at 2× a side would pass 16384 px, so it is rasterised at 1\\.\\d+×`));
    const png = pngSize(readFileSync(out('deep.png')));
    assert.ok(png.width <= maxPngSide && png.width > maxPngSide - 8, `width ${png.width}`);
    assert.equal(pngZoomFor(600, 292), 2);
    assert.equal(pngZoomFor(300, 8192), 2);
    assert.ok(pngZoomFor(20_000, 100) * 20_000 <= maxPngSide);
  });

  it('writes font lists resvg can read (names unquoted, the same CSS)', async () => {
    assert.equal(
      forResvg(`<svg><style>a { font-family: 'Segoe UI', Ubuntu, "DejaVu Sans", sans-serif; }</style></svg>`),
      `<svg><style>a { font-family: Segoe UI,Ubuntu,DejaVu Sans,sans-serif; }</style></svg>`,
    );
    assert.equal(forResvg(`<text font-family="x, '9 Y'"/>`), `<text font-family="x,'9 Y'"/>`, 'a name CSS cannot leave unquoted stays quoted');
  });

  describe('failures', () => {
    it('exits 2 without -o, with an output it cannot tell the format of, or a bad choice', async () => {
      let r = await run('render', 'samples/lenet5_pytorch.py');
      assert.equal(r.code, 2);
      assert.match(r.err, /^cnn-lens render: missing -o OUT\.svg or -o OUT\.png$/m);
      r = await run('render', 'samples/lenet5_pytorch.py', '-o', out('lenet.jpg'));
      assert.equal(r.code, 2);
      assert.match(r.err, /cannot tell the format of '.*lenet\.jpg': the output must end in \.svg or \.png/);
      r = await run('render', 'samples/lenet5_pytorch.py', '--view', '3d', '-o', out('x.svg'));
      assert.equal(r.code, 2);
      assert.match(r.err, /--view must be volumes or graph, got '3d'/);
      r = await run('render', 'samples/lenet5_pytorch.py', '-o');
      assert.equal(r.code, 2);
      assert.match(r.err, /-o needs a value/);
      assert.equal((await run('render', '-o', out('x.svg'))).code, 2, 'no file');
      assert.ok(!existsSync(out('x.svg')));
    });

    it('exits 1 when the file cannot be read or holds no such model', async () => {
      let r = await run('render', '/nonexistent/model.py', '-o', out('x.svg'));
      assert.equal(r.code, 1);
      assert.match(r.err, /cannot read \/nonexistent\/model\.py: ENOENT/);
      r = await run('render', 'samples/lenet5_pytorch.py', '--model', 'NoSuchModel', '-o', out('x.svg'));
      assert.equal(r.code, 1);
      assert.match(r.err, /no model 'NoSuchModel' found in samples\/lenet5_pytorch\.py/);
      assert.ok(!existsSync(out('x.svg')));
    });

    it('exits 1 when the output cannot be written', async () => {
      const r = await run('render', 'samples/lenet5_pytorch.py', '-o', join(dir, 'no-such-dir', 'x.svg'));
      assert.equal(r.code, 1);
      assert.match(r.err, /cannot write .*no-such-dir\/x\.svg: ENOENT/);
    });

    it('exits 1 naming the package when the PNG rasteriser cannot be loaded', async () => {
      const load = rasteriser.load;
      rasteriser.load = () => {
        throw new Error("Cannot find module '@resvg/resvg-js'");
      };
      try {
        const r = await run('render', 'samples/lenet5_pytorch.py', '-o', out('x.png'));
        assert.equal(r.code, 1);
        assert.match(r.err, /PNG output needs the @resvg\/resvg-js package/);
        assert.match(r.err, /npm install @resvg\/resvg-js/);
        assert.ok(!existsSync(out('x.png')));
      } finally {
        rasteriser.load = load;
      }
    });
  });

  it('works from the built bundle, loading the renderer and resvg only for render', async function () {
    if (!existsSync('dist/cli.js') || !existsSync('dist/cliRenderer.js')) {
      console.log('      skipped: dist/cli.js is not built (npm run build); the source CLI is tested above');
      this.skip();
    }
    for (const name of ['bundle.svg', 'bundle.png']) {
      const r = spawnSync(process.execPath, ['dist/cli.js', 'render', 'samples/lenet5_pytorch.py', '-o', out(name)], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    }
    const svg = svgSize(readFileSync(out('bundle.svg'), 'utf8'));
    assert.deepEqual(pngSize(readFileSync(out('bundle.png'))), { width: 2 * svg.width, height: 2 * svg.height });
  });
});
