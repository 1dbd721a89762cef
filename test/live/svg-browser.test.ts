/**
 * The SVG picture of pods (lib/render/svg.ts) in a real browser: headless Chromium opens each
 * document, and the test checks what it made of it.
 *
 * Three pictures: the demo node (`nsview pods --svg --demo`, from a private build of the CLI),
 * this machine (`nsview pods --svg`; with no pods it says "no pods") and the seeds' pod fixture
 * (renderPodsSvg on fixtures/scenarios/k8s-seed-pod.json). For each:
 *
 * - `--dump-dom` of the document with a measuring script added: the root is `<svg>`, there is
 *   no `<parsererror>` (Chromium shows an error page for a malformed document, exit status 0),
 *   every element of the source reached the DOM, every text starts inside a box and ends
 *   before the box's right edge, and text is drawn in a monospace font whose characters are
 *   0.6em wide (the renderer's layout budgets assume it: no font means this fails).
 * - `--screenshot`, decoded by the small PNG decoder below (node:zlib): the image has the
 *   document's size, is more than a blank page (colours, pixels off the background, text-coloured
 *   pixels), and every box shows its class's fill from the document's own style sheet at a
 *   point inside it, so the picture is drawn at 1:1 where the document says.
 * - The demo again with `--force-dark-mode` (prefers-color-scheme: dark): the dark fills.
 *
 * Needs only Linux and `chromium` (or `chromium-browser`, `google-chrome`) in PATH, not root
 * and not the live lab; `NSVIEW_LIVE=0` turns it off. Every Chromium run gets a new empty
 * profile and HOME under one temporary directory and no network (host names resolve to
 * nothing), is killed with its process group after 60 s, and the directory is removed at the end.
 *
 * The documentation's pictures come from here: `NSVIEW_DOC_IMAGES=1 npx vitest run
 * test/live/svg-browser.test.ts` writes docs/images/pods-demo.png (the demo, light) and
 * docs/images/pods-seed.png (the seeds' pod). Without it, the test only checks that
 * docs/images/pods-demo.png still has the size of the demo picture.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { deflateSync, inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPodsSvg } from '../../lib/render/svg.js';
import { scanSync } from '../../lib/scan.js';
import { describeRun, plainEnv, run, worldReadableBuild, type Build, type RunResult } from '../helpers/cli.js';
import { scenarioSource } from '../helpers/host.js';
import { which } from '../helpers/lab.js';
import { descendants, parseXml, type XmlElement } from '../helpers/xml.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const docImages = nodePath.join(repo, 'docs', 'images');
const BROWSERS = ['chromium', 'chromium-browser', 'google-chrome'];
const browser = process.platform === 'linux' ? BROWSERS.map((b) => which(b)).find((p) => p !== undefined) : undefined;
const skipReason =
  process.platform !== 'linux'
    ? `this is ${process.platform}`
    : process.env.NSVIEW_LIVE === '0'
      ? 'NSVIEW_LIVE=0 turns them off'
      : browser === undefined
        ? `none of ${BROWSERS.join(', ')} is in PATH (Debian: apt-get install chromium)`
        : '';

/** The largest window Chromium is asked for; a taller picture is cut at the bottom. */
const MAX_W = 2000;
const MAX_H = 4000;

// ---------------------------------------------------------------------------
// PNG: a decoder for what Chromium writes (8-bit RGB or RGBA, not interlaced), and a small
// encoder that exists only to test it with every filter type.

/** A decoded image: `channels` bytes a pixel (3 RGB or 4 RGBA), rows top to bottom. */
interface Png {
  width: number;
  height: number;
  channels: 3 | 4;
  data: Buffer;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Decode a PNG; throws on anything but 8-bit RGB/RGBA without interlace, and on a bad chunk CRC or layout. */
function decodePng(file: Buffer): Png {
  if (file.length < 8 || !file.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('png: no PNG signature');
  let at = 8;
  let header: { width: number; height: number; channels: 3 | 4 } | undefined;
  const idat: Buffer[] = [];
  let ended = false;
  while (!ended) {
    if (at + 12 > file.length) throw new Error('png: truncated (no IEND chunk)');
    const length = file.readUInt32BE(at);
    const type = file.toString('latin1', at + 4, at + 8);
    if (at + 12 + length > file.length) throw new Error(`png: chunk ${type} runs past the end`);
    const body = file.subarray(at + 8, at + 8 + length);
    if (crc32(file.subarray(at + 4, at + 8 + length)) !== file.readUInt32BE(at + 8 + length)) throw new Error(`png: bad CRC in chunk ${type}`);
    at += 12 + length;
    if (!header && type !== 'IHDR') throw new Error(`png: ${type} before IHDR`);
    if (type === 'IHDR') {
      if (header || length !== 13) throw new Error('png: bad IHDR');
      const [depth, colour, compression, filter, interlace] = [body[8], body[9], body[10], body[11], body[12]];
      if (depth !== 8) throw new Error(`png: bit depth ${depth} (only 8)`);
      if (colour !== 2 && colour !== 6) throw new Error(`png: colour type ${colour} (only 2 RGB and 6 RGBA)`);
      if (compression !== 0 || filter !== 0) throw new Error('png: unknown compression or filter method');
      if (interlace !== 0) throw new Error('png: interlaced');
      header = { width: body.readUInt32BE(0), height: body.readUInt32BE(4), channels: colour === 2 ? 3 : 4 };
      if (header.width === 0 || header.height === 0 || header.width * header.height > 64 << 20) throw new Error(`png: size ${header.width}x${header.height}`);
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') ended = true;
    else if (!/^[a-z]/.test(type)) throw new Error(`png: unknown critical chunk ${type}`);
  }
  if (!header) throw new Error('png: no IHDR');
  const { width, height, channels } = header;
  const stride = width * channels;
  const raw = inflateSync(Buffer.concat(idat));
  if (raw.length !== height * (stride + 1)) throw new Error(`png: ${raw.length} bytes of image data, expected ${height * (stride + 1)}`);
  const data = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)] as number;
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? (data[row + i - channels] as number) : 0;
      const b = y > 0 ? (data[row - stride + i] as number) : 0;
      const c = y > 0 && i >= channels ? (data[row - stride + i - channels] as number) : 0;
      const pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter];
      if (pred === undefined) throw new Error(`png: filter type ${filter} in row ${y}`);
      data[row + i] = ((raw[src + i] as number) + pred) & 0xff;
    }
  }
  return { width, height, channels, data };
}

/** Encode `png` with the filter type `filters[y % filters.length]` on row y (for testing the decoder). */
function encodePng(png: Png, filters: number[]): Buffer {
  const { width, height, channels, data } = png;
  const stride = width * channels;
  const raw = Buffer.alloc(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const filter = filters[y % filters.length] as number;
    raw[y * (stride + 1)] = filter;
    for (let i = 0; i < stride; i++) {
      const at = (dy: number, di: number): number => (y + dy >= 0 && i + di >= 0 ? (data[(y + dy) * stride + i + di] as number) : 0);
      const [a, b, c] = [at(0, -channels), at(-1, 0), at(-1, -channels)];
      const pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter] as number;
      raw[y * (stride + 1) + 1 + i] = ((data[y * stride + i] as number) - pred) & 0xff;
    }
  }
  const chunk = (type: string, body: Buffer): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, channels === 3 ? 2 : 6, 0, 0, 0], 8);
  const z = deflateSync(raw);
  const half = z.length >> 1; // two IDAT chunks, which the decoder must join
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', z.subarray(0, half)),
    chunk('IDAT', z.subarray(half)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

type Rgb = [number, number, number];
const pixel = (p: Png, x: number, y: number): Rgb => {
  const i = (y * p.width + x) * p.channels;
  return [p.data[i] as number, p.data[i + 1] as number, p.data[i + 2] as number];
};
const hexRgb = (hex: string): Rgb => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as Rgb;
const near = (a: Rgb, b: Rgb, tolerance: number): boolean => a.every((v, i) => Math.abs(v - (b[i] as number)) <= tolerance);
const hex = (c: Rgb): string => `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

/** How much is on the picture: distinct colours, pixels off the background, pixels of the text colour. */
function pictureStats(p: Png, background: Rgb, text: Rgb): { colours: number; offBackground: number; textPixels: number } {
  const colours = new Set<number>();
  let off = 0;
  let textPixels = 0;
  for (let i = 0; i < p.data.length; i += p.channels) {
    const c: Rgb = [p.data[i] as number, p.data[i + 1] as number, p.data[i + 2] as number];
    colours.add((c[0] << 16) | (c[1] << 8) | c[2]);
    if (!near(c, background, 2)) off++;
    if (near(c, text, 8)) textPixels++;
  }
  return { colours: colours.size, offBackground: off / (p.width * p.height), textPixels };
}

// ---------------------------------------------------------------------------
// the SVG document: its size, its style sheet's fills, and points inside its boxes

/** The `fill` the document's style sheet gives `selector` (`text`, `.bg`), light or (inside the prefers-color-scheme media query) dark. */
function fillOf(svg: XmlElement, selector: string, dark: boolean): Rgb {
  const style = descendants(svg).find((e) => e.name === 'style')?.text ?? '';
  const media = style.indexOf('@media');
  const css = dark ? style.slice(style.indexOf('{', media) + 1) : media < 0 ? style : style.slice(0, media);
  let fill: string | undefined;
  for (const m of css.matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
    const selectors = (m[1] as string).split(',').map((s) => s.trim());
    const f = /(?:^|;)fill:(#[0-9a-fA-F]{6})/.exec(m[2] as string);
    if (f && selectors.includes(selector)) fill = f[1];
  }
  if (!fill) throw new Error(`no ${dark ? 'dark' : 'light'} fill for ${selector} in the style sheet`);
  return hexRgb(fill);
}

/** The classes of boxes whose fill is sampled: pods, sandboxes, containers, volumes and namespace chips. */
const SAMPLED = /^(k-pod|k-sandbox|k-shared|k-ctr|k-vol|c-pod|c-node|c-container|c-mixed)$/;

/** A point 3 px inside the right edge of every sampled box, half-way down (clear of text, wires and dots), in picture coordinates. */
function samplePoints(svg: XmlElement): Array<{ cls: string; x: number; y: number }> {
  const out: Array<{ cls: string; x: number; y: number }> = [];
  const walk = (el: XmlElement, dx: number, dy: number): void => {
    const t = /translate\(\s*(-?[\d.]+)[\s,]+(-?[\d.]+)\s*\)/.exec(el.attrs.transform ?? '');
    const [x0, y0] = t ? [dx + Number(t[1]), dy + Number(t[2])] : [dx, dy];
    const cls = el.attrs.class ?? '';
    if (el.name === 'rect' && SAMPLED.test(cls)) {
      const [x, y, w, h] = ['x', 'y', 'width', 'height'].map((a) => Number(el.attrs[a])) as [number, number, number, number];
      out.push({ cls, x: Math.floor(x0 + x + w - 3), y: Math.floor(y0 + y + h / 2) });
    }
    for (const c of el.children) walk(c, x0, y0);
  };
  walk(svg, 0, 0);
  return out;
}

// ---------------------------------------------------------------------------
// Chromium

/** Added before `</svg>` for the --dump-dom run: measures every text against the box it starts in, and the font's advance. */
const MEASURE = `<script><![CDATA[
(() => {
  const rects = Array.from(document.querySelectorAll('rect'), (r) => ({ cls: r.getAttribute('class') || '', b: r.getBoundingClientRect() }));
  const out = { texts: 0, overflow: [], advance: [] };
  for (const t of document.querySelectorAll('text')) {
    out.texts++;
    const b = t.getBoundingClientRect();
    const n = t.getNumberOfChars();
    if (n >= 4) out.advance.push(t.getComputedTextLength() / n / parseFloat(getComputedStyle(t).fontSize));
    const px = b.left + 1;
    const py = b.top + b.height / 2;
    let box = null;
    for (const r of rects) {
      if (r.b.left <= px && px <= r.b.right && r.b.top <= py && py <= r.b.bottom && (!box || r.b.width * r.b.height < box.b.width * box.b.height)) box = r;
    }
    if (!box || b.left < box.b.left - 0.5 || b.right > box.b.right + 0.5) {
      out.overflow.push({ text: t.textContent, left: b.left, right: b.right, box: box && { cls: box.cls, left: box.b.left, right: box.b.right } });
    }
  }
  const m = document.createElementNS('http://www.w3.org/2000/svg', 'metadata');
  m.setAttribute('id', 'nsview-measure');
  m.textContent = JSON.stringify(out);
  document.documentElement.appendChild(m);
})();
]]></script>
`;

interface Measure {
  texts: number;
  overflow: Array<{ text: string; left: number; right: number; box: { cls: string; left: number; right: number } | null }>;
  advance: number[];
}

/** What one picture came to in the browser. */
interface Rendered {
  svg: XmlElement;
  width: number;
  height: number;
  light: Png;
  lightFile: string;
  dark?: Png;
  measure: Measure;
}

/** Signs in Chromium's stderr that the document did not parse. */
const PARSE_ERROR = /parsererror|xmlParse|XML Parsing Error|This page contains the following errors|Extra content at the end of the document/i;

const ELEMENTS = ['svg', 'g', 'rect', 'text', 'path', 'circle', 'style'];

const count = (root: XmlElement, name: string): number => [root, ...descendants(root)].filter((e) => e.name === name).length;

describe.skipIf(skipReason !== '')('live: the SVG picture in a browser (headless Chromium)', () => {
  let tmp = '';
  let build: Build | undefined;
  let runs = 0;

  beforeAll(() => {
    tmp = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'nsview-svg-browser-'));
    build = worldReadableBuild(repo);
  });

  afterAll(() => {
    build?.remove();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** Run Chromium headless with a new empty profile and HOME (it writes crash-report settings and dconf there). */
  async function chromium(args: string[]): Promise<RunResult> {
    const dir = fs.mkdtempSync(nodePath.join(tmp, `run${++runs}-`));
    const home = nodePath.join(dir, 'home');
    fs.mkdirSync(nodePath.join(dir, 'profile'));
    fs.mkdirSync(home);
    const env = { ...plainEnv(), HOME: home, XDG_CONFIG_HOME: nodePath.join(home, '.config'), XDG_CACHE_HOME: nodePath.join(home, '.cache') };
    return run(
      [
        browser as string,
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${nodePath.join(dir, 'profile')}`,
        '--hide-scrollbars',
        '--force-device-scale-factor=1',
        // No network: even with the flags above Chromium looks up Google's hosts at start.
        '--host-resolver-rules=MAP * ~NOTFOUND',
        ...args,
      ],
      { timeoutMs: 60_000, env },
    );
  }

  /** Check a Chromium run ended well and said nothing of a parse error. */
  function expectClean(r: RunResult): void {
    expect(r.timedOut, describeRun(r)).toBe(false);
    expect(r.status, describeRun(r)).toBe(0);
    expect(r.stderr, describeRun(r)).not.toMatch(PARSE_ERROR);
  }

  /** Screenshot `file` at the picture's size (capped), with extra flags; decode and check the PNG's size. */
  async function screenshot(file: string, width: number, height: number, out: string, flags: string[] = []): Promise<Png> {
    const r = await chromium([...flags, `--window-size=${width},${height}`, `--screenshot=${out}`, pathToFileURL(file).href]);
    expectClean(r);
    expect(fs.existsSync(out), `${out} was not written; ${describeRun(r)}`).toBe(true);
    const png = decodePng(fs.readFileSync(out));
    expect([png.width, png.height], 'the screenshot has the window size').toEqual([width, height]);
    return png;
  }

  /** Everything a picture goes through; `dark` also screenshots it with prefers-color-scheme: dark. */
  async function render(name: string, text: string, o: { dark?: boolean } = {}): Promise<Rendered> {
    const svg = parseXml(text);
    expect(svg.name).toBe('svg');
    const [w, h] = [Number(svg.attrs.width), Number(svg.attrs.height)];
    expect(Number.isInteger(w) && w > 0 && Number.isInteger(h) && h > 0, `width="${svg.attrs.width}" height="${svg.attrs.height}"`).toBe(true);
    const [width, height] = [Math.min(w, MAX_W), Math.min(h, MAX_H)];
    const file = nodePath.join(tmp, `${name}.svg`);
    fs.writeFileSync(file, text);

    // The DOM Chromium built, with the measurements of the added script.
    const end = text.lastIndexOf('</svg>');
    expect(end, 'the document ends with </svg>').toBeGreaterThan(0);
    const measured = nodePath.join(tmp, `${name}.measure.svg`);
    fs.writeFileSync(measured, text.slice(0, end) + MEASURE + text.slice(end));
    const lightFile = nodePath.join(tmp, `${name}.png`);
    const [d, light, dark] = await Promise.all([
      chromium(['--dump-dom', pathToFileURL(measured).href]),
      screenshot(file, width, height, lightFile),
      o.dark ? screenshot(file, width, height, nodePath.join(tmp, `${name}.dark.png`), ['--force-dark-mode']) : undefined,
    ]);
    expectClean(d);
    const dom = parseXml(d.stdout);
    expect(dom.name, `Chromium's DOM: ${d.stdout.slice(0, 300)}`).toBe('svg');
    expect(
      descendants(dom).some((e) => e.name === 'parsererror'),
      `Chromium's DOM: ${d.stdout.slice(0, 600)}`,
    ).toBe(false);
    for (const el of ELEMENTS) expect(count(dom, el), `<${el}> elements in Chromium's DOM`).toBe(count(svg, el));
    const meta = descendants(dom).find((e) => e.name === 'metadata' && e.attrs.id === 'nsview-measure');
    expect(meta, `the measuring script did not run; stderr: ${d.stderr.slice(-800)}`).toBeDefined();
    const measure = JSON.parse((meta as XmlElement).text) as Measure;

    return { svg, width, height, light, lightFile, dark, measure };
  }

  /** The checks every picture passes, in one colour scheme. */
  function expectDrawn(name: string, r: Rendered, scheme: 'light' | 'dark', o: { pods: boolean }): void {
    const png = (scheme === 'dark' ? r.dark : r.light) as Png;
    const dark = scheme === 'dark';
    const background = fillOf(r.svg, '.bg', dark);
    expect(hex(pixel(png, 0, 0)), `${name} (${scheme}): the background`).toBe(hex(background));
    const stats = pictureStats(png, background, fillOf(r.svg, 'text', dark));
    console.log(
      `${name} (${scheme}): ${png.width}x${png.height}, ${stats.colours} colours, ${(stats.offBackground * 100).toFixed(1)}% off the background, ${stats.textPixels} text-coloured pixels`,
    );
    // "no pods" is a title alone; a picture of pods is mostly boxes.
    expect(stats.colours, `${name} (${scheme}): distinct colours`).toBeGreaterThan(o.pods ? 100 : 10);
    expect(stats.offBackground, `${name} (${scheme}): share of pixels off the background`).toBeGreaterThan(o.pods ? 0.25 : 0.005);
    expect(stats.textPixels, `${name} (${scheme}): pixels in the text colour (is a font installed?)`).toBeGreaterThan(o.pods ? 2000 : 30);
    const wrong = samplePoints(r.svg)
      .filter((p) => p.x < png.width && p.y < png.height)
      .map((p) => ({ ...p, want: fillOf(r.svg, `.${p.cls}`, dark), got: pixel(png, p.x, p.y) }))
      .filter((p) => !near(p.got, p.want, 2))
      .map((p) => `.${p.cls} at ${p.x},${p.y}: ${hex(p.got)}, expected ${hex(p.want)}`);
    expect(wrong, `${name} (${scheme}): box fills`).toEqual([]);
  }

  /** Text stays in its boxes and is set in a monospace font 0.6em a character. */
  function expectText(name: string, r: Rendered): void {
    const m = r.measure;
    expect(m.texts, `${name}: texts measured`).toBe(count(r.svg, 'text'));
    expect(m.overflow, `${name}: texts that run out of the box they start in`).toEqual([]);
    const [lo, hi] = [Math.min(...m.advance), Math.max(...m.advance)];
    console.log(`${name}: ${m.texts} texts, advance ${lo.toFixed(4)}–${hi.toFixed(4)} em a character`);
    expect(m.advance.length, `${name}: texts of 4 characters or more`).toBeGreaterThan(0);
    expect(lo, `${name}: narrowest advance (em a character; the layout takes 0.6)`).toBeGreaterThan(0.58);
    expect(hi, `${name}: widest advance (em a character; the layout takes 0.6)`).toBeLessThan(0.62);
  }

  it('decodes PNGs with every filter type and refuses what it cannot read', () => {
    for (const channels of [3, 4] as const) {
      const data = Buffer.alloc(7 * 6 * channels);
      for (let i = 0; i < data.length; i++) data[i] = (i * 97 + (i >> 3) * 31) & 0xff;
      const png: Png = { width: 7, height: 6, channels, data };
      expect(decodePng(encodePng(png, [0, 1, 2, 3, 4, 4]))).toEqual(png);
      expect(decodePng(encodePng(png, [4, 3, 2, 1, 0]))).toEqual(png);
    }
    const good = encodePng({ width: 2, height: 2, channels: 3, data: Buffer.alloc(12, 200) }, [0]);
    const withIhdr = (at: number, value: number): Buffer => {
      const b = Buffer.from(good);
      b[16 + at] = value;
      b.writeUInt32BE(crc32(b.subarray(12, 29)), 29);
      return b;
    };
    expect(() => decodePng(Buffer.from('GIF89a....'))).toThrow(/signature/);
    expect(() => decodePng(withIhdr(8, 16))).toThrow(/bit depth 16/);
    expect(() => decodePng(withIhdr(9, 3))).toThrow(/colour type 3/);
    expect(() => decodePng(withIhdr(12, 1))).toThrow(/interlaced/);
    const badCrc = Buffer.from(good);
    badCrc[20] = 9;
    expect(() => decodePng(badCrc)).toThrow(/bad CRC in chunk IHDR/);
    expect(() => decodePng(good.subarray(0, good.length - 12))).toThrow(/no IEND/);
  });

  it('sees a document Chromium cannot parse: its error page, though Chromium exits 0', async () => {
    const file = nodePath.join(tmp, 'broken.svg');
    fs.writeFileSync(
      file,
      '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="100" height="40"><text x="0" y="20">a & b</text></svg>\n',
    );
    const d = await chromium(['--dump-dom', pathToFileURL(file).href]);
    expect(d.status, describeRun(d)).toBe(0);
    const dom = parseXml(d.stdout);
    expect(dom.name, d.stdout.slice(0, 300)).not.toBe('svg');
    expect(
      descendants(dom).some((e) => e.name === 'parsererror'),
      d.stdout.slice(0, 600),
    ).toBe(true);
  });

  it('the demo node (nsview pods --svg --demo), light and dark', async () => {
    const r = await run([process.execPath, (build as Build).cli, 'pods', '--svg', '--demo'], { env: plainEnv(), timeoutMs: 60_000 });
    expect(r.status, describeRun(r)).toBe(0);
    const shot = await render('demo', r.stdout, { dark: true });
    expectText('demo', shot);
    expectDrawn('demo', shot, 'light', { pods: true });
    expectDrawn('demo', shot, 'dark', { pods: true });
    expect((shot.dark as Png).data.equals(shot.light.data), 'dark differs from light').toBe(false);

    const doc = nodePath.join(docImages, 'pods-demo.png');
    if (process.env.NSVIEW_DOC_IMAGES === '1') {
      fs.mkdirSync(docImages, { recursive: true });
      fs.copyFileSync(shot.lightFile, doc);
      console.log(`wrote ${doc}`);
    } else if (fs.existsSync(doc)) {
      const img = decodePng(fs.readFileSync(doc));
      expect([img.width, img.height], `${doc} is no longer the demo picture's size: NSVIEW_DOC_IMAGES=1 npx vitest run test/live/svg-browser.test.ts`).toEqual([
        shot.width,
        shot.height,
      ]);
    }
  });

  it('this machine (nsview pods --svg, no source)', async () => {
    const r = await run([process.execPath, (build as Build).cli, 'pods', '--svg'], { env: plainEnv(), timeoutMs: 120_000 });
    expect(r.status, describeRun(r)).toBe(0);
    const shot = await render('live', r.stdout);
    const pods = descendants(shot.svg).some((e) => e.attrs.class === 'pod');
    console.log(`this machine: ${pods ? 'pods' : 'no pods'}`);
    expectText('live', shot);
    expectDrawn('live', shot, 'light', { pods });
  });

  it("the seeds' pod (renderPodsSvg on fixtures/scenarios/k8s-seed-pod.json)", async () => {
    const text = renderPodsSvg(scanSync({ source: scenarioSource('k8s-seed-pod') }));
    const shot = await render('seed', text);
    expectText('seed', shot);
    expectDrawn('seed', shot, 'light', { pods: true });
    if (process.env.NSVIEW_DOC_IMAGES === '1') {
      fs.mkdirSync(docImages, { recursive: true });
      fs.copyFileSync(shot.lightFile, nodePath.join(docImages, 'pods-seed.png'));
    }
  });
});

if (skipReason) {
  console.warn(`browser tests skipped: ${skipReason}`);
  describe('live: the SVG picture in a browser (headless Chromium)', () => {
    it.skip(`needs Linux and Chromium: ${skipReason}`, () => undefined);
  });
}
