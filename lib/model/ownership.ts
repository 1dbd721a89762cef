/**
 * Whose a namespace is: the node's, one pod's, one container's, or the host's. Pure: reads
 * the snapshot only. `nsview ls` answers a narrower question in its CONTAINER and POD columns
 * (the container and pod of the namespace's lowest pid, as lsns reports one process per
 * namespace); this looks at every process in it.
 */
import { indexSnapshot } from './index-snapshot.js';
import { NS_TYPES, type Container, type Namespace, type NsType, type Pod, type Snapshot } from '../types.js';

/**
 * - `node`: the node's namespace of its type ({@link Snapshot.nodeNamespaces}), whoever else is in it (hostNetwork pods);
 * - `pod`: the processes of two or more containers of one pod, and no others (a sandbox's net, ipc, uts);
 * - `container`: the processes of one container, and no others (a container's mnt, its pid by default);
 * - `host`: anything else: processes outside containers (a service with a private mount
 *   namespace, a kernel thread's), containers of several pods or of none, or no process at all
 *   (a namespace held only by a mount or an fd).
 */
export type NsOwnerMode = 'node' | 'pod' | 'container' | 'host';

/** Whose a namespace is: the mode, and the pod (`pod` and `container` modes) and container (`container` mode). */
export interface NsOwner {
  mode: NsOwnerMode;
  /** The pod, in `pod` mode, and in `container` mode when the container is in one. */
  pod: Pod | null;
  /** The container, in `container` mode. */
  container: Container | null;
}

/** Whose the namespace is (see {@link NsOwnerMode}). */
export function namespaceOwner(s: Snapshot, ns: Pick<Namespace, 'type' | 'inode' | 'pids'>): NsOwner {
  const host: NsOwner = { mode: 'host', pod: null, container: null };
  if (s.nodeNamespaces[ns.type] === ns.inode) return { ...host, mode: 'node' };
  if (ns.pids.length === 0) return host;
  const ix = indexSnapshot(s);
  const containers = new Set<Container>();
  for (const pid of ns.pids) {
    const c = ix.containerOf(pid);
    if (!c) return host;
    containers.add(c);
  }
  const [first] = containers;
  const pod = first?.pod ? (ix.pod(first.pod) ?? null) : null;
  if (containers.size === 1) return { mode: 'container', pod, container: first ?? null };
  if (pod && [...containers].every((c) => c.pod === pod.key)) return { mode: 'pod', pod, container: null };
  return host;
}

/**
 * The namespaces a pod's processes are in: for each type, the distinct inodes of its
 * containers' processes (sandbox included), ascending. A type no process could read is absent.
 */
export function podNamespaceInodes(s: Snapshot, pod: Pod): Partial<Record<NsType, number[]>> {
  const ix = indexSnapshot(s);
  const seen = new Map<NsType, Set<number>>();
  for (const id of pod.containers) {
    for (const pid of ix.container(id)?.pids ?? []) {
      const p = ix.process(pid);
      if (!p) continue;
      for (const type of NS_TYPES) {
        const inode = p.ns[type];
        if (inode === undefined) continue;
        let set = seen.get(type);
        if (!set) seen.set(type, (set = new Set()));
        set.add(inode);
      }
    }
  }
  const out: Partial<Record<NsType, number[]>> = {};
  for (const type of NS_TYPES) {
    const set = seen.get(type);
    if (set) out[type] = [...set].sort((a, b) => a - b);
  }
  return out;
}
