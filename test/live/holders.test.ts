/**
 * Live holders: namespaces kept alive by something other than a process (an nsfs bind
 * mount, an open fd), and the hierarchy columns PNS, ONS and NSFS, on the real kernel.
 *
 * The lab (every pid recorded with its start time, every mount and the directory recorded;
 * exactly those are killed, unmounted and removed):
 * - netA: a net namespace held only by a bind mount (`unshare --net=<dir>/netA true`);
 * - fd: a net namespace held only by fd 3 of a `sleep` (its first process killed by pid);
 * - netB: a net namespace with a process, also bind-mounted at `<dir>/netB`;
 * - three pid namespaces nested in one another (`unshare --pid --fork` three times);
 * - a user namespace owning a net and a uts namespace (`unshare --user --map-root-user --net --uts`).
 *
 * nsview (`scanSync({ holders: 'all' })` and the CLI from a private build) is checked
 * against the lab's facts (mountinfo, fd links, NSpid) and against util-linux `lsns`.
 * lsns 2.38 lists no namespace without a process; where nsview cannot tell a parent or
 * owner from files it must say null, never another number.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namespaceRelations } from '../../lib/model/relations.js';
import type { Namespace, NsHolder, NsType, Snapshot } from '../../lib/model/types.js';
import { scanSync } from '../../lib/scan.js';
import { worldReadableBuild, type Build } from '../helpers/cli.js';
import { Lab, childrenOf, closeLab, liveStatus, nsInode, poll, procStat } from '../helpers/lab.js';
import { compareLs, expectAgreement, ownNamespaces, runLsnsJson } from './oracles.js';

const live = liveStatus(['lsns', 'umount']);
const repo = fileURLToPath(new URL('../../', import.meta.url));

if (!live.ok) {
  console.warn(`live tests skipped: live tests need Linux as root: ${live.reason}`);
  describe('live: namespace holders and lsns hierarchy columns', () => {
    it.skip(`live tests need Linux as root: ${live.reason}`, () => undefined);
  });
}

// ---------------------------------------------------------------------------
// helpers

/** One row of `ls -J` / `lsns -J` with the columns these tests ask for. */
interface JsonRow {
  ns: number;
  type: string;
  nprocs?: number;
  pid?: number | null;
  path?: string | null;
  pns?: number | null;
  ons?: number | null;
  nsfs?: string | null;
  holders?: NsHolder[] | null;
  children?: JsonRow[];
}

/** Run a command printing `{"namespaces":[…]}` (nsview ls -J or lsns -J) and return the rows. */
function jsonRows(argv: string[]): JsonRow[] {
  return runLsnsJson(argv).rows as unknown as JsonRow[];
}

/** `type:inode` → row (top-level rows only). */
const byKey = (rows: JsonRow[]): Map<string, JsonRow> => new Map(rows.map((r) => [`${r.type}:${r.ns}`, r]));

interface MountLine {
  fstype: string;
  root: string;
  mountPoint: string;
}

const unescapeMountinfo = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** Every mount of this process's mount namespace. */
function mounts(): MountLine[] {
  const out: MountLine[] = [];
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    out.push({ fstype: line.slice(sep + 3).split(' ')[0] ?? '', root: unescapeMountinfo(left[3] ?? ''), mountPoint: unescapeMountinfo(left[4] ?? '') });
  }
  return out;
}

/** The namespace an nsfs mount at `path` shows (its root is `net:[N]`), or undefined. */
function nsfsInodeAt(path: string): number | undefined {
  const m = mounts().find((x) => x.fstype === 'nsfs' && x.mountPoint === path);
  const r = m ? /^\w+:\[(\d+)\]$/.exec(m.root) : null;
  return r ? Number(r[1]) : undefined;
}

/** The inode of a namespace link (`net:[N]`, as `/proc/<pid>/fd/<n>` or `/proc/<pid>/ns/<type>`). */
function linkInode(link: string): number | undefined {
  try {
    const m = /^\w+:\[(\d+)\]$/.exec(fs.readlinkSync(link));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** NSpid from /proc/<pid>/status. */
function realNspid(pid: number): number[] {
  const line = /^NSpid:\s*(.*)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return (line?.[1] ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
}

// ---------------------------------------------------------------------------
// the lab's processes and mounts

interface Tracked {
  pid: number;
  start: number;
  what: string;
}

const tracked: Tracked[] = [];
const stderrOf = new Map<number, string>();
/** Files given to `unshare --net=<file>`: unmounted at the end if mounted. */
const bindMounts: string[] = [];

function track(pid: number, what: string): void {
  const st = procStat(pid);
  if (st && !tracked.some((t) => t.pid === pid && t.start === st.start)) tracked.push({ pid, start: st.start, what });
}

/** Recorded processes still alive (same pid and start time), zombies excluded. */
function alive(): Tracked[] {
  return tracked.filter((t) => {
    const st = procStat(t.pid);
    return st !== undefined && st.start === t.start && st.state !== 'Z';
  });
}

function kill(list: Tracked[]): void {
  for (const t of list) {
    try {
      process.kill(t.pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

const killOnExit = (): void => kill(alive());

/** Start `argv` under `setpriv --pdeathsig KILL` (it dies with us), recording its pid. */
function start(argv: string[], what: string): ChildProcess {
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.on('error', () => undefined);
  if (child.pid === undefined) throw new Error(`holders lab: cannot spawn ${argv.join(' ')}`);
  const pid = child.pid;
  child.stderr?.on('data', (d: Buffer) => stderrOf.set(pid, ((stderrOf.get(pid) ?? '') + d.toString()).slice(-2000)));
  track(pid, what);
  return child;
}

/** Throw if a started process has exited (with what it printed). */
function stillRunning(child: ChildProcess, what: string): void {
  if (child.exitCode !== null || child.signalCode !== null) {
    throw new Error(`holders lab: ${what} exited (${child.exitCode ?? child.signalCode}): ${stderrOf.get(child.pid as number) ?? ''}`);
  }
}

// ---------------------------------------------------------------------------

describe.skipIf(!live.ok)('live: namespace holders and lsns hierarchy columns', () => {
  let build: Build | undefined;
  let lockLab: Lab | undefined;
  let dir: string | undefined;
  const own = live.ok ? ownNamespaces() : {};
  /** What the lab built, as the kernel shows it. */
  const L = {
    netA: { path: '', inode: 0 },
    fd: { holder: 0, target: 0, inode: 0 },
    netB: { path: '', inode: 0, pid: 0 },
    /** outer: the first unshare (in our pid namespace); inits[i]: the first process of pid namespace i (outermost first). */
    pidns: { outer: 0, inits: [] as number[], inodes: [] as number[] },
    user: { pid: 0, user: 0, net: 0, uts: 0 },
  };
  const cli = (...args: string[]): string[] => [process.execPath, build!.cli, ...args];

  beforeAll(async () => {
    build = worldReadableBuild(repo);
    // Lab.open takes the live-suite lock (/tmp/nsview-live.lock); the lab here is our own.
    lockLab = await Lab.open();
    process.on('exit', killOnExit);
    dir = fs.mkdtempSync('/tmp/nsview-holders-');

    // 1. netA: held only by a bind mount.
    L.netA.path = nodePath.join(dir, 'netA');
    fs.writeFileSync(L.netA.path, '');
    bindMounts.push(L.netA.path);
    const a = spawnSync('unshare', [`--net=${L.netA.path}`, 'true'], { encoding: 'utf8', timeout: 10_000 });
    if (a.status !== 0) throw new Error(`holders lab: unshare --net=${L.netA.path} true failed (${a.status ?? a.signal}): ${a.stderr}`);
    L.netA.inode = await poll(`an nsfs mount at ${L.netA.path}`, () => nsfsInodeAt(L.netA.path));

    // 2. fd: a namespace held only by fd 3 of a second process; its first process is killed by its recorded pid.
    const target = start(['unshare', '--net', 'sleep', '600'], 'fd target');
    L.fd.target = target.pid as number;
    L.fd.inode = await poll('the fd target in a net namespace of its own', () => {
      stillRunning(target, 'fd target');
      const net = nsInode(L.fd.target, 'net');
      return procStat(L.fd.target)?.comm === 'sleep' && net !== own.net ? net : undefined;
    });
    const holder = start(['bash', '-c', 'exec 3<"$1" || exit 97; exec sleep 600', 'bash', `/proc/${L.fd.target}/ns/net`], 'fd holder');
    L.fd.holder = holder.pid as number;
    await poll(`fd 3 of ${L.fd.holder} on net:[${L.fd.inode}]`, (s) => {
      stillRunning(holder, 'fd holder');
      const fd = linkInode(`/proc/${L.fd.holder}/fd/3`);
      s.last = `fd 3 ${fd ?? 'absent'}, comm ${procStat(L.fd.holder)?.comm ?? '?'}`;
      return fd === L.fd.inode && procStat(L.fd.holder)?.comm === 'sleep' ? true : undefined;
    });
    kill(tracked.filter((t) => t.pid === L.fd.target && procStat(t.pid)?.start === t.start));
    await poll(`fd target ${L.fd.target} to exit`, () => (alive().some((t) => t.pid === L.fd.target) ? undefined : true));
    // The namespace outlives its last process: the fd still shows it.
    if (linkInode(`/proc/${L.fd.holder}/fd/3`) !== L.fd.inode) throw new Error('holders lab: fd 3 lost its namespace');

    // 3. netB: a namespace with a process that is also bind-mounted (unshare execs sleep: the pid is the sleep).
    L.netB.path = nodePath.join(dir, 'netB');
    fs.writeFileSync(L.netB.path, '');
    bindMounts.push(L.netB.path);
    const b = start(['unshare', `--net=${L.netB.path}`, 'sleep', '600'], 'netB');
    L.netB.pid = b.pid as number;
    L.netB.inode = await poll(`netB: sleep in a net namespace mounted at ${L.netB.path}`, (s) => {
      stillRunning(b, 'netB');
      const net = nsInode(L.netB.pid, 'net');
      const mounted = nsfsInodeAt(L.netB.path);
      s.last = `comm ${procStat(L.netB.pid)?.comm ?? '?'}, net ${net}, mount ${mounted}`;
      return procStat(L.netB.pid)?.comm === 'sleep' && net !== own.net && net === mounted ? net : undefined;
    });

    // 4. Three nested pid namespaces (--kill-child: each init's death takes the rest along).
    const nested = start(
      [
        'unshare',
        '--pid',
        '--fork',
        '--kill-child=KILL',
        'unshare',
        '--pid',
        '--fork',
        '--kill-child=KILL',
        'unshare',
        '--pid',
        '--fork',
        '--kill-child=KILL',
        'sleep',
        '600',
      ],
      'nested pid namespaces',
    );
    L.pidns.outer = nested.pid as number;
    L.pidns.inits = await poll('three nested pid namespaces with sleep innermost', (s) => {
      stillRunning(nested, 'nested pid namespaces');
      const chain: number[] = [];
      let at = L.pidns.outer;
      for (let i = 0; i < 3; i++) {
        const kids = childrenOf(at);
        if (kids.length !== 1) {
          s.last = `pid ${at} has children ${JSON.stringify(kids)}`;
          return undefined;
        }
        at = kids[0] as number;
        track(at, `pid namespace ${i + 1}`);
        chain.push(at);
      }
      s.last = `chain ${JSON.stringify(chain)}, innermost comm ${procStat(at)?.comm ?? '?'}`;
      return procStat(at)?.comm === 'sleep' ? chain : undefined;
    });
    L.pidns.inodes = L.pidns.inits.map((p) => nsInode(p, 'pid') as number);
    if (new Set([own.pid, ...L.pidns.inodes]).size !== 4 || L.pidns.inodes.some((i) => !i))
      throw new Error(`holders lab: pid namespaces not distinct: ${JSON.stringify(L.pidns.inodes)}`);

    // 5. A user namespace owning a net and a uts namespace.
    const u = start(['unshare', '--user', '--map-root-user', '--net', '--uts', 'sleep', '600'], 'user namespace');
    L.user.pid = u.pid as number;
    await poll('sleep in new user, net and uts namespaces', (s) => {
      stillRunning(u, 'user namespace');
      const ns = { user: nsInode(L.user.pid, 'user'), net: nsInode(L.user.pid, 'net'), uts: nsInode(L.user.pid, 'uts') };
      s.last = `comm ${procStat(L.user.pid)?.comm ?? '?'}, ${JSON.stringify(ns)}`;
      if (procStat(L.user.pid)?.comm !== 'sleep' || !ns.user || !ns.net || !ns.uts) return undefined;
      if (ns.user === own.user || ns.net === own.net || ns.uts === own.uts) return undefined;
      Object.assign(L.user, ns);
      return true;
    });
    console.log(`holders lab: ${JSON.stringify(L)}`);
  }, 300_000);

  afterAll(async () => {
    const problems: string[] = [];
    let leftMounts: string[] = [];
    let labLeft: Awaited<ReturnType<typeof closeLab>> = { alive: [], cgroups: [] };
    try {
      // The recorded processes, by pid and start time; each SIGKILLed until it is gone.
      await poll(
        'holders lab processes to exit',
        (s) => {
          const left = alive();
          if (left.length === 0) return true;
          s.last = left.map((t) => `${t.pid} (${t.what})`).join(', ');
          kill(left);
          return undefined;
        },
        15_000,
        20,
      ).catch((err: unknown) => problems.push(String(err)));
      // Our children are reaped by node; wait for that so later scans do not see zombies.
      await poll('holders lab zombies to be reaped', () => (tracked.some((t) => procStat(t.pid)?.start === t.start) ? undefined : true), 5000, 20).catch(
        () => undefined,
      );
      for (const p of bindMounts) {
        if (!mounts().some((m) => m.mountPoint === p)) continue;
        const r = spawnSync('umount', [p], { encoding: 'utf8', timeout: 10_000 });
        if (r.status !== 0) problems.push(`umount ${p} failed (${r.status ?? r.signal}): ${r.stderr}`);
      }
      if (dir) {
        try {
          fs.rmSync(dir, { recursive: true, force: true });
        } catch (err) {
          problems.push(`rm -r ${dir}: ${String(err)}`);
        }
        const d = dir;
        leftMounts = mounts()
          .filter((m) => m.mountPoint === d || m.mountPoint.startsWith(`${d}/`))
          .map((m) => `${m.fstype} ${m.root} at ${m.mountPoint}`);
      }
    } finally {
      process.off('exit', killOnExit);
      try {
        labLeft = await closeLab(lockLab);
      } catch (err) {
        problems.push(`closing the lock lab: ${String(err)}`);
      }
      build?.remove();
    }
    expect(problems, 'holders lab teardown').toEqual([]);
    expect(
      alive().map((t) => `${t.pid} (${t.what})`),
      'lab processes left',
    ).toEqual([]);
    expect(leftMounts, `mounts left under ${dir}`).toEqual([]);
    if (dir) expect(fs.existsSync(dir), `${dir} removed`).toBe(false);
    expect(labLeft, 'lock lab processes and cgroups left after close').toEqual({ alive: [], cgroups: [] });
  }, 60_000);

  describe('scanSync({ holders: "all" })', () => {
    let snap: Snapshot;
    const find = (type: NsType, inode: number): Namespace | undefined => snap.namespaces.find((n) => n.type === type && n.inode === inode);
    beforeAll(() => {
      snap = scanSync({ holders: 'all', hierarchies: 'none' });
    });

    it('records that it read every holder', () => {
      expect(snap.coverage).toMatchObject({ holders: 'all' });
    });

    it('lists the namespace held only by a bind mount, with no pids and its mount (the nsfs entry of mountinfo)', () => {
      expect(nsfsInodeAt(L.netA.path), `mountinfo: nsfs at ${L.netA.path}`).toBe(L.netA.inode);
      const ns = find('net', L.netA.inode);
      expect(ns, `net:[${L.netA.inode}] listed`).toBeDefined();
      expect(ns!.pids).toEqual([]);
      expect(ns!.holders).toContainEqual({ kind: 'mount', path: L.netA.path, mntns: own.mnt, pid: expect.any(Number) });
      expect(
        ns!.holders!.filter((h) => h.kind !== 'mount' || h.path !== L.netA.path),
        'no holder but its mount',
      ).toEqual([]);
    });

    it('lists the namespace held only by an fd, with no pids and the fd (as /proc/<holder>/fd/3 links it)', () => {
      expect(linkInode(`/proc/${L.fd.holder}/fd/3`)).toBe(L.fd.inode);
      expect(procStat(L.fd.target), 'the first process is gone').toBeUndefined();
      const ns = find('net', L.fd.inode);
      expect(ns, `net:[${L.fd.inode}] listed`).toBeDefined();
      expect(ns!.pids).toEqual([]);
      expect(ns!.holders).toEqual([{ kind: 'fd', pid: L.fd.holder, fd: 3 }]);
    });

    it('gives the bind-mounted namespace with a process both: its pid and its mount', () => {
      const ns = find('net', L.netB.inode);
      expect(ns, `net:[${L.netB.inode}] listed`).toBeDefined();
      expect(ns!.pids).toEqual([L.netB.pid]);
      expect(ns!.holders).toContainEqual({ kind: 'mount', path: L.netB.path, mntns: own.mnt, pid: expect.any(Number) });
      expect(
        ns!.holders!.filter((h) => h.kind !== 'mount'),
        'no fd or *_for_children holder',
      ).toEqual([]);
    });

    it('NSpid: the innermost sleep is pid 1 four levels down, as /proc/<pid>/status says', () => {
      const [c1, c2, c3] = L.pidns.inits as [number, number, number];
      const nspid = (pid: number): number[] | null | undefined => snap.processes.find((p) => p.pid === pid)?.nspid;
      // 1 on a host; the lab adds three levels below ours.
      const depth = realNspid(L.pidns.outer).length;
      expect(nspid(L.pidns.outer)).toEqual(realNspid(L.pidns.outer));
      expect(nspid(c3)).toHaveLength(depth + 3);
      if (depth === 1) expect(nspid(c3)).toHaveLength(4);
      expect(nspid(c3)?.at(-1)).toBe(1);
      expect(nspid(c3)).toEqual(realNspid(c3));
      expect(nspid(c3)?.[0]).toBe(c3);
      expect(nspid(c3)?.slice(-3)).toEqual([3, 2, 1]);
      expect(nspid(c2)).toEqual(realNspid(c2));
      expect(nspid(c2)?.slice(-2)).toEqual([2, 1]);
      expect(nspid(c1)).toEqual(realNspid(c1));
      expect(nspid(c1)).toHaveLength(depth + 1);
      expect(nspid(c1)?.at(-1)).toBe(1);
    });

    it('namespaceRelations: each nested pid namespace under the next outer one, the outermost under ours; unknown owners left null', () => {
      const rel = namespaceRelations(snap);
      const [n1, n2, n3] = L.pidns.inodes as [number, number, number];
      expect(rel.get(`pid:${n1}`)?.parent).toBe(own.pid);
      expect(rel.get(`pid:${n2}`)?.parent).toBe(n1);
      expect(rel.get(`pid:${n3}`)?.parent).toBe(n2);
      // The lab's net and uts belong to the lab's user namespace: the files cannot tell, so null, never another number.
      for (const type of ['net', 'uts'] as const) expect(rel.get(`${type}:${L.user[type]}`), `${type}:${L.user[type]}`).toEqual({ parent: 0, owner: null });
      // The lab's pid namespaces and its user namespace are owned by (and the user namespace a child of) ours: null or that.
      for (const inode of L.pidns.inodes) expect([null, own.user]).toContain(rel.get(`pid:${inode}`)?.owner);
      expect([null, own.user]).toContain(rel.get(`user:${L.user.user}`)?.parent);
      expect([null, own.user]).toContain(rel.get(`user:${L.user.user}`)?.owner);
      // Held-only net namespaces: not nesting, parent 0; owner unknown (dynamic inodes).
      expect(rel.get(`net:${L.netA.inode}`)).toEqual({ parent: 0, owner: null });
      expect(rel.get(`net:${L.fd.inode}`)).toEqual({ parent: 0, owner: null });
    });
  });

  describe('CLI (nsview from a private build) against lsns', () => {
    it('ls -J -o NS,TYPE,NPROCS,PID --holders lists every namespace lsns -J -l lists, with the same nprocs and pid', async () => {
      await expectAgreement('nsview ls -J --holders vs lsns -J -l', () => compareLs(cli('ls', '-J', '-o', 'NS,TYPE,NPROCS,PID', '--holders'), ownNamespaces()));
    });

    it('the lab namespaces: both tools agree with the lab, exactly; nsview alone lists the held-only ones (nprocs 0)', () => {
      const mine = byKey(jsonRows(cli('ls', '-J', '-o', 'NS,TYPE,NPROCS,PID', '--holders')));
      const lsns = byKey(jsonRows(['lsns', '-J', '-l', '-o', 'NS,TYPE,NPROCS,PID']));
      const [c1, c2, c3] = L.pidns.inits as [number, number, number];
      const [n1, n2, n3] = L.pidns.inodes as [number, number, number];
      const expected: Array<[string, { nprocs: number; pid: number }]> = [
        [`net:${L.netB.inode}`, { nprocs: 1, pid: L.netB.pid }],
        [`pid:${n1}`, { nprocs: 1, pid: c1 }],
        [`pid:${n2}`, { nprocs: 1, pid: c2 }],
        [`pid:${n3}`, { nprocs: 1, pid: c3 }],
        [`user:${L.user.user}`, { nprocs: 1, pid: L.user.pid }],
        [`net:${L.user.net}`, { nprocs: 1, pid: L.user.pid }],
        [`uts:${L.user.uts}`, { nprocs: 1, pid: L.user.pid }],
      ];
      const pick = (r: JsonRow | undefined): unknown => (r ? { nprocs: r.nprocs, pid: r.pid } : 'absent');
      for (const [key, want] of expected) {
        expect(pick(mine.get(key)), `nsview ${key}`).toEqual(want);
        expect(pick(lsns.get(key)), `lsns ${key}`).toEqual(want);
      }
      for (const [key, holder] of [
        [`net:${L.netA.inode}`, { kind: 'mount', path: L.netA.path, mntns: own.mnt, pid: expect.any(Number) }],
        [`net:${L.fd.inode}`, { kind: 'fd', pid: L.fd.holder, fd: 3 }],
      ] as const) {
        const row = mine.get(key);
        expect(pick(row), `nsview ${key}`).toEqual({ nprocs: 0, pid: null });
        expect(row?.holders, `nsview ${key} holders`).toContainEqual(holder);
        // lsns 2.38 lists no namespace without a process; a newer one may, and then with none.
        const theirs = lsns.get(key);
        if (theirs) expect(pick(theirs), `lsns ${key}`).toEqual({ nprocs: 0, pid: null });
        else console.log(`lsns does not list ${key} (held only by a ${holder.kind}), as lsns 2.38 does not`);
      }
      expect(mine.get(`net:${L.netB.inode}`)?.holders, 'netB holders').toContainEqual({
        kind: 'mount',
        path: L.netB.path,
        mntns: own.mnt,
        pid: expect.any(Number),
      });
    });

    it('ls PATH of a held-only namespace is its holder (the mount point, /proc/<pid>/fd/<fd>)', () => {
      const mine = byKey(jsonRows(cli('ls', '-J', '-o', 'NS,TYPE,PATH,NPROCS', '--holders', '-t', 'net')));
      expect(mine.get(`net:${L.netA.inode}`)?.path).toBe(L.netA.path);
      expect(mine.get(`net:${L.fd.inode}`)?.path).toBe(`/proc/${L.fd.holder}/fd/3`);
      expect(mine.get(`net:${L.netB.inode}`)?.path).toBe(`/proc/${L.netB.pid}/ns/net`);
    });

    it("ls -J -o NS,TYPE,PNS,ONS,NSFS: wherever nsview gives a value it is lsns's; the lab's pid parents and netB's mount are given", async () => {
      const [n1, n2, n3] = L.pidns.inodes as [number, number, number];
      const counts = { both: 0, pns: 0, ons: 0, nsfs: 0, nullPns: 0, nullOns: 0 };
      await expectAgreement('nsview ls -J -o NS,TYPE,PNS,ONS,NSFS vs lsns', () => {
        const mine = byKey(jsonRows(cli('ls', '-J', '-o', 'NS,TYPE,PNS,ONS,NSFS')));
        const lsns = byKey(jsonRows(['lsns', '-J', '-l', '-o', 'NS,TYPE,PNS,ONS,NSFS']));
        const problems: string[] = [];
        Object.assign(counts, { both: 0, pns: 0, ons: 0, nsfs: 0, nullPns: 0, nullOns: 0 });
        for (const [key, m] of mine) {
          const t = lsns.get(key);
          if (!t) continue; // came or went in between, or held only (lsns 2.38 does not list those)
          counts.both++;
          for (const col of ['pns', 'ons', 'nsfs'] as const) {
            if (m[col] === null) {
              if (col !== 'nsfs') counts[col === 'pns' ? 'nullPns' : 'nullOns']++;
              continue;
            }
            counts[col]++;
            if (m[col] !== t[col]) problems.push(`${key} ${col}: nsview ${JSON.stringify(m[col])}, lsns ${JSON.stringify(t[col])}`);
          }
        }
        // The lab: filled in by nsview, and lsns's values.
        const want: Array<[string, 'pns' | 'ons' | 'nsfs', number | string | null | undefined]> = [
          [`pid:${n1}`, 'pns', own.pid],
          [`pid:${n2}`, 'pns', n1],
          [`pid:${n3}`, 'pns', n2],
          [`net:${L.netB.inode}`, 'nsfs', L.netB.path],
          // Owned by the lab's user namespace: nsview cannot tell (null), lsns can.
          [`net:${L.user.net}`, 'ons', null],
          [`uts:${L.user.uts}`, 'ons', null],
        ];
        for (const [key, col, value] of want) {
          const got = mine.get(key);
          if (!got) problems.push(`nsview does not list ${key}`);
          else if (got[col] !== value) problems.push(`${key} ${col}: nsview ${JSON.stringify(got[col])}, expected ${JSON.stringify(value)}`);
          const theirs = lsns.get(key);
          const lsnsWant = value === null ? L.user.user : value;
          if (!theirs) problems.push(`lsns does not list ${key}`);
          else if (theirs[col] !== lsnsWant) problems.push(`${key} ${col}: lsns ${JSON.stringify(theirs[col])}, expected ${JSON.stringify(lsnsWant)}`);
        }
        // The held-only ones are listed too (the NSFS column reads mounts), with their mount, or none for the fd.
        const a = mine.get(`net:${L.netA.inode}`);
        if (a && a.nsfs !== L.netA.path) problems.push(`netA nsfs: nsview ${JSON.stringify(a.nsfs)}, expected ${L.netA.path}`);
        const f = mine.get(`net:${L.fd.inode}`);
        if (f && f.nsfs !== null) problems.push(`fd-held namespace nsfs: nsview ${JSON.stringify(f.nsfs)}, expected null`);
        return problems;
      });
      console.log(
        `PNS/ONS/NSFS: ${counts.both} namespaces in both; nsview gave pns ${counts.pns} (null ${counts.nullPns}), ons ${counts.ons} (null ${counts.nullOns}), nsfs ${counts.nsfs}; all equal to lsns`,
      );
      expect(counts.pns).toBeGreaterThanOrEqual(3);
    });

    it('ls -J -T parent -t pid nests the three lab pid namespaces in one another, under ours (as lsns --tree=parent)', () => {
      const [n1, n2, n3] = L.pidns.inodes as [number, number, number];
      /** The chain of inodes from a top-level row down to `inode`, or undefined. */
      const pathTo = (rows: JsonRow[], inode: number): number[] | undefined => {
        for (const r of rows) {
          if (r.ns === inode && r.type === 'pid') return [r.ns];
          const below = pathTo(r.children ?? [], inode);
          if (below) return [r.ns, ...below];
        }
        return undefined;
      };
      const mine = jsonRows(cli('ls', '-J', '-T', 'parent', '-t', 'pid'));
      expect(pathTo(mine, n3)?.slice(-4), 'nsview: path from the top to the innermost').toEqual([own.pid, n1, n2, n3]);
      const theirs = jsonRows(['lsns', '-J', '--tree=parent', '-t', 'pid', '-o', 'NS,TYPE,PNS']);
      expect(pathTo(theirs, n3)?.slice(-4), 'lsns: path from the top to the innermost').toEqual([own.pid, n1, n2, n3]);
      // Each lab namespace has exactly the next one as its child.
      const node = (rows: JsonRow[], path: number[]): JsonRow | undefined => {
        let list = rows;
        let at: JsonRow | undefined;
        for (const inode of path) {
          at = list.find((r) => r.ns === inode && r.type === 'pid');
          list = at?.children ?? [];
        }
        return at;
      };
      const chain = pathTo(mine, n3) ?? [];
      expect(node(mine, chain.slice(0, -2))?.children?.map((c) => c.ns)).toEqual([n2]);
      expect(node(mine, chain.slice(0, -1))?.children?.map((c) => c.ns)).toEqual([n3]);
      expect(node(mine, chain)?.children).toBeUndefined();
    });
  });
});
