import type { Container, Namespace, NsType, Pod, ProcessInfo, Snapshot } from '../types.js';

/** Lookups over a snapshot, built once: by pid, container id, pod key and namespace. */
export interface SnapshotIndex {
  process(pid: number): ProcessInfo | undefined;
  containerOf(pid: number): Container | undefined;
  container(id: string): Container | undefined;
  pod(key: string): Pod | undefined;
  podOf(pid: number): Pod | undefined;
  namespace(type: NsType, inode: number): Namespace | undefined;
}

/** What an index was built from: the arrays and their lengths, so an edited snapshot is indexed anew. */
interface Built {
  index: SnapshotIndex;
  from: unknown[];
}

const cache = new WeakMap<Snapshot, Built>();

const parts = (s: Snapshot): unknown[] => [
  s.processes,
  s.processes.length,
  s.containers,
  s.containers.length,
  s.pods,
  s.pods.length,
  s.namespaces,
  s.namespaces.length,
];

/**
 * The lookup index of a snapshot, built once and reused while the snapshot's arrays are the
 * same (a caller that replaces or grows one gets a new index, never a stale answer).
 */
export function indexSnapshot(s: Snapshot): SnapshotIndex {
  const hit = cache.get(s);
  const now = parts(s);
  if (hit && hit.from.every((v, i) => v === now[i])) return hit.index;
  const procs = new Map(s.processes.map((p) => [p.pid, p]));
  const containers = new Map(s.containers.map((c) => [c.id, c]));
  const byPid = new Map<number, Container>();
  for (const c of s.containers) for (const pid of c.pids) byPid.set(pid, c);
  const pods = new Map(s.pods.map((p) => [p.key, p]));
  const ns = new Map(s.namespaces.map((n) => [`${n.type}:${n.inode}`, n]));
  const index: SnapshotIndex = {
    process: (pid) => procs.get(pid),
    containerOf: (pid) => byPid.get(pid),
    container: (id) => containers.get(id),
    pod: (key) => pods.get(key),
    podOf: (pid) => {
      const c = byPid.get(pid);
      return c?.pod ? pods.get(c.pod) : undefined;
    },
    namespace: (type, inode) => ns.get(`${type}:${inode}`),
  };
  cache.set(s, { index, from: now });
  return index;
}
