import { UNIFIED } from '../types.js';
/** One line of `/proc/<pid>/cgroup`. */
export interface CgroupLine {
  /** Hierarchy id; 0 for the v2 (unified) hierarchy. */
  hierarchyId: number;
  /** v1 controllers (`cpu`, `cpuacct`, `name=systemd`); empty for v2. */
  controllers: string[];
  /** The cgroup path, relative to the reader's cgroup namespace. */
  path: string;
  /** The kernel appended ` (deleted)`: the cgroup was removed. */
  deleted: boolean;
}

const DELETED = ' (deleted)';

/**
 * Parse `/proc/<pid>/cgroup` leniently: the well-formed lines, and how many
 * lines were malformed (a v1 line with no controllers counts as malformed).
 */
export function parseProcCgroupLines(text: string): { lines: CgroupLine[]; malformed: number } {
  const lines: CgroupLine[] = [];
  let malformed = 0;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line === '') continue;
    const parsed = parseLine(line);
    if (parsed) lines.push(parsed);
    else malformed++;
  }
  return { lines, malformed };
}

function parseLine(line: string): CgroupLine | undefined {
  const a = line.indexOf(':');
  const b = a < 0 ? -1 : line.indexOf(':', a + 1);
  if (b < 0) return undefined;
  const id = line.slice(0, a);
  const hierarchyId = Number(id);
  // Decimal only: `Number()` would also take '', ' 1', '0x1' and '1e3'.
  if (!/^\d+$/.test(id) || !Number.isSafeInteger(hierarchyId)) return undefined;
  let path = line.slice(b + 1);
  if (!path.startsWith('/')) return undefined;
  const deleted = path.endsWith(DELETED);
  if (deleted) path = path.slice(0, -DELETED.length);
  const list = line.slice(a + 1, b);
  if (hierarchyId > 0 && list === '') return undefined;
  return { hierarchyId, controllers: list === '' ? [] : list.split(','), path, deleted };
}

/**
 * Parse `/proc/<pid>/cgroup`: v1 lines `id:controllers:path`, the v2 line
 * `0::path`, or both (hybrid). Split on the first two colons only: the path
 * may contain more. Returns `undefined` if any non-empty line is malformed;
 * {@link parseProcCgroupLines} keeps the good lines instead.
 */
export function parseProcCgroup(text: string): CgroupLine[] | undefined {
  const { lines, malformed } = parseProcCgroupLines(text);
  return malformed ? undefined : lines;
}

/** The hierarchy key of a cgroup line: `unified` for v2, else its controllers joined by `,`. */
export function hierarchyKey(line: Pick<CgroupLine, 'hierarchyId' | 'controllers'>): string {
  return line.hierarchyId === 0 && line.controllers.length === 0 ? 'unified' : line.controllers.join(',');
}

/** Order hierarchy keys as nsview shows them: the unified (v2) one first, then v1 keys by name. */
export function compareHierarchyKeys(a: string, b: string): number {
  return a === b ? 0 : a === UNIFIED ? -1 : b === UNIFIED ? 1 : a < b ? -1 : 1;
}
