/* global process, console, URL */
/**
 * What reading holders costs on the live host grown to N processes (default 10,000 `sleep`s
 * this script starts, and kills by recorded pid at the end): scanSync in the `ls` profile
 * without holders, with nsfs mounts only, and with every fd; and the wall time of
 * `nsview ls -J`, `nsview ls -J --holders` and `nsview leaks`. Run as root.
 *
 *   npm run build && node bench/holders.mjs [processes=10000] [runs=5]
 *
 * Prints one JSON line: medians in ms, and how many fds and mount namespaces were read.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';

const [n = '10000', runsArg = '5'] = process.argv.slice(2);
const extra = Number(n);
const runs = Math.max(1, Number(runsArg));
const dist = (p) => new URL(`../dist/${p}`, import.meta.url);
const lib = await import(dist('lib/index.js').href);
const median = (a) => a.slice().sort((x, y) => x - y)[Math.floor(a.length / 2)];
const started = [];
const startOf = (pid) => {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[19];
  } catch {
    return undefined;
  }
};
try {
  for (let i = 0; i < extra; i++) {
    const c = spawn('sleep', ['900'], { stdio: 'ignore' });
    started.push({ pid: c.pid, start: undefined });
    c.unref();
  }
  for (const s of started) s.start = startOf(s.pid);
  const out = { processes: fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).length };
  const fds = fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .reduce((sum, d) => {
      try {
        return sum + fs.readdirSync(`/proc/${d}/fd`).length;
      } catch {
        return sum;
      }
    }, 0);
  out.fds = fds;
  for (const [name, holders] of [
    ['none', undefined],
    ['mounts', 'mounts'],
    ['all', 'all'],
  ]) {
    const ms = [];
    for (let i = 0; i <= runs; i++) {
      const t = performance.now();
      const s = lib.scanSync({ profile: 'leaders', hierarchies: 'none', limits: false, holders });
      if (i > 0) ms.push(performance.now() - t);
      if (i === 0 && holders === 'all') out.mountNamespaces = new Set(s.processes.map((p) => p.ns.mnt)).size;
    }
    out[`scan_leaders_${name}_ms`] = Math.round(median(ms));
  }
  {
    const ms = [];
    for (let i = 0; i <= runs; i++) {
      const t = performance.now();
      lib.scanSync({ holders: 'all', limits: false });
      if (i > 0) ms.push(performance.now() - t);
    }
    out.scan_all_holders_ms = Math.round(median(ms));
  }
  const cli = (args) => {
    const ms = [];
    for (let i = 0; i <= runs; i++) {
      const t = performance.now();
      const r = spawnSync(process.execPath, [dist('bin/nsview.js').pathname, ...args, '-q'], { stdio: ['ignore', 'ignore', 'inherit'] });
      if (r.status !== 0) throw new Error(`nsview ${args.join(' ')}: status ${r.status}`);
      if (i > 0) ms.push(performance.now() - t);
    }
    return Math.round(median(ms));
  };
  out.cli_ls_J_ms = cli(['ls', '-J']);
  out.cli_ls_J_holders_ms = cli(['ls', '-J', '--holders']);
  out.cli_ls_nsfs_ms = cli(['ls', '-o', '+NSFS']);
  out.cli_leaks_ms = cli(['leaks']);
  console.log(JSON.stringify(out));
} finally {
  for (const s of started) {
    if (s.start !== undefined && startOf(s.pid) === s.start) {
      try {
        process.kill(s.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
