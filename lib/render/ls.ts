import { NsviewError, shorten, unknownPid } from '../errors.js';
import { indexSnapshot } from '../model/index-snapshot.js';
import type { Namespace, NsType, Snapshot } from '../model/types.js';
import { renderColumns } from './columns.js';
import { podText } from './labels.js';
import { commandLine, safe } from './safe.js';
import { styles, type RenderOptions } from './style.js';

/** Everything a column can read about one namespace. */
interface Row {
  ns: Namespace;
  snapshot: Snapshot;
}

/** One column of `nsview ls`: lsns's columns plus CONTAINER and POD. Columns are data: this table drives the view, `-o`, `--list-columns` and JSON. */
export interface LsColumn {
  name: string;
  help: string;
  right?: boolean;
  json: 'number' | 'string';
  get(row: Row): string | number | null;
}

const lowest = (r: Row) => indexSnapshot(r.snapshot).process(r.ns.pids[0] as number);

/** The columns `nsview ls` knows, in `--list-columns` order. */
export const LS_COLUMNS: LsColumn[] = [
  { name: 'NS', help: 'namespace identifier (inode number)', right: true, json: 'number', get: (r) => r.ns.inode },
  { name: 'TYPE', help: 'kind of namespace', json: 'string', get: (r) => r.ns.type },
  { name: 'NPROCS', help: 'number of processes in the namespace', right: true, json: 'number', get: (r) => r.ns.pids.length },
  { name: 'PID', help: 'lowest PID in the namespace', right: true, json: 'number', get: (r) => r.ns.pids[0] ?? null },
  { name: 'PPID', help: 'PPID of the PID', right: true, json: 'number', get: (r) => lowest(r)?.ppid ?? null },
  { name: 'COMMAND', help: 'command line of the PID', json: 'string', get: (r) => { const p = lowest(r); return p ? commandLine(p) : null; } },
  { name: 'UID', help: 'UID of the PID', right: true, json: 'number', get: (r) => lowest(r)?.uid ?? null },
  { name: 'USER', help: 'username of the PID', json: 'string', get: (r) => { const p = lowest(r); return p ? p.user ?? (p.uid === null ? null : String(p.uid)) : null; } },
  {
    name: 'CONTAINER',
    help: 'container of the PID: its name, else runtime and short id',
    json: 'string',
    get: (r) => { const c = indexSnapshot(r.snapshot).containerOf(r.ns.pids[0] as number); return c ? (c.name ?? `${c.runtime}:${c.id.slice(0, 12)}`) : null; },
  },
  {
    name: 'POD',
    help: 'pod of the PID: namespace/name, else uid, else inferred name',
    json: 'string',
    get: (r) => { const p = indexSnapshot(r.snapshot).podOf(r.ns.pids[0] as number); return p ? podText(p) : null; },
  },
];

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
    const col = LS_COLUMNS.find((c) => c.name === n.toUpperCase());
    if (!col) throw new NsviewError('bad-argument', `unknown column: ${n} (see --list-columns)`);
    return col;
  });
}

/** The namespaces `ls` lists for the options, in lsns order (by inode). */
export function lsNamespaces(s: Snapshot, o: LsOptions): Namespace[] {
  let list = s.namespaces;
  if (o.ns !== undefined) {
    const inode = o.ns;
    list = list.filter((n) => n.inode === inode);
    if (!list.length) throw unknownNamespace(inode, s.root);
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
function unknownNamespace(inode: number, root: string): NsviewError {
  const say = (w: string): string => `no namespace ${inode} in ${w === '/' ? 'this host' : shorten(w)}`;
  return new NsviewError('not-found', say(root), undefined, say);
}

/** The `ls` table, as lsns prints it. */
export function renderLs(s: Snapshot, o: LsOptions, r: RenderOptions): string {
  const cols = lsColumns(o.columns, o.outputAll);
  // Values are raw (JSON escapes them as JSON does); the table escapes control bytes.
  const rows = lsNamespaces(s, o).map((ns) => cols.map((c) => safe(String(c.get({ ns, snapshot: s }) ?? ''))));
  return renderColumns(
    cols.map((c) => ({ header: c.name, right: c.right, trunc: c.name === 'COMMAND' })),
    rows,
    { noHeadings: o.noHeadings, raw: o.raw, width: o.noTruncate || o.raw ? 0 : r.width, header: styles(r).header },
  );
}

/** `ls --json`: the shape of `lsns -J -l`, `{"namespaces":[{"ns":…,"type":…,…}]}`. */
export function lsJson(s: Snapshot, o: LsOptions): { namespaces: Array<Record<string, string | number | null>> } {
  const cols = lsColumns(o.columns, o.outputAll);
  return {
    namespaces: lsNamespaces(s, o).map((ns) => {
      const obj: Record<string, string | number | null> = {};
      for (const c of cols) obj[c.name.toLowerCase()] = c.get({ ns, snapshot: s });
      return obj;
    }),
  };
}

/** `ls --list-columns`. */
export function renderLsColumnList(): string {
  const w = Math.max(...LS_COLUMNS.map((c) => c.name.length));
  return LS_COLUMNS.map((c) => `${c.name.padStart(w)}  ${c.help}`).join('\n') + '\n';
}
