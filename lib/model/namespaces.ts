import { NS_TYPES, type Namespace, type NsType, type ProcessInfo } from '../types.js';

const TYPE_ORDER = new Map<string, number>(NS_TYPES.map((t, i) => [t, i]));

/** Compare namespaces by type (in {@link NS_TYPES} order), then inode. */
export function compareNamespaces(a: Namespace, b: Namespace): number {
  return (TYPE_ORDER.get(a.type) ?? 0) - (TYPE_ORDER.get(b.type) ?? 0) || a.inode - b.inode;
}

/** Group processes into namespaces, as lsns does: one entry per (type, inode) with its member pids. */
export function groupNamespaces(processes: ProcessInfo[]): Namespace[] {
  const byKey = new Map<string, Namespace>();
  for (const p of processes) {
    for (const type of NS_TYPES) {
      const inode = p.ns[type];
      if (inode === undefined) continue;
      const key = `${type}:${inode}`;
      let ns = byKey.get(key);
      if (!ns) byKey.set(key, (ns = { type, inode, pids: [] }));
      ns.pids.push(p.pid);
    }
  }
  const out = [...byKey.values()];
  for (const ns of out) ns.pids.sort((a, b) => a - b);
  return out.sort(compareNamespaces);
}

/**
 * The node's own namespace of each type: pid 1's, or where pid 1 cannot be
 * read (a sandboxed init), the lowest readable pid's, as lsns shows.
 */
export function nodeNamespaces(processes: ProcessInfo[]): Partial<Record<NsType, number>> {
  const out: Partial<Record<NsType, number>> = {};
  const sorted = processes.length > 1 && processes[0]!.pid > processes[1]!.pid ? [...processes].sort((a, b) => a.pid - b.pid) : processes;
  for (const type of NS_TYPES) {
    for (const p of sorted) {
      const inode = p.ns[type];
      if (inode !== undefined) {
        out[type] = inode;
        break;
      }
    }
  }
  return out;
}
