/* global URL */
/**
 * docs/performance.md from a bench run. Everything between the NOTES markers
 * of the existing file is kept (the hand-written analysis); the rest is
 * regenerated.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';

export const DOC_PATH = fileURLToPath(new URL('../docs/performance.md', import.meta.url));
const NOTES_BEGIN = '<!-- notes:begin (kept when bench/run.mjs rewrites this file) -->';
const NOTES_END = '<!-- notes:end -->';

/** The targets of the issue, by size. */
export const TARGETS = {
  ls: { 1000: 0.8, 10000: 0.25 },
  tree: { 1000: 2.0, 10000: 1.0 },
  scanVsFloor: 1.5,
  rssMiB: { 10000: 80 },
};

const s3 = (ms) => (ms / 1000).toFixed(3);
const mib = (kib) => (kib == null ? '—' : (kib / 1024).toFixed(0));
const fx = (x, d = 2) => (x == null || Number.isNaN(x) ? '—' : x.toFixed(d));
const met = (ok) => (ok === undefined ? '—' : ok ? '**met**' : '**not met**');
const n = (x) => x.toLocaleString('en-US');

/** Every target of one size: [{ what, value, target, ok }]. */
export function targetsOf(r) {
  const [nls, lsns] = r.commands.ls;
  const [ntree, cgls] = r.commands.tree;
  const out = [];
  const lsT = TARGETS.ls[r.size];
  const treeT = TARGETS.tree[r.size];
  const fl = r.commands.floorLs;
  const ft = r.commands.floorTree;
  out.push({
    id: 'ls',
    what: '`nsview ls -J` / `lsns -J`',
    value: nls.medianMs / lsns.medianMs,
    target: lsT,
    fmt: (v) => `≤ ${v}`,
    floor: fl ? fl.medianMs / lsns.medianMs : undefined,
  });
  out.push({
    id: 'tree',
    what: '`nsview tree` / `systemd-cgls --no-pager -a`',
    value: ntree.medianMs / cgls.medianMs,
    target: treeT,
    fmt: (v) => `≤ ${v}`,
    floor: ft ? ft.medianMs / cgls.medianMs : undefined,
  });
  out.push({
    id: 'scan',
    what: '`scanSync()` / bare read loop (per process)',
    value: r.scan?.scan.vsFloor,
    target: TARGETS.scanVsFloor,
    fmt: (v) => `≤ ${v}`,
    floor: 1,
  });
  const rssT = TARGETS.rssMiB[r.size];
  const peak = Math.max(nls.peakRssKiB ?? 0, ntree.peakRssKiB ?? 0) / 1024;
  const floorRss = Math.max(fl?.peakRssKiB ?? 0, ft?.peakRssKiB ?? 0) / 1024;
  out.push({
    id: 'rss',
    what: 'peak RSS of `nsview ls -J` and `nsview tree` (MiB)',
    value: peak || null,
    target: rssT,
    fmt: (v) => `≤ ${v}`,
    digits: 0,
    floor: floorRss || undefined,
  });
  for (const t of out) t.ok = t.target === undefined || t.value == null ? undefined : t.value <= t.target;
  return out;
}

function commandTable(r) {
  const rows = [
    ['`node -e 0` (startup floor)', r.commands.node, null],
    ...(r.commands.floorLs
      ? [['`node bench/floor-ls.mjs` (floor of `ls -J`)', r.commands.floorLs, r.commands.floorLs.medianMs / r.commands.ls[1].medianMs]]
      : []),
    ...(r.commands.floorTree
      ? [['`node bench/floor-tree.mjs` (floor of `tree`)', r.commands.floorTree, r.commands.floorTree.medianMs / r.commands.tree[1].medianMs]]
      : []),
    ['`nsview ls -J`', r.commands.ls[0], null],
    ['`lsns -J`', r.commands.ls[1], r.commands.ls[0].medianMs / r.commands.ls[1].medianMs],
    ['`nsview tree`', r.commands.tree[0], null],
    ['`systemd-cgls --no-pager -a`', r.commands.tree[1], r.commands.tree[0].medianMs / r.commands.tree[1].medianMs],
  ];
  const lines = ['| Command | median (s) | min–max (s) | peak RSS (MiB) | ÷ peer (lsns / systemd-cgls) |', '|---|---:|---:|---:|---:|'];
  for (const [name, c, ratio] of rows) {
    lines.push(
      `| ${name} | ${s3(c.medianMs)} | ${s3(Math.min(...c.ms))}–${s3(Math.max(...c.ms))} | ${mib(c.peakRssKiB)} | ${ratio === null ? '' : fx(ratio)} |`,
    );
  }
  return lines.join('\n');
}

function scanTable(r) {
  const names = {
    floor: 'bare loop: ns/* links, cgroup, stat (the floor)',
    'floor-all': 'bare loop + status, cmdline',
    'floor-all-1read': 'the same, one read per file (wrong past a page; the cost of reading to the end is the difference)',
    scan: '`scanSync()` (default: everything)',
    'scan-ls': "`scanSync({ profile: 'leaders', hierarchies: 'none', limits: false })` (what `ls` reads)",
    'scan-tree': "`scanSync({ profile: 'tree', hierarchies: 'primary', limits: false })` (what `tree` reads)",
    'ls-min': "what-if: `scanSync({ hierarchies: 'none', limits: false, status: false, cmdline: false })`",
    'tree-min': "what-if: `scanSync({ hierarchies: 'primary', limits: false, namespaces: false, status: false })`",
  };
  const lines = [
    '| In-process, per scan | median (ms) | ms per process | × floor | peak RSS (MiB) | heap kept by the snapshot (MiB) |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const [k, v] of Object.entries(r.scan ?? {})) {
    lines.push(
      `| ${names[k] ?? k} | ${v.medianMs.toFixed(1)} | ${v.msPerProcess.toFixed(4)} | ${fx(v.vsFloor)} | ${mib(v.peakRssKiB)} | ${v.retainedKiB == null ? '' : (v.retainedKiB / 1024).toFixed(1)} |`,
    );
  }
  lines.push('', 'Peak RSS of a variant covers its warm-up and two timed scans in one process (the garbage of one scan may still be there during the next).');
  return lines.join('\n');
}

function phaseTable(r, cmd) {
  const p = r.phases?.[cmd];
  if (!p) return '';
  const cli = cmd === 'ls' ? r.commands.ls[0].medianMs : r.commands.tree[0].medianMs;
  const load = Object.entries(p.loads ?? {}).sort((a, b) => b[1] - a[1]);
  const yargsLoad = (p.loads?.yargs ?? 0) + (p.loads?.['yargs/helpers'] ?? 0);
  const rows = [
    ['Node startup (process start → first line of the script)', p.boot],
    [`module loading, all imports of dist/bin/nsview.js (yargs alone: ${yargsLoad.toFixed(0)} ms)`, p.load],
    ['yargs: build the parser, parse the arguments', p.yargs],
    [`scan (\`scanSync\` with the options of \`${cmd}\`)`, p.scan],
    [cmd === 'ls' ? 'render: `lsJson` (rows)' : 'render: `renderTree` (text)', p.render],
    ...(cmd === 'ls' ? [['JSON: `renderJson` (stringify + escapes)', p.json]] : []),
    ['write to stdout', p.write],
  ];
  const sum = rows.reduce((a, [, v]) => a + v, 0);
  const lines = [`| \`nsview ${cmd === 'ls' ? 'ls -J' : 'tree'}\` at ${n(r.size)} | ms | share of the CLI's median |`, '|---|---:|---:|'];
  for (const [what, v] of rows) lines.push(`| ${what} | ${v.toFixed(0)} | ${((100 * v) / cli).toFixed(0)}% |`);
  lines.push(
    `| rest (exit, GC at exit, noise between the two measurements) | ${Math.max(0, cli - sum).toFixed(0)} | ${Math.max(0, (100 * (cli - sum)) / cli).toFixed(0)}% |`,
  );
  lines.push(`| **CLI median (whole command, measured outside)** | **${cli.toFixed(0)}** | 100% |`);
  if (p.mismatch) lines.push('', `Caution: ${p.mismatch}.`);
  const heavy = load.filter(([, v]) => v >= 5).map(([k, v]) => `\`${k}\` ${v.toFixed(0)} ms`);
  return lines.join('\n') + (heavy.length ? `\n\nSlowest imports, in the CLI's order (each includes what it pulls in first): ${heavy.join(', ')}.` : '');
}

function profileSection(r, cmd) {
  const p = r.profile?.[cmd];
  if (!p) return '';
  const label = cmd === 'ls' ? 'nsview ls -J' : 'nsview tree';
  const areas = p.areas
    .filter((a) => a.pct >= 1)
    .map((a) => `${a.area} ${a.pct}%`)
    .join(', ');
  const lines = [
    `\`node --cpu-prof ${label}\` at ${n(r.size)} processes: ${p.totalMs.toFixed(0)} ms profiled.`,
    '',
    `Self time by area: ${areas}.`,
    '',
    '| Top self time | where | ms | % |',
    '|---|---|---:|---:|',
  ];
  for (const t of p.top.slice(0, 12))
    lines.push(
      `| \`${t.function}\` | ${t.area}${t.line > 0 && t.area.startsWith('lib/') ? ` (compiled line ${t.line})` : ''} | ${t.ms.toFixed(1)} | ${t.pct} |`,
    );
  if (p.steps?.length) {
    lines.push('', '| Inclusive time of library steps | ms | % |', '|---|---:|---:|');
    for (const s of p.steps.filter((x) => x.pct >= 0.5))
      lines.push(`| \`${s.step.replace(/ \(/, '` (').replace(/\)$/, ')')} | ${s.ms.toFixed(1)} | ${s.pct} |`);
  }
  return lines.join('\n');
}

/** The document, from a results object of bench/run.mjs. */
export function renderDoc(results, notes) {
  const m = results.machine;
  const date = results.date.slice(0, 10);
  const out = [];
  out.push('# Performance', '');
  out.push(
    `nsview against \`lsns\` (util-linux) and \`systemd-cgls\` on a host filled with Kubernetes-like pods, at ${results.sizes.map((r) => n(r.size)).join(' and ')} processes. ` +
      'Generated by `bench/run.mjs` on ' +
      date +
      '; the notes at the end are written by hand and kept when the file is regenerated.',
    '',
  );
  out.push('## Targets', '');
  out.push('| Processes | Measure | Value | Target | | Floor |', '|---:|---|---:|---:|---|---:|');
  for (const r of results.sizes) {
    for (const t of targetsOf(r)) {
      out.push(
        `| ${n(r.size)} | ${t.what} | ${t.value == null ? '—' : fx(t.value, t.digits ?? 2)} | ${t.target === undefined ? '—' : t.fmt(t.target)} | ${met(t.ok)} | ${t.floor === undefined ? '' : fx(t.floor, t.digits ?? 2)} |`,
      );
    }
  }
  out.push(
    '',
    "*Floor*: the same measure for the least a Node program can do here — `bench/floor-ls.mjs` and `bench/floor-tree.mjs` are plain scripts that print what `lsns -J` and `systemd-cgls` print, reading only the files that needs (no dependencies, no model); for RSS, their peak. A target below its floor cannot be met by a Node CLI on this machine without cutting Node's own startup.",
    '',
  );
  out.push('## Machine and method', '');
  out.push(
    `- ${m.cores} cores (${m.cpuModel ?? 'unknown CPU'}), ${m.memoryGiB} GiB memory, Linux ${m.kernel}, hybrid cgroups (v1 controllers and the v2 tree)`,
    `- Node ${m.node}; ${m.lsns}; ${m.systemd}`,
    `- date: ${results.date}; peak RSS by ${m.time ?? 'nothing (no /usr/bin/time)'}; the whole run took ${Math.round(results.seconds / 60)} min`,
    '',
    "The host: pods of one sandbox (an `unshare --pid --fork` wrapper whose child joins the pod's cgroups and runs `pause` — a copy of `sleep` — in new net, uts, ipc and mount namespaces) and three containers (each an `unshare --pid --fork` wrapper whose child joins the sandbox's net/ipc/uts with `nsenter`, gets its own mount namespace with `unshare --mount` and runs 5 `sleep`s), in kubelet cgroupfs-style cgroups `/kubepods/besteffort/pod<uid>/<64 hex>` in every hierarchy — 20 processes and 4 pid + 4 mnt + 1 net/uts/ipc namespaces per pod. First comes one pod with one large container (3,000 processes at 10,000, 500 at 1,000): its `cgroup.procs` spans several pages, which the kernel hands out one per read. Pods are added until `/proc` holds the size (the machine's own processes included), then everything is killed by recorded pid and the cgroups removed.",
    '',
    `Whole commands run with stdout to \`/dev/null\`, alternately (A B A B …), one warm-up each and ${results.options.runs} timed runs; the table gives the medians. In-process figures run each variant in its own \`node\` (${results.options.scanRounds} processes × 2 timed scans after a warm-up). The machine is shared: the load average is given per size.`,
    '',
    "Reproduce (root, Linux, `lsns` and `systemd-cgls` installed; about 5 minutes, plus any wait for a live test suite: the bench takes the live tests' lock `/tmp/nsview-live.lock` while its pods exist). It is not part of `npm test` and never fails on timings:",
    '',
    '```sh',
    'npm run bench                      # builds, then 1,000 and 10,000 processes; rewrites this file',
    'node bench/run.mjs --sizes 1000    # one size, quickly; leaves this file alone unless --doc',
    '```',
    '',
    'Raw figures of each run go to `bench/out/results-<date>.json` (not committed).',
    '',
  );
  for (const r of results.sizes) {
    out.push(`## ${n(r.size)} processes`, '');
    out.push(
      `${n(r.processesAtStart)} processes in \`/proc\` when timing started (${n(r.processesAtEnd ?? r.processesAtStart)} at the end); ${n(r.build.pods)} pods, ${n(r.build.containers)} containers, built in ${r.build.seconds.toFixed(0)} s. ` +
        `Load average ${r.loadBefore.join(' ')} before timing, ${r.loadAfter?.join(' ') ?? '?'} after${r.quiet?.busy > 0.25 ? `; other work kept the CPUs ${Math.round(r.quiet.busy * 100)}% busy when timing started` : ''}.`,
      '',
    );
    out.push(commandTable(r), '');
    const o = r.outputs ?? {};
    out.push(
      `Output check (warm-up runs): \`nsview ls -J\` listed ${o.nsviewNamespaces ?? '?'} namespaces, \`lsns -J\` ${o.lsnsNamespaces ?? '?'}, floor-ls ${o.floorLsNamespaces ?? '?'}; \`nsview tree\` printed ${o.nsviewTreeLines ?? '?'} lines, \`systemd-cgls -a\` ${o.cglsLines ?? '?'} (it also lists empty cgroups), floor-tree ${o.floorTreeLines ?? '?'}.`,
      '',
    );
    out.push(scanTable(r), '');
    if (r.errors?.length) out.push(`Stages that failed in this run: ${r.errors.join('; ')}.`, '');
  }
  const unmet = [];
  for (const r of results.sizes) for (const t of targetsOf(r)) if (t.ok === false) unmet.push({ r, t });
  out.push('## Where the time goes', '');
  if (unmet.length === 0) out.push('Every target is met.', '');
  else {
    out.push(
      `Targets not met: ${unmet.map(({ r, t }) => `${t.id} at ${n(r.size)}`).join(', ')}. The phases are measured in-process by \`bench/phases.mjs\` (the CLI's steps, called one by one; median of 3); the profiles by \`node --cpu-prof\` on the CLI (\`bench/profile.mjs\`).`,
      '',
    );
    const cmds = new Set(unmet.map(({ t }) => (t.id === 'tree' ? 'tree' : t.id === 'ls' ? 'ls' : 'both')));
    for (const r of results.sizes) {
      for (const cmd of ['ls', 'tree']) {
        if (!cmds.has(cmd) && !cmds.has('both')) continue;
        out.push(`### \`nsview ${cmd === 'ls' ? 'ls -J' : 'tree'}\` at ${n(r.size)}`, '');
        out.push(phaseTable(r, cmd), '');
        out.push(profileSection(r, cmd), '');
      }
    }
  }
  out.push('## Notes', '');
  out.push(NOTES_BEGIN);
  out.push(notes ?? '(none yet)');
  out.push(NOTES_END, '');
  return out.join('\n');
}

/** The hand-written notes of the current file, if any. */
export function currentNotes(path = DOC_PATH) {
  let text;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const a = text.indexOf(NOTES_BEGIN);
  const b = text.indexOf(NOTES_END);
  if (a < 0 || b < a) return undefined;
  return text.slice(a + NOTES_BEGIN.length, b).trim();
}

export function writeDoc(results, path = DOC_PATH) {
  fs.mkdirSync(nodePath.dirname(path), { recursive: true });
  fs.writeFileSync(path, renderDoc(results, currentNotes(path)));
}
