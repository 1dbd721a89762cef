/**
 * Live, read-only: with a lab pod up, every command (tree, ls, pods, diff,
 * inspect, snapshot to a file, capture to a directory) writes nothing under
 * /proc or /sys. Three independent witnesses:
 * - strace (when installed): no open under /proc or /sys with a write flag, no
 *   mkdir/unlink/rename/link/chmod there, no write to an fd there; and nothing
 *   written anywhere but stdout/stderr and the file or directory asked for;
 * - an fs hook loaded with `node --import` that logs every fs call that can
 *   change a file (works without strace);
 * - the mtimes of the lab's cgroup directories and control files, unchanged
 *   (with a control showing a write does change them).
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeRun,
  parseStrace,
  plainEnv,
  run,
  stackTrace,
  straceStatus,
  under,
  worldReadableBuild,
  workClock,
  WRITE_FLAGS,
  type Build,
  type FileEvent,
  type RunResult,
} from '../helpers/cli.js';
import { Lab, liveStatus, type LabPod, closeLab } from '../helpers/lab.js';
import { isTemporaryFor } from '../../lib/source/write.js';

const live = liveStatus();
const repo = fileURLToPath(new URL('../../', import.meta.url));
const strace = live.ok ? straceStatus() : { reason: live.reason };

if (!live.ok) {
  console.warn(`live tests skipped: live tests need Linux as root: ${live.reason}`);
  describe('live: nsview is read-only', () => {
    it.skip(`live tests need Linux as root: ${live.reason}`, () => undefined);
  });
}
if (live.ok && !strace.path) console.warn(`readonly: no strace witness: ${strace.reason}`);

/**
 * The fs hook: wraps every node:fs call that can create, change or remove a
 * file (and open, with its flags), logging `{op, path, flags}` lines to
 * $NSVIEW_FS_LOG with the unwrapped calls, then re-syncs the ESM views of node:fs.
 */
const HOOK = `
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
const openSync = fs.openSync, writeSync = fs.writeSync;
const logFd = openSync(process.env.NSVIEW_FS_LOG, 'a');
const log = (op, path, flags) => {
  try { writeSync(logFd, JSON.stringify({ op, path: String(path), flags: flags === undefined ? null : String(flags) }) + '\\n'); } catch {}
};
const wrap = (obj, name, paths, flagsAt) => {
  const f = obj[name];
  if (typeof f !== 'function') return;
  obj[name] = function (...a) {
    for (const i of paths) log(name, a[i], flagsAt === undefined ? undefined : (a[flagsAt] ?? 'r'));
    return f.apply(this, a);
  };
};
for (const o of [fs, fs.promises]) {
  wrap(o, 'openSync', [0], 1); wrap(o, 'open', [0], 1);
  for (const n of ['writeFileSync', 'appendFileSync', 'mkdirSync', 'rmdirSync', 'rmSync', 'unlinkSync', 'truncateSync', 'chmodSync', 'chownSync',
    'utimesSync', 'lutimesSync', 'mkdtempSync', 'writeFile', 'appendFile', 'mkdir', 'rmdir', 'rm', 'unlink', 'truncate', 'chmod', 'chown',
    'utimes', 'lutimes', 'mkdtemp', 'createWriteStream']) wrap(o, n, [0]);
  for (const n of ['renameSync', 'linkSync', 'copyFileSync', 'cpSync', 'rename', 'link', 'copyFile', 'cp']) wrap(o, n, [0, 1]);
  wrap(o, 'symlinkSync', [1]); wrap(o, 'symlink', [1]);
}
syncBuiltinESMExports();
`;

const C = fs.constants;
const WRITE_BITS = C.O_WRONLY | C.O_RDWR | C.O_CREAT | C.O_TRUNC | C.O_APPEND;

/** One logged fs call; does it (or may it) change a file? */
interface HookEntry {
  op: string;
  path: string;
  flags: string | null;
}
function hookWrites(e: HookEntry): boolean {
  if (e.op === 'openSync' || e.op === 'open') {
    const f = e.flags ?? 'r';
    return /^\d+$/.test(f) ? (Number(f) & WRITE_BITS) !== 0 : /[wa+]/.test(f);
  }
  return true;
}

const sysOrProc = (p: string | undefined): boolean => p !== undefined && (under(p, '/proc') || under(p, '/sys'));

describe.skipIf(!live.ok)('live: nsview writes nothing under /proc or /sys', () => {
  let lab: Lab;
  let pod: LabPod;
  let build: Build;
  let clock: ReturnType<typeof workClock> | undefined;
  let tmp: string;
  let hook: string;
  const runs = new Map<string, { r: RunResult; events: FileEvent[]; hook: HookEntry[]; dest?: string; log: string }>();
  let before: Map<string, string>;
  let after: Map<string, string>;
  const figures: string[] = [];

  /** mtime (ns) of every lab cgroup directory and the files in it, in every hierarchy (`*.events` files change with membership: left out). */
  function mtimes(): Map<string, string> {
    const out = new Map<string, string>();
    const dirs = new Set<string>();
    for (const c of [pod.sandbox, ...pod.containers]) for (const h of lab.hierarchies) dirs.add(`${h.mountPoint}${c.cgroup}`);
    for (const h of lab.hierarchies) dirs.add(`${h.mountPoint}${pod.cgroup}`);
    for (const d of dirs) {
      out.set(d, String(fs.statSync(d, { bigint: true }).mtimeNs));
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (!e.isFile() || /\.events(\.local)?$/.test(e.name)) continue;
        out.set(`${d}/${e.name}`, String(fs.statSync(`${d}/${e.name}`, { bigint: true }).mtimeNs));
      }
    }
    return out;
  }

  const COMMANDS: Array<{ name: string; args: () => string[]; dest?: () => string }> = [
    { name: 'tree', args: () => ['tree', '-a', '-k'] },
    { name: 'tree -c memory', args: () => ['tree', '-c', lab.hierarchies.some((h) => h.key === 'memory') ? 'memory' : 'unified'] },
    { name: 'ls', args: () => ['ls'] },
    { name: 'pods', args: () => ['pods'] },
    { name: 'diff', args: () => ['diff', String(pod.containers[0]!.mainPid), String(pod.sandbox.mainPid)] },
    { name: 'inspect', args: () => ['inspect', String(pod.containers[0]!.mainPid)] },
    { name: 'snapshot -o', args: () => ['snapshot', '-o', nodePath.join(tmp, 'snap.json')], dest: () => nodePath.join(tmp, 'snap.json') },
    { name: 'capture', args: () => ['capture', nodePath.join(tmp, 'capture')], dest: () => nodePath.join(tmp, 'capture') },
  ];

  beforeAll(async () => {
    clock = workClock();
    build = worldReadableBuild(repo);
    tmp = fs.mkdtempSync('/tmp/nsview-readonly-');
    hook = nodePath.join(tmp, 'fs-hook.mjs');
    fs.writeFileSync(hook, HOOK);
    lab = await clock.locked(() => Lab.open());
    pod = await lab.pod({ layout: 'cgroupfs', qos: 'burstable', containers: [{}, { procs: 2 }] });
    before = mtimes();
    for (const c of COMMANDS) {
      const log = nodePath.join(tmp, `hook-${runs.size}.jsonl`);
      const trace = nodePath.join(tmp, `strace-${runs.size}.txt`);
      const node = [process.execPath, '--import', pathToFileURL(hook).href, build.cli, ...c.args()];
      const argv = strace.path
        ? [
            strace.path,
            '-f',
            '-qq',
            '-y',
            '-o',
            trace,
            '-e',
            'trace=?open,openat,?openat2,?creat,?mkdir,mkdirat,?rmdir,?unlink,unlinkat,?rename,?renameat,?renameat2,?link,?linkat,?symlink,symlinkat,' +
              '?truncate,?ftruncate,write,?pwrite64,?writev,?pwritev,?pwritev2,?chmod,?fchmod,?fchmodat,?utimensat',
            ...node,
          ]
        : node;
      const r = await run(argv, { env: plainEnv({ NSVIEW_FS_LOG: log }), timeoutMs: 60_000, cwd: tmp });
      const events = strace.path && fs.existsSync(trace) ? parseStrace(fs.readFileSync(trace, 'utf8')) : [];
      const entries = fs.existsSync(log)
        ? fs
            .readFileSync(log, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as HookEntry)
        : [];
      runs.set(c.name, { r: { ...r, argv: [process.execPath, build.cli, ...c.args()] }, events, hook: entries, dest: c.dest?.(), log });
      fs.rmSync(trace, { force: true });
      fs.rmSync(log, { force: true });
    }
    after = mtimes();
  }, 300_000);

  afterAll(async () => {
    try {
      expect(await closeLab(lab), 'lab processes and cgroups left after close').toEqual({ alive: [], cgroups: [] });
    } finally {
      build?.remove();
      if (clock) console.log(clock.report('readonly.test.ts'));
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
      if (figures.length) console.log(`readonly:\n  ${figures.join('\n  ')}`);
    }
  }, 60_000);

  it.each(COMMANDS.map((c) => c.name))('nsview %s exits 0', (name) => {
    const { r, dest } = runs.get(name)!;
    expect(r.timedOut, describeRun(r)).toBe(false);
    expect(r.status, describeRun(r)).toBe(0);
    expect(stackTrace(r.stderr), describeRun(r)).toBeUndefined();
    if (name === 'snapshot -o') expect((JSON.parse(fs.readFileSync(dest as string, 'utf8')) as { format: string }).format).toBe('nsview-snapshot');
    if (name === 'capture') expect(fs.existsSync(`${dest}/proc/self/mountinfo`), 'capture wrote its tree').toBe(true);
  });

  (strace.path ? it.each(COMMANDS.map((c) => c.name)) : it.skip.each(COMMANDS.map((c) => `${c.name} (skipped: ${strace.reason})`)))(
    'strace: nsview %s opens /proc and /sys read-only and changes nothing there; it writes only its output',
    (name) => {
      const { r, events, dest, log } = runs.get(name)!;
      // The output asked for (and the temporary name `snapshot -o` writes beside it, then renames over it), and the hook's own log.
      const ours = (p: string | undefined): boolean => p !== undefined && ((dest !== undefined && (under(p, dest) || isTemporaryFor(p, dest))) || p === log);
      expect(events.length, `strace saw ${describeRun(r)}`).toBeGreaterThan(0);
      const opens = events.filter((e) => /^(open|openat|openat2|creat)$/.test(e.syscall));
      const procOpens = opens.filter((e) => under(e.path, '/proc') && !e.failed).length;
      const sysOpens = opens.filter((e) => under(e.path, '/sys') && !e.failed).length;
      expect(procOpens, 'it read /proc').toBeGreaterThan(0);
      const problems: string[] = [];
      for (const e of events) {
        const target = e.real ?? e.path;
        if (/^(open|openat|openat2|creat)$/.test(e.syscall)) {
          const writes = e.syscall === 'creat' || WRITE_FLAGS.test(e.flags ?? '');
          if (writes && (sysOrProc(e.path) || sysOrProc(e.real))) problems.push(`write open under /proc or /sys: ${e.line}`);
          else if (writes && !(ours(e.path) || ours(target))) problems.push(`write open outside ${dest ?? 'its output'}: ${e.line}`);
        } else if (/^(write|pwrite64|writev|pwritev2?|ftruncate|fchmod)$/.test(e.syscall)) {
          if (sysOrProc(e.real)) problems.push(`write to an fd under /proc or /sys: ${e.line}`);
          else if (e.real?.startsWith('/') && !ours(e.real) && !/^\/dev\/(null|pts\/|tty)/.test(e.real))
            problems.push(`write outside ${dest ?? 'its output'}: ${e.line}`);
        } else {
          // mkdir, rmdir, unlink, rename, link, symlink, truncate, chmod, utimensat
          if (sysOrProc(e.path)) problems.push(`${e.syscall} under /proc or /sys: ${e.line}`);
          else if (!ours(e.path)) problems.push(`${e.syscall} outside ${dest ?? 'its output'}: ${e.line}`);
        }
      }
      figures.push(`strace nsview ${name}: ${procOpens} opens under /proc, ${sysOpens} under /sys, ${events.length} calls traced, ${problems.length} problems`);
      expect(problems.slice(0, 20)).toEqual([]);
    },
  );

  it.each(COMMANDS.map((c) => c.name))('fs hook: nsview %s makes no fs call that could change /proc or /sys', (name) => {
    const { r, hook: entries, dest } = runs.get(name)!;
    const reads = entries.filter((e) => (e.op === 'openSync' || e.op === 'open') && under(e.path, '/proc') && !hookWrites(e)).length;
    expect(reads, `the hook saw nsview's reads of /proc (it is loaded): ${describeRun(r)}`).toBeGreaterThan(0);
    const writes = entries.filter(hookWrites);
    expect(
      writes.filter((e) => sysOrProc(e.path)),
      'changes under /proc or /sys',
    ).toEqual([]);
    expect(
      writes.filter((e) => !(dest && (under(e.path, dest) || isTemporaryFor(e.path, dest)))),
      `changes outside ${dest ?? 'its output'}`,
    ).toEqual([]);
    if (dest) expect(writes.length, `the hook saw the writes to ${dest}`).toBeGreaterThan(0);
    figures.push(`fs hook nsview ${name}: ${reads} reads under /proc, ${writes.length} writes (all under ${dest ?? 'nothing'})`);
  });

  it("the lab's cgroup directories and control files keep their mtimes; a write would show", () => {
    expect(before.size, 'files sampled').toBeGreaterThan(10);
    const changed = [...before].filter(([p, t]) => after.get(p) !== t).map(([p]) => p);
    expect(changed).toEqual([]);
    figures.push(`mtimes: ${before.size} lab cgroup directories and files unchanged`);
    // Control: a no-op write to one of them changes its mtime, so the comparison above can see writes.
    const h = lab.hierarchies[0]!;
    const dir = `${h.mountPoint}${pod.containers[0]!.cgroup}`;
    const file = h.version === 2 ? `${dir}/cgroup.max.depth` : `${dir}/notify_on_release`;
    const value = fs.readFileSync(file, 'utf8').trim();
    const t0 = fs.statSync(file, { bigint: true }).mtimeNs;
    fs.writeFileSync(file, value);
    expect(fs.statSync(file, { bigint: true }).mtimeNs, `mtime of ${file} after writing ${value} back`).not.toBe(t0);
  });
});
