/* global process, URL, Buffer */
/**
 * Where the time of one CLI command goes, measured in-process:
 * `node bench/phases.mjs ls|tree` does what `nsview ls -J` / `nsview tree`
 * do, step by step with the library's own functions, and prints one JSON line
 * of milliseconds:
 *
 * - `boot`: process start to the first line of this script (Node's own startup);
 * - `load`: importing the library modules the command runs (the CLI bundles them into
 *   dist/bin/nsview.js), and `loads`: the time of each import (each covers what it pulls in first);
 * - `yargs`: 0: `ls -J` and `tree` take the CLI's fast path, which builds no parser;
 * - `scan`: scanSync() with the options the CLI passes for the command;
 * - `render`: lsJson() (the rows) or renderTree() (the text);
 * - `json`: renderJson() of the rows (ls only);
 * - `write`: writing the text to stdout (the bench sends it to /dev/null);
 * - `rss`: peak RSS (KiB) at the end.
 *
 * It mirrors bin/nsview.ts by hand: if the CLI's scan options change, change
 * SCAN_OPTIONS below (run.mjs flags a result whose output differs in size
 * from the CLI's).
 */
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';

const boot = performance.now();
const cmd = process.argv[2] ?? 'ls';
// As bin/nsview.ts loads for `ls` and for `tree` without -c (bench/run.mjs checks the output matches the CLI's).
const SCAN_OPTIONS = { ls: { profile: 'leaders', hierarchies: 'none', limits: false }, tree: { profile: 'tree', hierarchies: 'primary', limits: false } };

// The CLI is one bundle (dist/bin/nsview.js); its parts are the library's modules, imported
// here one by one from dist/lib in the order the command needs them. `ls -J` and `tree` take
// the CLI's fast path, which builds no yargs parser: there is no yargs phase.
const lib = (p) => new URL(`../dist/lib/${p}`, import.meta.url).href;
const specs = ['errors.js', 'render/json.js', 'render/safe.js', 'cli.js', 'scan.js', cmd === 'tree' ? 'render/tree.js' : 'render/ls.js'];
const t0 = performance.now();
const mods = {};
const loads = {};
for (const s of specs) {
  // In the CLI's order; each import's time covers what it pulls in first.
  const t = performance.now();
  mods[s] = await import(lib(s));
  loads[s] = performance.now() - t;
}
const t1 = performance.now();
const t2 = t1;

const { scanSync } = mods['scan.js'];
const snap = scanSync({ ...SCAN_OPTIONS[cmd], root: '/' });
const t3 = performance.now();

let text;
const t4 = performance.now();
let t5;
let t6;
if (cmd === 'ls') {
  const { lsJson } = mods['render/ls.js'];
  const { renderJson } = mods['render/json.js'];
  const rows = lsJson(snap, {});
  t5 = performance.now();
  text = renderJson(rows);
  t6 = performance.now();
} else {
  const { renderTree } = mods['render/tree.js'];
  text = renderTree(snap, {}, { color: false, width: 80 });
  t5 = performance.now();
  t6 = t5;
}
fs.writeSync(1, text);
const t7 = performance.now();
const out = {
  cmd,
  processes: snap.processes.length,
  boot,
  load: t1 - t0,
  loads,
  yargs: t2 - t1,
  scan: t3 - t2,
  render: t5 - t4,
  json: t6 - t5,
  write: t7 - t6,
  total: t7,
  bytes: Buffer.byteLength(text),
  rss: process.resourceUsage().maxRSS,
};
fs.writeSync(2, JSON.stringify(out) + '\n');
