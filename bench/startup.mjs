/* global process, console, URL, setImmediate */
/**
 * Start-up of the CLI: whole commands run alternately (A B C … A B C …) with
 * stdout to /dev/null, one warm-up each, then medians of the timed rounds.
 *
 *   node bench/startup.mjs                       # this host as it is
 *   node bench/startup.mjs --size 1000           # the host filled with pods to 1,000 processes (root)
 *   node bench/startup.mjs --bin old=/tmp/old/bin/nsview.js --bin new=dist/bin/nsview.js
 *
 * Options: --runs 21 (timed rounds)  --size N (build pods with bench/host.mjs, as
 *          bench/run.mjs does, under the live tests' lock; torn down at the end)
 *          --bin [label=]path (repeatable; default dist/bin/nsview.js)
 *          --only version,ls,tree (which nsview commands)  --json (raw figures)
 *          --no-cpu (skip the second, CPU-time run of each command; needs bash)
 *          --no-floors (skip bench/floor-ls.mjs and bench/floor-tree.mjs)
 *
 * Commands: `node -e 0`; per bin `--version`, `ls -J`, `tree`; the floors
 * `bench/floor-ls.mjs` and `bench/floor-tree.mjs`; `lsns -J`; `systemd-cgls --no-pager -a`
 * (each peer only if installed). Prints the medians
 * and the ratios of the targets in docs/performance.md: `--version` / `node -e 0`,
 * `ls -J` / `lsns -J`, `tree` / `systemd-cgls -a`. A benchmark: never fails on figures.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { loadAvg, median, runOnce } from './measure.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NODE = process.execPath;

function parseArgs(argv) {
  const o = { runs: 21, size: undefined, bins: [], only: ['version', 'ls', 'tree'], json: false, cpu: true, floors: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a.startsWith('--runs')) o.runs = Number(val());
    else if (a.startsWith('--size')) o.size = Number(val());
    else if (a.startsWith('--bin')) {
      const v = val();
      const eq = v.indexOf('=');
      o.bins.push(eq > 0 ? { label: v.slice(0, eq), path: nodePath.resolve(v.slice(eq + 1)) } : { label: v, path: nodePath.resolve(v) });
    } else if (a.startsWith('--only'))
      o.only = val()
        .split(',')
        .map((s) => s.trim());
    else if (a === '--json') o.json = true;
    else if (a === '--no-cpu') o.cpu = false;
    else if (a === '--no-floors') o.floors = false;
    else if (a === '-h' || a === '--help') {
      const text = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8');
      const start = text.indexOf('/**') + 3;
      console.log(
        text
          .slice(start, text.indexOf('*/', start))
          .replace(/^ \*( |$)/gm, '')
          .trim(),
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  if (!(o.runs >= 1)) throw new Error('--runs must be at least 1');
  if (o.size !== undefined && !(Number.isInteger(o.size) && o.size >= 200)) throw new Error('--size: an integer of at least 200');
  if (!o.bins.length) o.bins.push({ label: 'nsview', path: nodePath.join(ROOT, 'dist/bin/nsview.js') });
  for (const b of o.bins) if (!fs.existsSync(b.path)) throw new Error(`${b.path} not found (npm run build?)`);
  return o;
}

function has(tool) {
  return (process.env.PATH ?? '').split(':').some((d) => d && fs.existsSync(nodePath.join(d, tool)));
}

const log = (...a) => console.error('startup:', ...a);

/** The commands of one run, in the order they alternate. */
function commands(o) {
  const list = [{ name: 'node -e 0', argv: [NODE, '-e', '0'] }];
  const args = { version: ['--version'], ls: ['ls', '-J'], tree: ['tree'] };
  for (const b of o.bins)
    for (const c of o.only) list.push({ name: `${b.label} ${args[c].join(' ')}`, argv: [NODE, b.path, ...args[c]], bin: b.label, cmd: c });
  // The floors (bench/floor-*.mjs): plain scripts that print what the peers print, with no dependency and no model.
  if (o.floors && o.only.includes('ls')) list.push({ name: 'node bench/floor-ls.mjs', argv: [NODE, nodePath.join(ROOT, 'bench/floor-ls.mjs')], cmd: 'ls' });
  if (o.floors && o.only.includes('tree'))
    list.push({ name: 'node bench/floor-tree.mjs', argv: [NODE, nodePath.join(ROOT, 'bench/floor-tree.mjs')], cmd: 'tree' });
  if (o.only.includes('ls') && has('lsns')) list.push({ name: 'lsns -J', argv: ['lsns', '-J'], peer: 'ls' });
  if (o.only.includes('tree') && has('systemd-cgls'))
    list.push({ name: 'systemd-cgls --no-pager -a', argv: ['systemd-cgls', '--no-pager', '-a'], peer: 'tree' });
  return list;
}

/**
 * CPU time (user + system, ms) of one run, as bash's `times` reports it for its children:
 * less disturbed than wall time when other work shares the CPUs.
 */
function cpuOnce(argv) {
  const r = spawnSync('bash', ['-c', '"$@" >/dev/null 2>&1; times', 'startup', ...argv], { encoding: 'utf8' });
  const children = (r.stdout ?? '').trim().split('\n')[1] ?? '';
  const ms = children.split(/\s+/).map((t) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t);
    return m ? (Number(m[1]) * 60 + Number(m[2])) * 1000 : NaN;
  });
  return ms.length === 2 ? ms[0] + ms[1] : NaN;
}

async function measure(o) {
  const list = commands(o);
  const processes = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e)).length;
  const loadBefore = loadAvg();
  const acc = list.map(() => ({ ms: [], cpuMs: [], rssKiB: [], failures: 0 }));
  const pause = () => new Promise((resolve) => setImmediate(resolve));
  // One warm-up each, then rounds A B C … A B C …; each run timed once for wall time and RSS, once for CPU time.
  for (const c of list) runOnce(c.argv);
  for (let k = 0; k < o.runs; k++) {
    for (const [i, c] of list.entries()) {
      await pause();
      const r = runOnce(c.argv);
      if (r.status !== 0) acc[i].failures++;
      acc[i].ms.push(r.ms);
      if (r.rssKiB !== null) acc[i].rssKiB.push(r.rssKiB);
      if (o.cpu) acc[i].cpuMs.push(cpuOnce(c.argv));
    }
  }
  const stats = acc.map((a) => ({
    medianMs: median(a.ms),
    minMs: Math.min(...a.ms),
    maxMs: Math.max(...a.ms),
    cpuMs: a.cpuMs.length ? median(a.cpuMs) : null,
    peakRssMiB: a.rssKiB.length ? Math.max(...a.rssKiB) / 1024 : null,
    failures: a.failures,
  }));
  const at = (name) => stats[list.findIndex((c) => c.name === name)];
  const peer = { version: at('node -e 0'), ls: at('lsns -J'), tree: at('systemd-cgls --no-pager -a') };
  const peerName = { version: 'node -e 0', ls: 'lsns -J', tree: 'systemd-cgls --no-pager -a' };
  const rows = list.map((c, i) => {
    const vs = c.cmd ? peer[c.cmd] : undefined;
    return {
      name: c.name,
      ...stats[i],
      ratio: vs ? stats[i].medianMs / vs.medianMs : undefined,
      cpuRatio: vs && vs.cpuMs ? stats[i].cpuMs / vs.cpuMs : undefined,
      ratioOf: vs ? peerName[c.cmd] : undefined,
    };
  });
  return { date: new Date().toISOString(), node: process.version, processes, loadBefore, loadAfter: loadAvg(), runs: o.runs, rows };
}

function print(res) {
  const f = (ms) => (ms === null || Number.isNaN(ms) ? '' : ms.toFixed(1));
  console.log(
    `${res.processes} processes in /proc; ${res.runs} timed runs each after a warm-up; load ${res.loadBefore.join(' ')} before, ${res.loadAfter.join(' ')} after; Node ${res.node}\n`,
  );
  console.log('| Command | median (ms) | min–max (ms) | CPU median (ms) | peak RSS (MiB) | ÷ peer, wall | ÷ peer, CPU |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of res.rows) {
    const ratio = (x) => (x === undefined ? '' : x.toFixed(2));
    const rss = r.peakRssMiB === null ? '' : Math.round(r.peakRssMiB);
    console.log(
      `| \`${r.name}\`${r.failures ? ` (${r.failures} failed)` : ''} | ${f(r.medianMs)} | ${f(r.minMs)}–${f(r.maxMs)} | ${f(r.cpuMs)} | ${rss} | ${ratio(r.ratio)} | ${ratio(r.cpuRatio)} |`,
    );
  }
  console.log('\nPeers: `--version` ÷ `node -e 0`, `ls -J` ÷ `lsns -J`, `tree` ÷ `systemd-cgls --no-pager -a`.');
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  let host;
  let lock;
  process.on('exit', () => {
    host?.killSync();
    lock?.releaseSync();
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => process.exit(sig === 'SIGINT' ? 130 : 143));
  try {
    if (o.size !== undefined) {
      // The same pods as bench/run.mjs builds (loaded only here: it needs root and Linux).
      const { BenchHost, countProcesses, fillPod, takeLock } = await import('./host.mjs');
      // One large container, as bench/run.mjs's largeCgroup (importing run.mjs would run it).
      const largeCgroup = (size) => Math.min(3000, Math.round(size / 2));
      lock = await takeLock();
      host = new BenchHost();
      log(`building pods up to ${o.size} processes (${countProcesses()} now)`);
      const b = await host.build(o.size, { large: largeCgroup(o.size) });
      for (let i = 0; i < 10; i++) {
        const deficit = o.size - countProcesses();
        if (deficit < 4) break;
        await host.pod(fillPod(Math.min(deficit, b.perPod)));
      }
      log(`${countProcesses()} processes, ${host.pods.length} pods`);
    }
    const res = await measure(o);
    if (o.json) console.log(JSON.stringify(res, null, 2));
    else print(res);
  } finally {
    if (host) {
      const t = await host.close();
      if (t.errors.length || t.leftProcesses.length || t.leftCgroups.length)
        log(`teardown left ${t.leftProcesses.length} processes, ${t.leftCgroups.length} cgroups behind`);
      host = undefined;
    }
    if (lock) {
      await lock.release();
      lock = undefined;
    }
  }
}

main().catch((err) => {
  console.error(`startup: ${err.message}`);
  process.exitCode = 1;
});
