/* global process, console, URL */
/**
 * What naming pods and containers costs, and `nsview which` of 1,000 pids, on a captured
 * node of 10,000 processes (the demo node, whose state files name every pod, grown with one
 * container of workers), read with --root.
 *
 *   npm run build && node bench/names.mjs [processes=10000] [runs=5]
 *
 * Prints one JSON line: medians (ms) of scanSync with names and without, and the wall time
 * of `nsview which <1,000 pids> --root <capture>` and of `nsview pods --root <capture>`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { performance } from 'node:perf_hooks';

const [n = '10000', runsArg = '5'] = process.argv.slice(2);
const extra = Number(n);
const runs = Math.max(1, Number(runsArg));
const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const lib = await import(dist('lib/index.js'));
const { specSource } = await import(dist('lib/source/spec.js'));
const { captureHost } = await import(dist('lib/read/capture.js'));
const spec = JSON.parse(fs.readFileSync(new URL('../lib/demo/k8s-node.json', import.meta.url), 'utf8'));
const model = spec.processes.find((p) => p.pid === 1150);
for (let i = 0; i < extra; i++)
  spec.processes.push({
    ...model,
    pid: 100000 + i,
    ppid: model.pid,
    comm: 'worker',
    cmdline: ['worker', String(i)],
    start: 200000 + i,
    nspid: [100000 + i, 100 + i],
  });
const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'nsview-bench-names-'));
const median = (a) => a.slice().sort((x, y) => x - y)[Math.floor(a.length / 2)];
try {
  const dest = nodePath.join(dir, 'capture');
  captureHost(dest, specSource(spec, '/'));
  const out = { processes: spec.processes.length };
  for (const names of [true, false]) {
    const ms = [];
    for (let i = 0; i <= runs; i++) {
      const t = performance.now();
      const s = lib.scanSync({ root: dest, names });
      if (i > 0) ms.push(performance.now() - t);
      if (names && i === 0) out.named = s.pods.filter((p) => p.name).length + ' pods, ' + s.containers.filter((c) => c.name).length + ' containers named';
    }
    out[`scan ${names ? 'with' : 'without'} names`] = Math.round(median(ms));
  }
  const bin = new URL('../dist/bin/nsview.js', import.meta.url).pathname;
  const pids = Array.from({ length: 1000 }, (_, i) => String(100000 + i * Math.floor(extra / 1000)));
  for (const [label, args] of [
    ['which 1000 pids', ['which', ...pids]],
    ['pods', ['pods']],
  ]) {
    const ms = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      const r = spawnSync(process.execPath, [bin, ...args, '--root', dest, '-q'], { encoding: 'utf8' });
      ms.push(performance.now() - t);
      if (r.status !== 0) throw new Error(`${label}: exit ${r.status}: ${r.stderr}`);
    }
    out[label] = Math.round(median(ms));
  }
  console.log(JSON.stringify(out));
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
