import { recogniseCgroupPath, type PathIdentity } from '../parse/cgroup-path.js';
import { compareHierarchyKeys } from './cgroup-tree.js';
import { holderText } from './holders.js';
import { indexSnapshot } from './index-snapshot.js';
import { podText } from './names.js';
import type { CgroupNode, Namespace, NsHolder, Snapshot } from '../types.js';

/**
 * What `nsview leaks` finds, each something no live pod or container explains:
 * - `held-namespace`: a namespace with no process, kept alive by a bind mount or an open fd;
 * - `orphan-netns`: a network namespace CNI or Docker mounted for a sandbox or container
 *   (`/var/run/netns/cni-…`, `/var/run/docker/netns/…`) with no container process in it;
 * - `pod-cgroup`: a kubelet pod cgroup (`kubepods…/pod<uid>`) with no process in any hierarchy;
 * - `container-cgroup`: a container's cgroup with no process, its container not running;
 * - `pod-without-sandbox`: a kubelet pod whose processes run with no sandbox (pause) container;
 * - `container-netns`: a pod's container whose network namespace is not its sandbox's.
 */
export type LeakKind = 'held-namespace' | 'orphan-netns' | 'pod-cgroup' | 'container-cgroup' | 'pod-without-sandbox' | 'container-netns';

/** One finding, with the facts that show it. */
export interface Leak {
  kind: LeakKind;
  /** What leaked, in a few words: `net:[4026532614]`, `pod 5c0f…`, `container containerd:ab12…`. */
  subject: string;
  /** The namespace, for the namespace kinds. */
  namespace?: { type: string; inode: number };
  /** The pod's uid (kubelet pods), for the pod kinds and a container's pod. */
  pod?: string;
  /** The container's runtime and id, for the container kinds. */
  container?: { runtime: string; id: string };
  /** The facts that show it, one per line: paths, holders, pids. */
  evidence: string[];
}

/** What {@link findLeaks} could not look at, because the snapshot did not read it. */
export interface LeakReport {
  leaks: Leak[];
  /** Checks that were skipped, each with why: a snapshot without holders or cgroup trees. */
  skipped: string[];
}

/** Where CNI plugins (through containerd or CRI-O) and Docker mount the network namespaces they make. */
const RUNTIME_NETNS: Array<{ re: RegExp; who: string }> = [
  { re: /^(\/var)?\/run\/netns\/cni-[^/]+$/, who: 'CNI' },
  { re: /^(\/var)?\/run\/docker\/netns\/[^/]+$/, who: 'Docker' },
];

const ORDER: Record<LeakKind, number> = {
  'held-namespace': 0,
  'orphan-netns': 1,
  'pod-without-sandbox': 2,
  'container-netns': 3,
  'pod-cgroup': 4,
  'container-cgroup': 5,
};

/**
 * Find what leaked in a snapshot (see {@link LeakKind}). Pure: reads the snapshot only.
 * Namespace findings need holders (`scan({ holders: 'all' })`), cgroup findings the cgroup
 * trees; without them those checks are listed in `skipped`, never guessed.
 */
export function findLeaks(s: Snapshot): LeakReport {
  const leaks: Leak[] = [];
  const skipped: string[] = [];
  if (!s.coverage?.holders) skipped.push('namespaces held by mounts or fds: holders were not read (scan with holders, or a snapshot from `nsview snapshot`)');
  else if (s.coverage.holders !== 'all') skipped.push('namespaces held by fds: only nsfs mounts were read');
  namespaceLeaks(s, leaks);
  podLeaks(s, leaks);
  if (s.hierarchies.length === 0) skipped.push('pod and container cgroups: no cgroup hierarchy was read');
  else cgroupLeaks(s, leaks);
  leaks.sort((a, b) => ORDER[a.kind] - ORDER[b.kind] || (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0));
  return { leaks, skipped };
}

const nsName = (ns: Pick<Namespace, 'type' | 'inode'>): string => `${ns.type}:[${ns.inode}]`;

function describeHolder(s: Snapshot, h: NsHolder, ns: Namespace): string {
  const text = holderText(h, ns.type);
  if (h.kind === 'mount') return text;
  const p = indexSnapshot(s).process(h.pid);
  return p ? `${text} (${p.comm || '?'})` : text;
}

function namespaceLeaks(s: Snapshot, leaks: Leak[]): void {
  const ix = indexSnapshot(s);
  for (const ns of s.namespaces) {
    const holders = ns.holders ?? [];
    const runtime =
      ns.type === 'net' ? holders.flatMap((h) => (h.kind === 'mount' ? RUNTIME_NETNS.filter((r) => r.re.test(h.path)).map((r) => r.who) : []))[0] : undefined;
    if (ns.pids.length === 0) {
      // A process's *_for_children link explains it: that process puts its next children there.
      if (holders.length === 0 || holders.some((h) => h.kind === 'children')) continue;
      leaks.push({
        kind: runtime ? 'orphan-netns' : 'held-namespace',
        subject: nsName(ns),
        namespace: { type: ns.type, inode: ns.inode },
        evidence: [
          'no process is in it',
          ...holders.map((h) => `held by ${describeHolder(s, h, ns)}`),
          ...(runtime ? [`mounted where ${runtime} keeps network namespaces of sandboxes and containers`] : []),
        ],
      });
      continue;
    }
    if (runtime && !ns.pids.some((pid) => ix.containerOf(pid))) {
      // A runtime's namespace whose processes all run outside any container: what it was made for is gone.
      const shown = ns.pids
        .slice(0, 5)
        .map((pid) => `${pid} (${ix.process(pid)?.comm || '?'})`)
        .join(', ');
      leaks.push({
        kind: 'orphan-netns',
        subject: nsName(ns),
        namespace: { type: ns.type, inode: ns.inode },
        evidence: [
          `no container process is in it; ${ns.pids.length} other process(es): ${shown}${ns.pids.length > 5 ? ', …' : ''}`,
          ...holders.filter((h) => h.kind !== 'children').map((h) => `held by ${describeHolder(s, h, ns)}`),
        ],
      });
    }
  }
}

function podLeaks(s: Snapshot, leaks: Leak[]): void {
  const ix = indexSnapshot(s);
  for (const pod of s.pods) {
    if (pod.inferred) continue;
    const name = podText(pod);
    if (pod.sandbox === null) {
      leaks.push({
        kind: 'pod-without-sandbox',
        subject: `pod ${name}`,
        ...(pod.uid ? { pod: pod.uid } : {}),
        evidence: [
          `no sandbox (pause) container among its ${pod.containers.length} container(s): ${pod.containers.map((id) => containerText(s, id)).join(', ') || 'none'}`,
          ...(pod.cgroup ? [`pod cgroup ${pod.cgroup}`] : []),
        ],
      });
      continue;
    }
    const sandboxPid = pod.sandbox.pid;
    const sandboxNet = sandboxPid === null ? undefined : ix.process(sandboxPid)?.ns.net;
    if (sandboxNet === undefined) continue;
    for (const id of pod.containers) {
      const c = ix.container(id);
      if (!c || c.role === 'sandbox') continue;
      const away = c.pids.filter((pid) => {
        const net = ix.process(pid)?.ns.net;
        return net !== undefined && net !== sandboxNet;
      });
      if (!away.length) continue;
      const first = ix.process(away[0] as number)!;
      leaks.push({
        kind: 'container-netns',
        subject: `container ${containerText(s, id)}`,
        ...(pod.uid ? { pod: pod.uid } : {}),
        container: { runtime: c.runtime, id: c.id },
        evidence: [
          `in pod ${name}, whose sandbox (pid ${sandboxPid}) is in net:[${sandboxNet}]`,
          `${away.length} of its ${c.pids.length} process(es) are in another network namespace: pid ${first.pid} in net:[${first.ns.net}]`,
        ],
      });
    }
  }
}

function containerText(s: Snapshot, id: string): string {
  const c = indexSnapshot(s).container(id);
  if (!c) return id.slice(0, 12);
  return c.name ? `${c.name} (${c.runtime}:${c.id.slice(0, 12)})` : `${c.runtime}:${c.id.slice(0, 12)}`;
}

/** Does the subtree hold any process? */
function hasProcesses(node: CgroupNode): boolean {
  const stack = [node];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.pids.length) return true;
    for (const c of n.children) stack.push(c);
  }
  return false;
}

function cgroupLeaks(s: Snapshot, leaks: Leak[]): void {
  const livePods = new Set(s.pods.map((p) => p.uid).filter((u): u is string => u !== null));
  const liveContainers = new Set(s.containers.map((c) => `${c.runtime}:${c.id}`));
  const pods = new Map<string, { paths: Map<string, string[]>; containers: Set<string> }>();
  const containers = new Map<string, { runtime: string; id: string; name: string | null; paths: Map<string, string[]>; pod: string | null }>();
  const cache = new Map<string, PathIdentity>();
  const hierarchies = [...s.hierarchies].sort((a, b) => compareHierarchyKeys(a.key, b.key));
  for (const h of hierarchies) {
    const stack = [h.root];
    while (stack.length) {
      const n = stack.pop()!;
      for (const c of n.children) stack.push(c);
      if (n.path === '/') continue;
      let id = cache.get(n.path);
      if (!id) cache.set(n.path, (id = recogniseCgroupPath(n.path)));
      const pod = id.pod && id.pod.cgroup === n.path && !id.container ? id.pod : null;
      const ctr = id.container && id.container.cgroup === n.path ? id.container : null;
      if (!pod && !ctr) continue;
      if (hasProcesses(n)) continue;
      if (pod) {
        if (livePods.has(pod.uid)) continue;
        let e = pods.get(pod.uid);
        if (!e) pods.set(pod.uid, (e = { paths: new Map(), containers: new Set() }));
        const keys = e.paths.get(n.path) ?? [];
        keys.push(h.key);
        e.paths.set(n.path, keys);
      } else if (ctr) {
        const key = `${ctr.runtime}:${ctr.id}`;
        if (liveContainers.has(key)) continue;
        let e = containers.get(key);
        if (!e) containers.set(key, (e = { runtime: ctr.runtime, id: ctr.id, name: ctr.name, paths: new Map(), pod: id.pod ? id.pod.uid : null }));
        const keys = e.paths.get(n.path) ?? [];
        keys.push(h.key);
        e.paths.set(n.path, keys);
      }
    }
  }
  const where = (paths: Map<string, string[]>): string[] =>
    [...paths].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([path, keys]) => `${path} (${keys.join(', ')})`);
  // A container cgroup inside a leaked pod cgroup is part of that finding, not one of its own.
  for (const [key, c] of containers) {
    if (c.pod && pods.has(c.pod)) {
      pods.get(c.pod)!.containers.add(key);
      containers.delete(key);
    }
  }
  for (const [uid, e] of pods) {
    leaks.push({
      kind: 'pod-cgroup',
      subject: `pod ${uid}`,
      pod: uid,
      evidence: [
        'no process in any hierarchy, and no live pod has this uid',
        ...where(e.paths).map((w) => `cgroup ${w}`),
        ...(e.containers.size
          ? [
              `with ${e.containers.size} empty container cgroup(s) in it: ${[...e.containers]
                .sort()
                .map((k) => k.replace(/^([^:]+:.{12}).*$/, '$1'))
                .join(', ')}`,
            ]
          : []),
      ],
    });
  }
  for (const c of containers.values()) {
    leaks.push({
      kind: 'container-cgroup',
      subject: `container ${c.name ? `${c.name} (${c.runtime}:${c.id.slice(0, 12)})` : `${c.runtime}:${c.id.slice(0, 12)}`}`,
      container: { runtime: c.runtime, id: c.id },
      ...(c.pod ? { pod: c.pod } : {}),
      evidence: ['no process in it, and no running container has this id', ...where(c.paths).map((w) => `cgroup ${w}`)],
    });
  }
}
