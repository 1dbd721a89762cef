import { baseName, findNode, pickHierarchy, subtree } from '../model/cgroup-tree.js';
import { indexSnapshot } from '../model/index-snapshot.js';
import type { NodeTree } from '../model/nodes.js';
import { POD_NS_ORDER, UNIFIED, type CgroupHierarchy, type CgroupNode, type Container, type Pod, type Snapshot } from '../types.js';
import { commandLine, commandOf, safe } from './safe.js';
import { podName } from './labels.js';
import { modeLabel, styles, type RenderOptions, type Styles } from './style.js';
import { ellipsize, ellipsizeStyled, visibleWidth, width } from './width.js';

/** Options of `nsview tree`, after systemd-cgls. */
export interface TreeOptions {
  /** Show this cgroup's subtree (default `/`). */
  cgroup?: string;
  /** Hierarchy: a v1 controller name (`memory`) or key; default the v2 tree, else `name=systemd`. */
  controller?: string;
  /** Show empty cgroups (`-a`). */
  all?: boolean;
  /** Show kernel threads (`-k`). */
  kernel?: boolean;
  /** Do not ellipsize to the width (`-l`). */
  full?: boolean;
  /** Add namespace-sharing marks to pod cgroups (`--ns`). */
  ns?: boolean;
  /** The node's name, in a view over several nodes: the heading names it (`Node n1; Control group /:`). */
  node?: string;
}

interface Ctx {
  s: Snapshot;
  o: TreeOptions;
  st: Styles;
  width: number;
  labels: Map<string, string>;
  visible: Map<CgroupNode, boolean>;
}

/**
 * Is any non-hidden process in this subtree? (Decides what `-a` would add.)
 * Walked with a stack, children before their parent: a tree from a snapshot
 * can be deeper than the call stack.
 */
function hasVisible(ctx: Ctx, node: CgroupNode): boolean {
  const ix = indexSnapshot(ctx.s);
  const stack: Array<{ n: CgroupNode; open: boolean }> = [{ n: node, open: false }];
  while (stack.length) {
    const top = stack[stack.length - 1] as { n: CgroupNode; open: boolean };
    if (ctx.visible.has(top.n)) stack.pop();
    else if (top.open)
      ctx.visible.set(
        top.n,
        top.n.children.some((c) => ctx.visible.get(c) === true),
      );
    else {
      top.open = true;
      if (top.n.pids.some((pid) => ctx.o.kernel || !ix.process(pid)?.kernelThread)) ctx.visible.set(top.n, true);
      else for (const c of top.n.children) if (!ctx.visible.has(c)) stack.push({ n: c, open: false });
    }
  }
  return ctx.visible.get(node) === true;
}

/** Labels for container and pod cgroups of this hierarchy: `[docker 3ccfa0043279]`, `[pod burstable 90d8…]`. */
function buildLabels(s: Snapshot, h: CgroupHierarchy, o: TreeOptions, st: Styles): Map<string, string> {
  const labels = new Map<string, string>();
  const podLabel = (p: Pod): string => {
    const parts = ['pod', safe(p.qos ?? '-'), p.inferred ? `${podName(p)} (inferred)` : podName(p)];
    if (o.ns)
      parts.push(
        POD_NS_ORDER.filter((t) => t !== 'time')
          .map((t) => `${t}:${modeLabel(p.namespaces[t])}`)
          .join(' '),
      );
    return st.pod(`[${parts.join(' ')}]`);
  };
  const ctrLabel = (c: Container): string => {
    const sandbox = c.role === 'sandbox' ? ' ' + st.sandbox('sandbox') : '';
    const name = c.name !== null && c.role !== 'sandbox' ? ` ${safe(c.name)}` : '';
    return st.container(`[${safe(c.runtime)} ${safe(c.id.slice(0, 12))}${name}`) + sandbox + st.container(']');
  };
  for (const p of s.pods) if (p.cgroup && (p.hierarchy === h.key || (p.hierarchy && pathInTree(h, p.cgroup)))) labels.set(p.cgroup, podLabel(p));
  for (const c of s.containers)
    if (c.hierarchy === h.key || pathInTree(h, c.cgroup)) labels.set(c.cgroup, (labels.get(c.cgroup) ? labels.get(c.cgroup) + ' ' : '') + ctrLabel(c));
  return labels;
}

function pathInTree(h: CgroupHierarchy, path: string): boolean {
  return findNode(h, path) !== undefined;
}

/**
 * The cgroup tree with its processes, in systemd-cgls style: `├─ │ └─`
 * glyphs, each group's processes first (pids right-aligned) then its child
 * cgroups, empty cgroups and kernel threads hidden unless asked, lines
 * ellipsized to the width in display columns (unless `-l`). Container and pod
 * cgroups carry labels, kept whole: the cgroup's name is cut to make room.
 */
export function renderTree(s: Snapshot, o: TreeOptions, r: RenderOptions): string {
  const h = pickHierarchy(s, o.controller);
  const start = subtree(h, o.cgroup);
  const at = start.path;
  const st = styles(r);
  const ctx: Ctx = { s, o, st, width: o.full ? 0 : r.width, labels: buildLabels(s, h, o, st), visible: new Map() };
  const out: string[] = [];
  const head = `${o.node === undefined ? '' : `Node ${safe(o.node)}; `}${h.key === UNIFIED ? '' : `Controller ${safe(h.key)}; `}Control group ${safe(at)}:`;
  out.push(fitLabelled(ctx, '', head, at === '/' ? undefined : ctx.labels.get(at), st.header));
  if (at === '/' && h.key === UNIFIED) out.push(fit(ctx, '-.slice'));
  renderChildren(ctx, start, out);
  return out.join('\n') + '\n';
}

/** The lines below `start`, depth first with a stack of open cgroups (no recursion: a snapshot's tree can be deeper than the call stack). */
function renderChildren(ctx: Ctx, start: CgroupNode, out: string[]): void {
  const stack = [openGroup(ctx, start, '', out)];
  while (stack.length) {
    const g = stack[stack.length - 1] as OpenGroup;
    const child = g.children[g.next++];
    if (!child) {
      stack.pop();
      continue;
    }
    const last = g.next === g.children.length;
    out.push(fitLabelled(ctx, `${g.prefix}${last ? '└─' : '├─'}`, safe(baseName(child.path)), ctx.labels.get(child.path)));
    stack.push(openGroup(ctx, child, g.prefix + (last ? '  ' : '│ '), out));
  }
}

interface OpenGroup {
  prefix: string;
  children: CgroupNode[];
  next: number;
}

/** Print a cgroup's processes (they come before its child cgroups) and return its shown children, to be walked. */
function openGroup(ctx: Ctx, node: CgroupNode, prefix: string, out: string[]): OpenGroup {
  const ix = indexSnapshot(ctx.s);
  const pids = node.pids.filter((pid) => ctx.o.kernel || !ix.process(pid)?.kernelThread);
  const children = node.children.filter((c) => ctx.o.all || hasVisible(ctx, c));
  let pidWidth = 0;
  for (const pid of pids) pidWidth = Math.max(pidWidth, String(pid).length);
  pids.forEach((pid, i) => {
    const last = i === pids.length - 1 && children.length === 0;
    const p = ix.process(pid);
    // A pid in cgroup.procs that the process scan did not see started or exited in between.
    const cmd = p ? treeCommand(p) : '(not scanned)';
    out.push(fit(ctx, `${prefix}${last ? '└─' : '├─'}${String(pid).padStart(pidWidth)} ${cmd}`));
  });
  return { prefix, children, next: 0 };
}

/** A command as systemd-cgls shows it: kernel threads as `[name]`, trailing blanks dropped. */
function treeCommand(p: { cmdline: string[]; comm: string; kernelThread: boolean }): string {
  return p.kernelThread ? `[${safe(p.comm)}]` : commandOf(p).trimEnd();
}

function fit(ctx: Ctx, line: string): string {
  return ctx.width > 0 ? ellipsize(line, ctx.width) : line;
}

const plainStyle = (s: string): string => s;

/**
 * A cgroup line, `lead` (tree glyphs, or nothing for the header) then `name`
 * and its label, fitted to the width in display columns: the name is cut
 * with `…` so that name, a space and the whole label fit; when the label
 * leaves no column for the name, the whole line is cut. `style` applies to
 * lead and name (the header's bold); labels may carry colour, measured on
 * the visible text.
 */
function fitLabelled(ctx: Ctx, lead: string, name: string, label: string | undefined, style: (s: string) => string = plainStyle): string {
  if (label === undefined) return style(fit(ctx, lead + name));
  const whole = style(lead + name) + ' ' + label;
  if (ctx.width <= 0) return whole;
  // The lead is spaces and box-drawing glyphs, one column each: its length is its width
  // (and measuring it per line would cost the depth of the tree on every line).
  const room = ctx.width - lead.length - 1 - visibleWidth(label);
  if (width(name) <= room) return whole;
  if (room >= 1) return style(lead + ellipsize(name, room)) + ' ' + label;
  return ellipsizeStyled(whole, ctx.width);
}

/** Where a unit's cgroup is (`tree -u`) is a lookup of the model: lib/model/cgroup-tree.ts. */
export { unitCgroup, UNIT_SUFFIXES, type UnitOptions } from '../model/cgroup-tree.js';

/** A cgroup node as `tree --json` prints it. */
export interface TreeJsonNode {
  path: string;
  processes: Array<{ pid: number; command: string }>;
  container?: { id: string; runtime: string; role: string; name: string | null };
  pod?: { key: string; uid: string | null; namespace: string | null; name: string | null; qos: string | null };
  children: TreeJsonNode[];
}

/** `tree --json`: the shown hierarchy as nested nodes, honouring -a and -k. */
export function treeJson(s: Snapshot, o: TreeOptions): { hierarchy: string; tree: TreeJsonNode } {
  const h = pickHierarchy(s, o.controller);
  const start = subtree(h, o.cgroup);
  const ix = indexSnapshot(s);
  const ctx: Ctx = { s, o, st: styles({ color: false }), width: 0, labels: new Map(), visible: new Map() };
  const containers = new Map(s.containers.map((c) => [c.cgroup, c]));
  const pods = new Map(s.pods.filter((p) => p.cgroup).map((p) => [p.cgroup as string, p]));
  const shell = (n: CgroupNode): TreeJsonNode => {
    const c = containers.get(n.path);
    const p = pods.get(n.path);
    return {
      path: n.path,
      processes: n.pids
        .filter((pid) => o.kernel || !ix.process(pid)?.kernelThread)
        .map((pid) => {
          const pr = ix.process(pid);
          return { pid, command: pr ? commandLine(pr) : '' };
        }),
      ...(c ? { container: { id: c.id, runtime: c.runtime, role: c.role, name: c.name } } : {}),
      ...(p ? { pod: { key: p.key, uid: p.uid, namespace: p.namespace ?? null, name: p.name, qos: p.qos } } : {}),
      children: [],
    };
  };
  // Built with a stack, not recursion: a snapshot's tree can be deeper than the call stack.
  const tree = shell(start);
  const stack: Array<[CgroupNode, TreeJsonNode]> = [[start, tree]];
  while (stack.length) {
    const [n, j] = stack.pop() as [CgroupNode, TreeJsonNode];
    for (const ch of n.children) {
      if (!o.all && !hasVisible(ctx, ch)) continue;
      const cj = shell(ch);
      j.children.push(cj);
      stack.push([ch, cj]);
    }
  }
  return { hierarchy: h.key, tree };
}

/**
 * `nsview tree` over several nodes: one tree per node (in the order given: by name), each under
 * its heading `Node n1; Control group /:`, a blank line between them. A node without the asked
 * cgroup says so on its heading's line: `Node n2: no cgroup /x in the v2 hierarchy`.
 */
export function renderTreeNodes(trees: NodeTree[], o: TreeOptions, r: RenderOptions): string {
  const st = styles(r);
  const width = o.full ? 0 : r.width;
  const missing = (node: string, why: string): string => {
    const line = `Node ${safe(node)}: ${safe(why)}`;
    return `${st.header(width > 0 ? ellipsize(line, width) : line)}\n`;
  };
  return trees
    .map((t) => (t.missing !== undefined ? missing(t.node, t.missing) : renderTree(t.snapshot, { ...o, cgroup: t.cgroup, node: t.node }, r)))
    .join('\n');
}

/** `tree --json` over several nodes: `{"nodes":[{"node","hierarchy","tree"}]}`, or `{"node","missing"}` for a node without the asked cgroup. */
export function treeJsonNodes(
  trees: NodeTree[],
  o: TreeOptions,
): { nodes: Array<{ node: string; hierarchy: string; tree: TreeJsonNode } | { node: string; missing: string }> } {
  return {
    nodes: trees.map((t) =>
      t.missing !== undefined ? { node: t.node, missing: t.missing } : { node: t.node, ...treeJson(t.snapshot, { ...o, cgroup: t.cgroup }) },
    ),
  };
}
