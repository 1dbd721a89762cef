/**
 * Planning the reads of a scan: pure functions from what was read so far to what to read
 * next (which pids need more of their files, which state files, which mount namespaces).
 * lib/scan.ts alternates them with the readers of lib/read/ and builds the model once at
 * the end; nothing here touches a file.
 */
import type { PathIdentity } from '../parse/cgroup-path.js';
import { NS_TYPES, type CgroupHierarchy, type CgroupNode, type ProcessInfo, type Runtime } from '../types.js';
import { identifyProcess, type ProcessIdentity } from './containers.js';

/** Each process's identity from its cgroup paths (container, pod, monitor), by pid; and how many paths climb above the reader's cgroup namespace (`/..`). */
export function identify(processes: ProcessInfo[]): { identities: Map<number, ProcessIdentity>; outside: number } {
  const cache = new Map<string, PathIdentity>();
  const identities = new Map<number, ProcessIdentity>();
  let outside = 0;
  for (const p of processes) {
    const ident = identifyProcess(p, cache);
    if (ident) identities.set(p.pid, ident);
    if (Object.values(p.cgroups).some((path) => path.startsWith('/..'))) outside++;
  }
  return { identities, outside };
}

/** The pids of each container the paths name (`runtime:id`), ascending: what a scan reads more of. */
export function containerPids(processes: ProcessInfo[], identities: Map<number, ProcessIdentity>): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const p of processes) {
    const c = identities.get(p.pid)?.id.container;
    if (!c) continue;
    const key = `${c.runtime}:${c.id}`;
    const list = out.get(key);
    if (list) list.push(p.pid);
    else out.set(key, [p.pid]);
  }
  return out;
}

/**
 * The lowest pid of every namespace the processes are in, that is not in `done`: the
 * process `ls` shows for it, whose `stat`, `status` and `cmdline` the `leaders` profile reads.
 */
export function leaderPids(processes: ProcessInfo[], done: Set<number>): number[] {
  const lowest = new Map<string, number>();
  for (const p of processes) {
    for (const type of NS_TYPES) {
      const inode = p.ns[type];
      if (inode === undefined) continue;
      const key = `${type}:${inode}`;
      const at = lowest.get(key);
      if (at === undefined || p.pid < at) lowest.set(key, p.pid);
    }
  }
  return [...new Set(lowest.values())].filter((pid) => !done.has(pid)).sort((a, b) => a - b);
}

/** What to read to name containers and pods: each container's runtime and id, and the pods' uids (from the paths). */
export function nameTargets(
  identities: Map<number, ProcessIdentity>,
  live: Set<number>,
): { containers: Array<{ id: string; runtime: Runtime }>; uids: string[] } {
  const containers = new Map<string, { id: string; runtime: Runtime }>();
  const uids = new Set<string>();
  for (const [pid, ident] of identities) {
    if (!live.has(pid)) continue;
    const c = ident.id.container;
    if (c) containers.set(`${c.runtime}:${c.id}`, { id: c.id, runtime: c.runtime });
    if (ident.id.pod) uids.add(ident.id.pod.uid);
  }
  return { containers: [...containers.values()], uids: [...uids].sort() };
}

/** The mount namespaces whose mount tables give pods' volumes: the node's and those of every container's processes (a pod may be inferred later). */
export function volumeMountNamespaces(processes: ProcessInfo[], identities: Map<number, ProcessIdentity>, nodeMnt: number | undefined): Set<number> {
  const wanted = new Set<number>(nodeMnt === undefined ? [] : [nodeMnt]);
  for (const p of processes) {
    const ident = identities.get(p.pid);
    if (!ident?.id.container) continue;
    if (p.ns.mnt !== undefined) wanted.add(p.ns.mnt);
  }
  return wanted;
}

/**
 * Inside a cgroup namespace (a container's, as a DaemonSet pod has on a cgroup v2 node),
 * `/proc/<pid>/cgroup` gives paths relative to the reader's own cgroup, climbing out with `/..`,
 * while the cgroup trees mounted from the node are walked from their real root. Where the
 * reader's process is listed in a walked tree, its namespace's root there is known: its real
 * path less the path it reads of itself. Returns that root for each hierarchy where it is
 * known and not `/`.
 */
export function cgroupNamespaceRoots(self: ProcessInfo | undefined, hierarchies: CgroupHierarchy[]): Map<string, string> {
  const roots = new Map<string, string>();
  if (!self) return roots;
  for (const h of hierarchies) {
    const rel = self.cgroups[h.key];
    if (rel === undefined || h.mountRoot !== '/' || rel.startsWith('/..')) continue;
    const real = findPid(h.root, self.pid);
    if (real === undefined) continue;
    const root = rel === '/' ? real : real.endsWith(rel) ? real.slice(0, real.length - rel.length) || '/' : undefined;
    if (root !== undefined && root !== '/') roots.set(h.key, root);
  }
  return roots;
}

/** The path of the cgroup that lists `pid`, by an iterative walk. */
function findPid(root: CgroupNode, pid: number): string | undefined {
  const stack = [root];
  while (stack.length) {
    const n = stack.pop() as CgroupNode;
    if (n.pids.includes(pid)) return n.path;
    for (const c of n.children) stack.push(c);
  }
  return undefined;
}

/** `path` (relative to the namespace root `root`, may climb with `..`) as a path from the tree's real root; `undefined` if it climbs above it. */
export function resolveCgroupPath(root: string, path: string): string | undefined {
  const out = root.split('/').filter(Boolean);
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (!out.length) return undefined;
      out.pop();
    } else out.push(seg);
  }
  return '/' + out.join('/');
}
