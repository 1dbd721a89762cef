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

const cache = new WeakMap<Snapshot, SnapshotIndex>();

/** Build (or reuse) the lookup index of a snapshot. */
export function indexSnapshot(s: Snapshot): SnapshotIndex {
  const hit = cache.get(s);
  if (hit) return hit;
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
  cache.set(s, index);
  return index;
}
