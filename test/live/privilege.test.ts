/**
 * Live, without privilege: with a lab pod up, the CLI run as `nobody`
 * (setpriv, no groups, no capabilities) still prints every view well-formed
 * and exits 0; stderr is one summary line counting the processes it could not
 * fully read and telling to run as root; `-v` lists exactly those pids (the
 * lab's root-owned processes among them, nobody's own never); and `ls -J`
 * lists the namespaces of nobody's own processes as the kernel has them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS_TYPES } from '../../lib/model/types.js';
import { describeRun, plainEnv, rawControls, run, stackTrace, worldReadableBuild, workClock, type Build, type RunResult } from '../helpers/cli.js';
import { Lab, liveStatus, nsInode, poll, procStat, type LabPod, closeLab } from '../helpers/lab.js';

const live = liveStatus();
const repo = fileURLToPath(new URL('../../', import.meta.url));
const NOBODY = 65534;
const AS_NOBODY = ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'];

if (!live.ok) {
  console.warn(`live tests skipped: live tests need Linux as root: ${live.reason}`);
  describe('live: nsview without privilege', () => {
    it.skip(`live tests need Linux as root: ${live.reason}`, () => undefined);
  });
}

/*
 * Setup's deadlines, nested so that one of them, never the hook's, ends a setup that cannot
 * finish: a hook that times out goes on running unwatched after afterAll, so a lab it opens
 * then is never closed (it holds the live-test lock, and its pod's cgroups stay behind).
 * Waiting for the lock is the longest part: another live suite holds it for all its work, and
 * when files run in parallel (vitest runs up to CPUs - 1 at once) churn and reconstruct take it
 * while our private build runs, so we may wait for every other live suite in turn. churn alone
 * holds it 85 s on an idle two-CPU machine and over 300 s on a busy one; large for minutes more.
 */
/** The longest wait for the live-test lock. */
const LOCK_WAIT_MS = 15 * 60_000;
/** The private build (its tsc has 120 s) and the probe run as nobody. */
const BUILD_MS = 150_000;
const PROBE_MS = 60_000;
/** With the lock: flock's `-w` rounding and Lab's 5 s past it, the pod (sandbox and container placed, 15 s each, and a clock tick), nobody's cat (30 s). */
const LOCKED_WORK_MS = 120_000;
const SETUP_MS = BUILD_MS + PROBE_MS + LOCK_WAIT_MS + LOCKED_WORK_MS;

/** The summary line a non-root run prints when processes could not be read. */
const SUMMARY = /^nsview: (\d+) process(?:es)? not fully readable \(permission denied\); run as root for the full picture(?:; [^\n]*)? \(-v lists them\)$/;

/** Uid of a live process (real uid), or `undefined` if it is gone. */
function uidOf(pid: number): number | undefined {
  try {
    const m = /^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

describe.skipIf(!live.ok)('live: nsview without privilege (as nobody, with a lab pod up)', () => {
  let lab: Lab;
  let pod: LabPod;
  let build: Build;
  let clock: ReturnType<typeof workClock> | undefined;
  /** A process of nobody's in a net and uts namespace of its own: `cat` waiting on our pipe. */
  let own: { child: ChildProcess; pid: number; start: number };
  /** The `unshare … cat` child, from the moment it is spawned (so teardown ends it even if setup failed). */
  let cat: ChildProcess | undefined;
  const figures: string[] = [];

  const nobody = (args: string[]): Promise<RunResult> => run([...AS_NOBODY, process.execPath, build.cli, ...args], { env: plainEnv(), cwd: '/' });

  beforeAll(async () => {
    const until = Date.now() + SETUP_MS;
    clock = workClock();
    build = worldReadableBuild(repo);
    const probe = spawnSync(AS_NOBODY[0] as string, [...AS_NOBODY.slice(1), process.execPath, build.cli, '--version'], {
      encoding: 'utf8',
      cwd: '/',
      timeout: PROBE_MS,
    });
    if (probe.status !== 0) throw new Error(`nobody cannot run the private build ${build.cli}: ${probe.stderr || String(probe.error)}`);
    // Whatever the build and the probe left of the budget, less the work still to do with the lock.
    const lockTimeoutMs = Math.max(1000, Math.min(LOCK_WAIT_MS, until - Date.now() - LOCKED_WORK_MS));
    lab = await clock.locked(() => Lab.open({ lockTimeoutMs }));
    pod = await lab.pod({ layout: 'containerd', qos: 'burstable', containers: [{ procs: 2 }] });
    // unshare and setpriv exec: the spawned pid is cat's. cat exits when our end of its stdin closes.
    const child = spawn('unshare', ['--net', '--uts', '--', ...AS_NOBODY, 'cat'], { stdio: ['pipe', 'ignore', 'pipe'] });
    cat = child;
    let stderr = '';
    child.on('error', (e) => (stderr += String(e)));
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    if (child.pid === undefined) throw new Error(`cannot spawn unshare … cat: ${stderr}`);
    const pid = child.pid;
    const start = await poll(
      "nobody's cat in its own net namespace",
      (s) => {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`unshare … cat exited ${child.exitCode ?? child.signalCode}: ${stderr}`);
        const st = procStat(pid);
        s.last = `comm ${st?.comm}, uid ${uidOf(pid)}`;
        return st?.comm === 'cat' && uidOf(pid) === NOBODY && nsInode(pid, 'net') !== nsInode('self', 'net') ? st.start : undefined;
      },
      30_000,
    );
    own = { child, pid, start };
  }, SETUP_MS + 60_000);

  afterAll(async () => {
    try {
      if (cat) {
        const child = cat;
        child.stdin?.end();
        await poll(
          `cat ${child.pid} to exit`,
          () => {
            if (child.exitCode !== null || child.signalCode !== null) return true;
            // Node has not reaped it yet, so the pid is still cat's (or its zombie's).
            child.kill('SIGKILL');
            return undefined;
          },
          10_000,
          20,
        );
      }
      expect(await closeLab(lab), 'lab processes and cgroups left after close').toEqual({ alive: [], cgroups: [] });
    } finally {
      build?.remove();
      if (clock) console.log(clock.report('privilege.test.ts'));
      if (figures.length) console.log(`privilege: processes not fully readable as nobody (uid ${NOBODY}):\n  ${figures.join('\n  ')}`);
    }
  }, 120_000);

  /** Exit 0, no raw control byte, no stack trace, and exactly one stderr line: the summary. Returns N. */
  function summaryOf(r: RunResult): number {
    expect(r.timedOut, describeRun(r)).toBe(false);
    expect(r.status, describeRun(r)).toBe(0);
    expect(stackTrace(r.stderr), describeRun(r)).toBeUndefined();
    expect(rawControls(r.stdoutBytes), describeRun(r)).toEqual([]);
    const lines = r.stderr.replace(/\n$/, '').split('\n');
    expect(lines, `stderr of ${describeRun(r)}`).toHaveLength(1);
    const m = SUMMARY.exec(lines[0] as string);
    expect(m, `summary line of ${describeRun(r)}`).not.toBeNull();
    const n = Number(m?.[1]);
    expect(n).toBeGreaterThan(0);
    return n;
  }

  const VIEWS: Array<[string, () => string[], (out: string) => void]> = [
    ['tree', () => ['tree'], (out) => expect(out.split('\n')[0]).toMatch(/^Control group \/:$/)],
    ['tree --json', () => ['tree', '--json'], (out) => expect((JSON.parse(out) as { tree: { path: string } }).tree.path).toBe('/')],
    ['ls', () => ['ls'], (out) => expect(out.split('\n')[0]).toMatch(/^\s*NS\s+TYPE\s+NPROCS\s+PID\s+USER\s+COMMAND$/)],
    ['ls -J', () => ['ls', '-J'], (out) => expect(Array.isArray((JSON.parse(out) as { namespaces: unknown[] }).namespaces)).toBe(true)],
    ['pods', () => ['pods'], (out) => expect(out.split('\n')[0]).toMatch(/^POD\s/)],
    ['pods --json', () => ['pods', '--json'], (out) => expect(Array.isArray((JSON.parse(out) as { pods: unknown[] }).pods)).toBe(true)],
    ["inspect <nobody's cat>", () => ['inspect', String(own.pid)], (out) => expect(out.split('\n')[0]).toMatch(new RegExp(`^PID ${own.pid}\\s+cat$`))],
    [
      "inspect --json <nobody's cat>",
      () => ['inspect', '--json', String(own.pid)],
      (out) => expect(JSON.parse(out)).toMatchObject({ pid: own.pid, comm: 'cat', uid: NOBODY, user: 'nobody' }),
    ],
  ];

  it.each(VIEWS.map(([name]) => name))('nsview %s as nobody: exit 0, well-formed stdout, one summary line with N > 0', async (name) => {
    const [, args, check] = VIEWS.find(([n]) => n === name) as (typeof VIEWS)[number];
    const r = await nobody(args());
    const n = summaryOf(r);
    check(r.stdout);
    figures.push(`nsview ${name}: ${n}`);
  });

  it('pods --json as nobody still lists the lab pod and its containers: cgroup paths are world-readable', async () => {
    const r = await nobody(['pods', '--json']);
    summaryOf(r);
    const pods = (JSON.parse(r.stdout) as { pods: Array<{ uid: string | null; qos: string | null; containers: Array<{ id: string; pids: number[] }> }> }).pods;
    const found = pods.find((p) => p.uid === pod.uid);
    expect(found, `lab pod ${pod.uid} in ${JSON.stringify(pods.map((p) => p.uid))}`).toBeDefined();
    expect(found?.qos).toBe(pod.qos);
    expect(found?.containers.map((c) => c.id).sort()).toEqual([pod.sandbox.id, ...pod.containers.map((c) => c.id)].sort());
  });

  it('nsview inspect <its own pid> as nobody: itself, fully read, with its namespaces', async () => {
    // sh execs node, so $$ is nsview's own pid.
    const r = await run([...AS_NOBODY, 'sh', '-c', 'exec "$0" "$1" inspect --json $$', process.execPath, build.cli], { env: plainEnv(), cwd: '/' });
    const n = summaryOf(r);
    figures.push(`nsview inspect <own pid>: ${n}`);
    const self = JSON.parse(r.stdout) as { pid: number; uid: number; partial: boolean; command: string; namespaces: Array<{ type: string; inode: number }> };
    expect(self.pid).toBe(r.pid);
    expect(self.uid).toBe(NOBODY);
    expect(self.partial).toBe(false);
    expect(self.command).toBe(`${process.execPath} ${build.cli} inspect --json ${r.pid}`);
    // setpriv changes no namespace: nsview is in ours.
    expect(Object.fromEntries(self.namespaces.map((ns) => [ns.type, ns.inode]))).toEqual(Object.fromEntries(NS_TYPES.map((t) => [t, nsInode('self', t)])));
    const text = await run([...AS_NOBODY, 'sh', '-c', 'exec "$0" "$1" inspect $$', process.execPath, build.cli], { env: plainEnv(), cwd: '/' });
    summaryOf(text);
    expect(text.stdout.split('\n')[0]).toMatch(new RegExp(`^PID ${text.pid}\\s`));
  });

  it("-v lists the denied pids: as many as the summary counts, the lab's root-owned processes among them, none of nobody's", async () => {
    const r = await nobody(['ls', '-v']);
    expect(r.status, describeRun(r)).toBe(0);
    expect(stackTrace(r.stderr), describeRun(r)).toBeUndefined();
    const lines = r.stderr.replace(/\n$/, '').split('\n');
    const m = SUMMARY.exec(lines[0] ?? '');
    expect(m, `first stderr line of ${describeRun(r)}`).not.toBeNull();
    const n = Number(m?.[1]);
    const denied = lines
      .slice(1)
      .map((l) => /^nsview: denied: permission denied reading \/proc\/(\d+)\//.exec(l))
      .filter((x): x is RegExpExecArray => x !== null)
      .map((x) => Number(x[1]));
    expect(new Set(denied).size, 'one -v line per denied process').toBe(denied.length);
    expect(denied.length, `-v lines counted against the summary (${lines[0]})`).toBe(n);
    const set = new Set(denied);
    for (const pid of [...pod.pids, pod.sandbox.mainPid]) expect(set.has(pid), `lab pid ${pid} (root's) listed as denied`).toBe(true);
    expect(set.has(own.pid), `nobody's cat ${own.pid} not denied`).toBe(false);
    expect(set.has(r.pid as number), `nsview itself (${r.pid}) not denied`).toBe(false);
    // A denied pid that runs as nobody (another user's setpriv between setuid and exec is not
    // dumpable) must still be unreadable to nobody now; else nsview denied itself what it may read.
    const wrong = denied.filter(
      (pid) =>
        uidOf(pid) === NOBODY &&
        spawnSync(AS_NOBODY[0] as string, [...AS_NOBODY.slice(1), 'readlink', `/proc/${pid}/ns/net`], { timeout: 10_000 }).status === 0,
    );
    expect(wrong, 'denied pids that nobody can read').toEqual([]);
    figures.push(
      `nsview ls -v: ${
        denied.filter((pid) => {
          const u = uidOf(pid);
          return u !== undefined && u !== NOBODY;
        }).length
      } of the denied pids still run as another user`,
    );
    figures.push(`nsview ls -v: ${n} denied pids listed`);
  });

  it('ls -J as nobody lists the namespaces of its own processes exactly as the kernel has them', async () => {
    interface Row {
      ns: number;
      type: string;
      nprocs: number;
      pid: number;
      user: string | null;
      command: string | null;
    }
    const r = await nobody(['ls', '-J']);
    summaryOf(r);
    const rows = (JSON.parse(r.stdout) as { namespaces: Row[] }).namespaces;
    for (const t of NS_TYPES) {
      const inode = nsInode(own.pid, t);
      expect(inode, `kernel ${t} inode of ${own.pid}`).toBeDefined();
      const row = rows.find((x) => x.type === t && x.ns === inode);
      expect(row, `ls -J row for cat's ${t}:[${inode}]`).toBeDefined();
      if (t === 'net' || t === 'uts') {
        expect(row, `cat's own ${t} namespace`).toEqual({ ns: inode, type: t, nprocs: 1, pid: own.pid, user: 'nobody', command: 'cat' });
      } else {
        // Shared with the node: only nobody's processes are visible in it (cat, nsview), none of root's.
        expect(row?.nprocs, `${t}:[${inode}] nprocs`).toBeGreaterThanOrEqual(2);
        expect(row?.user, `${t}:[${inode}] lowest visible pid belongs to nobody`).toBe('nobody');
      }
      // nsview itself is in the node's namespaces, and lists them.
      expect(
        rows.some((x) => x.type === t && x.ns === nsInode('self', t)),
        `own ${t} namespace listed`,
      ).toBe(true);
    }
    // -p: exactly cat's namespaces, one per type.
    const p = await nobody(['ls', '-J', '-p', String(own.pid)]);
    summaryOf(p);
    const mine = (JSON.parse(p.stdout) as { namespaces: Row[] }).namespaces.map((x) => `${x.type}:${x.ns}`).sort();
    expect(mine).toEqual(NS_TYPES.map((t) => `${t}:${nsInode(own.pid, t)}`).sort());
    // None of the lab's namespaces (root's processes only) can be seen.
    const sandboxNet = nsInode(pod.sandbox.mainPid, 'net');
    expect(
      rows.some((x) => x.type === 'net' && x.ns === sandboxNet),
      "the lab pod's net namespace (root only) not listed",
    ).toBe(false);
  });
});
