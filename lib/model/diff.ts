import { unknownPid } from '../errors.js';
import { qualifiedName } from './names.js';
import { commonAncestor, compareHierarchyKeys } from './cgroup-tree.js';
import { indexSnapshot } from './index-snapshot.js';
import { containerVolumes, isKubeletFile } from './volumes.js';
import { NS_TYPES, type NsType, type ProcessInfo, type Snapshot } from '../types.js';

/** One namespace type compared between two processes. */
export interface NsComparison {
  type: NsType;
  a: number | null;
  b: number | null;
  /** `null` when either inode could not be read. */
  shared: boolean | null;
  /** The shared namespace is the node's own. */
  node: boolean;
  /**
   * Why `shared` is `null`: a side's links were `not-read` (a `tree` scan reads only
   * containers' and the node's), `denied` (permission), or `absent` (read, not there: a
   * zombie, an old kernel without the type).
   */
  unknown?: 'not-read' | 'denied' | 'absent';
}

/** One cgroup hierarchy compared between two processes. */
export interface CgroupComparison {
  hierarchy: string;
  a: string | null;
  b: string | null;
  /** Nearest common ancestor, or `null` when either path is unknown. */
  common: string | null;
}

/** How two processes relate. */
export type Relation = 'same-process' | 'same-container' | 'same-pod' | 'different-pods' | 'different-containers' | 'host-and-container' | 'host';

/** Where one side of a diff lives. */
export interface DiffSide {
  pid: number;
  comm: string;
  container: { id: string; runtime: string; name: string | null } | null;
  pod: { key: string; uid: string | null; namespace: string | null; name: string | null } | null;
}

/** The comparison of two processes made by {@link diff}. */
export interface DiffResult {
  a: DiffSide;
  b: DiffSide;
  namespaces: NsComparison[];
  cgroups: CgroupComparison[];
  relation: Relation;
  /** Types both share (excluding unreadable ones). */
  shared: NsType[];
  /** Types they hold in different namespaces. */
  distinct: NsType[];
  /** One line: `same pod, different containers: share net, ipc, uts`. */
  verdict: string;
  /**
   * Pod volumes both processes' containers mount (same pod, different containers), each with
   * where each side mounts it; `null` when not in one pod or the pod's volumes were not read.
   */
  volumes: Array<{ name: string; kind: string; a: Array<{ path: string; readOnly: boolean }>; b: Array<{ path: string; readOnly: boolean }> }> | null;
}

/** One side of a diff: the process, its container and its pod. */
export function diffSide(snapshot: Snapshot, p: Pick<ProcessInfo, 'pid' | 'comm'>): DiffSide {
  const ix = indexSnapshot(snapshot);
  const c = ix.containerOf(p.pid);
  const pod = ix.podOf(p.pid);
  return {
    pid: p.pid,
    comm: p.comm,
    container: c ? { id: c.id, runtime: c.runtime, name: c.name } : null,
    pod: pod ? { key: pod.key, uid: pod.uid, namespace: pod.namespace ?? null, name: pod.name } : null,
  };
}

/**
 * Compare two processes of a snapshot: per namespace type shared or distinct
 * (with both inodes), their cgroups with the nearest common ancestor, and how
 * they relate. Throws an {@link NsviewError} naming a pid the snapshot lacks.
 */
export function diff(snapshot: Snapshot, pidA: number, pidB: number): DiffResult {
  const ix = indexSnapshot(snapshot);
  const pa = ix.process(pidA);
  const pb = ix.process(pidB);
  for (const [pid, p] of [
    [pidA, pa],
    [pidB, pb],
  ] as const) {
    if (!p) throw unknownPid(pid, snapshot.root);
  }
  const a = pa!;
  const b = pb!;
  const namespaces: NsComparison[] = NS_TYPES.map((type) => {
    const x = a.ns[type] ?? null;
    const y = b.ns[type] ?? null;
    const shared = x === null || y === null ? null : x === y;
    const cmp: NsComparison = { type, a: x, b: y, shared, node: shared === true && snapshot.nodeNamespaces[type] === x };
    if (shared === null) cmp.unknown = whyUnknown(snapshot, x === null ? a : b);
    return cmp;
  });
  const keys = [...new Set([...Object.keys(a.cgroups), ...Object.keys(b.cgroups)])].sort(compareHierarchyKeys);
  // Own keys only: a hierarchy named `constructor` is in one process's cgroups, not inherited by the other's.
  const cgroupIn = (p: ProcessInfo, key: string): string | null => (Object.hasOwn(p.cgroups, key) ? (p.cgroups[key] as string) : null);
  const cgroups: CgroupComparison[] = keys.map((hierarchy) => {
    const x = cgroupIn(a, hierarchy);
    const y = cgroupIn(b, hierarchy);
    return { hierarchy, a: x, b: y, common: x !== null && y !== null ? commonAncestor(x, y) : null };
  });
  const sa = diffSide(snapshot, a);
  const sb = diffSide(snapshot, b);
  const relation = relate(sa, sb);
  const shared = namespaces.filter((n) => n.shared === true).map((n) => n.type);
  const distinct = namespaces.filter((n) => n.shared === false).map((n) => n.type);
  const pod = sa.pod && sb.pod && sa.pod.key === sb.pod.key ? ix.pod(sa.pod.key) : undefined;
  const va = pod && sa.container ? containerVolumes(pod, sa.container.id) : null;
  const vb = pod && sb.container ? containerVolumes(pod, sb.container.id) : null;
  const volumes =
    va && vb
      ? va.flatMap((v) => {
          const w = vb.find((x) => x.name === v.name && x.kind === v.kind);
          // The files the kubelet gives every container (etc-hosts, termination logs) are no volumes they share, as `pods` shows.
          if (isKubeletFile(v)) return [];
          return w && sa.container!.id !== sb.container!.id ? [{ name: v.name, kind: v.kind, a: v.mounts, b: w.mounts }] : [];
        })
      : null;
  return { a: sa, b: sb, namespaces, cgroups, relation, shared, distinct, verdict: verdict(relation, namespaces, sa, sb), volumes };
}

/** Why a process's namespace link is missing: not read by this scan, denied, or not there. */
function whyUnknown(s: Snapshot, p: ProcessInfo): NonNullable<NsComparison['unknown']> {
  const cov = s.coverage?.namespaces;
  if (cov === 'none' || (cov === 'some' && Object.keys(p.ns).length === 0)) return 'not-read';
  return p.partial ? 'denied' : 'absent';
}

function relate(a: DiffSide, b: DiffSide): Relation {
  if (a.pid === b.pid) return 'same-process';
  if (!a.container && !b.container) return 'host';
  if (!a.container || !b.container) return 'host-and-container';
  if (a.container.id === b.container.id) return 'same-container';
  if (a.pod && b.pod) return a.pod.key === b.pod.key ? 'same-pod' : 'different-pods';
  return 'different-containers';
}

const PHRASE: Record<Relation, string> = {
  'same-process': 'same process',
  'same-container': 'same container',
  'same-pod': 'same pod, different containers',
  'different-pods': 'different pods',
  'different-containers': 'different containers',
  'host-and-container': 'host process and container process',
  host: 'both host processes',
};

/** `default/foo` for a named pod, else undefined. */
const podOf = (d: DiffSide): string | undefined => (d.pod ? qualifiedName(d.pod) : undefined);

/** The relation with the names the files gave: `same pod default/foo, different containers app and sidecar`. */
function phrase(relation: Relation, a: DiffSide, b: DiffSide): string {
  const ca = a.container?.name;
  const cb = b.container?.name;
  const both = (x: string | null | undefined, y: string | null | undefined): string => (x && y ? ` ${x} and ${y}` : '');
  switch (relation) {
    case 'same-pod':
      return `same pod${podOf(a) ? ` ${podOf(a)}` : ''}, different containers${both(ca, cb)}`;
    case 'different-pods':
      return `different pods${both(podOf(a), podOf(b))}`;
    case 'same-container':
      return `same container${ca ? ` ${ca}` : ''}`;
    default:
      return PHRASE[relation];
  }
}

function verdict(relation: Relation, namespaces: NsComparison[], a: DiffSide, b: DiffSide): string {
  const own = namespaces.filter((n) => n.shared === true && !n.node).map((n) => n.type);
  const node = namespaces.filter((n) => n.node).map((n) => n.type);
  const distinct = namespaces.filter((n) => n.shared === false).map((n) => n.type);
  const parts: string[] = [];
  if (own.length) parts.push(`share ${own.join(', ')}`);
  if (distinct.length) parts.push(`separate ${distinct.join(', ')}`);
  if (node.length) parts.push(`both in the node's ${node.join(', ')}`);
  const why = namespaces.find((n) => n.unknown)?.unknown;
  const unknown =
    why === 'not-read'
      ? 'namespaces not read (this scan read them only for containers and the node)'
      : why === 'denied'
        ? 'namespaces unknown (permission denied)'
        : 'namespaces unknown';
  return `${phrase(relation, a, b)}: ${parts.join('; ') || unknown}`;
}
