/**
 * Holders, nesting and leaks on the `holders` scenario (fixtures/scenarios/holders.json),
 * read through the real reader over memfs: what keeps each namespace alive, the parent of
 * each pid namespace, and what `leaks` finds.
 */
import { describe, expect, it } from 'vitest';
import { scanSync } from '../../lib/scan.js';
import { attachHolders } from '../../lib/model/holders.js';
import { findLeaks } from '../../lib/model/leaks.js';
import { FIRST_DYNAMIC_INODE, INITIAL_USER_NS, namespaceRelations } from '../../lib/model/relations.js';
import { parseSnapshot, stringifySnapshot } from '../../lib/model/snapshot.js';
import type { Namespace, ProcessInfo, Snapshot, Warning } from '../../lib/model/types.js';
import { readHolders as readHoldersOf } from '../../lib/read/holders.js';
import { readMountTables } from '../../lib/read/mounts.js';
import { emptyProcess } from '../../lib/read/processes.js';
import { createMemorySource } from '../../lib/source/memory.js';
import { sourceError, type Source } from '../../lib/source/source.js';
import { loadSpec, scenarioSource } from '../helpers/host.js';
import { faultySource } from '../helpers/faulty.js';

/** Holders as the scan reads them: the mount tables first, then the holders in them and the fds. */
const readHolders = (src: Source, procs: ProcessInfo[], o: { fds: boolean }, w: Warning[]) => readHoldersOf(src, procs, readMountTables(src, procs, w), o, w);

interface Expect {
  healthy: string;
  noSandbox: string;
  mismatch: string;
  leakedPod: string;
  deadContainer: string;
  leakedPodContainer: string;
}
const ids = loadSpec<Expect>('holders').expect!;
const scan = (holders?: 'mounts' | 'all'): Snapshot => scanSync({ source: scenarioSource('holders'), ...(holders ? { holders } : {}) });
const full = scan('all');
const ns = (s: Snapshot, type: string, inode: number): Namespace | undefined => s.namespaces.find((n) => n.type === type && n.inode === inode);

describe('holders', () => {
  it('lists a namespace held only by an fd, with the pid and fd, and no process', () => {
    expect(ns(full, 'net', 4026532500)).toEqual({ type: 'net', inode: 4026532500, pids: [], holders: [{ kind: 'fd', pid: 400, fd: 3 }] });
  });

  it('lists namespaces held only by bind mounts, with the path and the mount namespace, escapes decoded', () => {
    expect(ns(full, 'net', 4026532531)?.holders).toEqual([
      { kind: 'mount', path: '/run/netns/blue', mntns: 4026531832, pid: 1 },
      { kind: 'mount', path: '/run/netns/blue copy', mntns: 4026531832, pid: 1 },
    ]);
    expect(ns(full, 'net', 4026532531)?.pids).toEqual([]);
    // Mounted in a container's mount namespace: seen in that namespace's mountinfo.
    expect(ns(full, 'net', 4026532540)?.holders).toEqual([{ kind: 'mount', path: '/var/run/netns/inner', mntns: 4026532605, pid: 700 }]);
  });

  it('keeps the processes of a namespace that is also bind-mounted or held by an fd', () => {
    expect(ns(full, 'net', 4026532601)?.pids).toEqual([700, 710]);
    expect(ns(full, 'net', 4026532601)?.holders?.map((h) => h.kind)).toEqual(['mount']);
    expect(ns(full, 'ipc', 4026532602)?.holders).toEqual([{ kind: 'fd', pid: 300, fd: 7 }]);
    expect(ns(full, 'uts', 4026532522)?.pids).toEqual([600]);
  });

  it('names the process whose pid_for_children points into a pid namespace it is not in', () => {
    expect(ns(full, 'pid', 4026532510)?.holders).toEqual([{ kind: 'children', pid: 500 }]);
    expect(ns(full, 'pid', 4026532512)?.holders).toEqual([{ kind: 'children', pid: 502 }]);
  });

  it('reads only mounts with holders "mounts", and nothing without holders', () => {
    const mounts = scan('mounts');
    expect(mounts.coverage).toMatchObject({ holders: 'mounts', volumes: true });
    expect(ns(mounts, 'net', 4026532500)).toBeUndefined();
    expect(ns(mounts, 'net', 4026532530)?.pids).toEqual([]);
    const none = scan();
    expect(none.coverage).toMatchObject({ volumes: true });
    expect(none.coverage?.holders).toBeUndefined();
    expect(none.namespaces.every((n) => n.pids.length > 0 && n.holders === undefined)).toBe(true);
    expect(full.coverage).toMatchObject({ holders: 'all', volumes: true });
  });

  it('round-trips through a snapshot', () => {
    const back = parseSnapshot(stringifySnapshot(full));
    expect(back.namespaces).toEqual(full.namespaces);
    expect(back.coverage).toMatchObject({ holders: 'all', volumes: true });
    expect(() =>
      parseSnapshot(stringifySnapshot({ ...full, namespaces: [{ type: 'net', inode: 1, pids: [], holders: [{ kind: 'fd', pid: 1 } as never] }] })),
    ).toThrow(/namespaces\[0\] is malformed/);
  });

  it('does not change its inputs', () => {
    const before = JSON.stringify(full.namespaces);
    attachHolders(full.namespaces, full.processes, { mounts: [{ type: 'net', inode: 9, path: '/x', mntns: 1, pid: 1 }], fds: [] });
    expect(JSON.stringify(full.namespaces)).toBe(before);
  });
});

describe('reading holders under churn and hostile input', () => {
  const procs = (...pids: number[]): ProcessInfo[] => pids.map((pid) => ({ ...emptyProcess(pid), ns: { mnt: 4026532000 } }));

  it('skips fds that close between the listing and the read, and processes that exit', () => {
    const inner = createMemorySource({ files: { '/proc/5/stat': '' }, links: { '/proc/5/fd/3': 'net:[4026532999]', '/proc/5/fd/4': 'net:[4026532998]' } });
    const src: Source = {
      ...inner,
      readLink: (p) =>
        p.endsWith('/fd/3')
          ? (() => {
              throw sourceError('ENOENT', p, 'closed');
            })()
          : inner.readLink(p),
    };
    const warnings: Warning[] = [];
    const facts = readHolders(src, procs(5, 6), { fds: true }, warnings);
    expect(facts.fds).toEqual([{ type: 'net', inode: 4026532998, pid: 5, fd: 4 }]);
    // pid 6 has no directory at all: it exited; its mount namespace's mountinfo is missing too.
    expect(warnings.map((w) => w.code).sort()).toEqual(['unreadable', 'vanished']);
  });

  it('reads thousands of fds of one process', () => {
    const links: Record<string, string> = {};
    for (let fd = 0; fd < 5000; fd++) links[`/proc/7/fd/${fd}`] = fd % 1000 === 0 ? `net:[${4026540000 + fd}]` : `socket:[${fd}]`;
    const facts = readHolders(createMemorySource({ files: { '/proc/7/mountinfo': '' }, links }), procs(7), { fds: true }, []);
    expect(facts.fds.map((f) => f.fd).sort((a, b) => a - b)).toEqual([0, 1000, 2000, 3000, 4000]);
  });

  it('tries the next process of a mount namespace when one exits, and warns once when none can be read', () => {
    const mi = '41 26 0:4 net:[4026532176] /run/netns/a rw - nsfs nsfs rw\n';
    const ok = readHolders(createMemorySource({ files: { '/proc/9/mountinfo': mi, '/proc/8/stat': '' }, links: {} }), procs(8, 9), { fds: false }, []);
    expect(ok.mounts).toEqual([{ type: 'net', inode: 4026532176, path: '/run/netns/a', mntns: 4026532000, pid: 9 }]);
    const warnings: Warning[] = [];
    const denied = faultySource(createMemorySource({ files: { '/proc/8/mountinfo': mi }, links: {} }), { '/proc/8/mountinfo': 'EACCES' });
    expect(readHolders(denied, procs(8), { fds: false }, warnings).mounts).toEqual([]);
    expect(warnings).toEqual([expect.objectContaining({ code: 'denied', path: '/proc/8/mountinfo' })]);
  });

  it('keeps hostile mount points as data: spaces, octal escapes and control bytes decoded, malformed lines counted', () => {
    // Only lines that can be nsfs mounts are parsed: other garbage does not matter to holders, a broken nsfs line is counted.
    const mi = [
      '41 26 0:4 net:[4026532176] /run/a\\040b\\033[31m rw - nsfs nsfs rw',
      'garbage line',
      'x 26 0:4 net:[1] /bad rw - nsfs nsfs rw',
      '42 26 0:4 net:[4026532177] /old rw - proc proc rw',
    ].join('\n');
    const warnings: Warning[] = [];
    const facts = readHolders(createMemorySource({ files: { '/proc/8/mountinfo': mi }, links: {} }), procs(8), { fds: false }, warnings);
    expect(facts.mounts.map((m) => m.path)).toEqual(['/run/a b\x1b[31m', '/old']);
    expect(warnings.map((w) => w.code)).toEqual(['malformed']);
  });
});

describe('nesting (PNS, ONS)', () => {
  const rel = namespaceRelations(full);
  const of = (type: string, inode: number) => rel.get(`${type}:${inode}`);

  it('gives each pid namespace nested three deep its parent, from NSpid depth and ancestry', () => {
    expect(of('pid', 4026532510)).toEqual({ parent: 4026531836, owner: null });
    expect(of('pid', 4026532511)?.parent).toBe(4026532510);
    expect(of('pid', 4026532512)?.parent).toBe(4026532511);
    // A container's pid namespace (NSpid 700 1) under the node's.
    expect(of('pid', 4026532604)?.parent).toBe(4026531836);
  });

  it('leaves a parent empty where the ancestry skips a level, and user namespaces and owners it cannot know', () => {
    // pid 510 is three levels deep but its parent process is on level one: which level-two namespace is its parent is unknown.
    expect(of('pid', 4026532513)?.parent).toBeNull();
    expect(of('user', 4026532520)).toEqual({ parent: null, owner: null });
    expect(of('net', 4026532521)).toEqual({ parent: 0, owner: null });
  });

  it('knows the initial namespaces by their fixed inodes: owned by the initial user namespace, which has no parent', () => {
    expect(of('user', INITIAL_USER_NS)).toEqual({ parent: 0, owner: 0 });
    expect(of('pid', 4026531836)).toEqual({ parent: 0, owner: INITIAL_USER_NS });
    expect(of('net', 4026531833)).toEqual({ parent: 0, owner: INITIAL_USER_NS });
    for (const n of full.namespaces) if (n.inode >= FIRST_DYNAMIC_INODE) expect(of(n.type, n.inode)?.owner).toBeNull();
  });

  it("keeps each process's pid in every pid namespace it is visible in", () => {
    expect(full.processes.find((p) => p.pid === 503)?.nspid).toEqual([503, 3, 2, 1]);
  });
});

describe('leaks', () => {
  const { leaks, skipped } = findLeaks(full);
  const kinds = leaks.map((l) => `${l.kind} ${l.subject}`);

  it('reports each leak once, in a fixed order, with its evidence', () => {
    expect(new Set(kinds).size).toBe(kinds.length);
    expect(skipped).toEqual([]);
    expect(leaks.map((l) => l.kind)).toEqual([
      'held-namespace',
      'held-namespace',
      'held-namespace',
      'orphan-netns',
      'pod-without-sandbox',
      'container-netns',
      'pod-cgroup',
      'container-cgroup',
    ]);
  });

  it('finds namespaces held only by an fd or a bind mount, and says which', () => {
    const fd = leaks.find((l) => l.namespace?.inode === 4026532500)!;
    expect(fd.evidence).toEqual(['no process is in it', 'held by fd 3 of pid 400 (holder)']);
    const cni = leaks.find((l) => l.kind === 'orphan-netns')!;
    expect(cni.namespace).toEqual({ type: 'net', inode: 4026532530 });
    expect(cni.evidence.join('\n')).toMatch(/mount \/run\/netns\/cni-[0-9a-f-]+ \(mnt:\[4026531832\]\)/);
  });

  it("finds the pod without a sandbox, the container outside its sandbox's netns, the empty pod cgroup and the leftover container cgroup", () => {
    expect(leaks.find((l) => l.kind === 'pod-without-sandbox')?.pod).toBe(ids.noSandbox);
    const mism = leaks.find((l) => l.kind === 'container-netns')!;
    expect(mism.pod).toBe(ids.mismatch);
    expect(mism.evidence[1]).toContain('pid 910 in net:[4026532811]');
    const pod = leaks.find((l) => l.kind === 'pod-cgroup')!;
    expect(pod.pod).toBe(ids.leakedPod);
    // Its container cgroup is part of the pod's finding, not one of its own.
    expect(pod.evidence.at(-1)).toContain(ids.leakedPodContainer.slice(0, 12));
    expect(leaks.filter((l) => l.kind === 'container-cgroup').map((l) => l.container?.id)).toEqual([ids.deadContainer]);
  });

  it("never reports the healthy pod, its namespaces (also bind-mounted by CNI) or a process's *_for_children namespace", () => {
    // Only its leftover container cgroup (a container that is gone) names it.
    const text = JSON.stringify(leaks.filter((l) => l.kind !== 'container-cgroup'));
    expect(text).not.toContain(ids.healthy);
    expect(text).not.toContain('4026532601');
    expect(text).not.toContain('4026532510');
  });

  it('says what it could not check instead of guessing', () => {
    const r = findLeaks(scan());
    expect(r.skipped.join('\n')).toMatch(/holders were not read/);
    expect(r.leaks.some((l) => l.kind === 'held-namespace' || l.kind === 'orphan-netns')).toBe(false);
    const noTrees = findLeaks({ ...full, hierarchies: [] });
    expect(noTrees.skipped.join('\n')).toMatch(/no cgroup hierarchy/);
    expect(noTrees.leaks.some((l) => l.kind === 'pod-cgroup')).toBe(false);
  });
});
