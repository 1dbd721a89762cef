import type { NsType, ProcessInfo, Warning } from '../types.js';
import { parseNsfsMounts } from '../parse/mountinfo.js';
import { isNsType, parseNsLink } from '../parse/ns-link.js';
import { errorCode, type Source } from '../source/source.js';
import type { MountTable } from './mounts.js';
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

/**
 * Read what holds namespaces besides their processes: the nsfs bind mounts in the mount
 * tables (lib/read/mounts.ts: one `mountinfo` per mount namespace) and, with
 * `fds`, every process's open namespace fds (`/proc/<pid>/fd/*`). Processes that exit
 * meanwhile, fds closed between listing and reading, and denied reads are warnings or
 * skipped; nothing is thrown for one process.
 */
export function readHolders(source: Source, processes: ProcessInfo[], tables: MountTable[], o: { fds: boolean }, warnings: Warning[]): HolderFacts {
  const facts: HolderFacts = { mounts: [], fds: [] };
  for (const t of tables) {
    const { mounts, malformed } = parseNsfsMounts(t.text);
    const path = `/proc/${t.pid}/mountinfo`;
    if (malformed) warnings.push({ code: 'malformed', pid: t.pid, path, message: `malformed ${path} (${malformed} line(s) skipped)` });
    for (const m of mounts) if (isNsType(m.type)) facts.mounts.push({ type: m.type, inode: m.inode, path: m.mountPoint, mntns: t.mntns, pid: t.pid });
  }
  if (o.fds) {
    for (const p of processes) if (!p.kernelThread) readFds(source, p.pid, facts, warnings);
  }
  return facts;
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
      if (errorCode(err) === 'ESRCH' || !source.exists(`/proc/${pid}`))
        warnings.push({ code: 'vanished', pid, message: `process ${pid} exited before its fds were read` });
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
