/* global process, URL */
/**
 * Profile one CLI command with `node --cpu-prof` and summarise it: self time
 * by function and by area (Node internals, yargs, other dependencies, each
 * lib/ file, GC), and the inclusive time of the library's main steps.
 *
 *   node bench/profile.mjs ls -J        # prints JSON
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = nodePath.join(ROOT, 'dist/bin/nsview.js');

/** Functions whose inclusive time tells the phases of a command apart. */
const STEPS = [
  'main',
  'loadSnapshot',
  'scanSync',
  'readProcesses',
  'readProcess',
  'readNamespaces',
  'readHierarchies',
  'walk',
  'identifyProcess',
  'groupNamespaces',
  'groupContainers',
  'limitsAt',
  'groupPods',
  'findNode',
  'lsJson',
  'renderLs',
  'renderJson',
  'renderTree',
  'buildLabels',
  'renderChildren',
  'treeJson',
  'parseAsync',
];

/** Where a profiled function lives, in words a reader of this repository uses. */
export function area(url, functionName) {
  if (!url) {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(program)') return 'native (program)';
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(root)') return 'root';
    return 'native';
  }
  if (url.startsWith('node:')) return 'node internals';
  const p = url.startsWith('file://') ? fileURLToPath(url) : url;
  const rel = nodePath.relative(ROOT, p);
  const nm = rel.split('node_modules/');
  if (nm.length > 1) {
    const parts = nm[nm.length - 1].split('/');
    const pkg = parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
    return pkg === 'yargs' || pkg === 'yargs-parser' || pkg === 'y18n' || pkg === 'cliui' ? 'yargs' : `dep ${pkg}`;
  }
  if (rel.startsWith('dist/')) return rel.slice('dist/'.length).replace(/\.js$/, '.ts');
  return rel;
}

/** Summarise a .cpuprofile: self time per function and area, inclusive time of STEPS. */
export function summarise(profile, top = 15) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    // The delta before a sample is the time spent in it (as Chrome DevTools counts).
    const d = timeDeltas[i + 1] ?? 0;
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + Math.max(0, d));
  }
  const total = profile.endTime - profile.startTime;
  const byFn = new Map();
  const byArea = new Map();
  const inclusive = new Map();
  for (const [id, us] of selfUs) {
    const n = nodes.get(id);
    const cf = n.callFrame;
    const a = area(cf.url, cf.functionName);
    const name = cf.functionName || '(anonymous)';
    const key = `${name}\u0000${a}\u0000${cf.lineNumber}`;
    const e = byFn.get(key) ?? { function: name, area: a, line: cf.lineNumber + 1, us: 0 };
    e.us += us;
    byFn.set(key, e);
    byArea.set(a, (byArea.get(a) ?? 0) + us);
    // Inclusive: every distinct step on the stack gets the sample's time once.
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const f = nodes.get(at).callFrame;
      const fa = area(f.url, f.functionName);
      if (!STEPS.includes(f.functionName) || !(fa.startsWith('lib/') || fa.startsWith('bin/') || f.functionName === 'parseAsync')) continue;
      const k = `${f.functionName} (${fa})`;
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }
  const ms = (us) => Math.round(us / 100) / 10;
  const pct = (us) => Math.round((1000 * us) / total) / 10;
  return {
    totalMs: ms(total),
    samples: samples.length,
    top: [...byFn.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((e) => ({ function: e.function, area: e.area, line: e.line, ms: ms(e.us), pct: pct(e.us) })),
    areas: [...byArea.entries()].sort((a, b) => b[1] - a[1]).map(([a, us]) => ({ area: a, ms: ms(us), pct: pct(us) })),
    steps: [...inclusive.entries()].sort((a, b) => b[1] - a[1]).map(([step, us]) => ({ step, ms: ms(us), pct: pct(us) })),
  };
}

/** Run the CLI with --cpu-prof and return the summary. */
export function profileCli(args, { interval = 250, top = 15 } = {}) {
  const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'nsview-prof-'));
  try {
    const devnull = fs.openSync('/dev/null', 'w');
    const r = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', String(interval), BIN, ...args], {
      stdio: ['ignore', devnull, 'pipe'],
      encoding: 'utf8',
      timeout: 300_000,
    });
    fs.closeSync(devnull);
    if (r.status !== 0) throw new Error(`profile: nsview ${args.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr}`);
    const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('profile: no .cpuprofile written');
    return summarise(JSON.parse(fs.readFileSync(nodePath.join(dir, file), 'utf8')), top);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === nodePath.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  process.stdout.write(JSON.stringify(profileCli(args.length ? args : ['ls', '-J']), null, 2) + '\n');
}
