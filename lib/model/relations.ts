import type { Namespace, NsType, ProcessInfo, Snapshot } from '../types.js';

/**
 * The kernel gives namespaces made at boot fixed inode numbers below 0xF0000000
 * (`PROC_*_INIT_INO`, since Linux 3.8; mnt and net too on newer kernels) and allocates
 * every other one from 0xF0000000 up: an inode below it is an initial namespace.
 */
export const FIRST_DYNAMIC_INODE = 0xf0000000;
/** The initial user namespace's inode (`PROC_USER_INIT_INO`). */
export const INITIAL_USER_NS = 0xeffffffd;

/**
 * What the files say of a namespace's place in the hierarchy, as lsns's PNS and ONS
 * columns: `0` means it has none (a type that does not nest, or the initial pid or user
 * namespace), `null` that the files cannot tell (only `ioctl(NS_GET_PARENT)` and
 * `ioctl(NS_GET_USERNS)` on the namespace file can).
 */
export interface NsRelation {
  parent: number | null;
  owner: number | null;
}

/**
 * Parent and owner of every namespace of the snapshot, by `type:inode`:
 * - types that do not nest (all but pid and user) have parent 0;
 * - the initial namespaces ({@link FIRST_DYNAMIC_INODE}) are owned by the initial user
 *   namespace, which has parent and owner 0, as has the initial pid namespace;
 * - a pid namespace's parent comes from its processes: their pid namespace's depth is the
 *   length of `NSpid`, and a process's parent is in the same pid namespace or an ancestor
 *   of it (children are created in `pid_for_children`, which only descends; orphans go to
 *   a reaper of the parent's namespace). The first ancestor process outside it whose
 *   namespace is exactly one level up is in its parent;
 * - every other parent, and every other owner, is `null`: unknown from files.
 */
export function namespaceRelations(s: Pick<Snapshot, 'namespaces' | 'processes'>): Map<string, NsRelation> {
  const out = new Map<string, NsRelation>();
  const pidParents = pidNamespaceParents(s.processes);
  for (const ns of s.namespaces) {
    const initial = ns.inode < FIRST_DYNAMIC_INODE;
    let parent: number | null;
    if (ns.type !== 'pid' && ns.type !== 'user') parent = 0;
    else if (initial) parent = 0;
    else parent = ns.type === 'pid' ? (pidParents.get(ns.inode) ?? null) : null;
    const owner = initial ? (ns.type === 'user' ? 0 : INITIAL_USER_NS) : null;
    out.set(key(ns.type, ns.inode), { parent, owner });
  }
  return out;
}

const key = (type: NsType, inode: number): string => `${type}:${inode}`;

/** The relation of one namespace (see {@link namespaceRelations}). */
export function relationOf(relations: Map<string, NsRelation>, ns: Pick<Namespace, 'type' | 'inode'>): NsRelation {
  return relations.get(key(ns.type, ns.inode)) ?? { parent: null, owner: null };
}

/** Parent pid namespace by inode, where the processes' ancestry and NSpid depths show it. */
function pidNamespaceParents(processes: ProcessInfo[]): Map<number, number> {
  const byPid = new Map<number, ProcessInfo>();
  const level = new Map<number, number>();
  for (const p of processes) {
    byPid.set(p.pid, p);
    const ns = p.ns.pid;
    if (ns !== undefined && p.nspid && p.nspid.length > 0 && !level.has(ns)) level.set(ns, p.nspid.length);
  }
  const parents = new Map<number, number>();
  const settled = new Set<number>();
  for (const p of processes) {
    const ns = p.ns.pid;
    if (ns === undefined || settled.has(ns)) continue;
    const depth = level.get(ns);
    if (depth === undefined || depth < 2) continue;
    // Up the ppid chain to the first process in another pid namespace (bounded: a chain never loops, but a capture might).
    let q: ProcessInfo | undefined = p;
    for (let steps = 0; q && q.ns.pid === ns && steps < 4096; steps++) q = q.ppid ? byPid.get(q.ppid) : undefined;
    const up = q?.ns.pid;
    if (up === undefined || up === ns) continue;
    if (level.get(up) === depth - 1) {
      parents.set(ns, up);
      settled.add(ns);
    }
  }
  return parents;
}
