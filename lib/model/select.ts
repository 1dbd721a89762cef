/**
 * Find what a user names on the command line: a pid, a container (name or id prefix), or a
 * pod (`pod/<name>`, `pod/<namespace>/<name>`, `pod/<uid prefix>`). A name that fits several
 * is an error listing them; nothing is guessed.
 */
import { NsviewError, shorten, unknownPid } from '../errors.js';
import { indexSnapshot } from './index-snapshot.js';
import { podText } from './names.js';
import type { Container, Namespace, NsType, Pod, Snapshot } from '../types.js';

/** Shortest container id prefix accepted (as `docker` accepts short ids). */
const MIN_PREFIX = 4;

const ctrLabel = (c: Container): string => `${c.name ?? '-'} (${c.runtime} ${c.id.slice(0, 12)})`;

function one<T>(found: T[], what: string, label: (x: T) => string): T {
  if (found.length === 1) return found[0] as T;
  if (found.length === 0) throw new NsviewError('not-found', `no ${what}`);
  const names = found.map(label).sort();
  throw new NsviewError('not-found', `${what} is ambiguous: ${shorten(names.slice(0, 10).join(', '))}${names.length > 10 ? `, … (${names.length})` : ''}`);
}

/** Every pod `sel` may name, before one is chosen: `<namespace>/<name>`, `<name>`, a uid, else a uid prefix. */
export function matchPods(s: Snapshot, sel: string): Pod[] {
  const bySlash = sel.indexOf('/');
  if (bySlash > 0) {
    const ns = sel.slice(0, bySlash);
    const name = sel.slice(bySlash + 1);
    return s.pods.filter((p) => p.namespace === ns && p.name === name);
  }
  const found = s.pods.filter((p) => p.name === sel || p.uid === sel);
  return found.length === 0 && sel.length >= MIN_PREFIX ? s.pods.filter((p) => p.uid?.startsWith(sel)) : found;
}

/** The pod `sel` names: `<namespace>/<name>`, `<name>`, a uid or uid prefix. */
export function selectPod(s: Snapshot, sel: string): Pod {
  return one(matchPods(s, sel), `pod "${shorten(sel)}"`, podText);
}

/** Every container `sel` may name, before one is chosen: its name or id, else an id prefix of at least four characters. */
export function matchContainers(s: Snapshot, sel: string): Container[] {
  const found = s.containers.filter((c) => c.name === sel || c.id === sel);
  return found.length === 0 && sel.length >= MIN_PREFIX ? s.containers.filter((c) => c.id.startsWith(sel)) : found;
}

/** The container `sel` names: its name, its id or an id prefix of at least four characters. */
export function selectContainer(s: Snapshot, sel: string): Container {
  return one(matchContainers(s, sel), `container "${shorten(sel)}"`, ctrLabel);
}

/** Containers whose id starts with digits that are no pid of the snapshot (`063215`), as {@link selectPid} reads them. */
const digitPrefix = (s: Snapshot, arg: string): Container[] => (arg.length >= MIN_PREFIX ? s.containers.filter((c) => c.id.startsWith(arg)) : []);

/**
 * How many things a {@link selectPid} argument names in this snapshot: 0 (none), 1, or more (it
 * is ambiguous here). Across several nodes this tells on which nodes it is found.
 */
export function countTarget(s: Snapshot, arg: string): number {
  if (/^\d+$/.test(arg)) return indexSnapshot(s).process(Number(arg)) ? 1 : digitPrefix(s, arg).length;
  if (arg.startsWith('pod/')) return matchPods(s, arg.slice(4)).length;
  return matchContainers(s, arg).length;
}

/** The host pids of a pod's containers (`ls --pod`, `which --in pod/…`). */
/** The snapshot with only the pod `sel` names (see {@link selectPod}); its other parts as they are. */
export function onlyPod(s: Snapshot, sel: string): Snapshot {
  const key = selectPod(s, sel).key;
  return { ...s, pods: s.pods.filter((p) => p.key === key) };
}

/** The pids of a `--pod` or `--container` selection: every process of the pod's containers, or of the container. */
export function selectionPids(s: Snapshot, o: { pod?: string; container?: string }): number[] {
  return o.pod !== undefined ? podPids(s, selectPod(s, o.pod)) : selectContainer(s, o.container as string).pids;
}

export function podPids(s: Snapshot, pod: Pod): number[] {
  const ix = indexSnapshot(s);
  return pod.containers.flatMap((id) => ix.container(id)?.pids ?? []);
}

/**
 * The pid a command-line argument stands for: a pid; `pod/<pod>` → the pod's sandbox process
 * (else its first container's); a container name or id prefix → the container's first pid.
 */
export function selectPid(s: Snapshot, arg: string): number {
  if (/^\d+$/.test(arg)) {
    const pid = Number(arg);
    if (indexSnapshot(s).process(pid)) return pid;
    // Digits that are no pid may be a container id prefix (`063215`), never one with a leading zero.
    const prefix = digitPrefix(s, arg);
    if (prefix.length === 0) throw unknownPid(pid, s.root);
    return firstPid(one(prefix, `container "${shorten(arg)}"`, ctrLabel));
  }
  if (arg.startsWith('pod/')) {
    const pod = selectPod(s, arg.slice(4));
    const pid = pod.sandbox?.pid ?? pod.containers.map((id) => indexSnapshot(s).container(id)?.pids[0]).find((p) => p !== undefined);
    if (pid === undefined || pid === null) throw new NsviewError('not-found', `pod ${shorten(podText(pod))} has no process`);
    return pid;
  }
  return firstPid(selectContainer(s, arg));
}

function firstPid(c: Container): number {
  const pid = c.pids[0];
  if (pid === undefined) throw new NsviewError('not-found', `container ${shorten(ctrLabel(c))} has no process`);
  return pid;
}

/** True if the processes of `pool` in pid namespace `inode` sit deeper than `depth` (a namespace nested inside the container). */
function nestedIn(ix: ReturnType<typeof indexSnapshot>, pool: number[], inode: number, depth: number): boolean {
  return pool.some((pid) => {
    const p = ix.process(pid);
    return p?.ns.pid === inode && (p.nspid?.length ?? 0) > depth;
  });
}

/** Where a pid lives, as `nsview which` answers. */
export interface WhichAnswer {
  /** The pid as asked. */
  asked: number;
  /** The host pid (differs from `asked` with `--in`), or null when no process matched. */
  pid: number | null;
  container: { id: string; runtime: string; name: string | null; role: string } | null;
  pod: { key: string; uid: string | null; namespace: string | null; name: string | null; qos: string | null } | null;
}

/**
 * Which container and pod each pid is in. With `inside` (a container or pod selector), pids are
 * read as seen inside its pid namespace (the last `NSpid` value) and translated to host pids.
 */
export function which(s: Snapshot, pids: number[], inside?: string): WhichAnswer[] {
  const ix = indexSnapshot(s);
  let translate: Map<number, number> | undefined;
  if (inside !== undefined) {
    const pool = inside.startsWith('pod/') ? podPids(s, selectPod(s, inside.slice(4))) : selectContainer(s, inside).pids;
    // The pid namespace the pids are read in: the one the container's (or pod's) processes
    // share. Processes in a namespace nested below it (unshare -p inside the container) are not
    // in it; a pod whose containers each have their own cannot say which one is meant.
    const spaces = new Map<number, number>();
    for (const hostPid of pool) {
      const inode = ix.process(hostPid)?.ns.pid;
      if (inode !== undefined) spaces.set(inode, (spaces.get(inode) ?? 0) + 1);
    }
    let space: number | undefined;
    let depth = Infinity;
    for (const hostPid of pool) {
      const p = ix.process(hostPid);
      if (p?.ns.pid !== undefined && p.nspid && p.nspid.length < depth) [space, depth] = [p.ns.pid, p.nspid.length];
    }
    if (inside.startsWith('pod/') && [...spaces.keys()].some((inode) => inode !== space && !nestedIn(ix, pool, inode, depth))) {
      throw new NsviewError('not-found', `pod ${shorten(inside.slice(4))} has a pid namespace per container: use --in <container>`);
    }
    translate = new Map();
    for (const hostPid of pool) {
      const p = ix.process(hostPid);
      if (!p?.nspid || (space !== undefined && p.ns.pid !== space)) continue;
      const inner = p.nspid[p.nspid.length - 1] as number;
      if (!translate.has(inner)) translate.set(inner, hostPid);
    }
  }
  return pids.map((asked) => {
    const pid = translate ? (translate.get(asked) ?? null) : ix.process(asked) ? asked : null;
    if (pid === null) return { asked, pid: null, container: null, pod: null };
    const c = ix.containerOf(pid);
    const p = ix.podOf(pid);
    return {
      asked,
      pid,
      container: c ? { id: c.id, runtime: c.runtime, name: c.name, role: c.role } : null,
      pod: p ? { key: p.key, uid: p.uid, namespace: p.namespace ?? null, name: p.name, qos: p.qos } : null,
    };
  });
}

/** What `ls` selects by: the fields of its options that choose namespaces. */
export interface NamespaceSelection {
  /** Only the namespace with this inode; one the snapshot does not hold is an error. */
  ns?: number;
  /** Only namespaces of these types (of any of them). */
  types?: NsType[];
  /** @deprecated One type: the same as `types: [type]`. */
  type?: NsType;
  /** Only the namespaces of this pid. */
  pid?: number;
  /** Only the namespaces of these processes (a container's or a pod's). */
  pids?: number[];
}

/** The namespaces `ls` lists for the options, in lsns order (by inode). */
export function lsNamespaces(s: Snapshot, o: NamespaceSelection): Namespace[] {
  let list = s.namespaces;
  if (o.ns !== undefined) {
    const inode = o.ns;
    list = list.filter((n) => n.inode === inode);
    if (!list.length) throw unknownNamespace(inode, s.root, s.coverage?.holders === 'all');
  }
  const types = new Set([...(o.types ?? []), ...(o.type ? [o.type] : [])]);
  if (types.size) list = list.filter((n) => types.has(n.type));
  if (o.pid !== undefined) {
    const p = indexSnapshot(s).process(o.pid);
    if (!p) throw unknownPid(o.pid, s.root);
    list = list.filter((n) => p.ns[n.type] === n.inode);
  }
  if (o.pids !== undefined) {
    // Namespaces of a container's or a pod's processes (`ls --container`, `ls --pod`).
    const ix = indexSnapshot(s);
    const held = new Set<string>();
    for (const pid of o.pids) for (const [type, inode] of Object.entries(ix.process(pid)?.ns ?? {})) held.add(`${type}:${inode}`);
    list = list.filter((n) => held.has(`${n.type}:${n.inode}`));
  }
  return [...list].sort((a, b) => a.inode - b.inode || (a.type < b.type ? -1 : 1));
}

/** The error for a namespace inode a snapshot does not hold, naming the inode and where it was looked for (as {@link unknownPid}). */
function unknownNamespace(inode: number, root: string, holders: boolean): NsviewError {
  const say = (w: string): string =>
    `no namespace ${inode} in ${w === '/' ? 'this host' : shorten(w)}${holders ? '' : ' (one held only by a mount or an fd is listed with --holders)'}`;
  return new NsviewError('not-found', say(root), undefined, say);
}
