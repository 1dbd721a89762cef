import { NsviewError } from '../errors.js';
import { NS_TYPES, type Snapshot } from './types.js';

/** Snapshot format name and version this library writes and reads. */
export const SNAPSHOT_FORMAT = 'nsview-snapshot';
/** The snapshot format version; a snapshot of another version is refused. */
export const SNAPSHOT_VERSION = 1;

/** Serialise a snapshot to JSON text (stable: the model is already sorted). */
export function stringifySnapshot(s: Snapshot, indent = 0): string {
  return JSON.stringify(s, null, indent || undefined);
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isIntArray = (v: unknown): boolean => Array.isArray(v) && v.every(isInt);

/**
 * Parse and check a snapshot written by {@link stringifySnapshot} (or
 * `nsview snapshot`). `where` names the file in errors. Throws an
 * {@link NsviewError} (`malformed-snapshot`) that says what is wrong.
 */
export function parseSnapshot(text: string, where = 'snapshot'): Snapshot {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new NsviewError('malformed-snapshot', `${where}: not JSON (${(err as Error).message})`);
  }
  const bad = (what: string): never => {
    throw new NsviewError('malformed-snapshot', `${where}: not an nsview snapshot: ${what}`);
  };
  if (!isObj(data)) return bad('top level is not an object');
  if (data.format !== SNAPSHOT_FORMAT) bad(`"format" is not "${SNAPSHOT_FORMAT}"`);
  if (data.version !== SNAPSHOT_VERSION) bad(`unsupported version ${JSON.stringify(data.version)} (this nsview reads ${SNAPSHOT_VERSION})`);
  for (const key of ['processes', 'namespaces', 'hierarchies', 'containers', 'pods', 'warnings'] as const) {
    if (!Array.isArray(data[key])) bad(`"${key}" is not an array`);
  }
  if (!isObj(data.nodeNamespaces)) bad('"nodeNamespaces" is not an object');
  const str = (v: unknown): boolean => typeof v === 'string';
  const strOrNull = (v: unknown): boolean => v === null || typeof v === 'string';
  const intOrNull = (v: unknown): boolean => v === null || isInt(v);
  const record = (v: unknown, ok: (x: unknown) => boolean): boolean => isObj(v) && Object.values(v).every(ok);
  const each = (key: string, ok: (x: Record<string, unknown>) => boolean): void => {
    (data[key] as unknown[]).forEach((x, i) => {
      if (!isObj(x) || !ok(x)) bad(`${key}[${i}] is malformed`);
    });
  };
  each(
    'processes',
    (p) =>
      isInt(p.pid) && str(p.comm) && Array.isArray(p.cmdline) && p.cmdline.every(str) && record(p.ns, isInt) &&
      record(p.cgroups, str) && intOrNull(p.ppid) && intOrNull(p.uid) && strOrNull(p.user) && typeof p.kernelThread === 'boolean' &&
      (p.nspid === null || isIntArray(p.nspid)),
  );
  each('namespaces', (n) => (NS_TYPES as readonly unknown[]).includes(n.type) && isInt(n.inode) && isIntArray(n.pids));
  each('containers', (c) => str(c.id) && str(c.runtime) && str(c.cgroup) && str(c.hierarchy) && str(c.role) && isIntArray(c.pids) && strOrNull(c.pod) && strOrNull(c.name));
  each(
    'pods',
    (p) =>
      str(p.key) && strOrNull(p.uid) && strOrNull(p.name) && strOrNull(p.qos) && strOrNull(p.cgroup) && strOrNull(p.hierarchy) &&
      Array.isArray(p.containers) && p.containers.every(str) && record(p.namespaces, str) &&
      (p.sandbox === null || (isObj(p.sandbox) && str(p.sandbox.id) && intOrNull(p.sandbox.pid))),
  );
  each('warnings', (w) => str(w.code) && str(w.message));
  if (!record(data.nodeNamespaces, isInt)) bad('"nodeNamespaces" is malformed');
  const checkNode = (n: unknown, where2: string, depth: number): void => {
    if (depth > 256) bad(`${where2} is nested too deeply`);
    if (!isObj(n) || typeof n.path !== 'string' || !isIntArray(n.pids) || !Array.isArray(n.children)) bad(`${where2} is malformed`);
    (n as { children: unknown[] }).children.forEach((c, i) => checkNode(c, `${where2}.children[${i}]`, depth + 1));
  };
  (data.hierarchies as unknown[]).forEach((h, i) => {
    if (!isObj(h) || !str(h.key) || (h.version !== 1 && h.version !== 2) || !Array.isArray(h.controllers) || !h.controllers.every(str)) {
      bad(`hierarchies[${i}] is malformed`);
    }
    checkNode((h as Record<string, unknown>).root, `hierarchies[${i}].root`, 0);
  });
  return data as unknown as Snapshot;
}
