import type { NsType, ProcessInfo, Warning } from '../model/types.js';
import { parseNsfsMounts } from '../parse/mountinfo.js';
import { isNsType, parseNsLink } from '../parse/ns-link.js';
import { errorCode, type Source } from '../source/source.js';
import { classify, reason } from './tolerate.js';

/** A namespace file bind-mounted somewhere: where, in which mount namespace, seen in whose mountinfo. */
export interface MountFact {
  type: NsType;
  inode: number;
  path: string;
  mntns: number | null;
  pid: number;
}

/** An open file descriptor on a namespace file. */
export interface FdFact {
  type: NsType;
  inode: number;
  pid: number;
  fd: number;
}

/** What {@link readHolders} found, as read (the model attaches it to namespaces). */
export interface HolderFacts {
  mounts: MountFact[];
  fds: FdFact[];
}

/** How many processes of one mount namespace are tried for its mountinfo before giving up: each may exit first, and a capture holds one per namespace. */
const TRIES = 64;

/**
 * Read what holds namespaces besides their processes: the nsfs bind mounts of every mount
 * namespace (one `mountinfo` each, from its lowest pid that can still be read) and, with
 * `fds`, every process's open namespace fds (`/proc/<pid>/fd/*`). Processes that exit
 * meanwhile, fds closed between listing and reading, and denied reads are warnings or
 * skipped; nothing is thrown for one process.
 */
export function readHolders(source: Source, processes: ProcessInfo[], o: { fds: boolean }, warnings: Warning[]): HolderFacts {
  const facts: HolderFacts = { mounts: [], fds: [] };
  // One mountinfo per mount namespace: the processes of each, in pid order.
  const byMntns = new Map<number, number[]>();
  // Kernel threads come last: their mountinfo reads empty or not at all.
  for (const p of [...processes.filter((q) => !q.kernelThread), ...processes.filter((q) => q.kernelThread)]) {
    const mnt = p.ns.mnt;
    if (mnt === undefined) continue;
    let list = byMntns.get(mnt);
    if (!list) byMntns.set(mnt, (list = []));
    if (list.length < TRIES) list.push(p.pid);
  }
  const missed: Array<{ mntns: number; path: string; err: unknown }> = [];
  for (const [mntns, pids] of [...byMntns].sort((a, b) => a[0] - b[0])) {
    const miss = readMounts(source, mntns, pids, facts, warnings);
    if (miss) missed.push({ mntns, ...miss });
  }
  // One warning for every mount namespace whose mountinfo could not be read (its processes
  // exited, or a capture made before holders were recorded), one per denied read.
  const absent = missed.filter((m) => classify(m.err) === 'vanished');
  if (absent.length) {
    warnings.push({
      code: 'unreadable',
      path: absent[0]!.path,
      message: `${absent.length} mount namespace(s) have no mountinfo to read (their processes exited, or the capture lacks it: ${absent[0]!.path}): their nsfs mounts are unknown`,
    });
  }
  for (const m of missed) {
    if (classify(m.err) === 'vanished') continue;
    warnings.push({ code: classify(m.err) === 'denied' ? 'denied' : 'unreadable', path: m.path, message: `cannot read ${m.path} (mount namespace ${m.mntns}): ${reason(m.err)}` });
  }
  if (o.fds) {
    for (const p of processes) if (!p.kernelThread) readFds(source, p.pid, facts, warnings);
  }
  return facts;
}

/** Read one mount namespace's nsfs mounts from the first of `pids` that can be read; what failed last if none could. */
function readMounts(source: Source, mntns: number, pids: number[], facts: HolderFacts, warnings: Warning[]): { path: string; err: unknown } | undefined {
  let last: { path: string; err: unknown } | undefined;
  for (const pid of pids) {
    const path = `/proc/${pid}/mountinfo`;
    let text: string;
    try {
      text = source.readText(path, { names: true });
    } catch (err) {
      last = { path, err };
      // Another process of the namespace may still be there; a denied read will be denied for all.
      if (classify(err) === 'vanished') continue;
      break;
    }
    const { mounts, malformed } = parseNsfsMounts(text);
    if (malformed) warnings.push({ code: 'malformed', pid, path, message: `malformed ${path} (${malformed} line(s) skipped)` });
    for (const m of mounts) {
      if (isNsType(m.type)) facts.mounts.push({ type: m.type, inode: m.inode, path: m.mountPoint, mntns, pid });
    }
    return undefined;
  }
  return last;
}

function readFds(source: Source, pid: number, facts: HolderFacts, warnings: Warning[]): void {
  const dir = `/proc/${pid}/fd`;
  let names: string[];
  try {
    names = source.readNames(dir);
  } catch (err) {
    const kind = classify(err);
    if (kind === 'vanished') {
      // Gone since it was read (or a capture without fds): nothing holds anything through it.
      if (errorCode(err) === 'ESRCH' || !source.exists(`/proc/${pid}`)) warnings.push({ code: 'vanished', pid, message: `process ${pid} exited before its fds were read` });
    } else {
      warnings.push({ code: kind === 'denied' ? 'denied' : 'unreadable', pid, path: dir, message: `cannot read ${dir}: ${reason(err)}` });
    }
    return;
  }
  for (const name of names) {
    const fd = Number(name);
    if (!/^\d+$/.test(name) || !Number.isSafeInteger(fd)) continue;
    let text: string;
    try {
      text = source.readLink(`${dir}/${name}`);
    } catch {
      // Closed between the listing and the read (or denied for this one fd): it holds nothing now.
      continue;
    }
    // Most fds are files, sockets and pipes: a cheap test before the parse.
    if (!text.endsWith(']') || text.charCodeAt(0) === 47) continue;
    const link = parseNsLink(text);
    if (link && isNsType(link.type)) facts.fds.push({ type: link.type, inode: link.inode, pid, fd });
  }
}
