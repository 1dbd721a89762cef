/* global process, URL, Buffer */
/**
 * In-process scan timings, one variant per Node process so that each one's
 * peak RSS is its own: `node bench/scan-worker.mjs <variant> <runs>` prints
 * one JSON line `{ variant, ms: [...], processes: [...], maxRssKiB }`.
 *
 * Variants:
 * - `floor`: the bare read loop — readdir /proc, then per process readlinkSync
 *   of every ns/* link, and the text of cgroup and stat (each read until a read
 *   returns 0), synchronously, nothing
 *   parsed or kept. The least a scan can do.
 * - `floor-all`: the floor plus status and cmdline, the two other files a
 *   default scan reads per process.
 * - `floor-all-1read`: `floor-all` with one read per file instead of reading until
 *   a read returns 0: the difference is the cost of the extra read per file.
 * - `scan`: the library's scanSync() with default options (all of it: every
 *   process file, every cgroup hierarchy with its limits).
 * - `scan-ls`: scanSync({ profile: 'leaders', hierarchies: 'none', limits: false }), what `ls` reads.
 * - `scan-tree`: scanSync({ profile: 'tree', hierarchies: 'primary', limits: false }), what `tree` reads.
 * - `ls-min`: scanSync({ hierarchies: 'none', limits: false, status: false,
 *   cmdline: false }): what-if — only ns links, stat and cgroup per process.
 * - `tree-min`: scanSync({ hierarchies: 'primary', limits: false, namespaces:
 *   false, status: false }): what-if — the tree without namespaces or status.
 *
 * Run with --expose-gc, it also reports the heap a snapshot keeps alive
 * (`retainedKiB`: heap used after a scan and a full GC, minus before).
 */
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';

const [variant = 'floor', runsArg = '5'] = process.argv.slice(2);
const runs = Math.max(1, Number(runsArg));

// The links of /proc/<pid>/ns on this kernel (the same for every process).
const NS = fs.readdirSync('/proc/self/ns');

const buf = Buffer.allocUnsafe(64 * 1024);
/**
 * Read a /proc file the cheapest correct way: open, read into a shared buffer until a read
 * returns 0 (a short read is not the end: cgroupfs and seq_file hand out a page at a time),
 * close. Every file here fits the buffer, so that is two reads.
 */
function readSmall(path) {
  const fd = fs.openSync(path, 'r');
  try {
    let n = 0;
    for (let m; n < buf.length && (m = fs.readSync(fd, buf, n, buf.length - n, null)) > 0;) n += m;
    return buf.toString('utf8', 0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/** The same with a single read (what nsview did before it read to the end): wrong on large files, one syscall less. */
function readOnce(path) {
  const fd = fs.openSync(path, 'r');
  try {
    return buf.toString('utf8', 0, fs.readSync(fd, buf, 0, buf.length, null));
  } finally {
    fs.closeSync(fd);
  }
}

function floor(all, read = readSmall) {
  let count = 0;
  let sink = 0;
  for (const name of fs.readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    count++;
    const dir = `/proc/${name}`;
    for (const ns of NS) {
      try {
        sink += fs.readlinkSync(`${dir}/ns/${ns}`).length;
      } catch {
        // denied (pid 1 here) or gone
      }
    }
    const files = all ? ['cgroup', 'stat', 'status', 'cmdline'] : ['cgroup', 'stat'];
    for (const f of files) {
      try {
        sink += read(`${dir}/${f}`).length;
      } catch {
        // gone
      }
    }
  }
  return { count, sink };
}

const OPTIONS = {
  scan: {},
  'scan-ls': { profile: 'leaders', hierarchies: 'none', limits: false },
  'scan-tree': { profile: 'tree', hierarchies: 'primary', limits: false },
  'ls-min': { hierarchies: 'none', limits: false, status: false, cmdline: false },
  'tree-min': { hierarchies: 'primary', limits: false, namespaces: false, status: false },
};
let run;
let keep;
if (variant === 'floor' || variant === 'floor-all' || variant === 'floor-all-1read') {
  const all = variant !== 'floor';
  const read = variant === 'floor-all-1read' ? readOnce : readSmall;
  run = () => floor(all, read).count;
} else {
  if (!OPTIONS[variant]) throw new Error(`unknown variant ${variant}`);
  const lib = await import(new URL('../dist/lib/index.js', import.meta.url).href);
  run = () => lib.scanSync(OPTIONS[variant]).processes.length;
  keep = () => lib.scanSync(OPTIONS[variant]);
}

// One warm-up run (JIT, page cache of the dentries), then the timed ones.
run();
const ms = [];
const processes = [];
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  processes.push(run());
  ms.push(performance.now() - t);
}
const maxRssKiB = process.resourceUsage().maxRSS;
let retainedKiB = null;
if (keep && typeof globalThis.gc === 'function') {
  globalThis.gc();
  const before = process.memoryUsage().heapUsed;
  const snap = keep();
  globalThis.gc();
  retainedKiB = Math.round((process.memoryUsage().heapUsed - before) / 1024);
  if (!snap) retainedKiB = null;
}
process.stdout.write(JSON.stringify({ variant, ms, processes, maxRssKiB, retainedKiB }) + '\n');
