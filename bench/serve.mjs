/* global process, console, URL, fetch, setTimeout, performance */
/**
 * What `nsview serve` costs per Prometheus scrape on a node of N processes (default 10,000:
 * lab pods built with bench/host.mjs, under the live-suite lock, removed at the end):
 *
 * - in-process, CPU time (user + system) of one `scanSync` as serve runs it (`all` profile,
 *   holders `mounts`): without the per-process cache, the cache's first (cold) scan, and a
 *   rescan with nothing changed (warm), with how many processes the warm one reused;
 * - the real server (`nsview serve --min-interval 0`, a child process): CPU time of the child
 *   per GET /metrics, read from its /proc/<pid>/stat, for the first scrape after start-up
 *   and the following ones (nothing changed), with `--refresh 0` (no reuse) and the default;
 *   its peak RSS (VmHWM), the size of one /metrics and /snapshot answer, and the longest a
 *   /healthz waited while a scrape scanned (polled every 20 ms).
 *
 *   npm run build && node bench/serve.mjs [processes=10000] [scrapes=7]
 *
 * Prints one JSON line of medians (ms of CPU) and sizes.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { BenchHost, countProcesses } from './host.mjs';

const [n = '10000', scrapesArg = '7'] = process.argv.slice(2);
const total = Number(n);
const scrapes = Math.max(2, Number(scrapesArg));
const dist = (p) => new URL(`../dist/${p}`, import.meta.url);
const lib = await import(dist('lib/index.js').href);
const median = (a) => a.slice().sort((x, y) => x - y)[Math.floor(a.length / 2)];
const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
const TICK_MS = 10; // USER_HZ 100: /proc/<pid>/stat counts CPU in 10 ms ticks
const childCpuMs = (pid) => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_MS;
};
const hwm = (pid) => Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

const host = await BenchHost.open();
const out = {};
const children = [];
try {
  await host.build(total, { onProgress: (d, all) => process.stderr.write(`\rbench: ${d}/${all} pods`) });
  process.stderr.write('\n');
  out.processes = countProcesses();
  out.pods = host.pods.length;

  const opts = { holders: 'mounts' };
  const plain = [];
  for (let i = 0; i <= scrapes; i++) {
    const t = cpuMs();
    lib.scanSync(opts);
    if (i > 0) plain.push(cpuMs() - t);
  }
  out.scan_cpu_ms = Math.round(median(plain));
  const cache = lib.createScanCache();
  let t = cpuMs();
  lib.scanSync({ ...opts, cache });
  out.scan_cold_cache_cpu_ms = Math.round(cpuMs() - t);
  const warm = [];
  for (let i = 0; i < scrapes; i++) {
    t = cpuMs();
    lib.scanSync({ ...opts, cache });
    warm.push(cpuMs() - t);
  }
  out.scan_warm_cache_cpu_ms = Math.round(median(warm));
  out.scan_warm_reused = cache.reused;

  for (const [name, extra, node = []] of [
    ['serve_no_reuse', ['--refresh', '0']],
    ['serve', []],
    // As in a container with a memory limit: V8 told to keep its old space small.
    ['serve_heap_160m', [], ['--max-old-space-size=160']],
  ]) {
    const child = spawn(process.execPath, [...node, dist('bin/nsview.js').pathname, 'serve', '--listen', '127.0.0.1:0', '--min-interval', '0', ...extra], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    const url = await new Promise((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (d) => {
        err += d;
        const m = /on (http:\/\/\S+\/)/.exec(err);
        if (m) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });
    // Start-up scanned once (the node's name): that is the cold scan.
    const startup = childCpuMs(child.pid);
    const per = [];
    let bytes = 0;
    for (let i = 0; i < scrapes; i++) {
      const before = childCpuMs(child.pid);
      const r = await fetch(`${url}metrics`);
      bytes = (await r.arrayBuffer()).byteLength;
      if (r.status !== 200) throw new Error(`GET /metrics: ${r.status}`);
      per.push(childCpuMs(child.pid) - before);
    }
    out[`${name}_startup_cpu_ms`] = startup;
    out[`${name}_scrape_cpu_ms`] = median(per);
    // How long /healthz waits while a scrape scans: polled every 20 ms during one.
    {
      let done = false;
      const waits = [];
      const scrape = fetch(`${url}metrics`)
        .then((r) => r.arrayBuffer())
        .finally(() => (done = true));
      while (!done) {
        const t0 = performance.now();
        await (await fetch(`${url}healthz`)).text();
        waits.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 20));
      }
      await scrape;
      out[`${name}_healthz_max_ms_during_scrape`] = Math.round(Math.max(...waits));
    }
    out[`${name}_peak_rss_mib`] = Math.round(hwm(child.pid));
    out.metrics_bytes = bytes;
    const snap = await fetch(`${url}snapshot`);
    out.snapshot_bytes = (await snap.arrayBuffer()).byteLength;
    out[`${name}_peak_rss_after_snapshot_mib`] = Math.round(hwm(child.pid));
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
} finally {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 100));
  const left = await host.close();
  if (left?.length) console.error(`bench: left behind: ${left.join(', ')}`);
}
console.log(JSON.stringify(out));
