import { NS_TYPES, type NsType, type ProcessInfo, type Warning } from '../types.js';
import { parseCmdline } from '../parse/cmdline.js';
import { NS_LINK_NAMES, isNsType, parseNsLink } from '../parse/ns-link.js';
import { hierarchyKey, parseProcCgroupLines } from '../parse/proc-cgroup.js';
import { PF_KTHREAD, parseProcStat } from '../parse/proc-stat.js';
import { parseProcStatus } from '../parse/proc-status.js';
import { errorCode, type Source } from '../source/source.js';
import { finish, PROCESSES_PER_STEP, type Steps } from './steps.js';
import { classify, reason } from './tolerate.js';

/** Which files to read for each process; a view that needs less reads less. */
export interface ProcessReadOptions {
  /**
   * `stat` for ppid, state, start time, name and the kernel-thread flag (default true);
   * `if-no-cmdline`: read `cmdline` first and `stat` only when it is empty (kernel threads, zombies).
   */
  stat?: boolean | 'if-no-cmdline';
  /** `ns/*` links (default true). */
  namespaces?: boolean;
  /** Also `pid_for_children` and `time_for_children` (default true). */
  childrenNs?: boolean;
  /** `cgroup` (default true). */
  cgroups?: boolean;
  /** `status` for uid and NSpid (default true). */
  status?: boolean;
  /** `cmdline` (default true). */
  cmdline?: boolean;
  /**
   * What earlier scans read ({@link createProcessCache}): a process whose `stat` shows the same
   * start time and name as when it was cached keeps its cached `cmdline` and `status` (uid,
   * NSpid) instead of reading them again; its namespace links and cgroups are read every time,
   * since `setns`, `unshare` and cgroup moves change them without a new process.
   */
  cache?: ProcessCache;
}

/** What was read of one process that does not change while it runs the same program. */
interface Cached {
  startTime: number;
  comm: string;
  cmdline: string[];
  uid: number | null;
  nspid: number[] | null;
  /** The cache's generation that last saw it. */
  seen: number;
}

/** Per-process reads kept between scans, keyed by pid and checked by start time and name. */
export interface ProcessCache {
  entries: Map<number, Cached>;
  generation: number;
  /** Processes whose cached files the last scan used. */
  reused: number;
}

/** An empty {@link ProcessCache}. */
export function createProcessCache(): ProcessCache {
  return { entries: new Map(), generation: 0, reused: 0 };
}

/** Start a scan with `cache`: its counters reset. */
export function beginCacheScan(cache: ProcessCache): void {
  cache.generation++;
  cache.reused = 0;
}

/** End a scan: forget the processes it did not see (they exited; a new one with the pid has a new start time anyway). */
export function endCacheScan(cache: ProcessCache): void {
  for (const [pid, c] of cache.entries) if (c.seen !== cache.generation) cache.entries.delete(pid);
}

/** A process record with nothing read yet. */
export function emptyProcess(pid: number): ProcessInfo {
  return {
    pid,
    ppid: null,
    state: null,
    startTime: null,
    comm: '',
    cmdline: [],
    kernelThread: false,
    uid: null,
    user: null,
    nspid: null,
    ns: {},
    nsForChildren: {},
    cgroups: {},
    partial: false,
  };
}

/** The pids under `/proc`, ascending. */
export function listPids(source: Source): number[] {
  const pids: number[] = [];
  for (const name of source.readNames('/proc')) {
    const c = name.charCodeAt(0);
    if (c < 49 || c > 57) continue;
    const pid = Number(name);
    if (Number.isSafeInteger(pid) && String(pid) === name) pids.push(pid);
  }
  return pids.sort((a, b) => a - b);
}

class Vanished extends Error {}

/**
 * Read the given processes (from {@link listPids}). A process that exits
 * during the scan is dropped; one whose files cannot all be read is kept with
 * what could be read. Both, and malformed files, are reported in `warnings`;
 * nothing is thrown for a single process.
 */
export function readProcesses(source: Source, pids: number[], users: Map<number, string>, options: ProcessReadOptions, warnings: Warning[]): ProcessInfo[] {
  return finish(readProcessesSteps(source, pids, users, options, warnings));
}

/** {@link readProcesses} in steps of {@link PROCESSES_PER_STEP} processes. */
export function* readProcessesSteps(
  source: Source,
  pids: number[],
  users: Map<number, string>,
  options: ProcessReadOptions,
  warnings: Warning[],
): Steps<ProcessInfo[]> {
  const out: ProcessInfo[] = [];
  for (let i = 0; i < pids.length; i++) {
    if (i > 0 && i % PROCESSES_PER_STEP === 0) yield;
    const p = readProcess(source, pids[i] as number, users, options, warnings);
    if (p) out.push(p);
  }
  return out;
}

/** Read one process; `undefined` if it vanished (a warning says so). */
export function readProcess(
  source: Source,
  pid: number,
  users: Map<number, string>,
  options: ProcessReadOptions,
  warnings: Warning[],
): ProcessInfo | undefined {
  const p = emptyProcess(pid);
  return readInto(source, p, users, options, warnings) ? p : undefined;
}

/**
 * Read the chosen parts of a process into `p` (a second pass can add parts a
 * first one skipped). Returns false if the process vanished (a warning says so).
 */
export function readInto(source: Source, p: ProcessInfo, users: Map<number, string>, options: ProcessReadOptions, warnings: Warning[]): boolean {
  const pid = p.pid;
  const dir = `/proc/${pid}`;
  const denied: string[] = [];
  const local: Warning[] = [];
  const fail = (path: string, err: unknown): undefined => {
    const kind = classify(err);
    if (kind === 'vanished') {
      // ESRCH, or ENOENT with the process directory gone: the process exited. A file
      // missing from a directory that is still there is a zombie's or an old kernel's
      // absent namespace link, or a piece a capture lacks.
      if (errorCode(err) === 'ESRCH' || !source.exists(dir)) throw new Vanished();
      if (path.includes('/ns/')) return undefined;
      local.push({ code: 'unreadable', pid, path, message: `cannot read ${path}: no such file` });
      return undefined;
    }
    if (kind === 'denied') denied.push(path);
    else local.push({ code: kind === 'too-large' ? 'too-large' : 'unreadable', pid, path, message: `cannot read ${path}: ${reason(err)}` });
    return undefined;
  };
  const text = (name: string, names = false): string | undefined => {
    const path = `${dir}/${name}`;
    try {
      return source.readText(path, names ? { names } : undefined);
    } catch (err) {
      return fail(path, err);
    }
  };
  const malformed = (name: string): void => {
    local.push({ code: 'malformed', pid, path: `${dir}/${name}`, message: `malformed ${dir}/${name}` });
  };

  const readStat = (): void => {
    let flags = 0;
    const statText = text('stat');
    if (statText !== undefined) {
      const st = parseProcStat(statText);
      if (st) {
        p.ppid = st.ppid;
        p.state = st.state;
        p.startTime = st.startTime;
        p.comm = st.comm;
        flags = st.flags;
      } else malformed('stat');
    } else {
      const comm = text('comm');
      if (comm !== undefined) p.comm = comm.replace(/\n$/, '');
    }
    p.kernelThread = (flags & PF_KTHREAD) !== 0;
  };

  try {
    // With a cache, stat first: its start time and name say whether the cached files still hold.
    const cache = options.cache && (options.stat === true || options.stat === undefined) ? options.cache : undefined;
    let statDone = false;
    let reused = false;
    if (cache) {
      readStat();
      statDone = true;
      const c = p.startTime === null ? undefined : cache.entries.get(pid);
      // A zombie has lost its command line: read what it shows now.
      if (c && c.startTime === p.startTime && c.comm === p.comm && p.state !== 'Z') {
        p.cmdline = c.cmdline;
        p.uid = c.uid;
        p.user = c.uid === null ? null : (users.get(c.uid) ?? null);
        p.nspid = c.nspid;
        c.seen = cache.generation;
        cache.reused++;
        reused = true;
      }
    }
    // cmdline first: with `stat: 'if-no-cmdline'`, stat is read only when it is empty.
    if (options.cmdline !== false && !reused) {
      const cmd = text('cmdline');
      if (cmd !== undefined) p.cmdline = parseCmdline(cmd);
    }
    if (!statDone && (options.stat === true || options.stat === undefined || (options.stat === 'if-no-cmdline' && p.cmdline.length === 0))) readStat();
    if (options.status !== false && !reused) {
      const statusText = text('status');
      if (statusText !== undefined) {
        const st = parseProcStatus(statusText);
        p.uid = st.uid;
        p.nspid = st.nspid;
        if (st.uid === null) malformed('status');
        else p.user = users.get(st.uid) ?? null;
        if (!p.comm && st.name) p.comm = st.name;
      }
    }
    // Where stat was read but gave no flags (a capture that lacks field 9): a child of kthreadd
    // with no command line. Without stat (not read, or unreadable) nothing is assumed.
    if (!p.kernelThread && p.state !== null && (p.ppid === 2 || pid === 2) && p.cmdline.length === 0 && p.state !== 'Z') p.kernelThread = true;
    if (options.namespaces !== false) {
      readNamespaces(source, dir, p, options.childrenNs !== false, fail, malformed, () =>
        local.push({ code: 'unreadable', pid, path: `${dir}/ns`, message: `cannot read ${dir}/ns: no such directory` }),
      );
    }
    if (options.cgroups !== false) {
      const cg = text('cgroup', true); // cgroup names are bytes: keep what is not UTF-8
      if (cg !== undefined) {
        const { lines, malformed: bad } = parseProcCgroupLines(cg);
        for (const l of lines) p.cgroups[cgroupKey(l.hierarchyId, l.controllers)] = l.path;
        if (bad) malformed('cgroup');
      }
    }
    // Keep what was read whole, of a process that runs (a denied or malformed read is tried again next time).
    if (cache && !reused && p.startTime !== null && p.state !== 'Z' && options.cmdline !== false && options.status !== false && !denied.length && !local.length)
      cache.entries.set(pid, { startTime: p.startTime, comm: p.comm, cmdline: p.cmdline, uid: p.uid, nspid: p.nspid, seen: cache.generation });
  } catch (err) {
    if (err instanceof Vanished) {
      warnings.push({ code: 'vanished', pid, message: `process ${pid} exited during the scan` });
      return false;
    }
    throw err;
  }
  if (denied.length > 0) {
    p.partial = true;
    const more = denied.length > 1 ? ` (and ${denied.length - 1} more)` : '';
    warnings.push({ code: 'denied', pid, path: denied[0], message: `permission denied reading ${denied[0]}${more}` });
  }
  for (const w of local) warnings.push(w);
  return true;
}

const keyCache = new Map<string, string>();

/** Hierarchy key of a cgroup line, cached: the same few controller lists repeat for every process. */
function cgroupKey(id: number, controllers: string[]): string {
  const raw = `${id}:${controllers.join(',')}`;
  let key = keyCache.get(raw);
  if (key === undefined) {
    key = hierarchyKey({ hierarchyId: id, controllers: [...controllers].sort() });
    keyCache.set(raw, key);
  }
  return key;
}

function readNamespaces(
  source: Source,
  dir: string,
  p: ProcessInfo,
  children: boolean,
  fail: (path: string, err: unknown) => undefined,
  malformed: (name: string) => void,
  missingAll: () => void,
): void {
  const names = children ? NS_LINK_NAMES : NS_TYPES;
  let missing = 0;
  for (const name of names) {
    const path = `${dir}/ns/${name}`;
    let link: string;
    try {
      link = source.readLink(path);
    } catch (err) {
      if (classify(err) === 'vanished') missing++;
      // A missing link is not always a vanished process: zombies have none, and older
      // kernels lack time (5.6) and cgroup (4.6) namespaces. `fail` tells them apart.
      fail(path, err);
      continue;
    }
    const parsed = parseNsLink(link);
    const type = name === 'pid_for_children' ? 'pid' : name === 'time_for_children' ? 'time' : name;
    if (!parsed || parsed.type !== type || !isNsType(type)) {
      malformed(`ns/${name}`);
      continue;
    }
    if (name === 'pid_for_children' || name === 'time_for_children') {
      if (p.ns[type as 'pid' | 'time'] !== parsed.inode) p.nsForChildren[type as 'pid' | 'time'] = parsed.inode;
    } else {
      p.ns[type as NsType] = parsed.inode;
    }
  }
  // A zombie keeps its ns directory with dead links; a capture that lacks the directory says so.
  if (missing === names.length && !source.exists(`${dir}/ns`)) missingAll();
}
