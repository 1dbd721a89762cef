import { NsviewError } from '../errors.js';
import { NS_TYPES, type Snapshot } from './types.js';

/** Snapshot format name and version this library writes and reads. */
export const SNAPSHOT_FORMAT = 'nsview-snapshot';
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
  (data.processes as unknown[]).forEach((p, i) => {
    if (!isObj(p) || !isInt(p.pid) || typeof p.comm !== 'string' || !Array.isArray(p.cmdline) || !isObj(p.ns) || !isObj(p.cgroups)) {
      bad(`processes[${i}] is malformed`);
    }
  });
  (data.namespaces as unknown[]).forEach((n, i) => {
    if (!isObj(n) || !(NS_TYPES as readonly unknown[]).includes(n.type) || !isInt(n.inode) || !isIntArray(n.pids)) bad(`namespaces[${i}] is malformed`);
  });
  (data.containers as unknown[]).forEach((c, i) => {
    if (!isObj(c) || typeof c.id !== 'string' || typeof c.runtime !== 'string' || typeof c.cgroup !== 'string' || !isIntArray(c.pids)) {
      bad(`containers[${i}] is malformed`);
    }
  });
  (data.pods as unknown[]).forEach((p, i) => {
    if (!isObj(p) || typeof p.key !== 'string' || !Array.isArray(p.containers) || !isObj(p.namespaces)) bad(`pods[${i}] is malformed`);
  });
  const checkNode = (n: unknown, where2: string, depth: number): void => {
    if (depth > 256) bad(`${where2} is nested too deeply`);
    if (!isObj(n) || typeof n.path !== 'string' || !isIntArray(n.pids) || !Array.isArray(n.children)) bad(`${where2} is malformed`);
    (n as { children: unknown[] }).children.forEach((c, i) => checkNode(c, `${where2}.children[${i}]`, depth + 1));
  };
  (data.hierarchies as unknown[]).forEach((h, i) => {
    if (!isObj(h) || typeof h.key !== 'string') bad(`hierarchies[${i}] is malformed`);
    checkNode((h as Record<string, unknown>).root, `hierarchies[${i}].root`, 0);
  });
  return data as unknown as Snapshot;
}
