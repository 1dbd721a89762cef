import { NsviewError } from '../errors.js';
import { holderText, mountsIn } from '../model/holders.js';
import { indexSnapshot } from '../model/index-snapshot.js';
import { namespaceRelations, relationOf, type NsRelation } from '../model/relations.js';
import type { NodeView } from '../model/nodes.js';
import { lsNamespaces, type NamespaceSelection } from '../model/select.js';
import type { Namespace, NsHolder, NsType, Snapshot } from '../types.js';
import { renderColumns } from './columns.js';
import { podText } from './labels.js';
import { commandLine, safe } from './safe.js';
import { styles, type RenderOptions } from './style.js';

/** Everything a column can read about one namespace. */
interface Row {
  ns: Namespace;
  snapshot: Snapshot;
  relations: () => Map<string, NsRelation>;
  /** The node's name, in a view over several nodes. */
  node?: string;
}

/** One column of `nsview ls`: lsns's columns plus CONTAINER and POD. Columns are data: this table drives the view, `-o`, `--list-columns` and JSON. */
export interface LsColumn {
  name: string;
  help: string;
  right?: boolean;
  json: 'number' | 'string' | 'holders';
  /** What the snapshot must have read for it: holders (`mounts` or `all`). */
  needs?: 'mounts' | 'all';
  /** A value; several values (NSFS, HOLDERS) are lines of one cell, as lsns prints them. */
  get(row: Row): string | number | null | string[];
}

const leader = (r: Row): number | undefined => r.ns.pids[0];
const lowest = (r: Row) => {
  const pid = leader(r);
  return pid === undefined ? undefined : indexSnapshot(r.snapshot).process(pid);
};

/** lsns's PATH: where the namespace can be opened, `/proc/<pid>/ns/<type>` of its lowest pid, else its first holder's path. */
function nsPath(r: Row): string | null {
  const pid = leader(r);
  if (pid !== undefined) return `/proc/${pid}/ns/${r.ns.type}`;
  const h: NsHolder | undefined = r.ns.holders?.[0];
  if (!h) return null;
  if (h.kind === 'mount') return h.path;
  if (h.kind === 'fd') return `/proc/${h.pid}/fd/${h.fd}`;
  return `/proc/${h.pid}/ns/${r.ns.type}_for_children`;
}

/** The columns `nsview ls` knows, in `--list-columns` order. */
export const LS_COLUMNS: LsColumn[] = [
  { name: 'NS', help: 'namespace identifier (inode number)', right: true, json: 'number', get: (r) => r.ns.inode },
  { name: 'TYPE', help: 'kind of namespace', json: 'string', get: (r) => r.ns.type },
  { name: 'PATH', help: 'path to the namespace', json: 'string', get: nsPath },
  { name: 'NPROCS', help: 'number of processes in the namespace', right: true, json: 'number', get: (r) => r.ns.pids.length },
  { name: 'PID', help: 'lowest PID in the namespace', right: true, json: 'number', get: (r) => r.ns.pids[0] ?? null },
  { name: 'PPID', help: 'PPID of the PID', right: true, json: 'number', get: (r) => lowest(r)?.ppid ?? null },
  {
    name: 'COMMAND',
    help: 'command line of the PID',
    json: 'string',
    get: (r) => {
      const p = lowest(r);
      return p ? commandLine(p) : null;
    },
  },
  { name: 'UID', help: 'UID of the PID', right: true, json: 'number', get: (r) => lowest(r)?.uid ?? null },
  {
    name: 'USER',
    help: 'username of the PID',
    json: 'string',
    get: (r) => {
      const p = lowest(r);
      return p ? (p.user ?? (p.uid === null ? null : String(p.uid))) : null;
    },
  },
  {
    name: 'CONTAINER',
    help: 'container of the PID: its name, else runtime and short id',
    json: 'string',
    get: (r) => {
      const pid = leader(r);
      const c = pid === undefined ? undefined : indexSnapshot(r.snapshot).containerOf(pid);
      return c ? (c.name ?? `${c.runtime}:${c.id.slice(0, 12)}`) : null;
    },
  },
  {
    name: 'POD',
    help: 'pod of the PID: namespace/name, else uid, else inferred name',
    json: 'string',
    get: (r) => {
      const pid = leader(r);
      const p = pid === undefined ? undefined : indexSnapshot(r.snapshot).podOf(pid);
      return p ? podText(p) : null;
    },
  },
  {
    name: 'NETNSID',
    help: 'namespace ID as used by network subsystem (not in any file: always empty, see docs/cli.md)',
    right: true,
    json: 'number',
    get: () => null,
  },
  {
    name: 'NSFS',
    help: "nsfs mountpoints in the node's mount namespace (as lsns shows its own); reads mounts, so namespaces held only by one are listed too",
    json: 'string',
    needs: 'mounts',
    get: (r) => {
      const m = mountsIn(r.ns, r.snapshot.nodeNamespaces.mnt);
      return m.length ? m : null;
    },
  },
  {
    name: 'PNS',
    help: 'parent namespace identifier (inode number); empty where files cannot tell',
    right: true,
    json: 'number',
    get: (r) => relationOf(r.relations(), r.ns).parent,
  },
  {
    name: 'ONS',
    help: 'owner namespace identifier (inode number); empty where files cannot tell',
    right: true,
    json: 'number',
    get: (r) => relationOf(r.relations(), r.ns).owner,
  },
  {
    name: 'HOLDERS',
    help: 'what else keeps it alive: nsfs mounts in any mount namespace, open fds, *_for_children links',
    json: 'holders',
    needs: 'all',
    get: (r) => {
      const h = (r.ns.holders ?? []).map((x) => holderText(x, r.ns.type));
      return h.length ? h : null;
    },
  },
];

/**
 * NODE: the node's name. Not one of {@link LS_COLUMNS} (nor of `--list-columns` or
 * `--output-all`, which stay lsns's and nsview's one-node columns): views over several nodes
 * put it first, and `-o` accepts it anywhere (on one node it is the snapshot's node name).
 */
const NODE_COLUMN: LsColumn = {
  name: 'NODE',
  help: 'the node (with several snapshots)',
  json: 'string',
  get: (r) => r.node ?? r.snapshot.node ?? null,
};

/** lsns's default columns. */
export const LS_DEFAULT = ['NS', 'TYPE', 'NPROCS', 'PID', 'USER', 'COMMAND'];

/** Options of `nsview ls`. */
export interface LsOptions {
  /** `-o`: column names (see {@link lsColumns}); ignored with {@link outputAll}. */
  columns?: string[];
  /** `--output-all`: every column, in `--list-columns` order. */
  outputAll?: boolean;
  /** `-t`: only namespaces of these types (of any of them, as `lsns -t net -t uts`); empty or unset: all types. */
  types?: NsType[];
  /** @deprecated One type: the same as `types: [type]` (both given: namespaces of any of them). */
  type?: NsType;
  /** `lsns <ns>`: only the namespace with this inode; one the snapshot does not hold is an error. */
  ns?: number;
  /** `-p`: only the namespaces of this pid. */
  pid?: number;
  /** Only the namespaces of these processes (a container's or a pod's). */
  pids?: number[];
  noHeadings?: boolean;
  raw?: boolean;
  noTruncate?: boolean;
  /** `-T`: a tree of namespaces (see {@link LsTree}). */
  tree?: LsTree;
}

/**
 * Resolve `-o` column names (case-insensitive, `+COL` appends to the
 * defaults), or every column with `outputAll`; throws for an unknown name.
 */
export function lsColumns(names: string[] | undefined, outputAll = false): LsColumn[] {
  if (outputAll) return [...LS_COLUMNS];
  let list = names && names.length ? names : LS_DEFAULT;
  if (list[0]?.startsWith('+')) list = [...LS_DEFAULT, list[0].slice(1), ...list.slice(1)];
  return list.map((n) => {
    const col = n.toUpperCase() === NODE_COLUMN.name ? NODE_COLUMN : LS_COLUMNS.find((c) => c.name === n.toUpperCase());
    if (!col) throw new NsviewError('bad-argument', `unknown column: ${n} (see --list-columns)`);
    return col;
  });
}

/** Which namespaces `ls` lists is a selection of the model: lib/model/select.ts. */
export { lsNamespaces };

/** How `ls -T` nests namespaces, as lsns: under the parent namespace, the owning user namespace, or the namespace of the lowest pid's parent process. */
export type LsTree = 'parent' | 'owner' | 'process';

interface TreeNode {
  ns: Namespace;
  children: TreeNode[];
}

/** The listed namespaces as a forest for `-T`: each under its related row where that row is listed too, else at the top; order kept. */
export function lsForest(s: Snapshot, list: Namespace[], tree: LsTree): TreeNode[] {
  const nodes = list.map((ns) => ({ ns, children: [] as TreeNode[] }));
  const byKey = new Map(nodes.map((n) => [`${n.ns.type}:${n.ns.inode}`, n]));
  const relations = tree === 'process' ? undefined : namespaceRelations(s);
  // For -T process: the last listed row whose lowest pid is a given process (lsns hangs children on a process's last row).
  const rowOfPid = new Map<number, TreeNode>();
  if (tree === 'process') for (const n of nodes) if (n.ns.pids[0] !== undefined) rowOfPid.set(n.ns.pids[0], n);
  const ix = indexSnapshot(s);
  const up = new Map<TreeNode, TreeNode>();
  for (const n of nodes) {
    let parent: TreeNode | undefined;
    if (tree === 'process') {
      const pid = n.ns.pids[0];
      const ppid = pid === undefined ? null : (ix.process(pid)?.ppid ?? null);
      parent = ppid ? rowOfPid.get(ppid) : undefined;
    } else {
      const rel = relationOf(relations!, n.ns);
      const inode = tree === 'parent' ? rel.parent : rel.owner;
      parent = inode ? byKey.get(`${tree === 'parent' ? n.ns.type : 'user'}:${inode}`) : undefined;
    }
    if (parent && parent !== n) up.set(n, parent);
  }
  // A loop (only a hostile capture can make one) is cut where it closes: that row goes to the top.
  for (const n of nodes) {
    const seen = new Set<TreeNode>([n]);
    for (let a = up.get(n); a; a = up.get(a)) {
      if (seen.has(a)) {
        up.delete(n);
        break;
      }
      seen.add(a);
    }
  }
  const roots: TreeNode[] = [];
  for (const n of nodes) {
    const p = up.get(n);
    if (p) p.children.push(n);
    else roots.push(n);
  }
  return roots;
}

/** Rows in display order with their tree prefixes (`├─`, `└─`, `│ `), depth first. */
function flatten(roots: TreeNode[]): Array<{ ns: Namespace; prefix: string }> {
  const out: Array<{ ns: Namespace; prefix: string }> = [];
  const stack: Array<{ node: TreeNode; lead: string; glyph: string }> = [];
  const push = (list: TreeNode[], lead: string, top: boolean): void => {
    for (let i = list.length - 1; i >= 0; i--) {
      const last = i === list.length - 1;
      stack.push({ node: list[i] as TreeNode, lead, glyph: top ? '' : last ? '└─' : '├─' });
    }
  };
  push(roots, '', true);
  while (stack.length) {
    const { node, lead, glyph } = stack.pop()!;
    out.push({ ns: node.ns, prefix: lead + glyph });
    const next = glyph === '' ? lead : lead + (glyph === '└─' ? '  ' : '│ ');
    push(node.children, next, false);
  }
  return out;
}

const cellLines = (v: string | number | null | string[]): string[] => (Array.isArray(v) ? v : [String(v ?? '')]);

/** Where `-T` draws the tree: in NS (parent, owner) or COMMAND (process) as lsns does; else in the first column but NODE. */
function treeColumn(cols: LsColumn[], tree: LsTree | undefined): number {
  if (!tree) return -1;
  const at = cols.findIndex((c) => c.name === (tree === 'process' ? 'COMMAND' : 'NS'));
  return at >= 0
    ? at
    : Math.max(
        0,
        cols.findIndex((c) => c !== NODE_COLUMN),
      );
}

/** The `ls` table, as lsns prints it; with `tree`, as `lsns -T`. */
export function renderLs(s: Snapshot, o: LsOptions, r: RenderOptions): string {
  const cols = lsColumns(o.columns, o.outputAll);
  return lsTable(cols, lsRows(s, undefined, o, cols), o, r);
}

/** A node's namespaces as `ls` selects them across nodes (lib/model/nodes.ts, `lsOnNodes`). */
export interface NodeLs extends NodeView {
  selection: NamespaceSelection;
}

/** The columns of `ls` over several nodes: NODE first, unless `-o` places it. */
function nodeColumns(o: LsOptions): LsColumn[] {
  const cols = lsColumns(o.columns, o.outputAll);
  return cols.includes(NODE_COLUMN) ? cols : [NODE_COLUMN, ...cols];
}

/**
 * `nsview ls` over several nodes: one table with a NODE column first (unless `-o` puts it
 * elsewhere), rows by node (in the order given: by name) then as on one node; with `-T` a
 * forest per node. Each node's selection is its own (`lsOnNodes`); `o`'s other options apply to all.
 */
export function renderLsNodes(nodes: NodeLs[], o: LsOptions, r: RenderOptions): string {
  const cols = nodeColumns(o);
  return lsTable(
    cols,
    nodes.flatMap((n) => lsRows(n.snapshot, n.node, { ...o, ...n.selection }, cols)),
    o,
    r,
  );
}

function lsTable(cols: LsColumn[], rows: string[][], o: LsOptions, r: RenderOptions): string {
  const treeAt = treeColumn(cols, o.tree);
  return renderColumns(
    cols.map((c, i) => ({ header: c.name, right: c.right && i !== treeAt, trunc: c.name === 'COMMAND' })),
    rows,
    { noHeadings: o.noHeadings, raw: o.raw, width: o.noTruncate || o.raw ? 0 : r.width, header: styles(r).header },
  );
}

/** One snapshot's rows of the `ls` table (`node`: its name, in a view over several). */
function lsRows(s: Snapshot, node: string | undefined, o: LsOptions, cols: LsColumn[]): string[][] {
  const list = lsNamespaces(s, o);
  const ordered = o.tree ? flatten(lsForest(s, list, o.tree)) : list.map((ns) => ({ ns, prefix: '' }));
  const treeAt = treeColumn(cols, o.tree);
  let relations: Map<string, NsRelation> | undefined;
  const rel = (): Map<string, NsRelation> => (relations ??= namespaceRelations(s));
  const rows: string[][] = [];
  for (const { ns, prefix } of ordered) {
    // Values are raw (JSON escapes them as JSON does); the table escapes control bytes.
    const cells = cols.map((c) => cellLines(c.get({ ns, snapshot: s, relations: rel, node })).map(safe));
    if (treeAt >= 0) cells[treeAt]![0] = prefix + cells[treeAt]![0];
    if (o.raw) {
      // Raw output keeps one line per namespace: several values are joined by an escaped newline, as lsns -r does.
      rows.push(cells.map((c) => c.join('\\x0a')));
      continue;
    }
    // Several values (NSFS, HOLDERS): the first on the row, the others on lines below it, as lsns prints them.
    const height = Math.max(...cells.map((c) => c.length));
    for (let i = 0; i < height; i++) rows.push(cells.map((c) => c[i] ?? ''));
  }
  return rows;
}

/** One namespace as `ls --json` shows it. */
type LsJsonValue = string | number | null | NsHolder[] | LsJsonRow[];
/** A namespace's object in `ls --json`: lower-case column names (and `children` with `-T`). */
export type LsJsonRow = Record<string, LsJsonValue>;

/** `ls --json`: the shape of `lsns -J -l`, `{"namespaces":[{"ns":…,"type":…,…}]}`; with `tree`, nested `children` as `lsns -J -T`. */
export function lsJson(s: Snapshot, o: LsOptions): { namespaces: LsJsonRow[] } {
  return { namespaces: lsJsonRows(s, undefined, o, lsColumns(o.columns, o.outputAll)) };
}

/** `ls --json` over several nodes: every node's namespaces in one list, each object with its `"node"` (first, unless `-o` places it). */
export function lsJsonNodes(nodes: NodeLs[], o: LsOptions): { namespaces: LsJsonRow[] } {
  const cols = nodeColumns(o);
  return { namespaces: nodes.flatMap((n) => lsJsonRows(n.snapshot, n.node, { ...o, ...n.selection }, cols)) };
}

function lsJsonRows(s: Snapshot, node: string | undefined, o: LsOptions, cols: LsColumn[]): LsJsonRow[] {
  let relations: Map<string, NsRelation> | undefined;
  const rel = (): Map<string, NsRelation> => (relations ??= namespaceRelations(s));
  const row = (ns: Namespace): LsJsonRow => {
    const obj: LsJsonRow = {};
    for (const c of cols) {
      const v = c.get({ ns, snapshot: s, relations: rel, node });
      // lsns joins several values of a cell with newlines; HOLDERS is nsview's own: the holder objects.
      obj[c.name.toLowerCase()] = c.json === 'holders' ? (ns.holders ?? null) : Array.isArray(v) ? v.join('\n') : v;
    }
    return obj;
  };
  const list = lsNamespaces(s, o);
  if (!o.tree) return list.map(row);
  const nest = (n: TreeNode): LsJsonRow => (n.children.length ? { ...row(n.ns), children: n.children.map(nest) } : row(n.ns));
  return lsForest(s, list, o.tree).map(nest);
}

/** `ls --list-columns`. */
export function renderLsColumnList(): string {
  const w = Math.max(...LS_COLUMNS.map((c) => c.name.length));
  return LS_COLUMNS.map((c) => `${c.name.padStart(w)}  ${c.help}`).join('\n') + '\n';
}
