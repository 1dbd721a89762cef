/* global process, console, URL, setImmediate */
/**
 * nsview against lsns and systemd-cgls on a host of 1,000 and 10,000 processes.
 *
 *   npm run bench                       # build, then both sizes; rewrites docs/performance.md
 *   node bench/run.mjs --sizes 1000     # one size, quickly (docs untouched unless --doc)
 *
 * Options: --sizes 1000,10000  --runs 5 (timed runs per command, after a warm-up)
 *          --scan-rounds 3 (worker processes per scan variant, 2 timed scans each)
 *          --quiet-wait 60 (seconds to wait for other load to settle before timing)
 *          --doc / --no-doc  --no-profile
 *
 * For each size it fills the host with pods until /proc holds that many
 * processes (bench/host.mjs, which builds them with the live tests' lab,
 * test/helpers/lab.ts, under its lock), times the commands alternately,
 * profiles nsview, and tears everything down (also on Ctrl-C and errors). Root
 * and Linux only. A benchmark, not a test: it reports figures and never fails
 * on them.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BenchHost, HOST_TOOLS, countProcesses, fillPod, processLimits, which } from './host.mjs';
import { alternate, cpuBusy, loadAvg, machine, median } from './measure.mjs';
import { profileCli } from './profile.mjs';
import { DOC_PATH, writeDoc } from './report.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = nodePath.join(ROOT, 'dist/bin/nsview.js');
const NODE = process.execPath;

function parseArgs(argv) {
  const o = { sizes: [1000, 10000], runs: 5, scanRounds: 3, quietWait: 60, doc: undefined, profile: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a.startsWith('--sizes'))
      o.sizes = val()
        .split(',')
        .map((s) => Number(s.trim()));
    else if (a.startsWith('--runs')) o.runs = Number(val());
    else if (a.startsWith('--scan-rounds')) o.scanRounds = Number(val());
    else if (a.startsWith('--quiet-wait')) o.quietWait = Number(val());
    else if (a === '--doc') o.doc = true;
    else if (a === '--no-doc') o.doc = false;
    else if (a === '--no-profile') o.profile = false;
    else if (a === '-h' || a === '--help') {
      const text = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8');
      const doc = text.slice(text.indexOf('/**') + 3, text.indexOf('*/', text.indexOf('/**')));
      console.log(doc.replace(/^ \*( |$)/gm, '').trim());
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  if (o.sizes.some((s) => !Number.isInteger(s) || s < 200)) throw new Error('--sizes: integers of at least 200');
  if (!(o.runs >= 1) || !(o.scanRounds >= 1)) throw new Error('--runs and --scan-rounds must be at least 1');
  // The doc holds the full comparison: rewrite it on a full run, or when asked.
  o.doc ??= o.sizes.includes(1000) && o.sizes.includes(10000);
  return o;
}

const log = (...a) => console.error('bench:', ...a);

/** Processes in the host's one large container: 3,000 at 10,000, half the host at smaller sizes. */
export const largeCgroup = (size) => Math.min(3000, Math.round(size / 2));

function preflight() {
  if (process.platform !== 'linux') throw new Error(`needs Linux (this is ${process.platform})`);
  if (process.getuid?.() !== 0) throw new Error('needs root (it creates namespaces and cgroups)');
  const missing = [...HOST_TOOLS, 'lsns', 'systemd-cgls'].filter((t) => !which(t));
  if (missing.length) throw new Error(`missing tools: ${missing.join(', ')}`);
  if (!fs.existsSync(BIN)) throw new Error(`${nodePath.relative(ROOT, BIN)} not built: run npm run bench (it builds first)`);
}

/** Raise kernel limits that would stop `total` processes; returns how to undo it. */
function fitLimits(total) {
  const { limits, problems } = processLimits(total);
  const raised = [];
  for (const [file, now] of [
    ['/proc/sys/kernel/pid_max', limits.pidMax],
    ['/proc/sys/kernel/threads-max', limits.threadsMax],
  ]) {
    if (now >= total + 1000) continue;
    const want = Math.min(4194304, Math.max(total * 2, 32768));
    try {
      fs.writeFileSync(file, String(want));
      raised.push({ file, from: now, to: want });
      log(`raised ${file} from ${now} to ${want} (restored afterwards)`);
    } catch (err) {
      log(`cannot raise ${file} (${now}): ${err.message}`);
    }
  }
  const left = processLimits(total).problems;
  return { limits, problems, left, raised, restore: () => raised.forEach((r) => fs.writeFileSync(r.file, String(r.from))) };
}

/** Wait (up to `seconds`) until other work leaves the CPUs mostly idle; returns the last busy share. */
async function waitQuiet(seconds, checkpoint) {
  const until = Date.now() + seconds * 1000;
  let busy = cpuBusy(1000);
  let waited = 1;
  while (busy > 0.25 && Date.now() < until) {
    if (waited === 1) log(`CPUs ${Math.round(busy * 100)}% busy with other work; waiting up to ${seconds} s for quiet`);
    await checkpoint();
    busy = cpuBusy(2000);
    waited += 2;
  }
  return { busy, waited };
}

async function scanFigures(rounds, checkpoint) {
  const variants = ['floor', 'floor-all', 'floor-all-1read', 'scan', 'scan-ls', 'scan-tree', 'ls-min', 'tree-min'];
  const acc = Object.fromEntries(variants.map((v) => [v, { ms: [], msPerProc: [], rssKiB: [], retainedKiB: [] }]));
  for (let r = 0; r < rounds; r++) {
    for (const v of variants) {
      await checkpoint();
      const res = spawnSync(NODE, ['--expose-gc', nodePath.join(ROOT, 'bench/scan-worker.mjs'), v, '2'], {
        encoding: 'utf8',
        timeout: 600_000,
        maxBuffer: 16 << 20,
      });
      if (res.status !== 0) throw new Error(`scan-worker ${v}: ${res.stderr}`);
      const j = JSON.parse(res.stdout.trim().split('\n').pop());
      j.ms.forEach((ms, i) => {
        acc[v].ms.push(ms);
        acc[v].msPerProc.push(ms / j.processes[i]);
      });
      acc[v].rssKiB.push(j.maxRssKiB);
      if (j.retainedKiB !== null) acc[v].retainedKiB.push(j.retainedKiB);
      acc[v].processes = j.processes[0];
    }
  }
  const out = {};
  for (const v of variants) {
    out[v] = {
      medianMs: median(acc[v].ms),
      msPerProcess: median(acc[v].msPerProc),
      peakRssKiB: Math.max(...acc[v].rssKiB),
      retainedKiB: acc[v].retainedKiB.length ? median(acc[v].retainedKiB) : null,
      processes: acc[v].processes,
      samples: acc[v].ms.length,
    };
  }
  for (const v of variants) out[v].vsFloor = out[v].msPerProcess / out.floor.msPerProcess;
  return out;
}

async function phaseFigures(cmd, runs, checkpoint) {
  const list = [];
  for (let i = 0; i < runs; i++) {
    await checkpoint();
    const r = spawnSync(NODE, [nodePath.join(ROOT, 'bench/phases.mjs'), cmd], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], timeout: 600_000 });
    if (r.status !== 0) throw new Error(`phases ${cmd}: ${r.stderr}`);
    list.push(JSON.parse(r.stderr.trim().split('\n').pop()));
  }
  const keys = ['boot', 'load', 'yargs', 'scan', 'render', 'json', 'write', 'total', 'rss'];
  const out = Object.fromEntries(keys.map((k) => [k, median(list.map((x) => x[k]))]));
  out.loads = {};
  for (const k of Object.keys(list[0].loads)) out.loads[k] = median(list.map((x) => x.loads[k]));
  out.bytes = list[0].bytes;
  return out;
}

/** Count entries in the JSON of `ls -J`/`lsns -J` and lines of the trees, from the warm-up outputs. */
function outputs(dir) {
  const read = (f) => {
    try {
      return fs.readFileSync(nodePath.join(dir, f), 'utf8');
    } catch {
      return '';
    }
  };
  const count = (t) => {
    try {
      return JSON.parse(t).namespaces.length;
    } catch {
      return null;
    }
  };
  const lines = (t) => (t ? t.split('\n').length - 1 : null);
  return {
    nsviewNamespaces: count(read('nsview-ls.out')),
    lsnsNamespaces: count(read('lsns.out')),
    floorLsNamespaces: count(read('floor-ls.out')),
    nsviewTreeLines: lines(read('nsview-tree.out')),
    floorTreeLines: lines(read('floor-tree.out')),
    cglsLines: lines(read('cgls.out')),
  };
}

async function benchSize(size, o, state) {
  const res = { size, startedAt: new Date().toISOString() };
  const lim = fitLimits(size);
  res.limits = { ...lim.limits, problems: lim.problems, raised: lim.raised, unresolved: lim.left };
  if (lim.left.length) log(`limits may stop ${size} processes: ${lim.left.join('; ')} (trying anyway)`);
  // Long runs of synchronous timing yield here, so that Ctrl-C or a TERM is seen between commands.
  const checkpoint = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    if (state.stopping) throw new Error('interrupted');
  };
  // The lab takes the live-suite lock (waiting for a live suite that holds it) and keeps it until closed.
  const host = await BenchHost.open();
  state.host = host;
  const keep = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'nsview-bench-out-'));
  try {
    const t0 = Date.now();
    log(`size ${size}: building pods (${countProcesses()} processes now)`);
    const b = await host.build(size, { large: largeCgroup(size), onProgress: (d, n) => log(`  ${d}/${n} pods`) });
    // Others' processes come and go while we build: top up with smaller pods.
    for (let i = 0; i < 10; i++) {
      const deficit = size - countProcesses();
      if (deficit < 4) break;
      await host.pod(fillPod(Math.min(deficit, b.perPod)));
    }
    res.build = {
      ...b,
      seconds: (Date.now() - t0) / 1000,
      pods: host.pods.length,
      containers: host.pods.reduce((a, p) => a + 1 + p.containers.length, 0),
      processesAfterBuild: countProcesses(),
    };
    const problems = host.verify();
    res.build.problems = problems.slice(0, 10);
    if (problems.length) log(`host check: ${problems.length} problem(s), e.g. ${problems.slice(0, 3).join('; ')}`);
    log(`size ${size}: ${res.build.processesAfterBuild} processes in /proc, ${host.pods.length} pods, built in ${res.build.seconds.toFixed(1)} s`);

    res.quiet = await waitQuiet(o.quietWait, checkpoint);
    res.loadBefore = loadAvg();
    res.processesAtStart = countProcesses();
    // As users run it: the bin's shebang line carries nsview's V8 flags.
    const nsview = (...a) => [BIN, ...a];
    log('timing the floors: node -e 0, bench/floor-ls.mjs, bench/floor-tree.mjs');
    const [floorCmd, floorLs, floorTree] = await alternate(
      [
        { name: 'node -e 0', argv: [NODE, '-e', '0'] },
        { name: 'node bench/floor-ls.mjs', argv: [NODE, nodePath.join(ROOT, 'bench/floor-ls.mjs')], file: 'floor-ls' },
        { name: 'node bench/floor-tree.mjs', argv: [NODE, nodePath.join(ROOT, 'bench/floor-tree.mjs')], file: 'floor-tree' },
      ],
      { runs: o.runs, keepDir: keep, between: checkpoint },
    );
    log('timing nsview ls -J vs lsns -J');
    const ls = await alternate(
      [
        { name: 'nsview ls -J', argv: nsview('ls', '-J'), file: 'nsview-ls' },
        { name: 'lsns -J', argv: ['lsns', '-J'], file: 'lsns' },
      ],
      { runs: o.runs, keepDir: keep, between: checkpoint },
    );
    log(`  medians ${ls.map((r) => `${r.name} ${(r.medianMs / 1000).toFixed(3)} s`).join(', ')}`);
    log('timing nsview tree vs systemd-cgls --no-pager -a');
    const tree = await alternate(
      [
        { name: 'nsview tree', argv: nsview('tree'), file: 'nsview-tree' },
        { name: 'systemd-cgls --no-pager -a', argv: ['systemd-cgls', '--no-pager', '-a'], file: 'cgls' },
      ],
      { runs: o.runs, keepDir: keep, between: checkpoint },
    );
    log(`  medians ${tree.map((r) => `${r.name} ${(r.medianMs / 1000).toFixed(3)} s`).join(', ')}`);
    res.commands = { node: floorCmd, floorLs, floorTree, ls, tree };
    res.outputs = outputs(keep);
    // The stages below are extras: one that fails is recorded and the run goes on.
    const stage = async (name, fn) => {
      try {
        return await fn();
      } catch (err) {
        if (state.stopping) throw err;
        log(`${name} failed: ${err.message}`);
        (res.errors ??= []).push(`${name}: ${err.message}`);
        return undefined;
      }
    };
    log('timing in-process scans against the bare read loop');
    res.scan = await stage('scan', () => scanFigures(o.scanRounds, checkpoint));
    if (res.scan) log(`  floor ${res.scan.floor.msPerProcess.toFixed(4)} ms/process, scanSync() ${res.scan.scan.msPerProcess.toFixed(4)} ms/process`);
    log('phases of ls and tree');
    res.phases = {
      ls: await stage('phases ls', () => phaseFigures('ls', 3, checkpoint)),
      tree: await stage('phases tree', () => phaseFigures('tree', 3, checkpoint)),
    };
    // The phases mirror the CLI by hand: flag them if they printed something else.
    for (const [cmd, file] of [
      ['ls', ls[0]],
      ['tree', tree[0]],
    ]) {
      const p = res.phases[cmd];
      if (p && file.bytes && Math.abs(p.bytes - file.bytes) > 0.05 * file.bytes) {
        p.mismatch = `printed ${p.bytes} bytes, the CLI ${file.bytes}: bench/phases.mjs no longer mirrors bin/nsview.ts`;
        log(`phases ${cmd}: ${p.mismatch}`);
      }
    }
    if (o.profile) {
      log('profiling nsview ls -J and nsview tree (--cpu-prof)');
      res.profile = {
        ls: await stage('profile ls', () => profileCli(['ls', '-J'])),
        tree: await stage('profile tree', () => checkpoint().then(() => profileCli(['tree']))),
      };
    }
    res.processesAtEnd = countProcesses();
    res.loadAfter = loadAvg();
  } finally {
    log(`size ${size}: tearing down`);
    const t = Date.now();
    res.teardown = await host.close();
    res.teardown.seconds = (Date.now() - t) / 1000;
    state.host = undefined;
    fs.rmSync(keep, { recursive: true, force: true });
    try {
      lim.restore();
    } catch (err) {
      log(`could not restore limits: ${err.message}`);
    }
    const left = res.teardown;
    if (left.errors.length || left.leftProcesses.length || left.leftCgroups.length) {
      log(
        `TEARDOWN LEFT THINGS BEHIND: ${left.leftProcesses.length} processes (${left.leftProcesses.slice(0, 10).join(' ')}), ${left.leftCgroups.length} cgroups (${left.leftCgroups.slice(0, 5).join(' ')})`,
      );
      for (const e of left.errors) log(`  ${e}`);
    } else log(`size ${size}: torn down in ${left.seconds.toFixed(1)} s, nothing left behind`);
  }
  return res;
}

function printSummary(results) {
  const f = (ms) => (ms / 1000).toFixed(3);
  for (const r of results.sizes) {
    const [nls, lsns] = r.commands.ls;
    const [ntree, cgls] = r.commands.tree;
    console.log(`\n== ${r.size} processes (${r.processesAtStart} in /proc when timing started) ==`);
    console.log(`node -e 0                     ${f(r.commands.node.medianMs)} s`);
    if (r.commands.floorLs) console.log(`floor-ls / floor-tree         ${f(r.commands.floorLs.medianMs)} s / ${f(r.commands.floorTree.medianMs)} s`);
    console.log(`nsview ls -J                  ${f(nls.medianMs)} s   peak RSS ${Math.round((nls.peakRssKiB ?? 0) / 1024)} MiB`);
    console.log(
      `lsns -J                       ${f(lsns.medianMs)} s   peak RSS ${Math.round((lsns.peakRssKiB ?? 0) / 1024)} MiB   ratio nsview/lsns ${(nls.medianMs / lsns.medianMs).toFixed(2)}`,
    );
    console.log(`nsview tree                   ${f(ntree.medianMs)} s   peak RSS ${Math.round((ntree.peakRssKiB ?? 0) / 1024)} MiB`);
    console.log(
      `systemd-cgls --no-pager -a    ${f(cgls.medianMs)} s   peak RSS ${Math.round((cgls.peakRssKiB ?? 0) / 1024)} MiB   ratio nsview/cgls ${(ntree.medianMs / cgls.medianMs).toFixed(2)}`,
    );
    for (const [k, v] of Object.entries(r.scan ?? {}))
      console.log(`${k.padEnd(30)}${v.msPerProcess.toFixed(4)} ms/process  x${v.vsFloor.toFixed(2)} of floor  peak RSS ${Math.round(v.peakRssKiB / 1024)} MiB`);
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  preflight();
  const state = { host: undefined, stopping: false };
  // Last resort if we exit abruptly: kill what we started (by recorded pid). The lab does so
  // too, and its lock goes with this process.
  process.on('exit', () => state.host?.killSync());
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, async () => {
      if (state.stopping) {
        // A second one: do not wait for the teardown (the exit hook still kills what we started).
        process.exit(sig === 'SIGINT' ? 130 : 143);
      }
      state.stopping = true;
      log(`${sig}: tearing down`);
      try {
        // No host yet (still waiting for the lock): nothing built, and exiting drops the wait.
        const r = await state.host?.close();
        if (r && (r.leftProcesses.length || r.leftCgroups.length)) log(`left behind: ${r.leftProcesses.length} processes, ${r.leftCgroups.length} cgroups`);
        else if (r) log('torn down, nothing left behind');
      } finally {
        process.exit(sig === 'SIGINT' ? 130 : 143);
      }
    });
  }
  const results = { date: new Date().toISOString(), machine: machine(), options: { runs: o.runs, scanRounds: o.scanRounds }, sizes: [] };
  const started = Date.now();
  const outDir = nodePath.join(ROOT, 'bench/out');
  const file = nodePath.join(outDir, `results-${results.date.replace(/[:.]/g, '-')}.json`);
  const save = () => {
    results.seconds = (Date.now() - started) / 1000;
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
    log(`results: ${nodePath.relative(ROOT, file)}`);
  };
  for (const size of o.sizes) {
    try {
      results.sizes.push(await benchSize(size, o, state));
    } catch (err) {
      // Keep what the sizes before this one measured.
      if (results.sizes.length) save();
      throw err;
    }
  }
  printSummary(results);
  save();
  if (o.doc) {
    writeDoc(results);
    log(`wrote ${nodePath.relative(ROOT, DOC_PATH)}`);
  } else log(`${nodePath.relative(ROOT, DOC_PATH)} not rewritten (pass --doc to rewrite it from this run)`);
  log(`done in ${Math.round(results.seconds)} s`);
}

main().catch((err) => {
  console.error(err.message === 'interrupted' ? 'bench: interrupted' : `bench: ${err.stack ?? err}`);
  process.exitCode = 1;
});
