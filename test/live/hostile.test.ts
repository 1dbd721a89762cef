/**
 * Live hostile names: real processes whose arguments and kernel names hold
 * terminal escapes (ESC CSI, OSC, C1 CSI), newlines, tabs, empty arguments,
 * bytes that are not UTF-8, a bidi override, DEL and a 100 KB argument, in a
 * lab pod's container and in two containers under a cgroup whose own name
 * holds control characters (an inferred pod named after it). Every view
 * prints no raw control character; text views show `\x1b`-style escapes;
 * JSON decodes to the real names (and `ls -J` to what `lsns -J -l` prints).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeRun,
  plainEnv,
  rawControls,
  realCmdline,
  realComm,
  run,
  stackTrace,
  worldReadableBuild,
  workClock,
  type Build,
  type RunResult,
} from '../helpers/cli.js';
import { Lab, liveStatus, nsInode, poll, procStat, removeCgroupDir, type LabHierarchy, type LabPod, closeLab } from '../helpers/lab.js';

const live = liveStatus(['lsns']);
const repo = fileURLToPath(new URL('../../', import.meta.url));

if (!live.ok) {
  console.warn(`live tests skipped: live tests need Linux as root: ${live.reason}`);
  describe('live: hostile process and cgroup names', () => {
    it.skip(`live tests need Linux as root: ${live.reason}`, () => undefined);
  });
}

/** The cgroup name: ESC CSI, C1 CSI (U+009B), a bidi override, DEL and a tab. The kernel refuses newlines in cgroup names. */
const EVIL = 'evil\x1b[31m\u009b\u202ecg\x7f\t';
/** A's arguments (after `bash -c <script>`): one hostile input each; '' makes two NULs in a row. */
const A_ARGS = ['hostile-a', '\x1b[31mred', '\x1b]0;title\x07', '\u009b31m', 'line1\nline2\tcol', '', '\u202eevil', 'del\x7f'];
/** A's kernel name, written to /proc/self/comm by the shell that then stays (printf escapes): ESC [2J, C1 CSI, x. */
const A_COMM = '\\033[2J\\302\\233x';
/** B's 100 KB argument: escapes at both ends of plain text. */
const B_LONG = '\x1b[2J' + 'L'.repeat(100 * 1024) + '\x1b]0;end\x07';
/** B's kernel name: two bytes that are not UTF-8, a bidi override, b. */
const B_COMM = '\\377\\376\\342\\200\\256b';
/** C's argv[0] (exec -a, printf escapes): not UTF-8, a raw C1 byte, ESC CSI. */
const C_ARGV0 = '\\377\\376\\233\\033[31m';

/** How a text view must show a string: control and bidi characters as `\xNN` / `\uNNNN`. */
function escaped(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** `out` contains `needle`; a failure shows where the text differs, not 100 KB of output. */
function expectContains(out: string, needle: string, what: string): void {
  if (out.includes(needle)) return;
  // The longest prefix of the needle that is there, and what follows it in the output.
  let lo = 0;
  let hi = needle.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (out.includes(needle.slice(0, mid))) lo = mid;
    else hi = mid - 1;
  }
  const at = out.indexOf(needle.slice(0, lo));
  const cut = (s: string): string => (s.length > 160 ? `${s.slice(0, 160)}…` : s);
  expect.fail(
    `${what}: output lacks ${JSON.stringify(cut(needle))} (${needle.length} chars); the first ${lo} chars match` +
      (lo > 0
        ? ` and are followed by ${JSON.stringify(cut(out.slice(at + lo, at + lo + 80)))} instead of ${JSON.stringify(cut(needle.slice(lo, lo + 80)))}`
        : ''),
  );
}

interface Hostile {
  name: 'A' | 'B' | 'C';
  child: ChildProcess;
  pid: number;
  start: number;
  /** Its cgroup path (from each hierarchy's root). */
  cgroup: string;
  cmdline: string[];
  comm: string;
  /** The command line as lsns and nsview show it: arguments joined by spaces. */
  command: string;
  /** The hostile inputs it carries, in its arguments and its kernel name. */
  inArgs: number;
  inComm: number;
}

describe.skipIf(!live.ok)('live: hostile process and cgroup names in every view', () => {
  let lab: Lab;
  let pod: LabPod;
  let build: Build;
  let clock: ReturnType<typeof workClock> | undefined;
  let tmp: string;
  let top: string;
  const made: string[] = [];
  const procs: Hostile[] = [];
  const by = (n: Hostile['name']): Hostile => procs.find((p) => p.name === n) as Hostile;
  const figures = new Map<string, number>();
  let snapshotFile: string;
  let ids: [string, string];

  /** mkdir a cgroup in every hierarchy, recording what we created (v1 cpuset gets its parent's cpus and mems). */
  function makeCgroup(path: string): void {
    for (const h of lab.hierarchies) {
      let dir = h.mountPoint;
      for (const seg of path.split('/').filter(Boolean)) {
        const parent = dir;
        dir = `${dir}/${seg}`;
        if (fs.existsSync(dir)) continue;
        fs.mkdirSync(dir);
        made.push(dir);
        if (h.version === 1) {
          for (const f of ['cpuset.cpus', 'cpuset.mems']) {
            if (fs.existsSync(`${dir}/${f}`) && fs.readFileSync(`${dir}/${f}`, 'utf8').trim() === '')
              fs.writeFileSync(`${dir}/${f}`, fs.readFileSync(`${parent}/${f}`, 'utf8').trim());
          }
        }
      }
    }
  }

  const procsFiles = (path: string): string => lab.hierarchies.map((h: LabHierarchy) => `${h.mountPoint}${path}/cgroup.procs`).join('\n');

  /**
   * Start a hostile process: `wrap` (unshare/nsenter, which exec) runs
   * `bash -c <script> args…`; the shell moves itself into `cgroup` in every
   * hierarchy, optionally writes its kernel name, then `tail` (a read of our
   * pipe, so it exits when we close it, or an exec). Waits until it is in
   * place with the name `comm` (raw bytes, decoded).
   */
  async function start(
    name: Hostile['name'],
    cgroup: string,
    wrap: string[],
    opts: { comm?: string; tail: string; args: string[]; inArgs: number; inComm: number },
  ): Promise<Hostile> {
    const setComm = opts.comm ? 'printf "$HOSTILE_COMM" > /proc/$$/comm || exit 96; ' : '';
    const script = `IFS='\n'; for f in $HOSTILE_PROCS; do echo 0 > "$f" || exit 97; done; ${setComm}${opts.tail}`;
    const argv = [...wrap, 'bash', '-c', script, ...opts.args];
    const child = spawn(argv[0] as string, argv.slice(1), {
      stdio: ['pipe', 'ignore', 'pipe'],
      env: { ...process.env, HOSTILE_PROCS: procsFiles(cgroup), HOSTILE_COMM: opts.comm ?? '' },
    });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => (err += String(e)));
    const pid = child.pid as number;
    const wantComm = opts.comm === undefined ? undefined : spawnSync('bash', ['-c', 'printf "$0"', opts.comm], { timeout: 10_000 }).stdout.toString('utf8');
    const st = await poll(
      `hostile process ${name} in ${JSON.stringify(cgroup)}`,
      (s) => {
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`hostile ${name}: ${argv.slice(0, 6).join(' ')}… exited ${child.exitCode ?? child.signalCode}: ${err}`);
        const p = procStat(pid);
        let lines: string[];
        try {
          lines = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').filter(Boolean);
        } catch {
          return undefined;
        }
        const placed = lines.filter((l) => l.slice(l.indexOf(':', l.indexOf(':') + 1) + 1) === cgroup).length;
        const comm = realComm(pid);
        s.last = `comm ${JSON.stringify(comm)}, ${placed} of ${lab.hierarchies.length} hierarchies placed`;
        if (placed < lab.hierarchies.length) return undefined;
        if (wantComm !== undefined && comm !== wantComm) return undefined;
        if (opts.tail.startsWith('exec') && comm !== 'cat') return undefined;
        // The kernel names the process (comm) during execve before it sets up the new arguments:
        // until then /proc/<pid>/cmdline is empty (a run recorded C's command line as []).
        if (opts.tail.startsWith('exec') && realCmdline(pid).length === 0) return undefined;
        return p;
      },
      15_000,
    );
    const cmdline = realCmdline(pid);
    const h: Hostile = {
      name,
      child,
      pid,
      start: st?.start ?? 0,
      cgroup,
      cmdline,
      comm: realComm(pid),
      command: cmdline.join(' '),
      inArgs: opts.inArgs,
      inComm: opts.inComm,
    };
    procs.push(h);
    return h;
  }

  beforeAll(async () => {
    tmp = fs.mkdtempSync('/tmp/nsview-hostile-');
    clock = workClock();
    build = worldReadableBuild(repo);
    lab = await clock.locked(() => Lab.open());
    pod = await lab.pod({ layout: 'containerd', qos: 'burstable', containers: [{}] });
    const container = pod.containers[0]!;
    // A: in the lab pod's container (its cgroup, the sandbox's net and ipc), with a uts namespace of its own.
    await start(
      'A',
      container.cgroup,
      ['setpriv', '--pdeathsig', 'KILL', 'nsenter', '-t', String(pod.sandbox.mainPid), '--net', '--ipc', '--', 'unshare', '--uts', '--'],
      {
        comm: A_COMM,
        tail: 'read -r _',
        args: A_ARGS,
        inArgs: A_ARGS.length - 1, // every argument but the first; the empty one makes two NULs in a row
        inComm: 1,
      },
    );
    // B and C: two Docker-like containers (64-hex ids) under the hostile cgroup, sharing B's net and ipc: an inferred pod named EVIL.
    top = `/nsview-hostile-${randomBytes(4).toString('hex')}`;
    ids = [randomBytes(32).toString('hex'), randomBytes(32).toString('hex')];
    makeCgroup(`${top}/${EVIL}/${ids[0]}`);
    makeCgroup(`${top}/${EVIL}/${ids[1]}`);
    const b = await start('B', `${top}/${EVIL}/${ids[0]}`, ['setpriv', '--pdeathsig', 'KILL', 'unshare', '--net', '--ipc', '--uts', '--'], {
      comm: B_COMM,
      tail: 'read -r _',
      args: ['hostile-b', B_LONG],
      inArgs: 1,
      inComm: 1,
    });
    await start(
      'C',
      `${top}/${EVIL}/${ids[1]}`,
      ['setpriv', '--pdeathsig', 'KILL', 'nsenter', '-t', String(b.pid), '--net', '--ipc', '--', 'unshare', '--uts', '--'],
      {
        tail: `exec -a "$(printf '${C_ARGV0}')" cat`,
        args: [],
        inArgs: 1,
        inComm: 0,
      },
    );
    snapshotFile = nodePath.join(tmp, 'snap.json');
  }, 300_000);

  afterAll(async () => {
    const errors: string[] = [];
    try {
      for (const p of procs) p.child.stdin?.end();
      await poll(
        'hostile processes to exit',
        (s) => {
          const left = procs.filter((p) => {
            const st = procStat(p.pid);
            return st && st.start === p.start && st.state !== 'Z';
          });
          s.last = left.map((p) => `${p.name} ${p.pid}`).join(', ');
          for (const p of left) process.kill(p.pid, 'SIGKILL');
          return left.length ? undefined : true;
        },
        15_000,
        20,
      ).catch((e: unknown) => errors.push(String(e)));
      for (const dir of [...made].reverse()) {
        await removeCgroupDir(dir).catch((e: unknown) => errors.push(String(e)));
      }
      expect(await closeLab(lab), 'lab processes and cgroups left after close').toEqual({ alive: [], cgroups: [] });
      expect(errors, 'hostile processes and cgroups left behind').toEqual([]);
      expect(
        made.filter((d) => fs.existsSync(d)),
        'hostile cgroups left',
      ).toEqual([]);
    } finally {
      build?.remove();
      if (clock) console.log(clock.report('hostile.test.ts'));
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
      if (figures.size) console.log(`hostile inputs checked per view (of ${totalInputs()}):\n  ${[...figures].map(([v, n]) => `${v}: ${n}`).join('\n  ')}`);
    }
  }, 60_000);

  /** Hostile inputs in all: A's, B's and C's arguments and names, and the cgroup name. */
  const totalInputs = (): number => procs.reduce((n, p) => n + p.inArgs + p.inComm, 0) + 1;

  const cli = (...args: string[]): Promise<RunResult> => run([process.execPath, build.cli, ...args], { env: plainEnv(), timeoutMs: 30_000 });

  /** Exit 0, nothing raw on stdout, no stack trace; returns stdout. */
  function clean(r: RunResult): string {
    expect(r.timedOut, describeRun(r)).toBe(false);
    expect(r.status, describeRun(r)).toBe(0);
    expect(stackTrace(r.stderr), describeRun(r)).toBeUndefined();
    expect(rawControls(r.stdoutBytes), `raw control characters on stdout of ${describeRun(r)}`).toEqual([]);
    // Warnings are one line each: no raw control character there either.
    expect(rawControls(r.stderr.replace(/\n/g, ' ')), `raw control characters on stderr of ${describeRun(r)}`).toEqual([]);
    return r.stdout;
  }

  /** Record how many hostile inputs a view was checked on: the commands, kernel names and cgroup name it showed. */
  function counted(view: string, o: { commands?: Hostile[]; comms?: Hostile[]; cgroup?: boolean }): void {
    const n = (o.commands ?? []).reduce((k, p) => k + p.inArgs, 0) + (o.comms ?? []).reduce((k, p) => k + p.inComm, 0) + (o.cgroup ? 1 : 0);
    figures.set(view, n);
  }

  it('the hostile processes are what the kernel says (the lab got them right)', () => {
    expect(by('A').cmdline).toEqual(['bash', '-c', expect.any(String), ...A_ARGS]);
    expect(by('A').comm).toBe('\x1b[2J\u009bx');
    expect(JSON.stringify(by('B').cmdline.slice(3)) === JSON.stringify(['hostile-b', B_LONG]), 'B carries the 100 KB argument').toBe(true);
    expect(by('B').comm).toBe('\ufffd\ufffd\u202eb');
    expect(by('C').cmdline).toEqual(['\ufffd\ufffd\ufffd\x1b[31m']);
    for (const p of procs) expect(nsInode(p.pid, 'uts'), `${p.name} has a uts namespace of its own`).not.toBe(nsInode('self', 'uts'));
  });

  it('tree: the hostile cgroup name escaped, nothing raw', async () => {
    const out = clean(await cli('tree'));
    expect(out.split('\n')[0]).toBe('Control group /:');
    expectContains(out, escaped('evil\x1b[31m'), 'stdout');
    // Lines are cut to 80 columns; the pids are still there.
    for (const p of procs) expect(out).toMatch(new RegExp(`─${p.pid} `));
    counted('tree', { cgroup: true });
  });

  it('tree -l: every command and the cgroup name in full, escaped', async () => {
    const out = clean(await cli('tree', '-l'));
    expectContains(out, `─${escaped(EVIL)}`, 'stdout');
    for (const p of procs) expectContains(out, `${p.pid} ${escaped(p.command)}`, `${p.name}'s command`);
    counted('tree -l', { commands: procs, cgroup: true });
  });

  it('tree --json: decoded commands and cgroup paths equal the real ones', async () => {
    interface Node {
      path: string;
      processes: Array<{ pid: number; command: string }>;
      children: Node[];
    }
    const t = JSON.parse(clean(await cli('tree', '--json'))) as { tree: Node };
    const where = new Map<number, { path: string; command: string }>();
    const walk = (n: Node): void => {
      for (const p of n.processes) where.set(p.pid, { path: n.path, command: p.command });
      n.children.forEach(walk);
    };
    walk(t.tree);
    for (const p of procs) {
      const w = where.get(p.pid);
      expect(w?.path, p.name).toBe(p.cgroup);
      expect(w?.command === p.command, `${p.name}: command ${JSON.stringify(w?.command.slice(0, 200))}…`).toBe(true);
    }
    counted('tree --json', { commands: procs, cgroup: true });
  });

  it('ls: the commands of the namespaces they lead, escaped in full', async () => {
    const out = clean(await cli('ls'));
    for (const p of procs) expectContains(out, ` ${escaped(p.command)}\n`, `${p.name}'s command`);
    counted('ls', { commands: procs });
  });

  it('ls -r: raw output (spaces as \\x20, as lsns -r), still escaped', async () => {
    const out = clean(await cli('ls', '-r'));
    for (const p of procs) expectContains(out, ` ${escaped(p.command).replace(/ /g, '\\x20')}\n`, `${p.name}'s command`);
    counted('ls -r', { commands: procs });
  });

  it('ls -J: commands decode to the real ones and to what lsns -J -l prints for the same namespaces', async () => {
    interface Row {
      ns: number;
      type: string;
      pid: number;
      command: string | null;
    }
    const mine = (JSON.parse(clean(await cli('ls', '-J'))) as { namespaces: Row[] }).namespaces;
    const l = spawnSync('lsns', ['-J', '-l'], { maxBuffer: 256 << 20, timeout: 30_000 });
    expect(l.status, `lsns: ${l.stderr?.toString()}`).toBe(0);
    const theirs = (JSON.parse(l.stdout.toString('utf8')) as { namespaces: Row[] }).namespaces;
    for (const p of procs) {
      const rows = mine.filter((r) => r.pid === p.pid);
      expect(rows.length, `rows led by ${p.name} (${p.pid})`).toBeGreaterThan(0);
      for (const r of rows) {
        expect(r.command === p.command, `${p.name} ${r.type}: command ${JSON.stringify(r.command?.slice(0, 200))}…`).toBe(true);
        const o = theirs.find((x) => x.type === r.type && x.ns === r.ns);
        expect(o?.pid, `lsns row for ${r.type}:[${r.ns}]`).toBe(p.pid);
        // lsns cuts a command line at 8191 bytes; nsview keeps it whole.
        const lc = o?.command ?? '';
        if (Buffer.byteLength(lc) >= 8000) expect(r.command?.startsWith(lc.slice(0, -1)), `${p.name}: lsns's cut command is a prefix of nsview's`).toBe(true);
        else
          expect(
            r.command === lc,
            `${p.name} ${r.type}: nsview ls -J ${JSON.stringify(r.command?.slice(0, 200))} vs lsns -J -l ${JSON.stringify(lc.slice(0, 200))}`,
          ).toBe(true);
      }
    }
    counted('ls -J', { commands: procs });
  });

  it('pods: the inferred pod named after the hostile cgroup, escaped; the lab pod', async () => {
    const out = clean(await cli('pods'));
    expectContains(out, `${escaped(EVIL)} (inferred)`, 'stdout');
    expectContains(out, pod.uid as string, 'stdout');
    counted('pods', { cgroup: true });
  });

  it('pods --json: the pod name decodes to the cgroup name; A is in the lab container, B and C in the hostile pod', async () => {
    interface PodJson {
      uid: string | null;
      name: string | null;
      cgroup: string | null;
      containers: Array<{ id: string; cgroup: string; pids: number[] }>;
    }
    const list = (JSON.parse(clean(await cli('pods', '--json'))) as { pods: PodJson[] }).pods;
    const evil = list.find((p) => p.name === EVIL);
    expect(evil, `pod named ${JSON.stringify(EVIL)} in ${JSON.stringify(list.map((p) => p.name ?? p.uid))}`).toBeDefined();
    expect(evil?.containers.map((c) => ({ id: c.id, cgroup: c.cgroup, pids: c.pids })).sort((x, y) => (x.id < y.id ? -1 : 1))).toEqual(
      [
        { id: ids[0], cgroup: by('B').cgroup, pids: [by('B').pid] },
        { id: ids[1], cgroup: by('C').cgroup, pids: [by('C').pid] },
      ].sort((x, y) => (x.id < y.id ? -1 : 1)),
    );
    const lab = list.find((p) => p.uid === pod.uid);
    const c = lab?.containers.find((x) => x.id === pod.containers[0]!.id);
    expect(c?.pids, 'lab container pids include A').toEqual([...pod.containers[0]!.pids, by('A').pid].sort((x, y) => x - y));
    counted('pods --json', { cgroup: true });
  });

  it('inspect <pid>: command escaped in full, for each hostile process', async () => {
    for (const p of procs) {
      const out = clean(await cli('inspect', String(p.pid)));
      expect(out.split('\n')[0] === `PID ${p.pid}  ${escaped(p.command)}`, `${p.name}: first line ${JSON.stringify(out.slice(0, 200))}…`).toBe(true);
      expectContains(out, `CGROUP ${escaped(p.cgroup)}\n`, `${p.name}'s cgroup`);
    }
    counted('inspect', { commands: procs, cgroup: true });
  });

  it('inspect --json: command and comm decode to the real ones', async () => {
    for (const p of procs) {
      const j = JSON.parse(clean(await cli('inspect', '--json', String(p.pid)))) as { command: string; comm: string; cgroups: Array<{ path: string }> };
      expect(j.command === p.command, `${p.name}: command ${JSON.stringify(j.command.slice(0, 200))}…`).toBe(true);
      expect(j.comm, p.name).toBe(p.comm);
      expect(
        j.cgroups.map((c) => c.path),
        p.name,
      ).toContain(p.cgroup);
    }
    counted('inspect --json', { commands: procs, comms: procs, cgroup: true });
  });

  it('diff A B, diff B C: kernel names and cgroup paths escaped', async () => {
    const [a, b, c] = [by('A'), by('B'), by('C')];
    const out = clean(await cli('diff', String(a.pid), String(b.pid)));
    expectContains(out, `A ${a.pid} ${escaped(a.comm)}: `, 'stdout');
    expectContains(out, `B ${b.pid} ${escaped(b.comm)}: `, 'stdout');
    expectContains(out, escaped(b.cgroup), 'stdout');
    const bc = clean(await cli('diff', String(b.pid), String(c.pid)));
    expectContains(bc, `pod ${escaped(EVIL)} (inferred)`, 'stdout');
    counted('diff', { comms: [a, b], cgroup: true });
  });

  it('diff --json: kernel names, pod name and cgroup paths decode to the real ones', async () => {
    const [a, b, c] = [by('A'), by('B'), by('C')];
    const d = JSON.parse(clean(await cli('diff', '--json', String(a.pid), String(b.pid)))) as {
      a: { comm: string };
      b: { comm: string };
      cgroups: Array<{ a: string | null; b: string | null }>;
    };
    expect([d.a.comm, d.b.comm]).toEqual([a.comm, b.comm]);
    expect(d.cgroups.some((x) => x.a === a.cgroup && x.b === b.cgroup)).toBe(true);
    const e = JSON.parse(clean(await cli('diff', '--json', String(b.pid), String(c.pid)))) as { a: { pod: { name: string | null } | null }; relation: string };
    expect(e.a.pod?.name).toBe(EVIL);
    counted('diff --json', { comms: [a, b], cgroup: true });
  });

  it('snapshot: cmdline arrays, comms and cgroup paths decode to the real ones; read back, tree -l shows them escaped', async () => {
    const r = await cli('snapshot');
    const snap = JSON.parse(clean(r)) as { processes: Array<{ pid: number; comm: string; cmdline: string[]; cgroups: Record<string, string> }> };
    for (const p of procs) {
      const sp = snap.processes.find((x) => x.pid === p.pid);
      expect(JSON.stringify(sp?.cmdline) === JSON.stringify(p.cmdline), `${p.name}: cmdline ${JSON.stringify(sp?.cmdline).slice(0, 300)}…`).toBe(true);
      expect(sp?.comm, p.name).toBe(p.comm);
      expect(Object.values(sp?.cgroups ?? {}), p.name).toContain(p.cgroup);
    }
    counted('snapshot', { commands: procs, comms: procs, cgroup: true });
    fs.writeFileSync(snapshotFile, r.stdoutBytes);
    const back = clean(await cli('tree', '-l', '--from', snapshotFile));
    for (const p of procs) expectContains(back, `${p.pid} ${escaped(p.command)}`, p.name);
    expectContains(back, `─${escaped(EVIL)}`, 'stdout');
    counted('tree -l --from <snapshot>', { commands: procs, cgroup: true });
  });

  it("tree --color: only nsview's own colour sequences are raw; the hostile ones stay escaped", async () => {
    const env = plainEnv();
    delete env.NO_COLOR;
    const r = await run([process.execPath, build.cli, 'tree', '-l', '--color'], { env, timeoutMs: 30_000 });
    expect(r.status, describeRun(r)).toBe(0);
    // eslint-disable-next-line no-control-regex
    const stripped = r.stdout.replace(/\x1b\[[0-9;]*m/g, '');
    expect(rawControls(stripped)).toEqual([]);
    for (const p of procs) expectContains(stripped, escaped(p.command), p.name);
    counted('tree -l --color', { commands: procs, cgroup: true });
  });
});
