import { recogniseCgroupPath, type PathIdentity } from '../parse/cgroup-path.js';
import { findNode } from './cgroup-tree.js';
import { UNIFIED, type CgroupHierarchy, type Container, type Limits, type ProcessInfo } from '../types.js';

/** A process's identity: the hierarchy and path it was recognised in. */
export interface ProcessIdentity {
  hierarchy: string;
  path: string;
  id: PathIdentity;
}

/** Hierarchies to try, in order: v2, systemd's named hierarchy, then v1 controllers by key. */
const orders = new Map<string, string[]>();

/** Every process of a host has the same few hierarchy keys: sort each key set once. */
function hierarchyOrder(keys: string[]): string[] {
  const id = keys.join('\0');
  let order = orders.get(id);
  if (!order) {
    const rank = (k: string): number => (k === UNIFIED ? 0 : k === 'name=systemd' ? 1 : 2);
    order = [...keys].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
    orders.set(id, order);
  }
  return order;
}

/**
 * What a process's cgroups say about it: the first hierarchy (v2, then
 * `name=systemd`, then v1 controllers) whose path names a pod, else the first
 * whose path names a container or monitor. On a hybrid host Docker's cgroupfs
 * driver only shows in v1 paths, so every hierarchy is tried.
 */
export function identifyProcess(p: ProcessInfo, cache: Map<string, PathIdentity>): ProcessIdentity | undefined {
  let first: ProcessIdentity | undefined;
  for (const key of hierarchyOrder(Object.keys(p.cgroups))) {
    const path = p.cgroups[key] as string;
    if (path === '/') continue;
    let id = cache.get(path);
    if (!id) cache.set(path, (id = recogniseCgroupPath(path)));
    if (id.pod) return { hierarchy: key, path, id };
    if (!first && (id.container || id.monitor)) first = { hierarchy: key, path, id };
  }
  // No hierarchy names a pod: the first that names a container. (A kind node on a hybrid host
  // puts its processes' v2 cgroup under the node's containerd.service while the v1 paths
  // name the pod, so a pod in any hierarchy wins.)
  return first;
}

/** Merge the limits found at `path` in every hierarchy (v1 spreads them over controllers). */
export function limitsAt(hierarchies: CgroupHierarchy[], path: string | null): Limits | undefined {
  if (!path) return undefined;
  let out: Limits | undefined;
  for (const h of hierarchies) {
    const node = findNode(h, path);
    if (node?.limits) out = { ...out, ...node.limits };
  }
  return out;
}

/** Group processes into containers by the container their cgroup path names. */
export function groupContainers(processes: ProcessInfo[], identities: Map<number, ProcessIdentity>, hierarchies: CgroupHierarchy[]): Container[] {
  const byId = new Map<string, Container>();
  for (const p of processes) {
    const ident = identities.get(p.pid);
    const c = ident?.id.container;
    if (!ident || !c) continue;
    const key = `${c.runtime}:${c.id}`;
    let container = byId.get(key);
    if (!container) {
      container = {
        id: c.id,
        runtime: c.runtime,
        name: c.name,
        role: c.role,
        hierarchy: ident.hierarchy,
        cgroup: c.cgroup,
        pids: [],
        pod: null,
      };
      byId.set(key, container);
    }
    container.pids.push(p.pid);
  }
  // One key everywhere: a container's id. Runtimes that name containers can give two the same
  // name (an LXC container and an nspawn machine both `web`): those take their runtime's name
  // before it (`lxc:web`, `nspawn:web`), so no two containers of a snapshot share an id.
  const seen = new Map<string, number>();
  for (const c of byId.values()) seen.set(c.id, (seen.get(c.id) ?? 0) + 1);
  for (const c of byId.values()) if ((seen.get(c.id) ?? 0) > 1) c.id = `${c.runtime}:${c.id}`;
  const out = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const c of out) {
    c.pids.sort((a, b) => a - b);
    const limits = limitsAt(hierarchies, c.cgroup);
    if (limits) c.limits = limits;
  }
  return out;
}
