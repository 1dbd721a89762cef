import type { ProcessInfo, Warning } from '../types.js';
import { parseMountinfo, type MountEntry } from '../parse/mountinfo.js';
import type { Source } from '../source/source.js';
import { finish, PROCESSES_PER_STEP, type Steps } from './steps.js';
import { classify, reason } from './tolerate.js';

/** How many processes of one mount namespace are tried for its mountinfo before giving up: each may exit first, and a capture holds one per namespace. */
const TRIES = 64;

/** The mount table of one mount namespace, and the process whose mountinfo gave it. */
export interface MountTable {
  mntns: number;
  pid: number;
  /** The mountinfo text (bytes that are not UTF-8 kept as U+DC80–U+DCFF). */
  text: string;
}

/**
 * One `/proc/<pid>/mountinfo` per mount namespace (of `only`, or of every process), from its
 * first process that can still be read — kernel threads last, their mountinfo may be empty.
 * Namespaces whose processes all exited (or a capture that lacks the file) get one warning
 * together; a denied read one each. Nothing is thrown for one namespace.
 */
export function readMountTables(source: Source, processes: ProcessInfo[], warnings: Warning[], only?: Set<number>): MountTable[] {
  return finish(readMountTablesSteps(source, processes, warnings, only));
}

/** {@link readMountTables} in steps of {@link PROCESSES_PER_STEP} tables. */
export function* readMountTablesSteps(source: Source, processes: ProcessInfo[], warnings: Warning[], only?: Set<number>): Steps<MountTable[]> {
  const byMntns = new Map<number, number[]>();
  for (const p of [...processes.filter((q) => !q.kernelThread), ...processes.filter((q) => q.kernelThread)]) {
    const mnt = p.ns.mnt;
    if (mnt === undefined || (only && !only.has(mnt))) continue;
    let list = byMntns.get(mnt);
    if (!list) byMntns.set(mnt, (list = []));
    if (list.length < TRIES) list.push(p.pid);
  }
  const tables: MountTable[] = [];
  const missed: Array<{ mntns: number; path: string; err: unknown }> = [];
  let step = 0;
  for (const [mntns, pids] of [...byMntns].sort((a, b) => a[0] - b[0])) {
    if (++step % PROCESSES_PER_STEP === 0) yield;
    let last: { path: string; err: unknown } | undefined;
    for (const pid of pids) {
      const path = `/proc/${pid}/mountinfo`;
      try {
        tables.push({ mntns, pid, text: source.readText(path, { names: true }) });
        last = undefined;
        break;
      } catch (err) {
        last = { path, err };
        // Another process of the namespace may still be there; a denied read will be denied for all.
        if (classify(err) !== 'vanished') break;
      }
    }
    if (last) missed.push({ mntns, ...last });
  }
  const absent = missed.filter((m) => classify(m.err) === 'vanished');
  if (absent.length) {
    warnings.push({
      code: 'unreadable',
      path: absent[0]!.path,
      message: `${absent.length} mount namespace(s) have no mountinfo to read (their processes exited, or the capture lacks it: ${absent[0]!.path}): their mounts are unknown`,
    });
  }
  for (const m of missed) {
    if (classify(m.err) === 'vanished') continue;
    const pid = Number(/^\/proc\/(\d+)\//.exec(m.path)?.[1]);
    warnings.push({
      code: classify(m.err) === 'denied' ? 'denied' : 'unreadable',
      pid,
      path: m.path,
      message: `cannot read ${m.path} (mount namespace ${m.mntns}): ${reason(m.err)}`,
    });
  }
  return tables;
}

/** Every mount of a table, parsed; malformed lines are one warning naming the file. */
export function parseMountTable(t: MountTable, warnings: Warning[]): MountEntry[] {
  const { mounts, malformed } = parseMountinfo(t.text);
  const path = `/proc/${t.pid}/mountinfo`;
  if (malformed) warnings.push({ code: 'malformed', pid: t.pid, path, message: `malformed ${path} (${malformed} line(s) skipped)` });
  return mounts;
}
