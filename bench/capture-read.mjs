/* global process, console, URL */
/**
 * What reading a capture costs, confined (as `--root` reads: every path resolved
 * component by component, files opened O_NOFOLLOW and checked through /proc/self/fd)
 * against the same reads unconfined, on a capture of a synthetic node.
 *
 *   npm run build && node bench/capture-read.mjs [processes=5000] [runs=5]
 *
 * The node: the k8s-v2-systemd-node scenario grown with one container of `processes`
 * more processes. Prints one JSON line with the medians (ms) of `scanSync` per profile.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { performance } from 'node:perf_hooks';

const [n = '5000', runsArg = '5'] = process.argv.slice(2);
const extra = Number(n);
const runs = Math.max(1, Number(runsArg));
const lib = await import(new URL('../dist/lib/index.js', import.meta.url).href);
const { specTree } = await import(new URL('../dist/lib/source/spec.js', import.meta.url).href);
const { Volume } = await import('memfs');
const { captureHost } = await import(new URL('../dist/lib/read/capture.js', import.meta.url).href);
const { createFsSource } = await import(new URL('../dist/lib/source/fs-source.js', import.meta.url).href);

const spec = JSON.parse(fs.readFileSync(new URL('../fixtures/scenarios/k8s-v2-systemd-node.json', import.meta.url), 'utf8'));
const model = spec.processes.find((p) => p.cmdline?.[0] === '/bin/app');
for (let i = 0; i < extra; i++)
  spec.processes.push({ ...model, pid: 100000 + i, ppid: model.pid, comm: 'worker', cmdline: ['worker', String(i)], start: 200000 + i });
const tree = specTree(spec);
const vol = new Volume();
vol.fromJSON(tree.files);
for (const [path, target] of Object.entries(tree.links)) {
  vol.mkdirSync(path.slice(0, path.lastIndexOf('/')), { recursive: true });
  vol.symlinkSync(target, path);
}
const dest = nodePath.join(fs.mkdtempSync(nodePath.join(os.tmpdir(), 'nsview-bench-capture-')), 'capture');
try {
  captureHost(dest, createFsSource('/', { fs: vol, confine: false }));
  const median = (a) => a.slice().sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const out = { processes: spec.processes.length };
  for (const profile of ['all', 'leaders', 'tree']) {
    for (const confine of [true, false]) {
      const scan = () => lib.scanSync({ source: createFsSource(dest, { confine }), profile });
      const first = scan();
      const ms = [];
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        scan();
        ms.push(performance.now() - t);
      }
      out[`${profile}${confine ? '' : ' (unconfined)'}`] = { ms: Math.round(median(ms)), processes: first.processes.length, warnings: first.warnings.length };
    }
  }
  console.log(JSON.stringify(out));
} finally {
  fs.rmSync(nodePath.dirname(dest), { recursive: true, force: true });
}
