/**
 * Several nodes at once (`--from n1.json --from n2.json`, `--from <dir>`): each snapshot with its
 * node's name, selectors with a `<node>:` prefix, and lookups that stay on one node. Namespace
 * inodes and pids are unique per node only (two nodes both have a pid 1070 and a net namespace
 * 4026531840, and they are not the same): nothing here merges or compares anything across nodes.
 */
import { isNsviewError, NsviewError, shorten, unknownPid } from '../errors.js';
import type { NsType, Snapshot } from '../types.js';
import { pickHierarchy, subtree, unitCgroup } from './cgroup-tree.js';
import { diff, diffSide, type DiffResult, type DiffSide } from './diff.js';
import { indexSnapshot } from './index-snapshot.js';
import {
  countTarget,
  matchContainers,
  matchPods,
  onlyPod,
  podPids,
  selectContainer,
  selectPid,
  selectPod,
  which,
  type NamespaceSelection,
  type WhichAnswer,
} from './select.js';

/** One node's snapshot. */
export interface NodeSnapshot {
  /** The node's name: the snapshot's `node`, else its file's name without `.json`. */
  node: string;
  snapshot: Snapshot;
  /** The file it was read from, for messages. */
  file: string;
}

/** What a view over several nodes needs of each: its name and snapshot. */
export type NodeView = Pick<NodeSnapshot, 'node' | 'snapshot'>;

/** A node's name: the one its snapshot records, else the file's name without `.json` (`/tmp/n1.json` → `n1`). */
export function nodeNameOf(snapshot: Snapshot, file: string): string {
  if (snapshot.node) return snapshot.node;
  const base = file.replace(/[\\/]+$/, '').replace(/^.*[\\/]/, '');
  return base.replace(/\.json$/, '') || base;
}

const byName = (a: NodeSnapshot, b: NodeSnapshot): number => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0);

/**
 * Snapshots read from files, named ({@link nodeNameOf}) and sorted by node name (the order
 * every view lists nodes in). Two with one name are an error naming both files: one node's
 * rows would be shown twice, or two nodes' as one.
 */
export function namedNodes(loaded: Array<{ file: string; snapshot: Snapshot }>): NodeSnapshot[] {
  const seen = new Map<string, NodeSnapshot>();
  for (const { file, snapshot } of loaded) {
    const node = nodeNameOf(snapshot, file);
    const other = seen.get(node);
    if (other)
      throw new NsviewError('malformed-snapshot', `${shorten(other.file)} and ${shorten(file)} are both node ${shorten(node)}: give one snapshot per node`);
    seen.set(node, { node, snapshot, file });
  }
  return [...seen.values()].sort(byName);
}

/** The node names, for messages: `n1, n2, n3`. */
const nodeList = (nodes: NodeSnapshot[]): string => shorten(nodes.map((n) => n.node).join(', '));

/** A selector split into the node its `<node>:` prefix names (if any) and the rest. */
interface NodeSelector {
  node: NodeSnapshot | undefined;
  sel: string;
}

/**
 * Split `n1:1070`, `n2:pod/default/foo` or `n1:api` into the node and the selector (the
 * longest node name that fits, so a name with a `:` works). No pid, container or pod selector
 * holds a `:`: one whose text before its first `:` is no node's name is an error naming it.
 */
export function splitNode(nodes: NodeSnapshot[], arg: string): NodeSelector {
  let best: NodeSnapshot | undefined;
  for (const n of nodes) if (arg.startsWith(`${n.node}:`) && (!best || n.node.length > best.node.length)) best = n;
  if (best) return { node: best, sel: arg.slice(best.node.length + 1) };
  const colon = arg.indexOf(':');
  if (colon >= 0) throw new NsviewError('not-found', `no node "${shorten(arg.slice(0, colon))}" (the nodes are ${nodeList(nodes)})`);
  return { node: undefined, sel: arg };
}

/** Run a lookup on one node; an error it throws names the node. */
function onNode<T>(n: NodeSnapshot, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (!isNsviewError(err)) throw err;
    const message = err.relocate ? err.relocate(`node ${n.node}`) : `node ${n.node}: ${err.message}`;
    throw new NsviewError(err.code, message, err.pid);
  }
}

/** How many things a selector names in one snapshot (0: none; more than 1: ambiguous there). */
type Count = (s: Snapshot, sel: string) => number;
/** What a selector asks for, for messages: `process with pid 9`, `pod "foo"`. */
type Describe = (sel: string) => string;

/** A node and the selector to apply on it (its prefix taken off). */
interface OnNode {
  node: NodeSnapshot;
  sel: string;
}

/**
 * The nodes a selector of a listing applies to (`pods <pod>`, `ls --pod`, `which <pid>`): the
 * one its `<node>:` prefix names, else every node where it is found. Found nowhere: an error
 * naming the nodes looked at.
 */
function nodesWith(nodes: NodeSnapshot[], arg: string, count: Count, describe: Describe): OnNode[] {
  const { node, sel } = splitNode(nodes, arg);
  if (node) return [{ node, sel }];
  const on = nodes.filter((n) => count(n.snapshot, sel) > 0).map((n) => ({ node: n, sel }));
  if (on.length === 0) throw new NsviewError('not-found', `no ${describe(sel)} on any node (${nodeList(nodes)})`);
  return on;
}

/**
 * The one node a selector names (`diff`, `inspect`, `which --in`): its `<node>:` prefix, else the
 * only node where it is found. Found on several: an error naming them, nothing is guessed.
 */
function oneNode(nodes: NodeSnapshot[], arg: string, count: Count, describe: Describe): OnNode {
  const on = nodesWith(nodes, arg, count, describe);
  if (on.length > 1) {
    const names = on.map((o) => o.node);
    throw new NsviewError(
      'not-found',
      `${describe(arg)} is on ${names.length} nodes (${nodeList(names)}): name one, as ${shorten(`${names[0]!.node}:${arg}`)}`,
    );
  }
  return on[0]!;
}

/** A process selector (a pid, a container, `pod/<pod>`) as messages name it. */
const describeTarget: Describe = (sel) =>
  /^\d+$/.test(sel) ? `process with pid ${sel}` : sel.startsWith('pod/') ? `pod "${shorten(sel.slice(4))}"` : `container "${shorten(sel)}"`;

const describePod: Describe = (sel) => `pod "${shorten(sel)}"`;
const countPods: Count = (s, sel) => matchPods(s, sel).length;
const countContainers: Count = (s, sel) => matchContainers(s, sel).length;
const countProcess: Count = (s, sel) => (indexSnapshot(s).process(Number(sel)) ? 1 : 0);
/** `which --in <container|pod/<pod>>`, as {@link which} reads it. */
const countInside: Count = (s, sel) => (sel.startsWith('pod/') ? countPods(s, sel.slice(4)) : countContainers(s, sel));

/** A node and one of its pids. */
interface NodePid {
  node: NodeSnapshot;
  pid: number;
}

/** The process a `diff` or `inspect` argument names: `[<node>:]` a pid, a container or `pod/<pod>`, on exactly one node. */
export function selectPidOnNodes(nodes: NodeSnapshot[], arg: string): NodePid {
  const { node, sel } = oneNode(nodes, arg, countTarget, describeTarget);
  return { node, pid: onNode(node, () => selectPid(node.snapshot, sel)) };
}

/** A pid argument `[<node>:]<pid>`: the pid must be a positive integer. */
function nodePid(nodes: NodeSnapshot[], arg: string, name: string): { node: NodeSnapshot | undefined; pid: number } {
  const { node, sel } = splitNode(nodes, arg);
  const pid = Number(sel);
  if (!/^\d+$/.test(sel) || !Number.isSafeInteger(pid) || pid <= 0)
    throw new NsviewError('bad-argument', `${name} must be a process id (a positive integer), or <node>:<pid>, got "${shorten(arg)}"`);
  return { node, pid };
}

/**
 * `pods [<pod>]` over nodes: every node, or each node where the pod is found (a pod of one name on
 * two nodes is listed twice: they are two pods). A name that fits several pods of one node is
 * the error it is on one node. Each node keeps only the pod chosen.
 */
export function podsOnNodes(nodes: NodeSnapshot[], sel?: string): NodeSnapshot[] {
  if (sel === undefined) return nodes;
  return nodesWith(nodes, sel, countPods, describePod).map(({ node, sel: one }) => {
    return { ...node, snapshot: onNode(node, () => onlyPod(node.snapshot, one)) };
  });
}

/** A `which` answer over nodes: the node it is on (`null`: the pid is on no node). */
export interface NodeWhichAnswer extends WhichAnswer {
  node: string | null;
}

/**
 * `which <pid>...` over nodes. A pid is looked up on every node and answered once per node it is
 * on (pids are per node: 1070 on two nodes is two processes); one on no node is one answer with
 * `pid: null` and `node: null`. `<node>:<pid>` asks one node. With `inside` (`[<node>:]<container
 * or pod/<pod>>`, on one node), the pids are read in its pid namespace on its node.
 */
export function whichOnNodes(nodes: NodeSnapshot[], asks: string[], inside?: string): NodeWhichAnswer[] {
  const parsed = asks.map((arg) => ({ arg, ...nodePid(nodes, arg, '<pid>') }));
  if (inside !== undefined) {
    const { node, sel } = oneNode(nodes, inside, countInside, (x) => (x.startsWith('pod/') ? describePod(x.slice(4)) : `container "${shorten(x)}"`));
    const elsewhere = parsed.find((p) => p.node !== undefined && p.node !== node);
    if (elsewhere) throw new NsviewError('bad-argument', `${shorten(elsewhere.arg)} is not on node ${shorten(node.node)}, where --in ${shorten(inside)} is`);
    return onNode(node, () =>
      which(
        node.snapshot,
        parsed.map((p) => p.pid),
        sel,
      ),
    ).map((a) => ({ node: node.node, ...a }));
  }
  return parsed.flatMap((p): NodeWhichAnswer[] => {
    const on = p.node ? [p.node] : nodes.filter((n) => indexSnapshot(n.snapshot).process(p.pid));
    if (on.length === 0) return [{ node: null, asked: p.pid, pid: null, container: null, pod: null }];
    return on.map((n) => ({ node: n.node, ...which(n.snapshot, [p.pid])[0]! }));
  });
}

/** What `ls` selects across nodes: as one node's, with `<node>:` prefixes allowed on `task`, `container` and `pod`. */
export interface NodesNamespaceSelection {
  /** `ls <ns>`: the namespaces with this inode, on each node that has one (the same number on two nodes is two namespaces). */
  ns?: number;
  types?: NsType[];
  /** `-p [<node>:]<pid>`. */
  task?: string;
  /** `--container [<node>:]<container>`. */
  container?: string;
  /** `--pod [<node>:]<pod>` (it wins over `container`, as on one node). */
  pod?: string;
}

/** A node and what `ls` lists of it. */
export interface NodeNamespaces extends NodeSnapshot {
  selection: NamespaceSelection;
}

/**
 * `ls` over nodes: the nodes each selector applies to (as {@link nodesWith}: a prefix, or each
 * node where it is found) and the per-node selection. Nodes outside a selector are left out; a
 * selector found on no node is an error.
 */
export function lsOnNodes(nodes: NodeSnapshot[], o: NodesNamespaceSelection): NodeNamespaces[] {
  let picked: NodeNamespaces[] = nodes.map((n) => ({ ...n, selection: { types: o.types } }));
  const narrow = (on: OnNode[], add: (n: NodeSnapshot, sel: string) => NamespaceSelection): void => {
    picked = picked.flatMap((p) => {
      const hit = on.find((x) => x.node.node === p.node);
      return hit ? [{ ...p, selection: { ...p.selection, ...onNode(hit.node, () => add(hit.node, hit.sel)) } }] : [];
    });
  };
  if (o.ns !== undefined) {
    const inode = o.ns;
    const on = nodes.filter((n) => n.snapshot.namespaces.some((x) => x.inode === inode)).map((node) => ({ node, sel: '' }));
    if (on.length === 0) throw new NsviewError('not-found', `no namespace ${inode} on any node (${nodeList(nodes)})`);
    narrow(on, () => ({ ns: inode }));
  }
  if (o.task !== undefined) {
    const { node, pid } = nodePid(nodes, o.task, '--task');
    narrow(nodesWith(nodes, node ? o.task : String(pid), countProcess, describeTarget), (n) => {
      if (!countProcess(n.snapshot, String(pid))) throw unknownPid(pid, n.snapshot.root);
      return { pid };
    });
  }
  if (o.pod !== undefined) narrow(nodesWith(nodes, o.pod, countPods, describePod), (n, sel) => ({ pids: podPids(n.snapshot, selectPod(n.snapshot, sel)) }));
  else if (o.container !== undefined)
    narrow(
      nodesWith(nodes, o.container, countContainers, (x) => `container "${shorten(x)}"`),
      (n, sel) => ({ pids: selectContainer(n.snapshot, sel).pids }),
    );
  return picked;
}

/** What `tree` shows of one node: the cgroup to start at, or why the node has nothing to show. */
export interface NodeTree extends NodeSnapshot {
  cgroup?: string;
  /** Why this node shows no tree (the asked cgroup, unit or controller is not there). */
  missing?: string;
}

/** What `tree` asks of every node. */
export interface NodesTreeSelection {
  cgroup?: string;
  controller?: string;
  /** `-u` / `--user-unit`: the unit, and the user whose manager runs it (see `unitCgroup`). */
  unit?: string;
  user?: number;
  /** `--pod [<node>:]<pod>`: only the nodes where it is found. */
  pod?: string;
}

/**
 * `tree` over nodes: one tree per node, each starting at the asked cgroup (or unit's, or pod's).
 * A node without it says so (`missing`) instead of hiding; when no node has it, the error is
 * the one a single node gives (naming the nodes when they differ).
 */
export function treesOnNodes(nodes: NodeSnapshot[], o: NodesTreeSelection): NodeTree[] {
  const on: OnNode[] = o.pod === undefined ? nodes.map((node) => ({ node, sel: '' })) : nodesWith(nodes, o.pod, countPods, describePod);
  const errors: Array<{ node: string; err: NsviewError }> = [];
  const trees = on.map(({ node, sel }): NodeTree => {
    const s = node.snapshot;
    // A pod that fits several of one node is the error it is on one node (as `pods <pod>`).
    const pod = o.pod === undefined ? undefined : onNode(node, () => selectPod(s, sel));
    try {
      let cgroup = o.unit === undefined ? o.cgroup : unitCgroup(s, o.unit, { controller: o.controller, user: o.user });
      if (pod) {
        if (pod.cgroup === null) throw new NsviewError('not-found', `pod ${shorten(sel)} has no cgroup of its own (an inferred pod): use nsview pods`);
        cgroup = pod.cgroup;
      }
      subtree(pickHierarchy(s, o.controller), cgroup);
      return { ...node, cgroup };
    } catch (err) {
      if (!isNsviewError(err)) throw err;
      errors.push({ node: node.node, err });
      return { ...node, missing: err.message };
    }
  });
  if (errors.length === trees.length) {
    const first = errors[0]!.err;
    const same = trees.length > 1 && errors.every((e) => e.err.message === first.message);
    throw new NsviewError(first.code, same ? `${first.message} on any node` : errors.map((e) => `node ${e.node}: ${e.err.message}`).join('; '));
  }
  return trees;
}

/** One side of a diff over nodes: the node it is on. */
export type NodeDiffSide = DiffSide & { node: string };

/** Two processes of one node compared: {@link DiffResult}, each side with its node. */
export interface NodeDiff extends Omit<DiffResult, 'a' | 'b'> {
  a: NodeDiffSide;
  b: NodeDiffSide;
}

/**
 * Two processes on different nodes. They share nothing, and nothing is compared: equal inode
 * numbers on two nodes are two namespaces, and cgroup paths two cgroups. So this has no
 * namespace or cgroup rows, and `shared` is always empty.
 */
export interface CrossNodeDiff {
  a: NodeDiffSide;
  b: NodeDiffSide;
  relation: 'different-nodes';
  shared: [];
  verdict: string;
}

/** A process's side (its container and pod) as {@link diff} describes it, on its own node. */
function sideOf(n: NodePid): NodeDiffSide {
  const p = indexSnapshot(n.node.snapshot).process(n.pid);
  if (!p) throw unknownPid(n.pid, n.node.snapshot.root);
  return { node: n.node.node, ...diffSide(n.node.snapshot, p) };
}

/** `diff <a> <b>` over nodes: each side `[<node>:]<selector>` on one node; on two nodes a {@link CrossNodeDiff}. */
export function diffOnNodes(nodes: NodeSnapshot[], argA: string, argB: string): NodeDiff | CrossNodeDiff {
  const a = selectPidOnNodes(nodes, argA);
  const b = selectPidOnNodes(nodes, argB);
  if (a.node !== b.node) {
    const verdict = `different nodes ${a.node.node} and ${b.node.node}: share nothing (namespaces, cgroups and pids are per node)`;
    return { a: sideOf(a), b: sideOf(b), relation: 'different-nodes', shared: [], verdict };
  }
  const d = diff(a.node.snapshot, a.pid, b.pid);
  return { ...d, a: { node: a.node.node, ...d.a }, b: { node: b.node.node, ...d.b } };
}
