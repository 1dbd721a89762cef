/* global process */
/** Timing helpers: whole commands (wall time, peak RSS), medians, the machine. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { performance } from 'node:perf_hooks';

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

export const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/**
 * Run a command once with stdout to `out` (a path; /dev/null by default) and
 * return its wall time (ms, measured here around the spawn), peak RSS (KiB,
 * from `/usr/bin/time -f %M` when installed) and exit status.
 */
export function runOnce(argv, { out = '/dev/null', timeoutMs = 300_000 } = {}) {
  const tmp = TIME ? nodePath.join(os.tmpdir(), `nsview-bench-time-${process.pid}`) : undefined;
  const full = TIME ? [TIME, '-f', '%M', '-o', tmp, ...argv] : argv;
  const fd = fs.openSync(out, 'w');
  let r;
  const t = performance.now();
  try {
    r = spawnSync(full[0], full.slice(1), { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  } finally {
    fs.closeSync(fd);
  }
  const ms = performance.now() - t;
  let rssKiB = null;
  if (tmp) {
    try {
      // /usr/bin/time writes "Command exited with non-zero status N" before the figure when it fails.
      const lines = fs.readFileSync(tmp, 'utf8').trim().split('\n');
      rssKiB = Number(lines[lines.length - 1]) || null;
      fs.rmSync(tmp, { force: true });
    } catch {
      // no figure
    }
  }
  if (r.error) throw new Error(`${argv.join(' ')}: ${r.error.message}`);
  // Ctrl-C reaches the timed child too: stop timing and let the caller tear down.
  // (GNU time ignores SIGINT itself and exits 128 + the child's signal.)
  if (r.signal === 'SIGINT' || r.signal === 'SIGTERM' || r.status === 130 || r.status === 143) throw new Error(`interrupted (${r.signal})`);
  return { ms, rssKiB, status: r.status, signal: r.signal, stderr: r.stderr ?? '' };
}

/**
 * Time commands alternately (A B A B …): one warm-up each (its output kept in
 * `keepDir` when given, for a look at what was printed), then `runs` timed rounds.
 */
export async function alternate(commands, { runs = 5, keepDir, between = async () => undefined } = {}) {
  const results = commands.map((c) => ({ name: c.name, argv: c.argv, ms: [], rssKiB: [], bytes: null, warnings: '', failures: 0 }));
  for (const [i, c] of commands.entries()) {
    await between();
    const out = keepDir ? nodePath.join(keepDir, `${c.file ?? i}.out`) : '/dev/null';
    const r = runOnce(c.argv, { out });
    results[i].warmupMs = r.ms;
    results[i].warnings = r.stderr.trim().split('\n').slice(0, 3).join(' | ');
    if (keepDir) results[i].bytes = fs.statSync(out).size;
    if (r.status !== 0) results[i].warmupStatus = r.status ?? r.signal;
  }
  for (let k = 0; k < runs; k++) {
    for (const [i, c] of commands.entries()) {
      // A chance for signal handlers to run between commands.
      await between();
      const r = runOnce(c.argv);
      if (r.status !== 0) results[i].failures++;
      results[i].ms.push(r.ms);
      if (r.rssKiB !== null) results[i].rssKiB.push(r.rssKiB);
    }
  }
  for (const r of results) {
    r.medianMs = median(r.ms);
    r.peakRssKiB = r.rssKiB.length ? Math.max(...r.rssKiB) : null;
  }
  return results;
}

/** Busy share of all CPUs (0–1) over `ms`, from /proc/stat. */
export function cpuBusy(ms = 1000) {
  const read = () => {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    const total = f.reduce((a, b) => a + b, 0);
    return { idle, total };
  };
  const a = read();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  const b = read();
  const total = b.total - a.total;
  return total > 0 ? 1 - (b.idle - a.idle) / total : 0;
}

export function loadAvg() {
  return fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
}

function firstLine(argv) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  return (r.stdout ?? '').split('\n')[0].trim() || null;
}

/** The machine, without anything that names it (no hostname, no paths). */
export function machine() {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model?.trim() ?? null,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    lsns: firstLine(['lsns', '--version']),
    systemd: firstLine(['systemd-cgls', '--version']),
    time: TIME ? 'GNU time (/usr/bin/time -f %M)' : null,
  };
}
