import { baseName, findNode, pickHierarchy, subtree } from '../model/cgroup-tree.js';
import { indexSnapshot } from '../model/index-snapshot.js';
import { POD_NS_ORDER, UNIFIED, type CgroupHierarchy, type CgroupNode, type Container, type Pod, type Snapshot } from '../model/types.js';
import { commandLine, commandOf, ellipsize, safe } from './safe.js';
import { MODE_LABEL, styles, type RenderOptions, type Styles } from './style.js';

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
}

interface Ctx {
  s: Snapshot;
  o: TreeOptions;
  st: Styles;
  width: number;
  labels: Map<string, string>;
  visible: Map<CgroupNode, boolean>;
}

/** Is any non-hidden process in this subtree? (Decides what `-a` would add.) */
function hasVisible(ctx: Ctx, node: CgroupNode): boolean {
  const hit = ctx.visible.get(node);
  if (hit !== undefined) return hit;
  const ix = indexSnapshot(ctx.s);
  const v = node.pids.some((pid) => ctx.o.kernel || !ix.process(pid)?.kernelThread) || node.children.some((c) => hasVisible(ctx, c));
  ctx.visible.set(node, v);
  return v;
}


/** Labels for container and pod cgroups of this hierarchy: `[docker 3ccfa0043279]`, `[pod burstable 90d8…]`. */
function buildLabels(s: Snapshot, h: CgroupHierarchy, o: TreeOptions, st: Styles): Map<string, string> {
  const labels = new Map<string, string>();
  const podLabel = (p: Pod): string => {
    const who = p.uid ?? `${p.name} (inferred)`;
    const parts = ['pod', p.qos ?? '-', safe(who)];
    if (o.ns) parts.push(POD_NS_ORDER.filter((t) => t !== 'time').map((t) => `${t}:${MODE_LABEL[p.namespaces[t]] ?? '?'}`).join(' '));
    return st.pod(`[${parts.join(' ')}]`);
  };
  const ctrLabel = (c: Container): string => {
    const sandbox = c.role === 'sandbox' ? ' ' + st.sandbox('sandbox') : '';
    return st.container(`[${c.runtime} ${safe(c.id.slice(0, 12))}`) + sandbox + st.container(']');
  };
  for (const p of s.pods) if (p.cgroup && (p.hierarchy === h.key || (p.hierarchy && pathInTree(h, p.cgroup)))) labels.set(p.cgroup, podLabel(p));
  for (const c of s.containers) if (c.hierarchy === h.key || pathInTree(h, c.cgroup)) labels.set(c.cgroup, (labels.get(c.cgroup) ? labels.get(c.cgroup) + ' ' : '') + ctrLabel(c));
  return labels;
}

function pathInTree(h: CgroupHierarchy, path: string): boolean {
  return findNode(h, path) !== undefined;
}

/**
 * The cgroup tree with its processes, in systemd-cgls style: `├─ │ └─`
 * glyphs, each group's processes first (pids right-aligned) then its child
 * cgroups, empty cgroups and kernel threads hidden unless asked, lines
 * ellipsized to the width. Container and pod cgroups carry labels.
 */
export function renderTree(s: Snapshot, o: TreeOptions, r: RenderOptions): string {
  const h = pickHierarchy(s, o.controller);
  const start = subtree(h, o.cgroup);
  const at = start.path;
  const st = styles(r);
  const ctx: Ctx = { s, o, st, width: o.full ? 0 : r.width, labels: buildLabels(s, h, o, st), visible: new Map() };
  const out: string[] = [];
  const head = `${h.key === UNIFIED ? '' : `Controller ${h.key}; `}Control group ${safe(at)}:`;
  out.push(st.header(head));
  if (at === '/' && h.key === UNIFIED) out.push('-.slice');
  const rootLabel = ctx.labels.get(at);
  if (at !== '/' && rootLabel) out[0] += ' ' + rootLabel;
  renderChildren(ctx, start, '', out);
  return out.join('\n') + '\n';
}

function renderChildren(ctx: Ctx, node: CgroupNode, prefix: string, out: string[]): void {
  const ix = indexSnapshot(ctx.s);
  const pids = node.pids.filter((pid) => ctx.o.kernel || !ix.process(pid)?.kernelThread);
  const children = node.children.filter((c) => ctx.o.all || hasVisible(ctx, c));
  const pidWidth = Math.max(0, ...pids.map((p) => String(p).length));
  const total = pids.length + children.length;
  let i = 0;
  for (const pid of pids) {
    const last = ++i === total;
    const p = ix.process(pid);
    // A pid in cgroup.procs that the process scan did not see started or exited in between.
    const cmd = p ? treeCommand(p) : '(not scanned)';
    const line = `${prefix}${last ? '└─' : '├─'}${String(pid).padStart(pidWidth)} ${cmd}`;
    out.push(fit(ctx, line));
  }
  for (const child of children) {
    const last = ++i === total;
    const label = ctx.labels.get(child.path);
    const name = safe(baseName(child.path));
    const line = `${prefix}${last ? '└─' : '├─'}${name}`;
    out.push(label ? fit(ctx, line) + ' ' + label : fit(ctx, line));
    renderChildren(ctx, child, prefix + (last ? '  ' : '│ '), out);
  }
}

/** A command as systemd-cgls shows it: kernel threads as `[name]`, trailing blanks dropped. */
function treeCommand(p: { cmdline: string[]; comm: string; kernelThread: boolean }): string {
  return p.kernelThread ? `[${safe(p.comm)}]` : commandOf(p).trimEnd();
}

function fit(ctx: Ctx, line: string): string {
  return ctx.width > 0 ? ellipsize(line, ctx.width) : line;
}

/** A cgroup node as `tree --json` prints it. */
export interface TreeJsonNode {
  path: string;
  processes: Array<{ pid: number; command: string }>;
  container?: { id: string; runtime: string; role: string };
  pod?: { key: string; uid: string | null; name: string | null; qos: string | null };
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
  const build = (n: CgroupNode): TreeJsonNode => {
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
      ...(c ? { container: { id: c.id, runtime: c.runtime, role: c.role } } : {}),
      ...(p ? { pod: { key: p.key, uid: p.uid, name: p.name, qos: p.qos } } : {}),
      children: n.children.filter((ch) => o.all || hasVisible(ctx, ch)).map(build),
    };
  };
  return { hierarchy: h.key, tree: build(start) };
}
