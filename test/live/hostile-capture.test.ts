/**
 * Hostile captures on disk: `nsview tree/ls/pods --root <dir>` over capture
 * directories built to hurt — links out of the capture (a file to
 * /etc/shadow, a directory to the host's /sys/fs/cgroup, a process directory
 * and a cgroup tree holding a marker), /proc itself a link to the host's, a
 * link loop, a directory linking to its parent, a 20 MB file, FIFOs, binary
 * garbage in every proc file, missing pieces, an empty proc/, a root that is
 * a file or missing. Each run ends within 10 s with exit 0 and a warning
 * naming the path, or exit 1 with a one-line error naming it; never a stack
 * trace or another exit code; nothing outside the root is read: the marker
 * never shows, and under strace no open or readlink lands outside the root
 * except node's own files (those a clean capture's runs open too).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeScenarioCapture, listTree } from '../helpers/capture-dir.js';
import {
  describeRun,
  parseStrace,
  plainEnv,
  rawControls,
  run,
  stackTrace,
  straceStatus,
  under,
  worldReadableBuild,
  workClock,
  type Build,
  type RunResult,
} from '../helpers/cli.js';
import { which } from '../helpers/lab.js';

const linux = process.platform === 'linux';
const repo = fileURLToPath(new URL('../../', import.meta.url));
const strace = linux ? straceStatus() : { reason: `this is ${process.platform}` };
const COMMANDS = ['tree', 'ls', 'pods'] as const;
type Command = (typeof COMMANDS)[number];
/** A run that takes longer than this has hung. */
const HANG_MS = 10_000;

if (!linux) {
  console.warn(`live tests skipped: hostile captures need Linux (FIFOs, /etc/shadow, strace): this is ${process.platform}`);
  describe('live: hostile capture directories', () => {
    it.skip(`hostile captures need Linux: this is ${process.platform}`, () => undefined);
  });
}
if (linux && !strace.path) console.warn(`hostile captures: no strace check: ${strace.reason}`);

/** A damaged path (a host path, as under the capture root) and what a warning about it says. */
interface Damage {
  path: string;
  /** A run that touches it must name it on stderr (default true); false where any content is valid (a cmdline of garbage, an empty cgroup.procs). */
  named?: boolean;
  /** What stderr says instead of the path (default: the path). */
  as?: string | RegExp;
}

/** A hostile capture and what nsview must make of it. */
interface Case {
  name: string;
  /**
   * Damage the capture at `root` (a copy of the k8s-seed-pod scenario unless `bare`; `out` is a
   * directory outside it) and say where. A command that touches a damaged path (strace tells)
   * must name it; one that does not read it (ls reads no cgroup tree) may say nothing.
   */
  make(root: string, out: string): Damage[];
  /** Start from nothing instead of the scenario. */
  bare?: boolean;
  /** The --root to pass (default the case directory). */
  root?: (dir: string) => string;
  /** Exit status per command (default 0). */
  exit?: Partial<Record<Command, 0 | 1>>;
  /** For exit 1: what the error line itself (the last line, all a user sees without -v) must name. */
  error?: Partial<Record<Command, string | RegExp>>;
  /** Commands whose error line must name the path although the hierarchy it concerns is dropped (checked on its own). */
  errorBug?: Command[];
}

const all = <T>(v: T): Record<Command, T> => ({ tree: v, ls: v, pods: v });

/** `text` names `what` (a string it contains, or a pattern it matches). */
function expectNames(text: string, what: string | RegExp, label: string): void {
  if (typeof what === 'string') expect(text, label).toContain(what);
  else expect(text, label).toMatch(what);
}

/** Bytes with every kind of trouble: NUL, C0, ESC sequences, C1, invalid UTF-8, newlines; deterministic per seed. */
function garbage(seed: number, n: number): Buffer {
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  Buffer.from('\x1b[2J\x1b]0;pwned\x07\n\0\u009b31m\u202e').copy(out, Math.min(16, Math.max(0, n - 24)));
  return out;
}

describe.skipIf(!linux)('live: hostile capture directories', () => {
  let build: Build;
  let clock: ReturnType<typeof workClock> | undefined;
  let tmp: string;
  let out: string;
  const marker = `NSVIEW-MARKER-${randomBytes(8).toString('hex')}`;
  let clean: string;
  const dirs = new Map<string, string>();
  /** Paths node itself opens outside any root (its libraries, /proc/self/…, time zone data), from runs over a clean capture. */
  const baseline = new Set<string>();
  const figures: string[] = [];

  /** Replace pid 5001's files by links (or FIFOs…) made by `put`: every file a view may read of it. */
  const P = '/proc/5001';
  const CASES: Case[] = [
    {
      name: "file links out of the capture (5001's status → a marker file, cmdline → /etc/shadow, stat and cgroup → /etc/passwd)",
      make: (root, o) => {
        const links: Record<string, string> = { status: `${o}/status`, cmdline: '/etc/shadow', stat: '/etc/passwd', cgroup: '/etc/passwd' };
        for (const [f, to] of Object.entries(links)) {
          fs.rmSync(`${root}${P}/${f}`);
          fs.symlinkSync(to, `${root}${P}/${f}`);
        }
        return Object.keys(links).map((f) => ({ path: `${P}/${f}` }));
      },
    },
    {
      name: "sys/fs/cgroup is a link to the host's /sys/fs/cgroup",
      make: (root) => {
        fs.rmSync(`${root}/sys/fs/cgroup`, { recursive: true });
        fs.symlinkSync('/sys/fs/cgroup', `${root}/sys/fs/cgroup`);
        return [{ path: '/sys/fs/cgroup' }];
      },
      exit: { tree: 1 },
      error: { tree: '/sys/fs/cgroup' },
      errorBug: ['tree'],
    },
    {
      name: 'sys/fs/cgroup is a link to a cgroup tree outside holding a marker cgroup',
      make: (root, o) => {
        fs.cpSync(`${root}/sys/fs/cgroup`, `${o}/cgroup`, { recursive: true });
        fs.mkdirSync(`${o}/cgroup/${marker}`);
        fs.writeFileSync(`${o}/cgroup/${marker}/cgroup.procs`, '5001\n');
        fs.rmSync(`${root}/sys/fs/cgroup`, { recursive: true });
        fs.symlinkSync(`${o}/cgroup`, `${root}/sys/fs/cgroup`);
        return [{ path: '/sys/fs/cgroup' }];
      },
      exit: { tree: 1 },
      error: { tree: '/sys/fs/cgroup' },
      errorBug: ['tree'],
    },
    {
      name: 'a process directory is a link to one outside (comm, cmdline and cgroup are the marker)',
      make: (root, o) => {
        fs.cpSync(`${root}/proc/612`, `${o}/proc612`, { recursive: true, verbatimSymlinks: true });
        for (const f of ['comm', 'cmdline']) fs.writeFileSync(`${o}/proc612/${f}`, `${marker}\n`);
        fs.writeFileSync(`${o}/proc612/cgroup`, `0::/${marker}\n`);
        fs.rmSync(`${root}/proc/612`, { recursive: true });
        fs.symlinkSync(`${o}/proc612`, `${root}/proc/612`);
        return [{ path: '/proc/612' }];
      },
    },
    {
      name: "proc is a link to the host's /proc",
      make: (root) => {
        fs.rmSync(`${root}/proc`, { recursive: true });
        fs.symlinkSync('/proc', `${root}/proc`);
        return [{ path: '/proc', as: '/proc: link leads outside the root' }];
      },
      exit: all(1),
      error: all(/^nsview: cannot scan \/.*\/proc: link leads outside the root$/),
    },
    {
      name: "link loops (5001's files → l1 → l2 → l1) and cgroup directories linking to themselves and their parent",
      make: (root) => {
        const d = `${root}${P}`;
        fs.symlinkSync('l2', `${d}/l1`);
        fs.symlinkSync('l1', `${d}/l2`);
        const files = ['stat', 'status', 'cmdline', 'cgroup'];
        for (const f of files) {
          fs.rmSync(`${d}/${f}`);
          fs.symlinkSync('l1', `${d}/${f}`);
        }
        fs.symlinkSync('..', `${root}/sys/fs/cgroup/kubepods.slice/loop`);
        fs.symlinkSync('.', `${root}/sys/fs/cgroup/kubepods.slice/self`);
        return files.map((f) => ({ path: `${P}/${f}` }));
      },
    },
    {
      name: 'a 20 MB cmdline, status and cgroup',
      make: (root) => {
        const files = ['cmdline', 'status', 'cgroup'];
        for (const f of files) fs.writeFileSync(`${root}${P}/${f}`, Buffer.alloc(20 * 1024 * 1024, 'A'));
        return files.map((f) => ({ path: `${P}/${f}` }));
      },
    },
    {
      name: "FIFOs for 5001's files and the root cgroup.procs (no writer: a blocking open would hang)",
      make: (root) => {
        const files = [`${P}/stat`, `${P}/status`, `${P}/cmdline`, `${P}/cgroup`, '/sys/fs/cgroup/cgroup.procs'];
        for (const f of files) {
          fs.rmSync(`${root}${f}`);
          execFileSync('mkfifo', [`${root}${f}`], { timeout: 10_000 });
        }
        // An empty cmdline, cgroup or cgroup.procs reads as nothing there, which is no error.
        return files.map((f) => ({ path: f, named: /\/(stat|status)$/.test(f) }));
      },
    },
    {
      name: 'binary garbage in every proc file and namespace link (NUL, ESC, C1, invalid UTF-8)',
      make: (root) => {
        const t = listTree(`${root}/proc`);
        t.files.forEach((f, i) => fs.writeFileSync(`${root}/proc/${f}`, garbage(i + 1, 64 + ((i * 97) % 3000))));
        t.links.forEach((l, i) => {
          fs.rmSync(`${root}/proc/${l}`);
          // Link text may be any bytes but NUL; '/' would make it a path.
          fs.symlinkSync(Buffer.from(garbage(1000 + i, 40).map((b) => (b === 0 || b === 0x2f ? 0x41 : b))), `${root}/proc/${l}`);
        });
        // Any bytes make a command line, and comm is a fallback: only the parsed files must be named.
        return [...t.files, ...t.links].map((f) => ({ path: `/proc/${f}`, named: /\/(stat|status|cgroup|mountinfo)$|\/ns\//.test(`/${f}`) }));
      },
      exit: { tree: 1 },
      error: { tree: '/proc/self/mountinfo' },
    },
    {
      name: 'no mountinfo',
      make: (root) => {
        // None at all: not the reader's, nor any process's (which a reader may fall back to).
        fs.rmSync(`${root}/proc/self/mountinfo`);
        for (const pid of fs.readdirSync(`${root}/proc`)) fs.rmSync(`${root}/proc/${pid}/mountinfo`, { force: true });
        return [{ path: '/proc/self/mountinfo', as: /\/proc\/(self|1)\/mountinfo/ }];
      },
      exit: { tree: 1 },
      error: { tree: '/proc/self/mountinfo' },
    },
    {
      name: 'an empty proc/',
      bare: true,
      make: (root) => {
        fs.mkdirSync(`${root}/proc`, { recursive: true });
        return [{ path: '/proc', as: '/proc: not a procfs' }];
      },
      exit: all(1),
      error: all(/^nsview: cannot scan \/.*\/proc: not a procfs/),
    },
    {
      name: 'a capture that is a file, not a directory',
      bare: true,
      make: (root) => {
        fs.writeFileSync(`${root}/capture.tgz`, garbage(7, 512));
        return [];
      },
      root: (dir) => `${dir}/capture.tgz`,
      exit: all(1),
      error: all(/^nsview: cannot scan \/.*\/capture\.tgz\/proc: /),
    },
    {
      name: 'a capture that does not exist',
      bare: true,
      make: () => [],
      root: (dir) => `${dir}/no-such-capture`,
      exit: all(1),
      error: all(/^nsview: cannot scan \/.*\/no-such-capture\/proc: /),
    },
    {
      name: 'a capture reached through a link to it (a clean one: no warning at all)',
      bare: true,
      make: () => [],
      root: () => `${clean}-link`,
    },
  ];
  const damage = new Map<string, Damage[]>();

  /** The --root a case runs with. */
  const rootOf = (c: Case): string => (c.root ? c.root(dirs.get(c.name) as string) : (dirs.get(c.name) as string));

  /** Run one command over a root, under strace when there is one; returns the run and the file events (stat calls too: a refused path may never be opened). */
  async function scan(cmd: Command, root: string, label: string): Promise<{ r: RunResult; events: ReturnType<typeof parseStrace> }> {
    const argv = [process.execPath, build.cli, cmd, '-v', '--root', root];
    if (!strace.path) return { r: await run(argv, { env: plainEnv(), timeoutMs: HANG_MS, cwd: tmp }), events: [] };
    const log = nodePath.join(tmp, `strace-${label}-${cmd}.txt`);
    const r = await run(
      [strace.path, '-f', '-qq', '-y', '-o', log, '-e', 'trace=?open,openat,?openat2,readlink,?readlinkat,?stat,?lstat,?newfstatat,?statx', ...argv],
      { env: plainEnv(), timeoutMs: HANG_MS, cwd: tmp },
    );
    const events = fs.existsSync(log) ? parseStrace(fs.readFileSync(log, 'utf8')) : [];
    fs.rmSync(log, { force: true });
    return { r: { ...r, argv }, events };
  }

  /** Where a path really is: the fd strace saw opened, else its directory resolved now (the capture is still there). */
  function landing(e: { path: string; real?: string }): string {
    if (e.real) return e.real;
    try {
      return nodePath.join(fs.realpathSync(nodePath.dirname(e.path)), nodePath.basename(e.path));
    } catch {
      return e.path;
    }
  }

  /** Opens and readlinks that landed outside the root, other than node's own files and the build. */
  function outside(events: ReturnType<typeof parseStrace>, root: string): string[] {
    let realRoot = root;
    try {
      realRoot = fs.realpathSync(root);
    } catch {
      // a root that does not exist: nothing can be under it
    }
    const allowed = [build.dir, fs.realpathSync(nodePath.join(repo, 'node_modules'))];
    const problems: string[] = [];
    for (const e of events) {
      if (!/^(open|openat|openat2|readlink|readlinkat)$/.test(e.syscall)) continue;
      if (baseline.has(e.path)) continue;
      // The root itself and its parents: resolving the root (a link to a capture) reads them.
      if (under(root, e.path)) continue;
      const real = landing(e);
      // Opened through the root as given, or through its real path (nsview resolves the root once).
      if ((under(e.path, root) || under(e.path, realRoot)) && under(real, realRoot)) continue;
      if (allowed.some((d) => under(e.path, d) || under(real, d))) continue;
      problems.push(`${e.syscall} ${e.path}${real !== e.path ? ` (lands on ${real})` : ''}${e.failed ? ' (failed)' : ''}`);
    }
    return [...new Set(problems)];
  }

  beforeAll(() => {
    clock = workClock();
    build = worldReadableBuild(repo);
    tmp = fs.mkdtempSync('/tmp/nsview-hostile-capture-');
    out = nodePath.join(tmp, 'outside');
    fs.mkdirSync(out);
    fs.writeFileSync(`${out}/status`, `Name:\t${marker}\nUid:\t0\t0\t0\t0\nNSpid:\t5001\n`);
    clean = nodePath.join(tmp, 'clean');
    writeScenarioCapture('k8s-seed-pod', clean);
    fs.symlinkSync(clean, `${clean}-link`);
    fs.mkdirSync(nodePath.join(tmp, 'cases'));
    CASES.forEach((c, i) => {
      const dir = nodePath.join(tmp, 'cases', String(i));
      fs.mkdirSync(dir);
      if (!c.bare) writeScenarioCapture('k8s-seed-pod', dir);
      damage.set(c.name, c.make(dir, out));
      dirs.set(c.name, dir);
    });
  }, 180_000);

  afterAll(() => {
    if (figures.length) console.log(`hostile captures:\n  ${figures.join('\n  ')}`);
    if (clock) console.log(clock.report('hostile-capture.test.ts'));
    build?.remove();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    expect(fs.existsSync(tmp ?? ''), 'temp dir removed').toBe(false);
  });

  it(`a clean capture: every command exits 0 without warnings${strace.path ? ' (and records the files node opens by itself)' : ''}`, async () => {
    for (const cmd of COMMANDS) {
      const { r, events } = await scan(cmd, clean, 'clean');
      expect(r.status, describeRun(r)).toBe(0);
      expect(r.stderr, describeRun(r)).toBe('');
      for (const e of events) if (!under(e.path, clean)) baseline.add(e.path);
    }
    expect(which('mkfifo')).toBeDefined();
  });

  describe.each(CASES.map((c) => c.name))('%s', (name) => {
    const c = (): Case => CASES.find((x) => x.name === name) as Case;
    const results = new Map<Command, { r: RunResult; events: ReturnType<typeof parseStrace> }>();

    beforeAll(async () => {
      for (const cmd of COMMANDS) results.set(cmd, await scan(cmd, rootOf(c()), String(CASES.indexOf(c()))));
    }, 120_000);

    it.each(COMMANDS)('nsview %s --root: ends in time with the expected exit, the path named, no stack trace, nothing raw', (cmd) => {
      const { r, events } = results.get(cmd)!;
      const want = c().exit?.[cmd] ?? 0;
      expect(r.timedOut, `hung: ${describeRun(r)}`).toBe(false);
      expect(r.signal, describeRun(r)).toBeNull();
      expect(r.status, describeRun(r)).toBe(want);
      expect(stackTrace(r.stderr), describeRun(r)).toBeUndefined();
      const lines = r.stderr === '' ? [] : r.stderr.replace(/\n$/, '').split('\n');
      for (const l of lines) expect(l, `every stderr line is nsview's own: ${describeRun(r)}`).toMatch(/^nsview: \S/);
      // A damaged path the run touched is named (strace tells which it touched; without strace, one named or none).
      const named = (damage.get(name) ?? []).filter((d) => d.named !== false);
      const says = (d: Damage): boolean =>
        typeof (d.as ?? d.path) === 'string' ? r.stderr.includes((d.as ?? d.path) as string) : (d.as as RegExp).test(r.stderr);
      if (strace.path) {
        const root = rootOf(c());
        const touched = named.filter((d) => events.some((e) => under(e.path, `${root}${d.path}`)));
        const unnamed = touched.filter((d) => !says(d));
        expect(
          unnamed.map((d) => d.path),
          `damaged paths read but not named: ${describeRun(r)}`,
        ).toEqual([]);
      } else if (r.stderr !== '' && named.length) {
        expect(named.some(says), `stderr names one of ${named.map((d) => d.path).join(', ')}: ${describeRun(r)}`).toBe(true);
      }
      if (want === 1) {
        expect(r.stdout, `no output on error: ${describeRun(r)}`).toBe('');
        // The error is the last line, one line; lines before it are warnings (the summary, and -v's list).
        const last = lines[lines.length - 1] ?? '';
        expect(last).not.toMatch(/\(-v lists them\)$/);
        const err = c().error?.[cmd];
        if (err !== undefined && !c().errorBug?.includes(cmd)) expectNames(last, err, describeRun(r));
      }
      expect(rawControls(r.stdoutBytes), `stdout of ${describeRun(r)}`).toEqual([]);
      expect(rawControls(r.stderr.replace(/\n/g, ' ')), `stderr of ${describeRun(r)}`).toEqual([]);
      figures.push(`${name} / ${cmd}: exit ${r.status} in ${r.ms} ms, ${lines.length} stderr line(s)`);
    });

    // When a mounted hierarchy's directory cannot be read, tree's error names the path at fault
    // (not only -v's list).
    for (const cmd of c().errorBug ?? []) {
      it(`nsview ${cmd} --root: the one-line error names ${String(c().error?.[cmd])}`, () => {
        const { r } = results.get(cmd)!;
        const lines = r.stderr.replace(/\n$/, '').split('\n');
        expectNames(lines[lines.length - 1] ?? '', c().error?.[cmd] as string | RegExp, describeRun(r));
      });
    }

    (strace.path ? it : it.skip)(
      `the damage is read at all: some command touches each damaged path${strace.path ? '' : ` (skipped: ${strace.reason})`}`,
      () => {
        const root = rootOf(c());
        const paths = (damage.get(name) ?? []).filter((d) => d.named !== false).map((d) => d.path);
        const touched = paths.filter((p) => COMMANDS.some((cmd) => results.get(cmd)!.events.some((e) => under(e.path, `${root}${p}`))));
        figures.push(`${name}: ${touched.length} of ${paths.length} damaged paths read by tree, ls or pods`);
        expect(touched.length > 0 || paths.length === 0, `none of ${paths.join(', ')} read`).toBe(true);
      },
    );

    if (name.startsWith('file links out')) {
      (strace.path ? it : it.skip)(
        `the strace check catches a read outside: cat following the same link is flagged${strace.path ? '' : ` (skipped: ${strace.reason})`}`,
        async () => {
          const root = rootOf(c());
          const log = nodePath.join(tmp, 'strace-cat.txt');
          const r = await run(
            [strace.path as string, '-f', '-qq', '-y', '-o', log, '-e', 'trace=?open,openat,?openat2,readlink,?readlinkat', 'cat', `${root}/proc/5001/status`],
            { cwd: tmp },
          );
          expect(r.stdout).toContain(marker);
          const flagged = outside(parseStrace(fs.readFileSync(log, 'utf8')), root);
          expect(
            flagged.some((f) => f.includes(`lands on ${fs.realpathSync(out)}/status`)),
            flagged.join('\n'),
          ).toBe(true);
        },
      );
    }

    it('the marker placed outside the capture never shows on stdout or stderr', () => {
      for (const cmd of COMMANDS) {
        const { r } = results.get(cmd)!;
        expect(r.stdout.includes(marker) || r.stderr.includes(marker), `${cmd}: marker shown`).toBe(false);
      }
    });

    (strace.path ? it : it.skip)(`under strace, no open or readlink lands outside the root${strace.path ? '' : ` (skipped: ${strace.reason})`}`, () => {
      for (const cmd of COMMANDS) {
        const { r, events } = results.get(cmd)!;
        expect(events.length, `strace saw ${describeRun(r)}`).toBeGreaterThan(0);
        expect(outside(events, rootOf(c())), `${cmd} --root ${rootOf(c())}`).toEqual([]);
      }
    });
  });

  // nsview treats a missing namespace link as a zombie's or an old kernel's and says nothing;
  // in a capture with no ns directory at all, ls comes out empty with no word of why.
  // BUG (lib/read/processes.ts, in readProcess's fail(): `if (path.includes('/ns/')) return undefined;`): no warning names the missing ns directory.
  describe('no ns directories', () => {
    let dir: string;
    const runs = new Map<Command, RunResult>();
    beforeAll(async () => {
      dir = nodePath.join(tmp, 'no-ns');
      writeScenarioCapture('k8s-seed-pod', dir);
      for (const p of fs.readdirSync(`${dir}/proc`)) fs.rmSync(`${dir}/proc/${p}/ns`, { recursive: true, force: true });
      for (const cmd of COMMANDS) runs.set(cmd, (await scan(cmd, dir, 'no-ns')).r);
    }, 60_000);

    it.each(COMMANDS)('nsview %s --root: exit 0 in time, no stack trace, nothing raw', (cmd) => {
      const r = runs.get(cmd)!;
      expect(r.timedOut, describeRun(r)).toBe(false);
      expect(r.status, describeRun(r)).toBe(0);
      expect(stackTrace(r.stderr), describeRun(r)).toBeUndefined();
      expect(rawControls(r.stdoutBytes)).toEqual([]);
    });

    it.each(COMMANDS)('nsview %s --root: a warning names the missing /proc/<pid>/ns', (cmd) => {
      const r = runs.get(cmd)!;
      expect(r.stderr, describeRun(r)).toMatch(/\/proc\/\d+\/ns/);
    });
  });
});
