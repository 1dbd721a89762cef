/**
 * Pods as a picture, the way articles draw them: one SVG document with a box per pod. Inside,
 * the sandbox (pause) holds the namespaces the pod shares; each app container has its own
 * namespaces, its main process and its mounts. Connectors (buses) join every container to the
 * shared namespaces, and dashed or solid lines join mounts to the pod's volumes. Namespaces the
 * pod takes from the node (hostNetwork, hostPID, …) sit outside the pod, in the node lane.
 *
 * A small layout pass computes boxes in each pod's own coordinates, then the emitter writes
 * strings. The text is a monospace font stack at 12px and every budget is in characters (a
 * character is taken as 0.6em wide); nothing measures fonts. Every string from the snapshot
 * passes {@link safe} (control characters become `\x1b`-style escapes) and XML escaping. The
 * output depends on the snapshot alone: no dates, no random ids, no external resources.
 */
import { indexSnapshot } from '../model/index-snapshot.js';
import { podText } from '../model/names.js';
import { POD_NS_ORDER, type Container, type Limits, type NsType, type Pod, type Snapshot, type Volume } from '../types.js';
import { formatCpu, formatMemory } from './limits.js';
import { commandLine, ellipsize, safe } from './safe.js';

/** Options of {@link renderPodsSvg}. */
export interface SvgOptions {
  /** Only the pods with these keys (in snapshot order); default all. */
  pods?: string[];
}

// Geometry, in px. Text is 12px monospace: CW is the width of one character.
const CW = 7.2;
const LH = 16;
const PAD = 10;
const GAP = 14;
const CHIP_W = 138;
const CHIP_H = 18;
const CHIP_GAP = 5;
const PER_ROW = 3;
const BUS = 12;
const BOX_W = PER_ROW * CHIP_W + (PER_ROW - 1) * CHIP_GAP + 2 * PAD;
const VOL_W = 220;
const VOL_GAP = 90;
const MARGIN = 16;
const LANE_W = CHIP_W + 2 * PAD;
const LANE_GAP = 40;
const HEAD_H = PAD + 2 * LH + 8;

/** Characters that fit in `px`. */
const chars = (px: number): number => Math.floor(px / CW);

interface Text {
  x: number;
  y: number;
  text: string;
  cls?: string;
  end?: boolean;
}
interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
  cls: string;
  data?: string;
}
interface Chip {
  x: number;
  y: number;
  type: NsType;
  inode: number | undefined;
  mode: string;
}
interface Wire {
  d: string;
  cls: string;
}
interface Dot {
  x: number;
  y: number;
  cls: string;
}
interface PodLayout {
  pod: Pod;
  w: number;
  h: number;
  rects: Rect[];
  texts: Text[];
  chips: Chip[];
  wires: Wire[];
  dots: Dot[];
}

/** XML (and HTML) text for raw snapshot text: escaped for a terminal ({@link safe}), cut to `max` characters, then for XML. */
export function esc(raw: string, max = Infinity): string {
  const s = max === Infinity ? safe(raw) : ellipsize(safe(raw), max);
  // U+FFFE and U+FFFF are no XML characters; safe() leaves them.
  return s
    .replace(/[\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`)
    .replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}

/** Real limits as `cpu 1 · memory 512Mi`; unlimited (`max`) and absent ones are left out. */
function limitsText(l: Limits | undefined): string[] {
  const out: string[] = [];
  if (l?.cpu && l.cpu.quota !== 'max') out.push(`cpu ${formatCpu(l.cpu)}`);
  if (l?.memory !== undefined && l.memory !== 'max') out.push(`memory ${formatMemory(l.memory)}`);
  return out;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Lay out one pod in its own coordinates: the pod box from (0,0); the node lane at x = `lane` (negative). */
function layoutPod(s: Snapshot, pod: Pod, lane: number): PodLayout {
  const ix = indexSnapshot(s);
  const ctrs = pod.containers.map((id) => ix.container(id)).filter((c): c is Container => c !== undefined);
  const sandbox = pod.sandbox ? ctrs.find((c) => c.id === pod.sandbox?.id) : undefined;
  const apps = ctrs.filter((c) => c !== sandbox);
  const mainOf = (c: Container | undefined) => (c?.pids[0] === undefined ? undefined : ix.process(c.pids[0]));
  const typesIn = (...modes: string[]) => POD_NS_ORDER.filter((t) => modes.includes(pod.namespaces[t]));
  const podTypes = typesIn('pod');
  const nodeTypes = typesIn('node');
  const ownTypes = typesIn('container', 'mixed');
  const L: PodLayout = { pod, w: 0, h: 0, rects: [], texts: [], chips: [], wires: [], dots: [] };

  const buses = apps.length ? nodeTypes.length + podTypes.length : 0;
  const busX = (i: number): number => PAD + 4 + i * BUS;
  const x = buses ? busX(buses) + 8 : PAD;
  const volX = x + BOX_W + VOL_GAP;
  const room = chars(BOX_W - 2 * PAD);
  const volumes = pod.volumes ?? [];
  const mountsAt: Array<{ x: number; y: number; vol: number; ro: boolean }> = [];

  /** A member box (sandbox, shared namespaces, container) from `y`: lines, chips (stacked or in rows), mounts. */
  const member = (y: number, cls: string, id: string | null, lines: Array<[string, string?]>, chips: Chip[], stacked: boolean): { y: number; h: number } => {
    let cy = y + PAD;
    for (const [text, c] of lines) {
      L.texts.push({ x: x + PAD, y: cy + 11, text: esc(text, room), cls: c });
      cy += LH;
    }
    chips.forEach((chip, i) => {
      const row = stacked ? i : Math.floor(i / PER_ROW);
      chip.x = x + PAD + (stacked ? 0 : (i % PER_ROW) * (CHIP_W + CHIP_GAP));
      chip.y = cy + 4 + row * (CHIP_H + CHIP_GAP);
      L.chips.push(chip);
    });
    if (chips.length) cy += 4 + Math.ceil(stacked ? chips.length : chips.length / PER_ROW) * (CHIP_H + CHIP_GAP);
    volumes.forEach((v, vol) => {
      for (const m of v.mounts.filter((m) => m.container === id)) {
        L.texts.push({ x: x + PAD, y: cy + 11, text: esc(`${m.path} \u2192 ${v.name}`, room - 4), cls: 't-m' });
        L.texts.push({ x: x + BOX_W - PAD, y: cy + 11, text: m.readOnly ? 'ro' : 'rw', cls: m.readOnly ? 't-ro' : 't-rw', end: true });
        mountsAt.push({ x: x + BOX_W, y: cy + 7, vol, ro: m.readOnly });
        cy += LH;
      }
    });
    const h = cy + PAD - 2 - y;
    L.rects.push({ x, y, w: BOX_W, h, cls, data: id === null ? undefined : `data-container="${esc(id)}"` });
    return { y, h };
  };

  // The sandbox, or (with none) a dashed box for the namespaces the containers still share.
  let y = HEAD_H;
  const holder = ix.process(pod.sandbox?.pid ?? -1) ?? mainOf(apps[0]);
  const podChips = podTypes.map((type): Chip => ({ x: 0, y: 0, type, inode: holder?.ns[type], mode: 'pod' }));
  let top = y;
  if (sandbox || pod.sandbox || podChips.length) {
    const pause = mainOf(sandbox);
    const title = pod.sandbox ? `sandbox \u00b7 pid ${pod.sandbox.pid ?? '?'}` : 'no sandbox: shared by the containers';
    const sub = [pause ? commandLine(pause) : null, sandbox?.image ?? null].filter((t) => t).join(' \u00b7 ');
    const lines: Array<[string, string?]> = [[title, 't-b'], ...(sub ? [[sub, 't-m'] as [string, string]] : [])];
    const box = member(y, pod.sandbox ? 'k-sandbox' : 'k-shared', sandbox?.id ?? null, lines, podChips, true);
    top = box.y + box.h;
  }
  // The node's namespaces, in the lane beside the sandbox.
  const nodeChips = nodeTypes.map((type, i): Chip => ({ x: lane, y: HEAD_H + i * (CHIP_H + CHIP_GAP), type, inode: s.nodeNamespaces[type], mode: 'node' }));
  L.chips.push(...nodeChips);
  if (nodeChips.length) top = Math.max(top, HEAD_H + nodeChips.length * (CHIP_H + CHIP_GAP));
  y = top === HEAD_H ? top : top + GAP;

  // The app containers, one under another; each one's port is where the buses reach it.
  const ports: number[] = [];
  for (const c of apps) {
    const p = mainOf(c);
    const lines: Array<[string, string?]> = [[c.name ?? `${c.runtime}:${c.id.slice(0, 12)}`, 't-b']];
    lines.push([`pid ${c.pids[0] ?? '?'} \u00b7 ${plural(c.pids.length, 'pid')}`]);
    if (p) lines.push([commandLine(p)]);
    if (c.image) lines.push([c.image, 't-m']);
    const lim = limitsText(c.limits);
    if (lim.length) lines.push([lim.join(' \u00b7 '), 't-m']);
    const chips = ownTypes.map((type): Chip => ({ x: 0, y: 0, type, inode: p?.ns[type], mode: pod.namespaces[type] }));
    const box = member(y, 'k-ctr', c.id, lines, chips, false);
    ports.push(y + PAD + 7);
    y += box.h + GAP;
  }
  const bottom = apps.length ? y - GAP : top;

  // Buses: node namespaces leftmost (the top chip on the right, so no lines cross), then the pod's.
  const last = ports[ports.length - 1];
  if (last !== undefined) {
    nodeChips.forEach((chip, i) => {
      const bx = busX(nodeChips.length - 1 - i);
      L.wires.push({ d: `M${lane + CHIP_W} ${chip.y + CHIP_H / 2}H${bx}V${last}`, cls: 'w-node' });
      for (const py of ports) L.dots.push({ x: bx, y: py, cls: 'd-node' });
    });
    podChips.forEach((chip, i) => {
      const bx = busX(nodeChips.length + i);
      L.wires.push({ d: `M${chip.x} ${chip.y + CHIP_H / 2}H${bx}V${last}`, cls: 'w-pod' });
      for (const py of ports) L.dots.push({ x: bx, y: py, cls: 'd-pod' });
    });
    for (const py of ports) L.wires.push({ d: `M${busX(0)} ${py}H${x}`, cls: 'w-port' });
  }

  // Volumes right of the containers, each beside the middle of its mounts (in that order, so lines
  // cross little) and below the one before; each mount a line from its row to the volume.
  const middle = (vol: number): number => {
    const ys = mountsAt.filter((m) => m.vol === vol).map((m) => m.y);
    return ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : Infinity;
  };
  const order = volumes.map((_, vol) => ({ vol, mid: middle(vol) })).sort((a, b) => a.mid - b.mid || a.vol - b.vol);
  let vy = HEAD_H;
  const vroom = chars(VOL_W - 2 * PAD);
  for (const { vol, mid } of order) {
    const v = volumes[vol] as Volume;
    const lines = [v.name, ...(v.kind !== v.name ? [v.kind] : []), ...(v.source !== null && v.source !== v.name ? [v.source] : [])];
    const h = 2 * PAD + lines.length * LH - 2;
    if (mid !== Infinity) vy = Math.max(vy, Math.round(mid - h / 2));
    // A node path says most at its end (`…/kubernetes.io~empty-dir/data`): cut it at the start.
    const cut = (t: string, i: number): string => (i > 0 && t === v.source && t.length > vroom ? esc(`…${t.slice(t.length - vroom + 1)}`) : esc(t, vroom));
    lines.forEach((t, i) => L.texts.push({ x: volX + PAD, y: vy + PAD + 11 + i * LH, text: cut(t, i), cls: i ? 't-m' : 't-b' }));
    L.rects.push({ x: volX, y: vy, w: VOL_W, h, cls: 'k-vol', data: `data-volume="${esc(v.name)}" data-kind="${esc(v.kind)}"` });
    const into = mountsAt.filter((m) => m.vol === vol);
    into.forEach((m, k) => {
      const ey = vy + Math.round((h * (k + 1)) / (into.length + 1));
      L.wires.push({ d: `M${m.x} ${m.y}L${volX} ${ey}`, cls: m.ro ? 'w-ro' : 'w-rw' });
      L.dots.push({ x: volX, y: ey, cls: 'd-vol' });
    });
    vy += h + GAP / 2;
  }

  L.w = (volumes.length ? volX + VOL_W : x + BOX_W) + PAD;
  L.h = Math.max(bottom, vy - GAP / 2, HEAD_H) + PAD;
  return L;
}

const FONT = 'ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono","Liberation Mono",monospace';
// Light colours by default; `prefers-color-scheme: dark` swaps them, background included, so text keeps its contrast.
const STYLE = (dark: boolean): string => {
  const c = (light: string, night: string): string => (dark ? night : light);
  return [
    `text{font-family:${FONT};font-size:12px;fill:${c('#1f2328', '#e6edf3')}}`,
    `.t-b{font-weight:bold}.t-h{font-size:15px;font-weight:bold}.t-m{fill:${c('#59636e', '#9198a1')}}`,
    `.t-rw{font-weight:bold;fill:${c('#1a7f37', '#3fb950')}}.t-ro{font-weight:bold;fill:${c('#9a6700', '#d29922')}}`,
    `.bg{fill:${c('#ffffff', '#0d1117')}}.lane{fill:${c('#f6f8fa', '#151b23')};stroke:${c('#d1d9e0', '#3d444d')}}`,
    `rect{stroke-width:1.5}.k-pod{fill:${c('#fbf8ff', '#1b1430')};stroke:${c('#8250df', '#a371f7')}}`,
    `.k-sandbox,.k-shared{fill:${c('#fff8c5', '#2e2610')};stroke:${c('#9a6700', '#d29922')}}.k-shared{stroke-dasharray:5 3}`,
    `.k-ctr{fill:${c('#ddf4ff', '#0c2540')};stroke:${c('#0969da', '#58a6ff')}}.k-vol{fill:${c('#d8f5f3', '#0b2b2e')};stroke:${c('#1b7c83', '#39c5cf')}}`,
    `.c-pod{fill:${c('#dafbe1', '#0f2e1a')};stroke:${c('#1a7f37', '#3fb950')}}.c-node{fill:${c('#eaeef2', '#262c36')};stroke:${c('#59636e', '#9198a1')}}`,
    `.c-container,.c-mixed{fill:${c('#fff1e5', '#3a1e08')};stroke:${c('#bc4c00', '#f0883e')}}.c-mixed{stroke-dasharray:3 2}`,
    `path{fill:none;stroke-width:1.5}.w-pod{stroke:${c('#1a7f37', '#3fb950')}}.w-node,.w-port{stroke:${c('#59636e', '#9198a1')}}`,
    `.w-rw,.w-ro{stroke:${c('#1b7c83', '#39c5cf')}}.w-ro{stroke-dasharray:6 4}`,
    `.d-pod{fill:${c('#1a7f37', '#3fb950')}}.d-node{fill:${c('#59636e', '#9198a1')}}.d-vol{fill:${c('#1b7c83', '#39c5cf')}}`,
  ].join('');
};

function chipSvg(c: Chip): string {
  const cls = ['pod', 'node', 'container', 'mixed'].includes(c.mode) ? c.mode : 'mixed';
  const inode = c.inode === undefined ? '?' : esc(String(c.inode), chars(CHIP_W - 12) - 7);
  return (
    `<g data-ns="${c.type}" data-mode="${cls}" data-inode="${inode}"><rect class="c-${cls}" x="${c.x}" y="${c.y}" width="${CHIP_W}" height="${CHIP_H}" rx="4"/>` +
    `<text x="${c.x + 6}" y="${c.y + 13}">${c.type}</text><text class="t-b" x="${c.x + 6 + 7 * CW}" y="${c.y + 13}">${inode}</text></g>`
  );
}

const textSvg = (t: Text): string => `<text${t.cls ? ` class="${t.cls}"` : ''} x="${t.x}" y="${t.y}"${t.end ? ' text-anchor="end"' : ''}>${t.text}</text>`;
const rectSvg = (r: Rect): string => `<rect class="${r.cls}"${r.data ? ` ${r.data}` : ''} x="${r.x}" y="${r.y}" width="${r.w}" height="${r.h}" rx="6"/>`;

/** The legend's items: a swatch (a box class, or a line class) and what it means. */
const LEGEND: Array<[string, string]> = [
  ['k-sandbox', 'sandbox (pause)'],
  ['k-ctr', 'container'],
  ['c-pod', 'pod namespace'],
  ['c-container', 'container namespace'],
  ['c-node', 'node namespace'],
  ['k-vol', 'volume'],
  ['w-rw', 'rw mount'],
  ['w-ro', 'ro mount'],
];

/** Pods as one self-contained SVG document; see the module comment. Deterministic: the same snapshot gives the same bytes. */
export function renderPodsSvg(s: Snapshot, o: SvgOptions = {}): string {
  const keys = o.pods ? new Set(o.pods) : undefined;
  const pods = s.pods.filter((p) => !keys || keys.has(p.key));
  const hasNode = pods.some((p) => POD_NS_ORDER.some((t) => p.namespaces[t] === 'node'));
  const podX = MARGIN + (hasNode ? LANE_W + LANE_GAP : 0);
  const layouts = pods.map((p) => layoutPod(s, p, MARGIN + PAD - podX));
  const podW = Math.max(0, ...layouts.map((l) => l.w));
  let width = Math.max(podX + podW + MARGIN, 480);

  // Title and legend, wrapped to the width.
  const body: string[] = [`<text class="t-h" x="${MARGIN}" y="${MARGIN + 14}">${pods.length ? `pods (${pods.length})` : 'no pods'}</text>`];
  let lx = MARGIN;
  let ly = MARGIN + 30;
  if (pods.length) {
    const drawsVolumes = pods.some((p) => (p.volumes ?? []).length > 0);
    for (const [cls, label] of LEGEND.filter(([cls]) => drawsVolumes || !['k-vol', 'w-rw', 'w-ro'].includes(cls))) {
      const w = 26 + label.length * CW + 18;
      if (lx > MARGIN && lx + w > width - MARGIN) [lx, ly] = [MARGIN, ly + 22];
      const swatch = cls.startsWith('w-')
        ? `<path class="${cls}" d="M${lx} ${ly + 7}h20"/>`
        : `<rect class="${cls}" x="${lx}" y="${ly}" width="20" height="14" rx="3"/>`;
      body.push(swatch + `<text x="${lx + 26}" y="${ly + 11}">${label}</text>`);
      lx += w;
    }
    ly += 22;
  }

  // The pods, one under another, beside the node lane.
  let y = ly + (hasNode ? 28 : 10);
  const laneTop = y - 24;
  const groups: string[] = [];
  for (const l of layouts) {
    // The title is 15px: 15/12 of a text character wide.
    const head = esc(`${podText(l.pod)}${l.pod.inferred ? ' (inferred)' : ''}`, Math.floor(((podW - 2 * PAD) / CW) * (12 / 15)));
    const modes = POD_NS_ORDER.filter((t) => !['pod', 'node', 'container'].includes(l.pod.namespaces[t])).map(
      (t) => `${t} ${l.pod.namespaces[t] ?? 'unknown'}`,
    );
    const sub = esc([l.pod.qos ?? 'qos unknown', ...limitsText(l.pod.limits), ...modes].join(' \u00b7 '), chars(podW - 2 * PAD));
    groups.push(
      `<g class="pod" data-pod="${esc(l.pod.key)}" transform="translate(${podX} ${y})">`,
      `<rect class="k-pod" x="0" y="0" width="${podW}" height="${l.h}" rx="10"/>`,
      `<text class="t-h" x="${PAD}" y="${PAD + 13}">${head}</text><text class="t-m" x="${PAD}" y="${PAD + 13 + LH + 2}">${sub}</text>`,
      ...l.rects.map(rectSvg),
      ...l.wires.map((w) => `<path class="${w.cls}" d="${w.d}"/>`),
      ...l.dots.map((d) => `<circle class="${d.cls}" cx="${d.x}" cy="${d.y}" r="3"/>`),
      ...l.chips.map(chipSvg),
      ...l.texts.map(textSvg),
      '</g>',
    );
    y += l.h + GAP * 2;
  }
  const height = pods.length ? y - GAP * 2 + MARGIN : ly + MARGIN;
  if (!pods.length) width = 480;
  const lane = hasNode
    ? [
        `<rect class="lane" x="${MARGIN}" y="${laneTop}" width="${LANE_W}" height="${height - MARGIN - laneTop}" rx="6"/>`,
        `<text class="t-b" x="${MARGIN + PAD}" y="${laneTop + 16}">node</text>`,
      ]
    : [];

  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<style>${STYLE(false)}@media (prefers-color-scheme:dark){${STYLE(true)}}</style>`,
    `<rect class="bg" x="0" y="0" width="${width}" height="${height}"/>`,
    ...body,
    ...lane,
    ...groups,
    '</svg>',
    '',
  ].join('\n');
}
