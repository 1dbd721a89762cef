/**
 * Live leaks: `findLeaks` (and `nsview leaks`) on the real kernel, with leaks the test
 * makes on purpose next to a healthy lab pod:
 *
 * - a CNI-style network namespace bind-mounted at `/run/netns/cni-<uuid>` with no process
 *   in it, inside a private mount namespace held by a `sleep` (a tmpfs is mounted over
 *   `/run/netns`, or over `/run` when the host has no `/run/netns`, in that namespace
 *   only: the host's mounts and directories are not touched);
 * - an empty kubelet pod cgroup (systemd driver, besteffort) with a fresh uid and an empty
 *   container scope in it, in every hierarchy the lab uses;
 * - a lab pod whose sandbox (pause) was killed while its container runs on.
 *
 * Each must be found once, as its kind; the healthy pod never. Leaks already on the host
 * may be reported too: only the lab's are asserted. Every pid and directory the test
 * creates is recorded and exactly those are removed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanSync, type Snapshot } from '../../lib/index.js';
import { findLeaks, type Leak, type LeakReport } from '../../lib/model/leaks.js';
import { NS_TYPES } from '../../lib/model/types.js';
import { describeRun, plainEnv, run, worldReadableBuild, type Build, type RunResult } from '../helpers/cli.js';
import { Lab, closeLab, liveStatus, nsInode, poll, procStat, removeCgroupDir, which, type LabPod } from '../helpers/lab.js';

const live = liveStatus();
const repo = fileURLToPath(new URL('../../', import.meta.url));

if (!live.ok) {
  console.warn(`live tests skipped: live tests need Linux as root: ${live.reason}`);
  describe('live: leaks', () => {
    it.skip(`live tests need Linux as root: ${live.reason}`, () => undefined);
  });
}

/** A process this test started itself (not through the lab), with its start time so a reused pid is never killed. */
interface Started {
  pid: number;
  start: number;
  child: ChildProcess;
  stderr: string;
}

const aliveStarted = (p: Started | undefined): boolean => {
  if (!p) return false;
  const st = procStat(p.pid);
  return st !== undefined && st.start === p.start && st.state !== 'Z';
};

/** Kill a process this test started (by recorded pid and start time) and wait until it has exited and been reaped. */
async function killStarted(p: Started | undefined): Promise<void> {
  if (!p) return;
  await poll(
    `pid ${p.pid} to exit`,
    (s) => {
      const st = procStat(p.pid);
      if (!st || st.start !== p.start) return true;
      s.last = `state ${st.state}`;
      if (st.state !== 'Z') {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      return undefined;
    },
    10_000,
    20,
  );
}

const uniq = <T>(xs: T[]): T[] => [...new Set(xs)];

describe.skipIf(!live.ok)('live: leaks', () => {
  let build: Build | undefined;
  let lab: Lab | undefined;
  let healthy: LabPod;
  let orphaned: LabPod;
  let snap: Snapshot;
  let report: LeakReport;

  /** The CNI-style network namespace: its path, the sleep holding its mount namespace, its inode. */
  const cni = { uuid: randomUUID(), path: '', inode: 0, holder: undefined as Started | undefined };
  cni.path = `/run/netns/cni-${cni.uuid}`;
  const hostNetnsDirBefore = fs.existsSync('/run/netns');

  /** The leaked pod cgroup: uid, path from each hierarchy's root, the empty container scope in it. */
  const leaked = { uid: randomUUID(), cgroup: '', containerId: randomBytes(32).toString('hex') };
  leaked.cgroup = `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${leaked.uid.replace(/-/g, '_')}.slice`;
  /** Cgroup directories this test created (absolute), in creation order. */
  const createdDirs: string[] = [];

  function mkdirRecorded(path: string): void {
    for (const h of lab!.hierarchies) {
      let dir = h.mountPoint;
      for (const seg of path.split('/').filter(Boolean)) {
        dir = `${dir}/${seg}`;
        try {
          fs.mkdirSync(dir);
          createdDirs.push(dir);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
      }
    }
  }

  async function removeCreatedDirs(): Promise<string[]> {
    const errors: string[] = [];
    for (const dir of [...createdDirs].sort((a, b) => b.split('/').length - a.split('/').length)) {
      await removeCgroupDir(dir).catch((err: unknown) => errors.push(String(err)));
    }
    return errors;
  }

  /** Start `sleep` in a private mount namespace with a net namespace bind-mounted at `cni.path` there. */
  async function startCniNetns(): Promise<void> {
    const script = [
      'set -e',
      // In the private mount namespace only: a tmpfs over /run/netns, or over /run if the host has none.
      'if [ -d /run/netns ]; then mount -t tmpfs nsview-leaks /run/netns; else mount -t tmpfs nsview-leaks /run; mkdir /run/netns; fi',
      `touch ${cni.path}`,
      `unshare --net=${cni.path} true`,
      `exec ${which('sleep') as string} 600`,
    ].join('\n');
    const child = spawn('setpriv', ['--pdeathsig', 'KILL', 'unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', script], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.on('error', () => undefined);
    if (child.pid === undefined) throw new Error('cannot spawn setpriv');
    const st = procStat(child.pid);
    if (!st) throw new Error(`netns holder ${child.pid} exited at once`);
    // setpriv, unshare and sh all exec: the pid stays the same down to sleep.
    const started: Started = { pid: child.pid, start: st.start, child, stderr: '' };
    child.stderr?.on('data', (d: Buffer) => (started.stderr = (started.stderr + d.toString()).slice(-2000)));
    cni.holder = started;
    const ownMnt = nsInode('self', 'mnt');
    cni.inode = await poll(
      `a net namespace mounted at ${cni.path}`,
      (s) => {
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`netns holder exited (${child.exitCode ?? child.signalCode}): ${started.stderr}`);
        const now = procStat(started.pid);
        s.last = `comm ${now?.comm ?? '?'}`;
        if (now?.comm !== 'sleep' || nsInode(started.pid, 'mnt') === ownMnt) return undefined;
        for (const line of fs.readFileSync(`/proc/${started.pid}/mountinfo`, 'utf8').split('\n')) {
          const f = line.split(' ');
          const m = /^net:\[(\d+)\]$/.exec(f[3] ?? '');
          if (m && f[4] === cni.path && line.includes(' - nsfs ')) return Number(m[1]);
        }
        s.last = 'no nsfs line yet';
        return undefined;
      },
      15_000,
    );
    // The lab's own check: the file, seen through the holder's root, is that namespace.
    const ino = fs.statSync(`/proc/${started.pid}/root${cni.path}`).ino;
    if (ino !== cni.inode) throw new Error(`${cni.path} has inode ${ino}, mountinfo says net:[${cni.inode}]`);
    if (fs.existsSync('/run/netns') !== hostNetnsDirBefore) throw new Error('the host /run/netns changed: the mount leaked out of the private namespace');
  }

  /** Kill the pod's sandbox (pid 1 of its pid namespace) and wait until its cgroup is empty; the containers run on. */
  async function killSandbox(pod: LabPod): Promise<void> {
    const pid = pod.sandbox.mainPid;
    const st = procStat(pid);
    if (!st || st.comm !== pod.sandbox.comm) throw new Error(`sandbox ${pid} is not the lab's (${st?.comm ?? 'gone'})`);
    process.kill(pid, 'SIGKILL');
    await poll(
      `sandbox ${pid} to exit and leave its cgroup`,
      (s) => {
        const now = procStat(pid);
        if (now && now.start === st.start) {
          s.last = `state ${now.state}`;
          return undefined;
        }
        for (const h of lab!.hierarchies) {
          const procs = fs.readFileSync(`${h.mountPoint}${pod.sandbox.cgroup}/cgroup.procs`, 'utf8').trim();
          if (procs) {
            s.last = `${h.key} still lists ${procs}`;
            return undefined;
          }
        }
        return true;
      },
      10_000,
    );
    for (const c of pod.containers) for (const p of c.pids) if (!procStat(p)) throw new Error(`container process ${p} died with the sandbox`);
  }

  beforeAll(async () => {
    // Built before the lock is taken: other live suites need not wait for tsc.
    build = worldReadableBuild(repo);
    lab = await Lab.open();
    healthy = await lab.pod({ layout: 'containerd', qos: 'besteffort', containers: [{}] });
    // One application container: with two, nsview picks one of them as the sandbox once the pause is
    // gone (they share its net/ipc/uts) and reports no pod-without-sandbox; see the report of this test.
    orphaned = await lab.pod({ layout: 'containerd', qos: 'burstable', containers: [{ procs: 2 }] });
    // After the healthy pod: the shared parents (kubepods.slice, kubepods-besteffort.slice) are the lab's.
    mkdirRecorded(`${leaked.cgroup}/cri-containerd-${leaked.containerId}.scope`);
    await startCniNetns();
    await killSandbox(orphaned);
    snap = scanSync({ holders: 'all' });
    report = findLeaks(snap);
  }, 120_000);

  afterAll(async () => {
    // Every clean-up runs before anything is checked: a failed check must not skip one.
    const dirErrors = lab ? await removeCreatedDirs() : [];
    let killError = '';
    await killStarted(cni.holder).catch((err: unknown) => (killError = String(err)));
    let labLeft: Awaited<ReturnType<typeof closeLab>> | string;
    try {
      labLeft = await closeLab(lab);
    } catch (err) {
      labLeft = String(err);
    }
    build?.remove();
    expect(dirErrors, 'rmdir of the leaked pod cgroup').toEqual([]);
    expect(killError, 'killing the netns holder').toBe('');
    expect(aliveStarted(cni.holder), `netns holder ${cni.holder?.pid} still alive`).toBe(false);
    expect(
      createdDirs.filter((d) => fs.existsSync(d)),
      'cgroup directories left',
    ).toEqual([]);
    expect(fs.existsSync('/run/netns'), 'the host /run/netns is as it was').toBe(hostNetnsDirBefore);
    expect(labLeft, 'lab processes and cgroups left after close').toEqual({ alive: [], cgroups: [] });
    if (build) expect(fs.existsSync(build.dir), 'private build left').toBe(false);
  }, 60_000);

  // -- what the lab made, and how to tell its findings apart ----------------

  /** Namespaces of the healthy pod's processes that are not the node's, as `type:inode`. */
  function healthyNamespaces(): Set<string> {
    const out = new Set<string>();
    const pids = [healthy.sandbox.mainPid, ...healthy.containers.flatMap((c) => c.pids)];
    for (const t of NS_TYPES) {
      const node = nsInode('self', t);
      for (const p of pids) {
        const ino = nsInode(p, t);
        if (ino !== undefined && ino !== node) out.add(`${t}:${ino}`);
      }
    }
    return out;
  }

  /** Every string that would name the healthy pod in a finding. */
  const healthyNames = (): string[] => [healthy.uid as string, ...[healthy.sandbox, ...healthy.containers].map((c) => c.id.slice(0, 12))];

  /** Findings about something this test made (the three leaks, the killed sandbox's pod, the healthy pod). */
  function labFindings(leaks: Leak[]): Leak[] {
    const names = [
      cni.uuid,
      `net:[${cni.inode}]`,
      leaked.uid,
      leaked.containerId.slice(0, 12),
      orphaned.uid as string,
      orphaned.sandbox.id.slice(0, 12),
      ...orphaned.containers.map((c) => c.id.slice(0, 12)),
      ...healthyNames(),
    ];
    return leaks.filter((l) => {
      const text = JSON.stringify(l);
      return names.some((n) => text.includes(n)) || l.namespace?.inode === cni.inode;
    });
  }

  const shown = (leaks: Leak[]): string => JSON.stringify(leaks, null, 1);

  /** The checks every report must pass, the library's and the CLI's JSON alike. */
  function checkReport(r: LeakReport, label: string): void {
    const mine = labFindings(r.leaks);
    const ctx = `${label}; the lab's findings: ${shown(mine)}`;

    // Each finding once.
    const counts = new Map<string, number>();
    for (const l of mine) counts.set(`${l.kind} ${l.subject}`, (counts.get(`${l.kind} ${l.subject}`) ?? 0) + 1);
    expect(
      [...counts].filter(([, n]) => n > 1),
      `${ctx}\nreported more than once`,
    ).toEqual([]);

    // The healthy pod: in no finding, by uid, container id or namespace.
    const hns = healthyNamespaces();
    const aboutHealthy = r.leaks.filter((l) => {
      const text = JSON.stringify(l);
      return healthyNames().some((n) => text.includes(n)) || (l.namespace !== undefined && hns.has(`${l.namespace.type}:${l.namespace.inode}`));
    });
    expect(aboutHealthy, `${ctx}\nfindings about the healthy pod ${healthy.uid}`).toEqual([]);

    // The CNI netns: one orphan-netns, nothing else about it.
    const net = r.leaks.filter((l) => l.namespace?.inode === cni.inode || l.subject.includes(`[${cni.inode}]`) || JSON.stringify(l).includes(cni.uuid));
    expect(
      net.map((l) => ({ kind: l.kind, subject: l.subject, namespace: l.namespace })),
      ctx,
    ).toEqual([{ kind: 'orphan-netns', subject: `net:[${cni.inode}]`, namespace: { type: 'net', inode: cni.inode } }]);
    expect(net[0]!.evidence, ctx).toContain('no process is in it');
    expect(
      net[0]!.evidence.some((e) => e.includes(cni.path)),
      `${ctx}\nevidence names ${cni.path}`,
    ).toBe(true);

    // The empty pod cgroup: one pod-cgroup with its uid, in every hierarchy, its empty container scope folded in.
    const podCg = r.leaks.filter(
      (l) => l.pod === leaked.uid || JSON.stringify(l).includes(leaked.uid) || JSON.stringify(l).includes(leaked.uid.replace(/-/g, '_')),
    );
    expect(
      podCg.map((l) => ({ kind: l.kind, subject: l.subject, pod: l.pod })),
      ctx,
    ).toEqual([{ kind: 'pod-cgroup', subject: `pod ${leaked.uid}`, pod: leaked.uid }]);
    const line = podCg[0]!.evidence.find((e) => e.startsWith(`cgroup ${leaked.cgroup} (`));
    expect(line, `${ctx}\nevidence names ${leaked.cgroup}`).toBeDefined();
    for (const h of lab!.hierarchies) expect(line, `${ctx}\nhierarchy ${h.key} listed`).toContain(h.key);
    expect(
      podCg[0]!.evidence.some((e) => e.includes(`containerd:${leaked.containerId.slice(0, 12)}`)),
      `${ctx}\nthe empty container scope is part of the pod finding`,
    ).toBe(true);
    expect(
      r.leaks.filter((l) => l.container?.id === leaked.containerId),
      `${ctx}\nno finding of its own for the scope in the leaked pod`,
    ).toEqual([]);

    // The pod whose sandbox was killed: one pod-without-sandbox; its sandbox's empty cgroup a container-cgroup.
    const noSb = r.leaks.filter((l) => l.kind === 'pod-without-sandbox' && l.pod === orphaned.uid);
    expect(noSb.length, `${ctx}\npod-without-sandbox for ${orphaned.uid}`).toBe(1);
    expect(noSb[0]!.evidence.join('\n'), ctx).toContain(orphaned.containers[0]!.id.slice(0, 12));
    expect(noSb[0]!.evidence, ctx).toContain(`pod cgroup ${orphaned.cgroup}`);
    const aboutOrphaned = r.leaks.filter((l) => l.pod === orphaned.uid || JSON.stringify(l).includes(orphaned.uid as string));
    expect(
      aboutOrphaned.map((l) => [l.kind, l.container?.id ?? null]).sort(),
      `${ctx}\nthe killed sandbox's pod: no sandbox, and its sandbox's cgroup empty; its running container is no leak`,
    ).toEqual(
      [
        ['container-cgroup', orphaned.sandbox.id],
        ['pod-without-sandbox', null],
      ].sort(),
    );

    // Nothing of the lab as container-netns or held-namespace.
    expect(
      mine.filter((l) => l.kind === 'container-netns' || l.kind === 'held-namespace'),
      ctx,
    ).toEqual([]);
  }

  // -- the library ----------------------------------------------------------

  it('the scan sees what the lab made: the killed sandbox gone, the running container in its pod', () => {
    const pod = snap.pods.find((p) => p.uid === orphaned.uid);
    expect(pod, `pod ${orphaned.uid}`).toBeDefined();
    expect({ sandbox: pod!.sandbox, containers: pod!.containers }).toEqual({ sandbox: null, containers: [orphaned.containers[0]!.id] });
    const ok = snap.pods.find((p) => p.uid === healthy.uid);
    expect(ok?.sandbox?.id).toBe(healthy.sandbox.id);
    expect(
      snap.pods.some((p) => p.uid === leaked.uid),
      'no pod is made of an empty pod cgroup',
    ).toBe(false);
    expect(snap.namespaces.find((n) => n.type === 'net' && n.inode === cni.inode)).toMatchObject({
      pids: [],
      holders: [{ kind: 'mount', path: cni.path, pid: cni.holder!.pid }],
    });
  });

  it('findLeaks: every check ran (holders all, cgroup trees read)', () => {
    expect(report.skipped).toEqual([]);
  });

  it('findLeaks: each of the lab leaks once, as its kind, and the healthy pod never', () => {
    checkReport(report, 'findLeaks(scanSync({ holders: "all" }))');
  });

  // -- the CLI --------------------------------------------------------------

  const cli = (args: string[]): Promise<RunResult> => run([process.execPath, build!.cli, 'leaks', ...args], { env: plainEnv(), timeoutMs: 60_000 });

  it('nsview leaks --json --exit-code: status 3, JSON with the same findings', async () => {
    const r = await cli(['--json', '--exit-code']);
    expect(r.status, describeRun(r)).toBe(3);
    const parsed = JSON.parse(r.stdout) as LeakReport;
    expect(Object.keys(parsed).sort()).toEqual(['leaks', 'skipped']);
    expect(parsed.skipped).toEqual([]);
    for (const l of parsed.leaks) {
      expect(
        Object.keys(l).every((k) => ['kind', 'subject', 'evidence', 'namespace', 'pod', 'container'].includes(k)),
        JSON.stringify(l),
      ).toBe(true);
      expect(Array.isArray(l.evidence), JSON.stringify(l)).toBe(true);
    }
    checkReport(parsed, 'nsview leaks --json --exit-code');
  });

  it('nsview leaks --json without --exit-code: status 0, findings all the same', async () => {
    const r = await cli(['--json']);
    expect(r.status, describeRun(r)).toBe(0);
    checkReport(JSON.parse(r.stdout) as LeakReport, 'nsview leaks --json');
  });

  it('nsview leaks --full (text): status 0, and 3 with --exit-code; names each lab leak', async () => {
    const plain = await cli(['--full']);
    expect(plain.status, describeRun(plain)).toBe(0);
    const coded = await cli(['--full', '--exit-code']);
    expect(coded.status, describeRun(coded)).toBe(3);
    for (const r of [plain, coded]) {
      expect(r.stdout).toMatch(new RegExp(`^orphaned netns +net:\\[${cni.inode}\\]$`, 'm'));
      expect(r.stdout).toContain(cni.path);
      expect(r.stdout).toMatch(new RegExp(`^pod cgroup +pod ${leaked.uid}$`, 'm'));
      expect(r.stdout).toMatch(new RegExp(`^no sandbox +pod .*${orphaned.uid}`, 'm'));
      for (const n of healthyNames()) expect(r.stdout).not.toContain(n);
    }
  });

  it('the lab leaks are all distinct: three findings of their kinds plus the killed sandbox cgroup', () => {
    const kinds = uniq(labFindings(report.leaks).map((l) => l.kind)).sort();
    expect(kinds).toEqual(['container-cgroup', 'orphan-netns', 'pod-cgroup', 'pod-without-sandbox']);
    expect(labFindings(report.leaks)).toHaveLength(4);
  });
});
