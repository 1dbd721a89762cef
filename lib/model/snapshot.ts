import { NsviewError, shorten } from '../errors.js';
import { NS_TYPES, RUNTIMES, type Snapshot } from '../types.js';

/** Snapshot format name and version this library writes and reads. */
export const SNAPSHOT_FORMAT = 'nsview-snapshot';
/** The snapshot format version; a snapshot of another version is refused. */
export const SNAPSHOT_VERSION = 3;
/**
 * Versions this library reads. Version 2 (nsview 0.2) added names (pod `namespace`,
 * container `image`, `restarts`, `evidence`), the runtime `cri` (version 1's `kubernetes`,
 * read as `cri`) and the warning code `conflict`. Version 3 added holders (namespace
 * `holders`, namespaces with no process, snapshot `coverage`). Older snapshots load unchanged.
 */
export const SNAPSHOT_VERSIONS_READ: readonly number[] = [1, 2, 3];

/** Deepest cgroup tree a snapshot may hold (a live scan walks 64 levels). */
export const MAX_TREE_DEPTH = 256;
/**
 * Deepest JSON nesting a snapshot may have: each cgroup level nests two (a
 * node and its `children`), with room for the levels around the tree and a
 * node's limits. Checked before parsing: JSON.parse of deep nesting takes
 * about 50 bytes of memory per byte of input.
 */
export const MAX_NESTING = 2 * MAX_TREE_DEPTH + 16;
/**
 * Most items (array elements and object members, counted by their commas and
 * brackets) a snapshot may hold: a host of 10,000 processes has about 400,000.
 * Checked before parsing, it bounds the memory JSON.parse can take (at worst
 * about 100 bytes an item, whatever the input is made of).
 */
export const MAX_ITEMS = 4_000_000;

/** Serialise a snapshot to JSON text (stable: the model is already sorted). */
export function stringifySnapshot(s: Snapshot, indent = 0): string {
  return JSON.stringify(s, null, indent || undefined);
}

/**
 * Why `text` is too deep or too large to parse, or `undefined`: one linear
 * pass that counts brackets and commas outside strings and allocates nothing.
 */
function precheck(text: string): string | undefined {
  let depth = 0;
  let items = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) i = stringEnd(text, i);
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_NESTING) return `nested more than ${MAX_NESTING} levels deep`;
      if (++items > MAX_ITEMS) return `more than ${MAX_ITEMS} items`;
    } else if (c === 0x5d || c === 0x7d) depth--;
    else if (c === 0x2c && ++items > MAX_ITEMS) return `more than ${MAX_ITEMS} items`;
  }
  return undefined;
}

/** Where the JSON string opened at `open` closes: the next quote not escaped by an odd run of backslashes (or the end). */
function stringEnd(text: string, open: number): number {
  for (let q = text.indexOf('"', open + 1); q >= 0; q = text.indexOf('"', q + 1)) {
    let slashes = 0;
    while (text.charCodeAt(q - 1 - slashes) === 0x5c) slashes++;
    if (slashes % 2 === 0) return q;
  }
  return text.length;
}

type Check = (v: unknown) => boolean;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt: Check = (v) => typeof v === 'number' && Number.isSafeInteger(v);
const isCount: Check = (v) => isInt(v) && (v as number) >= 0;
const str: Check = (v) => typeof v === 'string';
const bool: Check = (v) => typeof v === 'boolean';
const orNull =
  (ok: Check): Check =>
  (v) =>
    v === null || ok(v);
const optional =
  (ok: Check): Check =>
  (v) =>
    v === undefined || ok(v);
const arrayOf =
  (ok: Check): Check =>
  (v) =>
    Array.isArray(v) && v.every(ok);
const oneOf =
  (values: readonly unknown[]): Check =>
  (v) =>
    values.includes(v);
/** An object whose own values all pass (keys are data: `constructor` and `__proto__` are keys like any other). */
const record =
  (ok: Check): Check =>
  (v) =>
    isObj(v) && Object.values(v).every(ok);
/** An object with these fields (and maybe others, which nothing reads). */
const shape = (fields: Record<string, Check>): Check => {
  const entries = Object.entries(fields);
  return (v) => isObj(v) && entries.every(([k, ok]) => ok(Object.hasOwn(v, k) ? v[k] : undefined));
};

const amount = (v: unknown): boolean => v === 'max' || isCount(v);
const limits = optional(
  shape({ memory: optional(amount), pids: optional(amount), cpu: optional(shape({ quota: amount, period: (v) => isCount(v) && (v as number) > 0 })) }),
);
const intArray = arrayOf(isInt);
const strOrNull = orNull(str);
const intOrNull = orNull(isInt);

const PROCESS = shape({
  pid: isInt,
  ppid: intOrNull,
  state: strOrNull,
  startTime: intOrNull,
  comm: str,
  cmdline: arrayOf(str),
  kernelThread: bool,
  uid: intOrNull,
  user: strOrNull,
  nspid: orNull(intArray),
  ns: record(isInt),
  nsForChildren: record(isInt),
  cgroups: record(str),
  partial: bool,
});
const HOLDER: Check = (v) =>
  isObj(v) &&
  ((v.kind === 'mount' && str(v.path) && orNull(isInt)(v.mntns) && isInt(v.pid)) ||
    (v.kind === 'fd' && isInt(v.pid) && isCount(v.fd)) ||
    (v.kind === 'children' && isInt(v.pid)));
const NAMESPACE = shape({ type: oneOf(NS_TYPES), inode: isInt, pids: intArray, holders: optional(arrayOf(HOLDER)) });
const COVERAGE = optional(
  shape({
    profile: optional(oneOf(['all', 'leaders', 'tree'])),
    namespaces: optional(oneOf(['all', 'some', 'none'])),
    holders: optional(oneOf(['mounts', 'all'])),
    volumes: optional(bool),
  }),
);
const VOLUME = shape({ name: str, kind: str, source: strOrNull, mounts: arrayOf(shape({ container: str, path: str, readOnly: bool })) });
const CONTAINER = shape({
  id: str,
  // `kubernetes`: what nsview 0.1.0 called `cri` (read back as `cri`).
  runtime: oneOf([...RUNTIMES, 'kubernetes']),
  name: strOrNull,
  role: oneOf(['container', 'sandbox']),
  hierarchy: str,
  cgroup: str,
  pids: intArray,
  pod: strOrNull,
  limits,
  image: optional(strOrNull),
  restarts: optional(intOrNull),
  evidence: optional(arrayOf(str)),
});
const POD = shape({
  key: str,
  uid: strOrNull,
  name: strOrNull,
  inferred: bool,
  qos: oneOf([null, 'guaranteed', 'burstable', 'besteffort']),
  driver: oneOf([null, 'systemd', 'cgroupfs']),
  hierarchy: strOrNull,
  cgroup: strOrNull,
  sandbox: orNull(shape({ id: str, pid: intOrNull })),
  containers: arrayOf(str),
  namespaces: record(oneOf(['pod', 'container', 'node', 'mixed', 'unknown'])),
  limits,
  namespace: optional(strOrNull),
  evidence: optional(arrayOf(str)),
  volumes: optional(arrayOf(VOLUME)),
});
const WARNING = shape({
  code: oneOf(['vanished', 'denied', 'malformed', 'unreadable', 'cgroupns', 'too-large', 'conflict']),
  message: str,
  path: optional(str),
  pid: optional(isInt),
});
const HIERARCHY = shape({ key: str, version: oneOf([1, 2]), controllers: arrayOf(str), mountPoint: str, mountRoot: str });
const NODE = shape({ path: str, pids: intArray, limits, children: Array.isArray });

/** A value as an error message shows it: a string quoted and cut short, anything else by its kind. */
function shown(v: unknown): string {
  if (typeof v === 'string') return `"${shorten(v)}"`;
  if (v === null || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return v === undefined ? 'none' : Array.isArray(v) ? 'an array' : 'an object';
}

/**
 * Parse and check a snapshot written by {@link stringifySnapshot} (or
 * `nsview snapshot`). `where` names the file in errors. Throws an
 * {@link NsviewError} (`malformed-snapshot`) that says what is wrong.
 *
 * Input deeper than {@link MAX_NESTING} or larger than {@link MAX_ITEMS} is
 * refused before it is parsed; every field a view reads is checked for its
 * type, so a view never meets a string where a number belongs.
 */
export function parseSnapshot(text: string, where = 'snapshot'): Snapshot {
  const bad = (what: string): never => {
    throw new NsviewError('malformed-snapshot', `${where}: not an nsview snapshot: ${what}`);
  };
  const tooBig = precheck(text);
  if (tooBig) bad(tooBig);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new NsviewError('malformed-snapshot', `${where}: not JSON (${shorten((err as Error).message)})`);
  }
  if (!isObj(data)) return bad('top level is not an object');
  if (data.format !== SNAPSHOT_FORMAT) bad(`"format" is not "${SNAPSHOT_FORMAT}"`);
  if (typeof data.version !== 'number' || !SNAPSHOT_VERSIONS_READ.includes(data.version))
    bad(
      `unsupported version ${shown(data.version)} (this nsview reads ${SNAPSHOT_VERSIONS_READ.slice(0, -1).join(', ')} and ${SNAPSHOT_VERSIONS_READ.at(-1)})`,
    );
  for (const key of ['scannedAt', 'root'] as const) if (!str(data[key])) bad(`"${key}" is not a string`);
  if (data.node !== undefined && data.node !== null && !str(data.node)) bad('"node" is not a string');
  for (const key of ['processes', 'namespaces', 'hierarchies', 'containers', 'pods', 'warnings'] as const) {
    if (!Array.isArray(data[key])) bad(`"${key}" is not an array`);
  }
  if (!isObj(data.nodeNamespaces)) bad('"nodeNamespaces" is not an object');
  if (!COVERAGE(data.coverage)) bad('"coverage" is malformed');
  const each = (key: string, ok: Check): void => {
    (data[key] as unknown[]).forEach((x, i) => {
      if (!ok(x)) bad(`${key}[${i}] is malformed`);
    });
  };
  each('processes', PROCESS);
  each('namespaces', NAMESPACE);
  each('containers', CONTAINER);
  each('pods', POD);
  each('warnings', WARNING);
  if (!record(isInt)(data.nodeNamespaces)) bad('"nodeNamespaces" is malformed');
  each('hierarchies', HIERARCHY);
  (data.hierarchies as Array<{ root: unknown }>).forEach((h, i) => checkTree(h.root, `hierarchies[${i}].root`, bad));
  for (const c of data.containers as Array<{ runtime: string }>) if (c.runtime === 'kubernetes') c.runtime = 'cri';
  return data as unknown as Snapshot;
}

/** Check a cgroup tree with a stack, not recursion; names the first bad node in document order. */
function checkTree(root: unknown, at: string, bad: (what: string) => never): void {
  interface Entry {
    node: unknown;
    parent?: Entry;
    index: number;
    depth: number;
  }
  // Where a node is, built only for the error: `hierarchies[0].root.children[3]…`.
  const path = (e: Entry): string => {
    const steps: string[] = [];
    for (let x: Entry | undefined = e; x?.parent; x = x.parent) steps.push(`.children[${x.index}]`);
    return at + steps.reverse().join('');
  };
  const stack: Entry[] = [{ node: root, index: 0, depth: 0 }];
  while (stack.length) {
    const e = stack.pop() as Entry;
    if (e.depth > MAX_TREE_DEPTH) bad(`${path(e)} is nested more than ${MAX_TREE_DEPTH} cgroups deep`);
    if (!NODE(e.node)) bad(`${path(e)} is malformed`);
    const children = (e.node as { children: unknown[] }).children;
    for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i], parent: e, index: i, depth: e.depth + 1 });
  }
}
