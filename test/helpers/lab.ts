/**
 * A lab for live tests: builds Kubernetes-like pods (and a hand-made Docker
 * pod) on the real kernel from plain Linux primitives, and tears down exactly
 * what it built.
 *
 * - A sandbox is `unshare --pid --fork` whose child moves itself into the
 *   sandbox's cgroup (in every mounted hierarchy) and then execs
 *   `unshare --net --uts --ipc --mount pause` (or a plain `sleep`).
 * - A container is `unshare --pid --fork` (or `nsenter --pid` into the
 *   sandbox's pid namespace for shareProcessNamespace) whose child moves itself
 *   into the container's cgroup, then joins the sandbox's net/ipc/uts with
 *   `nsenter` and gets its own mount namespace with `unshare --mount`.
 * - A container with `binds` (pod volumes) also gets a root of its own, as with
 *   a real runtime: in its new mount namespace (made rprivate, so nothing
 *   propagates to the node) a tmpfs holding a copy of `sleep` is mounted on a
 *   directory under the lab's temporary directory, the node paths are
 *   bind-mounted into it, and the processes are chrooted there. Its mountinfo
 *   then shows that root and the binds only; all of it goes with the mount
 *   namespace when the container's processes die.
 *
 * The wrapper that forks (unshare/nsenter, the "shim") stays in the node's
 * namespaces and cgroups, so a container's cgroup holds only the container's
 * own processes, as with a real runtime. Every pid the lab starts is recorded
 * with its start time (so a reused pid is never killed) and every cgroup
 * directory it creates is recorded; {@link Lab.close} kills the processes by
 * recorded pid, waits for them to exit, and removes the directories deepest
 * first. Ids and uids are random, so runs cannot collide; a lock file
 * serialises live suites (ours and parallel runs) so oracle comparisons are not
 * disturbed by another lab's churn.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { NS_TYPES, type NsMode, type NsType, type QosClass, type Runtime } from '../../lib/model/types.js';

/** Tools every live test needs. */
export const LAB_TOOLS = ['sh', 'bash', 'unshare', 'nsenter', 'setpriv', 'flock', 'sleep', 'true'];

/** Whether live tests can run here, and if not, why. */
export interface LiveStatus {
  ok: boolean;
  reason: string;
}

/** Find an executable in PATH. */
export function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    if (!dir) continue;
    const p = nodePath.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

const statusCache = new Map<string, LiveStatus>();

/**
 * Can the live suite run here: Linux, root, the tools, writable cgroup
 * hierarchies, and namespaces that can be created? `NSVIEW_LIVE=0` turns it off.
 */
export function liveStatus(extraTools: string[] = []): LiveStatus {
  const key = extraTools.join(',');
  const cached = statusCache.get(key);
  if (cached) return cached;
  const status = computeStatus(extraTools);
  statusCache.set(key, status);
  return status;
}

function computeStatus(extraTools: string[]): LiveStatus {
  const no = (reason: string): LiveStatus => ({ ok: false, reason });
  if (process.platform !== 'linux') return no(`this is ${process.platform}`);
  const uid = process.getuid?.();
  if (uid !== 0) return no(`running as uid ${uid ?? '?'}`);
  if (process.env.NSVIEW_LIVE === '0') return no('NSVIEW_LIVE=0 turns them off');
  const missing = [...LAB_TOOLS, ...extraTools].filter((t) => !which(t));
  if (missing.length) return no(`missing tools: ${missing.join(', ')}`);
  let hierarchies: LabHierarchy[];
  try {
    hierarchies = cgroupHierarchies();
  } catch (err) {
    return no(`cannot read /proc/self/mountinfo: ${String(err)}`);
  }
  if (hierarchies.length === 0) return no('no cgroup hierarchy mounted');
  for (const h of hierarchies) {
    try {
      fs.accessSync(`${h.mountPoint}/cgroup.procs`, fs.constants.W_OK);
    } catch {
      return no(`${h.mountPoint} is not writable`);
    }
  }
  const probe = spawnSync('unshare', ['--net', '--uts', '--ipc', '--mount', '--pid', '--fork', 'true'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.status !== 0) return no(`cannot create namespaces: unshare failed: ${(probe.stderr ?? '').trim() || String(probe.error)}`);
  return { ok: true, reason: '' };
}

// ---------------------------------------------------------------------------
// cgroup hierarchies

/** One mounted cgroup hierarchy, as the lab writes to it. */
export interface LabHierarchy {
  /** `unified` or the sorted v1 controllers (`memory`, `name=systemd`), as nsview keys them. */
  key: string;
  version: 1 | 2;
  mountPoint: string;
}

const V1_CONTROLLERS = new Set([
  'cpu',
  'cpuacct',
  'cpuset',
  'memory',
  'devices',
  'freezer',
  'net_cls',
  'blkio',
  'perf_event',
  'net_prio',
  'hugetlb',
  'pids',
  'rdma',
  'misc',
  'debug',
]);

/** Every cgroup hierarchy mounted (at its root) in this mount namespace, one mount each. */
export function cgroupHierarchies(mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8')): LabHierarchy[] {
  const out: LabHierarchy[] = [];
  const seen = new Set<string>();
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    const fstype = right[0];
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const dev = left[2] ?? '';
    const root = left[3] ?? '';
    const mountPoint = (left[4] ?? '').replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (root !== '/' || seen.has(dev)) continue;
    seen.add(dev);
    const controllers = (right[2] ?? '').split(',').filter((o) => V1_CONTROLLERS.has(o) || o.startsWith('name='));
    out.push({
      key: fstype === 'cgroup2' ? 'unified' : [...controllers].sort().join(','),
      version: fstype === 'cgroup2' ? 2 : 1,
      mountPoint,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------
// processes

/** One field set of /proc/<pid>/stat. */
export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  start: number;
}

/** Read /proc/<pid>/stat, or `undefined` if the process is gone. */
export function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const rest = text.slice(close + 2).split(' ');
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0] ?? '?',
    ppid: Number(rest[1]),
    pgrp: Number(rest[2]),
    start: Number(rest[19]),
  };
}

/** Namespace inode of a process, or `undefined`. */
export function nsInode(pid: number | 'self', type: string): number | undefined {
  try {
    const m = /\[(\d+)\]/.exec(fs.readlinkSync(`/proc/${pid}/ns/${type}`));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Children of a process (its main thread's). */
export function childrenOf(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const sleepMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Poll `fn` until it returns a value other than `undefined`, or throw after
 * `timeoutMs` with `what` and the last diagnostic `fn` left in `state.last`.
 */
export async function poll<T>(what: string, fn: (state: { last: string }) => T | undefined, timeoutMs = 10_000, intervalMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const state = { last: '' };
  for (;;) {
    const v = fn(state);
    if (v !== undefined) return v;
    if (Date.now() > deadline)
      throw new Error(
        `lab: timed out after ${timeoutMs} ms waiting for ${what}${state.last ? `: ${state.last.length > 600 ? `${state.last.slice(0, 600)}…` : state.last}` : ''}`,
      );
    await sleepMs(intervalMs);
  }
}

/**
 * Remove a cgroup directory, retrying while its last processes leave (EBUSY); one already
 * gone is fine. With `keepShared`, a directory that still has cgroups below it (a shared
 * parent such as /kubepods.slice another run uses) is left. Throws if it stays busy for 5 s.
 */
export async function removeCgroupDir(dir: string, o: { keepShared?: boolean } = {}): Promise<void> {
  await poll(
    `rmdir ${JSON.stringify(dir)}`,
    (s) => {
      try {
        fs.rmdirSync(dir);
        return true;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return true;
        if (o.keepShared && (code === 'ENOTEMPTY' || (code === 'EBUSY' && fs.readdirSync(dir, { withFileTypes: true }).some((e) => e.isDirectory()))))
          return true;
        s.last = String(err);
        return undefined;
      }
    },
    5000,
    20,
  );
}

/**
 * Remove paths a test created on the host, newest (deepest) last in `paths`: files, and
 * directories only when empty (anything a runtime or someone else put there stays).
 * Returns the paths still there.
 */
export function removeCreatedPaths(paths: string[]): string[] {
  const left: string[] = [];
  for (const p of [...paths].reverse()) {
    try {
      if (fs.lstatSync(p).isDirectory()) fs.rmdirSync(p);
      else fs.unlinkSync(p);
    } catch {
      if (fs.existsSync(p)) left.push(p);
    }
  }
  return left;
}

let clockTicks: number | undefined;

/** Clock ticks per second (`getconf CLK_TCK`, nearly always 100). */
export function clkTck(): number {
  if (clockTicks === undefined) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    const n = Number((r.stdout ?? '').trim());
    clockTicks = Number.isFinite(n) && n > 0 ? n : 100;
  }
  return clockTicks;
}

/** Clock ticks since boot, the unit of a process's start time in /proc/<pid>/stat. */
export function uptimeTicks(): number {
  return Math.floor(Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * clkTck());
}

// ---------------------------------------------------------------------------
// the lab

/** Cgroup layouts the lab can build a pod in. */
export type PodLayout = 'cgroupfs' | 'containerd' | 'crio' | 'docker';

/** A node path bind-mounted into a container, as a runtime mounts a pod volume. */
export interface BindSpec {
  /** The node path (a directory or a file) that is mounted. */
  source: string;
  /** Where the container sees it: an absolute path in its own root, made there (`/data`). */
  target: string;
  /** Remount it read-only (`mount -o remount,bind,ro`). */
  readOnly?: boolean;
}

/** One application container of a pod. */
export interface ContainerSpec {
  /** Processes in the container (default 1): the main one and `procs - 1` children. */
  procs?: number;
  /**
   * Bind mounts, as a runtime mounts the pod's volumes. With any, the container gets a root of
   * its own: in its new mount namespace, `mount --make-rprivate /`, a tmpfs on a directory
   * under {@link Lab.tmp} holding a copy of `sleep` (and its libraries), each `target` made in
   * it and `source` bind-mounted there (then remounted read-only with `readOnly`), and the
   * processes `chroot`ed into it. The container's mountinfo then shows its tmpfs root at `/` and
   * the binds at their targets, nothing of the node's other mounts; nothing is created on the
   * node outside the lab's directory, and the mounts go with the namespace when the container's
   * processes die. The lab checks each bind is in place (and read-only or not) before it returns.
   */
  binds?: BindSpec[];
}

/** A pod to build. */
export interface PodSpec {
  /**
   * `cgroupfs`: kubelet cgroupfs driver, `kubepods/<qos>/pod<uid>/<id>`;
   * `containerd`: kubelet systemd driver with containerd scopes;
   * `crio`: kubelet systemd driver with CRI-O (`crio-<id>` sandbox, `crio-<id>.scope`
   * containers, `crio-conmon-<id>.scope` monitors);
   * `docker`: a hand-made Docker pod, `/pod-foo-<rand>/<id>`, net and ipc shared, uts not.
   */
  layout: PodLayout;
  /** Kubelet layouts only (default burstable). */
  qos?: QosClass;
  /** A static pod: the kubelet names it by a 32-hex hash of its manifest instead of a UUID. */
  staticPod?: boolean;
  /**
   * The pod's UID (kubelet layouts only; default a random UUID, or a random 32-hex hash for a
   * static pod), so node files named by it (`/var/lib/kubelet/pods/<uid>/volumes/…`) can be made
   * before the pod starts. Lower-case; a UUID, or 32 hex digits with `staticPod`.
   */
  uid?: string;
  /** The sandbox runs a copy of sleep named `pause` (default) or plain `sleep`. */
  sandbox?: 'pause' | 'sleep';
  /** Containers join the sandbox's pid namespace. */
  shareProcessNamespace?: boolean;
  /** Sandbox and containers stay in the node's net (and uts) namespace. */
  hostNetwork?: boolean;
  /** Application containers (default two single-process ones). */
  containers?: ContainerSpec[];
}

/** A container the lab started. */
export interface LabContainer {
  id: string;
  role: 'sandbox' | 'container';
  /** Path from each hierarchy's root. */
  cgroup: string;
  /** Every process in the container, ascending. */
  pids: number[];
  /** The container's first process (pid 1 in its pid namespace unless it shares the sandbox's). */
  mainPid: number;
  comm: string;
}

/** A monitor process (CRI-O's conmon): in the pod's cgroup tree and the node's namespaces, not a container. */
export interface LabMonitor {
  id: string;
  pid: number;
  cgroup: string;
}

/** A pod the lab built, with what nsview should make of it. */
export interface LabPod {
  spec: PodSpec;
  layout: PodLayout;
  /** Pod UID with dashes, or a static pod's 32-hex hash (kubelet layouts); `null` (docker). */
  uid: string | null;
  /** The pod cgroup's last segment. */
  name: string;
  /** The key nsview should give the pod: the uid, or `inferred:<name>`. */
  key: string;
  qos: QosClass | null;
  driver: 'systemd' | 'cgroupfs' | null;
  /** The pod's cgroup (kubelet) or the containers' common parent (docker). */
  cgroup: string;
  runtime: Runtime;
  sandbox: LabContainer;
  /** Application containers, in the order of `spec.containers`. */
  containers: LabContainer[];
  monitors: LabMonitor[];
  /** How nsview should see each namespace type. */
  modes: Record<NsType, NsMode>;
  /** Every lab pid in the pod's cgroups (containers and monitors), ascending. */
  pids: number[];
}

interface Tracked {
  pid: number;
  start: number;
  kind: 'wrapper' | 'member' | 'churn';
  what: string;
}

/** Options of {@link Lab.open}. */
export interface LabOptions {
  /** How long to wait for another live suite's lock (default 240 s). */
  lockTimeoutMs?: number;
  /** Lock file (default `/tmp/nsview-live.lock`). */
  lockFile?: string;
  /**
   * Take the live-suite lock (default true). `false` when the caller holds it already
   * ({@link takeLiveLock}): the lab then neither takes nor releases it.
   */
  lock?: boolean;
  /**
   * How long a container may take to start, plus 30 ms per process (default 15 s). A host
   * built up to thousands of processes on a busy machine needs more.
   */
  startTimeoutMs?: number;
  /** How long {@link Lab.close} waits for each round of its processes to exit (default 15 s). */
  teardownTimeoutMs?: number;
  /**
   * Close each wrapper's stderr pipe once what it started is up (default false: kept, and its
   * last words shown if it exits while starting). A host of thousands of processes would
   * otherwise leave a pipe per wrapper open in this process.
   */
  closeStderrWhenUp?: boolean;
}

/** The live-suite lock, held by a `flock` child until released. */
export interface LiveLock {
  /** Release it and wait for the `flock` child to exit. */
  release(): Promise<void>;
  /** Release it now, without waiting (for a process `exit` hook). */
  releaseSync(): void;
}

/**
 * Take the lock that serialises live suites (and benchmarks) on this machine: `flock` holds
 * it while `cat` reads our stdin, so if this process dies, the pipe closes and the lock goes.
 * Warns once when another run holds it; throws after `timeoutMs`.
 */
export async function takeLiveLock(file = '/tmp/nsview-live.lock', timeoutMs = 240_000): Promise<LiveLock> {
  const child = spawn('flock', ['-w', String(Math.ceil(timeoutMs / 1000)), file, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.on('error', () => undefined);
  let out = '';
  let err = '';
  let exited: number | null | undefined;
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  child.on('exit', (code) => (exited = code));
  const lock: LiveLock = {
    async release() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdin?.end();
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(t);
    },
    releaseSync() {
      try {
        child.stdin?.destroy();
        child.kill('SIGKILL');
      } catch {
        // gone
      }
    },
  };
  const started = Date.now();
  let warned = false;
  try {
    await poll(
      `live-test lock ${file}`,
      (s) => {
        if (out.includes('locked')) return true;
        if (exited !== undefined) throw new Error(`lab: could not take ${file} (flock exited ${exited}): ${err.trim()}`);
        if (!warned && Date.now() - started > 2000) {
          warned = true;
          console.warn(`lab: waiting for ${file}: another live suite is running`);
        }
        s.last = 'held by another run';
        return undefined;
      },
      timeoutMs + 5000,
      25,
    );
  } catch (e) {
    await lock.release();
    throw e;
  }
  return lock;
}

/** A running churn helper: starts short-lived processes until stopped. */
export interface Churn {
  pid: number;
  /** Stop it and wait for its processes to exit; returns how many processes it started. */
  stop(): Promise<{ processes: number; seconds: number }>;
}

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** A lab of pods on the live host. Open with {@link Lab.open}, always {@link Lab.close}. */
export class Lab {
  readonly hierarchies: LabHierarchy[];
  /** Temporary directory holding the `pause` and `conmon` binaries. */
  readonly tmp: string;
  readonly pods: LabPod[] = [];
  private readonly tracked = new Map<number, Tracked>();
  private readonly children = new Set<ChildProcess>();
  /** Cgroup directories this lab created (absolute), in creation order. */
  private readonly created: string[] = [];
  private readonly churns = new Set<Churn>();
  private lock: LiveLock | undefined;
  private readonly options: LabOptions;
  private closed = false;
  /** What {@link Lab.remainingCgroups} found at close, before the lock was released. */
  leftAtClose: string[] = [];
  private readonly onExit = (): void => this.killSync();
  private stderr = new Map<number, string>();

  private constructor(hierarchies: LabHierarchy[], tmp: string, options: LabOptions) {
    this.hierarchies = hierarchies;
    this.tmp = tmp;
    this.options = options;
  }

  /** Take the live-suite lock, then set up an empty lab. */
  static async open(options: LabOptions = {}): Promise<Lab> {
    const hierarchies = cgroupHierarchies();
    if (hierarchies.length === 0) throw new Error('lab: no cgroup hierarchy mounted');
    const tmp = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'nsview-lab-'));
    const lab = new Lab(hierarchies, tmp, options);
    process.on('exit', lab.onExit);
    try {
      if (options.lock !== false) lab.lock = await takeLiveLock(options.lockFile ?? '/tmp/nsview-live.lock', options.lockTimeoutMs ?? 240_000);
      const sleep = which('sleep') as string;
      for (const name of ['pause', 'conmon']) {
        fs.copyFileSync(sleep, nodePath.join(tmp, name));
        fs.chmodSync(nodePath.join(tmp, name), 0o755);
      }
    } catch (err) {
      await lab.close().catch(() => undefined);
      throw err;
    }
    return lab;
  }

  private async releaseLock(): Promise<void> {
    const lock = this.lock;
    this.lock = undefined;
    await lock?.release();
  }

  // -- cgroups -------------------------------------------------------------

  /** `mkdir -p` a cgroup path in every hierarchy (or those given), recording the directories created here. */
  private makeCgroup(path: string, hierarchies: LabHierarchy[] = this.hierarchies): void {
    // After close, a directory made here would outlive the lab (a pod still being built when it closed).
    if (this.closed) throw new Error('lab: closed');
    const segments = path.split('/').filter(Boolean);
    for (const h of hierarchies) {
      let dir = h.mountPoint;
      for (const seg of segments) {
        const parent = dir;
        dir = `${dir}/${seg}`;
        try {
          fs.mkdirSync(dir);
          this.created.push(dir);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`lab: mkdir ${dir}: ${String(err)}`, { cause: err });
        }
        if (h.version === 1) fillCpuset(parent, dir);
      }
    }
  }

  /** `cgroup.procs` of a path in every hierarchy. */
  private procsFiles(path: string): string[] {
    return this.hierarchies.map((h) => `${h.mountPoint}${path}/cgroup.procs`);
  }

  /** Pids listed in a cgroup's `cgroup.procs` of one hierarchy. */
  private readProcs(h: LabHierarchy, path: string): number[] {
    try {
      return fs
        .readFileSync(`${h.mountPoint}${path}/cgroup.procs`, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map(Number)
        .sort((a, b) => a - b);
    } catch {
      return [];
    }
  }

  /**
   * Create an empty cgroup `/nsview-lab-<rand>` in the hierarchies keyed in
   * `keys` only (a marker telling which tree a tool shows); removed at close.
   */
  markerCgroup(keys: string[]): string {
    const path = `/nsview-lab-marker-${hex(6)}`;
    const hs = this.hierarchies.filter((h) => keys.includes(h.key));
    if (hs.length !== keys.length) throw new Error(`lab: no hierarchy keyed ${keys.join(', ')} (have ${this.hierarchies.map((h) => h.key).join(', ')})`);
    this.makeCgroup(path, hs);
    return path;
  }

  // -- processes -----------------------------------------------------------

  private track(pid: number, kind: Tracked['kind'], what: string): void {
    const st = procStat(pid);
    if (st && !this.tracked.has(pid)) this.tracked.set(pid, { pid, start: st.start, kind, what });
  }

  /** Spawn a wrapper (a child of this process), recording its pid. */
  private spawnWrapper(argv: string[], what: string, options: { detached?: boolean } = {}): ChildProcess {
    // After close, a process started here would outlive the lab's teardown.
    if (this.closed) throw new Error('lab: closed');
    const [cmd, ...args] = argv as [string, ...string[]];
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: options.detached ?? false });
    child.on('error', () => undefined);
    if (child.pid === undefined) throw new Error(`lab: cannot spawn ${cmd}`);
    const pid = child.pid;
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    child.stderr?.on('data', (d: Buffer) => this.stderr.set(pid, ((this.stderr.get(pid) ?? '') + d.toString()).slice(-2000)));
    // The start time is read right away: the wrapper stays alive as long as what it started.
    this.track(pid, 'wrapper', what);
    return child;
  }

  /**
   * Start processes that end up in `cgroup`: spawn `argv` (a wrapper whose
   * child runs `script`), and wait until the cgroup holds `count` processes,
   * all running `comm`, listed alike in every hierarchy.
   */
  private async startIn(cgroup: string, argv: string[], count: number, comm: string, what: string): Promise<number[]> {
    const child = this.spawnWrapper(argv, what);
    const pid = child.pid as number;
    const first = this.hierarchies[0] as LabHierarchy;
    const pids = await poll(
      `${what} in ${cgroup}`,
      (s) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`lab: ${what}: ${argv.join(' ')} exited (${child.exitCode ?? child.signalCode}): ${this.stderr.get(pid) ?? ''}`);
        }
        const procs = this.readProcs(first, cgroup);
        for (const p of procs) this.track(p, 'member', what);
        const comms = procs.map((p) => procStat(p)?.comm ?? '?');
        s.last = `procs ${JSON.stringify(procs)} comms ${JSON.stringify(comms)}`;
        if (procs.length !== count || comms.some((c) => c !== comm)) return undefined;
        for (const h of this.hierarchies) {
          const other = this.readProcs(h, cgroup);
          if (other.join() !== procs.join()) {
            s.last = `${h.key} lists ${JSON.stringify(other)}, ${first.key} lists ${JSON.stringify(procs)}`;
            return undefined;
          }
        }
        return procs;
      },
      // Thousands of processes take their time to fork, the more on a busy machine.
      (this.options.startTimeoutMs ?? 15_000) + count * 30,
      count > 100 ? 250 : 10,
    );
    // Up and running: its stderr is no longer needed.
    if (this.options.closeStderrWhenUp) child.stderr?.destroy();
    return pids;
  }

  /** Shell snippet: move this shell into the cgroups given as arguments ("$@"). */
  private static readonly MOVE = 'for f in "$@"; do echo 0 > "$f" || exit 97; done; ';

  private async startSandbox(pod: { cgroup: string; spec: PodSpec }, id: string): Promise<LabContainer> {
    const bin = pod.spec.sandbox === 'sleep' ? (which('sleep') as string) : nodePath.join(this.tmp, 'pause');
    const comm = nodePath.basename(bin);
    const own = pod.spec.hostNetwork ? ['--ipc', '--mount'] : ['--net', '--uts', '--ipc', '--mount'];
    const script = `${Lab.MOVE}exec unshare ${own.join(' ')} -- ${bin} infinity`;
    const argv = [
      'setpriv',
      '--pdeathsig',
      'KILL',
      'unshare',
      '--pid',
      '--fork',
      '--kill-child=KILL',
      '--',
      'sh',
      '-c',
      script,
      'sh',
      ...this.procsFiles(pod.cgroup),
    ];
    const pids = await this.startIn(pod.cgroup, argv, 1, comm, `sandbox ${id.slice(0, 12)}`);
    return { id, role: 'sandbox', cgroup: pod.cgroup, pids, mainPid: pids[0] as number, comm };
  }

  private async startContainer(cgroup: string, id: string, spec: PodSpec, c: ContainerSpec, sandboxPid: number): Promise<LabContainer> {
    const n = Math.max(1, c.procs ?? 1);
    const sleep = which('sleep') as string;
    const join = spec.hostNetwork ? ['--ipc'] : spec.layout === 'docker' ? ['--net', '--ipc'] : ['--net', '--ipc', '--uts'];
    const own = spec.layout === 'docker' && !spec.hostNetwork ? ['--mount', '--uts'] : ['--mount'];
    const binds = c.binds ?? [];
    let script: string;
    if (binds.length === 0) {
      const inner = `i=1; while [ $i -lt ${n} ]; do ${sleep} infinity & i=$((i+1)); done; exec ${sleep} infinity`;
      script = `${Lab.MOVE}exec nsenter -t ${sandboxPid} ${join.join(' ')} -- unshare ${own.join(' ')} -- sh -c '${inner}'`;
    } else {
      // The mounts are made by a script file (the paths need no quoting inside quotes), run in the new mount namespace.
      const file = this.rootScript(id, binds, n);
      script = `${Lab.MOVE}exec nsenter -t ${sandboxPid} ${join.join(' ')} -- unshare ${own.join(' ')} -- sh ${shellQuote(file)}`;
    }
    const files = this.procsFiles(cgroup);
    const argv = spec.shareProcessNamespace
      ? [
          'setpriv',
          '--pdeathsig',
          'KILL',
          'nsenter',
          '-t',
          String(sandboxPid),
          '--pid',
          '--',
          'setpriv',
          '--pdeathsig',
          'KILL',
          'sh',
          '-c',
          script,
          'sh',
          ...files,
        ]
      : ['setpriv', '--pdeathsig', 'KILL', 'unshare', '--pid', '--fork', '--kill-child=KILL', '--', 'sh', '-c', script, 'sh', ...files];
    const pids = await this.startIn(cgroup, argv, n, 'sleep', `container ${id.slice(0, 12)}`);
    // The main process is the one the wrapper forked (the others are its children).
    const main = pids.find((p) => !pids.includes(procStat(p)?.ppid ?? -1)) ?? (pids[0] as number);
    if (binds.length) this.checkBinds(id, pids, binds);
    return { id, role: 'container', cgroup, pids, mainPid: main, comm: 'sleep' };
  }

  /** A root for containers with binds: `sleep` as `/bin/sleep`, with the libraries `ldd` names, at their paths. Made once. */
  private rootTemplate(): string {
    const dir = nodePath.join(this.tmp, 'rootfs');
    if (fs.existsSync(dir)) return dir;
    const sleep = which('sleep') as string;
    const libs = new Set<string>();
    const ldd = which('ldd');
    if (ldd) {
      // A static sleep has none ("not a dynamic executable", exit 1).
      const r = spawnSync(ldd, [sleep], { encoding: 'utf8', timeout: 10_000 });
      for (const m of (r.stdout ?? '').matchAll(/(\/\S+) \(0x[0-9a-f]+\)/g)) libs.add(m[1] as string);
    }
    const staging = `${dir}.tmp`;
    fs.mkdirSync(nodePath.join(staging, 'bin'), { recursive: true });
    fs.copyFileSync(sleep, nodePath.join(staging, 'bin', 'sleep'));
    fs.chmodSync(nodePath.join(staging, 'bin', 'sleep'), 0o755);
    for (const lib of libs) {
      const to = nodePath.join(staging, lib);
      fs.mkdirSync(nodePath.dirname(to), { recursive: true });
      // copyFileSync follows a symlinked library to its file.
      fs.copyFileSync(lib, to);
      fs.chmodSync(to, 0o755);
    }
    const probe = spawnSync('chroot', [staging, '/bin/sleep', '0'], { encoding: 'utf8', timeout: 10_000 });
    if (probe.status !== 0)
      throw new Error(
        `lab: a copy of sleep does not run in a root of its own (${[...libs].join(', ') || 'no libraries found'}): ${(probe.stderr ?? '').trim() || String(probe.error ?? probe.status)}`,
      );
    fs.renameSync(staging, dir);
    return dir;
  }

  /** Write the script a container with binds runs in its new mount namespace (see {@link ContainerSpec.binds}); returns its path. */
  private rootScript(id: string, binds: BindSpec[], procs: number): string {
    for (const b of binds) {
      if (!nodePath.isAbsolute(b.source) || !nodePath.isAbsolute(b.target))
        throw new Error(`lab: bind ${JSON.stringify(b)}: source and target must be absolute`);
      if (nodePath.normalize(b.target) === '/' || b.target.split('/').includes('..'))
        throw new Error(`lab: bind target ${JSON.stringify(b.target)} must be a path below the container's root`);
      if (!fs.existsSync(b.source)) throw new Error(`lab: bind source ${b.source} does not exist`);
    }
    const template = this.rootTemplate();
    const root = nodePath.join(this.tmp, `root-${id.slice(0, 12)}`);
    fs.mkdirSync(root);
    const q = shellQuote;
    const lines = [
      'set -e',
      // Nothing mounted here may reach the node's mount namespace.
      'mount --make-rprivate /',
      `mount -t tmpfs -o size=16m,mode=755 nsview-lab-root ${q(root)}`,
      `cp -a ${q(`${template}/.`)} ${q(`${root}/`)}`,
    ];
    for (const b of binds) {
      const at = q(root + nodePath.normalize(b.target));
      lines.push(`if [ -d ${q(b.source)} ]; then mkdir -p ${at}; else mkdir -p "$(dirname ${at})"; : > ${at}; fi`, `mount --bind ${q(b.source)} ${at}`);
      if (b.readOnly) lines.push(`mount -o remount,bind,ro ${at}`);
    }
    lines.push(`i=1; while [ $i -lt ${procs} ]; do chroot ${q(root)} /bin/sleep infinity & i=$((i+1)); done`, `exec chroot ${q(root)} /bin/sleep infinity`);
    const file = nodePath.join(this.tmp, `container-${id.slice(0, 12)}.sh`);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  }

  /** The lab's own check that a container's binds are in place: each target mounted, read-only as asked, in every process's mountinfo. */
  private checkBinds(id: string, pids: number[], binds: BindSpec[]): void {
    const problems: string[] = [];
    for (const pid of pids) {
      let text: string;
      try {
        text = fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8');
      } catch (err) {
        problems.push(`pid ${pid}: ${String(err)}`);
        continue;
      }
      const mounts = text
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const f = line.split(' ');
          return { point: (f[4] ?? '').replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))), options: (f[5] ?? '').split(',') };
        });
      if (!mounts.some((m) => m.point === '/')) problems.push(`pid ${pid}: no root mount`);
      for (const b of binds) {
        // The last mount on a point is the one seen.
        const m = mounts.filter((x) => x.point === nodePath.normalize(b.target)).pop();
        if (!m) problems.push(`pid ${pid}: nothing mounted at ${b.target}`);
        else if (m.options.includes('ro') !== Boolean(b.readOnly)) problems.push(`pid ${pid}: ${b.target} is ${m.options.includes('ro') ? 'ro' : 'rw'}`);
      }
    }
    if (problems.length) throw new Error(`lab: container ${id.slice(0, 12)}'s binds came out wrong:\n  ${problems.join('\n  ')}`);
  }

  private async startMonitor(cgroup: string, id: string): Promise<LabMonitor> {
    const bin = nodePath.join(this.tmp, 'conmon');
    const argv = ['setpriv', '--pdeathsig', 'KILL', 'sh', '-c', `${Lab.MOVE}exec ${bin} infinity`, 'sh', ...this.procsFiles(cgroup)];
    const pids = await this.startIn(cgroup, argv, 1, 'conmon', `conmon ${id.slice(0, 12)}`);
    return { id, pid: pids[0] as number, cgroup };
  }

  /** Wait until the clock has ticked past a process's start, so later processes start strictly later. */
  private async tickAfter(pid: number): Promise<void> {
    const start = procStat(pid)?.start ?? uptimeTicks();
    await poll('a clock tick', () => (uptimeTicks() > start + 1 ? true : undefined), 5000, 5);
  }

  /** Build a pod, wait until all its processes are in place, and check the lab got it right. */
  async pod(spec: PodSpec): Promise<LabPod> {
    if (this.closed) throw new Error('lab: closed');
    const layout = spec.layout;
    const kubelet = layout !== 'docker';
    const qos: QosClass | null = kubelet ? (spec.qos ?? 'burstable') : null;
    if (spec.uid !== undefined) {
      if (!kubelet) throw new Error('lab: a docker pod has no uid');
      const form = spec.staticPod ? /^[0-9a-f]{32}$/ : /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
      if (!form.test(spec.uid)) throw new Error(`lab: uid ${JSON.stringify(spec.uid)} is not ${spec.staticPod ? '32 hex digits' : 'a lower-case UUID'}`);
      if (this.pods.some((p) => p.uid === spec.uid)) throw new Error(`lab: a pod with uid ${spec.uid} exists already`);
    }
    const uid = kubelet ? (spec.uid ?? (spec.staticPod ? hex(16) : randomUUID())) : null;
    const uid_ = uid?.replace(/-/g, '_') ?? '';
    let cgroup: string;
    let runtime: Runtime;
    let name: string;
    switch (layout) {
      case 'cgroupfs':
        name = `pod${uid}`;
        cgroup = qos === 'guaranteed' ? `/kubepods/${name}` : `/kubepods/${qos}/${name}`;
        runtime = 'cri';
        break;
      case 'containerd':
      case 'crio':
        name = qos === 'guaranteed' ? `kubepods-pod${uid_}.slice` : `kubepods-${qos}-pod${uid_}.slice`;
        cgroup = qos === 'guaranteed' ? `/kubepods.slice/${name}` : `/kubepods.slice/kubepods-${qos}.slice/${name}`;
        runtime = layout === 'crio' ? 'cri-o' : 'containerd';
        break;
      case 'docker':
        name = `pod-foo-${hex(4)}`;
        cgroup = `/${name}`;
        runtime = 'docker';
        break;
    }
    const leaf = (id: string, role: 'sandbox' | 'container'): string => {
      switch (layout) {
        case 'cgroupfs':
        case 'docker':
          return `${cgroup}/${id}`;
        case 'containerd':
          return `${cgroup}/cri-containerd-${id}.scope`;
        case 'crio':
          return role === 'sandbox' ? `${cgroup}/crio-${id}` : `${cgroup}/crio-${id}.scope`;
      }
    };
    const specs = spec.containers ?? [{}, {}];
    if (specs.length === 0) throw new Error('lab: a pod needs at least one container');
    const sandboxId = hex(32);
    const sandboxCg = leaf(sandboxId, 'sandbox');
    this.makeCgroup(sandboxCg);
    const sandbox = await this.startSandbox({ cgroup: sandboxCg, spec }, sandboxId);
    // Containers start at least a clock tick after the sandbox: nsview breaks sharing ties by start time.
    await this.tickAfter(sandbox.mainPid);
    const containers: LabContainer[] = [];
    for (const c of specs) {
      const id = hex(32);
      const cg = leaf(id, 'container');
      this.makeCgroup(cg);
      containers.push(await this.startContainer(cg, id, spec, c, sandbox.mainPid));
    }
    const monitors: LabMonitor[] = [];
    if (layout === 'crio') {
      for (const c of [sandbox, ...containers]) {
        const cg = `${cgroup}/crio-conmon-${c.id}.scope`;
        this.makeCgroup(cg);
        monitors.push(await this.startMonitor(cg, c.id));
      }
    }
    const modes = {} as Record<NsType, NsMode>;
    for (const t of NS_TYPES) modes[t] = 'node';
    modes.ipc = 'pod';
    modes.mnt = 'container';
    modes.net = spec.hostNetwork ? 'node' : 'pod';
    modes.uts = spec.hostNetwork ? 'node' : layout === 'docker' ? 'container' : 'pod';
    modes.pid = spec.shareProcessNamespace ? 'pod' : 'container';
    const pod: LabPod = {
      spec,
      layout,
      uid,
      name,
      key: uid ?? `inferred:${name}`,
      qos,
      driver: layout === 'cgroupfs' ? 'cgroupfs' : layout === 'docker' ? null : 'systemd',
      cgroup,
      runtime,
      sandbox,
      containers,
      monitors,
      modes,
      pids: [...sandbox.pids, ...containers.flatMap((c) => c.pids), ...monitors.map((m) => m.pid)].sort((a, b) => a - b),
    };
    this.checkPod(pod);
    this.pods.push(pod);
    return pod;
  }

  /** The lab's own check that the namespaces came out as meant: a lab bug must not pass for an nsview bug. */
  private checkPod(pod: LabPod): void {
    const problems: string[] = [];
    const sb = pod.sandbox.mainPid;
    const types: NsType[] = ['net', 'ipc', 'uts', 'pid', 'mnt', 'cgroup', 'user'];
    for (const t of types) {
      const node = nsInode('self', t);
      const sbNs = nsInode(sb, t);
      const ownBySandbox = t === 'ipc' || t === 'mnt' || t === 'pid' || ((t === 'net' || t === 'uts') && !pod.spec.hostNetwork);
      if (ownBySandbox === (sbNs === node)) problems.push(`sandbox ${t} ${sbNs} vs node ${node}`);
      const seen = new Set<number | undefined>();
      for (const c of pod.containers) {
        for (const p of c.pids) {
          const ns = nsInode(p, t);
          const mode = pod.modes[t];
          const ok = mode === 'node' ? ns === node : mode === 'pod' ? ns === sbNs : ns !== node && ns !== sbNs;
          if (!ok) problems.push(`container ${c.id.slice(0, 12)} pid ${p} ${t} ${ns} (mode ${mode}, sandbox ${sbNs}, node ${node})`);
          if (mode === 'container' && p === c.mainPid) {
            if (seen.has(ns)) problems.push(`${t} ${ns} held by two containers`);
            seen.add(ns);
          }
        }
      }
      for (const m of pod.monitors) if (nsInode(m.pid, t) !== node) problems.push(`monitor ${m.pid} not in the node's ${t}`);
    }
    if (problems.length) throw new Error(`lab: pod ${pod.name} came out wrong:\n  ${problems.join('\n  ')}`);
  }

  // -- mount namespaces ----------------------------------------------------

  /**
   * Start a process in a private mount namespace holding `mounts` more tmpfs mounts (at
   * long paths under the lab's directory, as kubelet volumes are), so its mountinfo is
   * large; with `cgroup2`, a cgroup2 is then mounted over `/sys/fs/cgroup`, after all of
   * them (the v2-only view, its cgroup mount far into mountinfo). Run tools there with
   * `nsenter -t <pid> -m`. The mounts go with the namespace when the process is killed.
   */
  async mountNamespace(mounts: number, options: { cgroup2?: boolean } = {}): Promise<{ pid: number; mountinfoBytes: number }> {
    if (this.closed) throw new Error('lab: closed');
    const dir = nodePath.join(this.tmp, `mnt-${hex(4)}`);
    fs.mkdirSync(dir);
    const script = [
      `mount -t tmpfs -o size=1m nsview-lab ${dir} || exit 97`,
      `i=0; while [ $i -lt ${mounts} ]; do d=${dir}/volumes/kubernetes.io~empty-dir/volume-with-a-long-name-$i; mkdir -p "$d" && mount -t tmpfs -o size=4k nsview-lab "$d" || exit 98; i=$((i+1)); done`,
      options.cgroup2 ? 'mount -t cgroup2 none /sys/fs/cgroup || exit 99' : 'true',
      `exec ${which('sleep') as string} infinity`,
    ].join('\n');
    const child = this.spawnWrapper(
      ['setpriv', '--pdeathsig', 'KILL', 'unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', script],
      'mount namespace',
    );
    const pid = child.pid as number;
    const own = nsInode('self', 'mnt');
    const bytes = await poll(
      `a mount namespace with ${mounts} mounts`,
      (s) => {
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`lab: mount namespace exited (${child.exitCode ?? child.signalCode}): ${this.stderr.get(pid) ?? ''}`);
        const st = procStat(pid);
        s.last = `comm ${st?.comm ?? '?'}`;
        if (st?.comm !== 'sleep' || nsInode(pid, 'mnt') === own) return undefined;
        return fs.readFileSync(`/proc/${pid}/mountinfo`).length;
      },
      30_000 + mounts * 20,
    );
    return { pid, mountinfoBytes: bytes };
  }

  // -- churn ---------------------------------------------------------------

  /**
   * Start a helper that keeps starting short-lived processes: plain ones, ones
   * in new namespaces (`unshare`), and ones entering `enterPid`'s net/uts/ipc
   * (`nsenter`). It runs in its own process group, in the node's cgroups.
   */
  async churn(options: { enterPid?: number; batch?: number } = {}): Promise<Churn> {
    const out = nodePath.join(this.tmp, `churn-${hex(4)}`);
    const batch = options.batch ?? 6;
    const enter = options.enterPid ? `nsenter -t ${options.enterPid} --net --uts --ipc true & ` : '';
    const perLoop = batch + 1 + 2 + (options.enterPid ? 1 : 0);
    const script = [
      'n=0; s=$(date +%s.%N)',
      // Wait for the running batch before exiting: an orphan would be left to pid 1, which may never reap it.
      `trap 'wait; echo "$n $s $(date +%s.%N)" > ${out}; exit 0' TERM`,
      'while :; do',
      `  i=0; while [ $i -lt ${batch} ]; do true & i=$((i+1)); done`,
      `  unshare --net --uts --ipc true & unshare --pid --mount --fork true & ${enter}wait`,
      `  n=$((n+${perLoop}))`,
      'done',
    ].join('\n');
    const child = this.spawnWrapper(['setpriv', '--pdeathsig', 'KILL', 'bash', '-c', script], 'churn', { detached: true });
    const pid = child.pid as number;
    const t = this.tracked.get(pid);
    if (t) t.kind = 'churn';
    await poll('churn to start', () => (childrenOf(pid).length > 0 ? true : undefined), 10_000);
    const churn: Churn = {
      pid,
      stop: async () => {
        this.churns.delete(churn);
        const exited = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // already gone
        }
        await Promise.race([exited, sleepMs(10_000)]);
        await this.killGroup(pid);
        let processes = 0;
        let seconds = 0;
        try {
          const [n, s, e] = fs.readFileSync(out, 'utf8').trim().split(' ').map(Number);
          processes = n ?? 0;
          seconds = (e ?? 0) - (s ?? 0);
        } catch {
          // it did not write its count
        }
        return { processes, seconds };
      },
    };
    this.churns.add(churn);
    return churn;
  }

  /** SIGKILL a process group we created and wait until none of its processes is left. */
  private async killGroup(pgid: number): Promise<void> {
    const members = (): number[] => {
      const out: number[] = [];
      for (const name of fs.readdirSync('/proc')) {
        if (!/^\d+$/.test(name)) continue;
        const st = procStat(Number(name));
        if (st && st.pgrp === pgid && st.state !== 'Z') out.push(st.pid);
      }
      return out;
    };
    await poll(
      `process group ${pgid} to exit`,
      (s) => {
        const left = members();
        if (left.length === 0) return true;
        s.last = `left: ${left.join(' ')}`;
        try {
          process.kill(-pgid, 'SIGKILL');
        } catch {
          // gone
        }
        return undefined;
      },
      15_000,
      20,
    );
  }

  // -- teardown ------------------------------------------------------------

  /** Recorded processes still alive (same pid and start time), zombies excluded. */
  alive(kinds?: Tracked['kind'][]): Tracked[] {
    return [...this.tracked.values()].filter((t) => {
      if (kinds && !kinds.includes(t.kind)) return false;
      const st = procStat(t.pid);
      return st !== undefined && st.start === t.start && st.state !== 'Z';
    });
  }

  /** Every pid the lab recorded. */
  recordedPids(): number[] {
    return [...this.tracked.keys()].sort((a, b) => a - b);
  }

  /**
   * Cgroup directories the lab created and that still exist, except a shared
   * parent (`/kubepods`, `/kubepods.slice`, …) someone else has since put a
   * cgroup of their own under: that one is theirs to remove now.
   */
  remainingCgroups(): string[] {
    const mine = new Set(this.created);
    return this.created.filter((d) => {
      if (!fs.existsSync(d)) return false;
      try {
        return !fs.readdirSync(d, { withFileTypes: true }).some((e) => e.isDirectory() && !mine.has(`${d}/${e.name}`));
      } catch {
        return true;
      }
    });
  }

  private signal(list: Tracked[]): void {
    for (const t of list) {
      try {
        process.kill(t.pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }

  /**
   * Last resort (the lab runs it on process exit, too): SIGKILL every recorded process still
   * alive, no waiting, no cgroup removal, no close.
   */
  killSync(): void {
    this.signal(this.alive());
  }

  /**
   * Check the lab's pods are still as built: each sandbox's, container's and monitor's cgroup
   * lists exactly its recorded processes in every hierarchy. Returns the problems found.
   */
  checkCgroups(): string[] {
    const problems: string[] = [];
    for (const pod of this.pods) {
      const units = [
        ...[pod.sandbox, ...pod.containers].map((c) => ({ cgroup: c.cgroup, pids: c.pids })),
        ...pod.monitors.map((m) => ({ cgroup: m.cgroup, pids: [m.pid] })),
      ];
      for (const u of units) {
        const want = [...u.pids].sort((a, b) => a - b).join();
        for (const h of this.hierarchies) {
          const got = this.readProcs(h, u.cgroup).join();
          if (got !== want) problems.push(`${h.key}:${u.cgroup} lists ${got || 'nothing'} (want ${want})`);
        }
      }
    }
    return problems;
  }

  /** Stop churn, kill every recorded process, remove every cgroup this lab created, release the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const errors: string[] = [];
    for (const c of [...this.churns]) {
      try {
        await c.stop();
      } catch (err) {
        errors.push(String(err));
      }
    }
    // Anything that got into our leaf cgroups is ours too.
    for (const dir of this.created) {
      for (const h of this.hierarchies) {
        if (!dir.startsWith(`${h.mountPoint}/`)) continue;
        for (const p of this.readProcs(h, dir.slice(h.mountPoint.length))) this.track(p, 'member', 'found at teardown');
      }
    }
    // Members first, so their parents (the wrappers) reap them; then the wrappers.
    for (const kinds of [['member'], ['wrapper', 'churn']] as Tracked['kind'][][]) {
      try {
        await poll(
          `lab processes (${kinds.join(', ')}) to exit`,
          (s) => {
            const left = this.alive(kinds);
            if (left.length === 0) return true;
            s.last = left.map((t) => `${t.pid} (${t.what})`).join(', ');
            this.signal(left);
            return undefined;
          },
          this.options.teardownTimeoutMs ?? 15_000,
          20,
        );
      } catch (err) {
        errors.push(String(err));
      }
    }
    // Zombies of ours (children not reaped yet) hold nothing, but wait briefly so scans after us do not see them.
    await poll(
      'lab zombies to be reaped',
      () => ([...this.tracked.values()].some((t) => procStat(t.pid)?.start === t.start) ? undefined : true),
      5000,
      20,
    ).catch(() => undefined);
    const dirs = [...this.created].sort((a, b) => b.split('/').length - a.split('/').length);
    // A shared parent (/kubepods) another run also uses stays.
    for (const dir of dirs) await removeCgroupDir(dir, { keepShared: true }).catch((err: unknown) => errors.push(String(err)));
    fs.rmSync(this.tmp, { recursive: true, force: true });
    process.off('exit', this.onExit);
    // Taken while the lock is held: once it is released, the next suite's lab may create a
    // shared parent (/kubepods.slice) again, which is not ours.
    this.leftAtClose = this.remainingCgroups();
    await this.releaseLock();
    if (errors.length) throw new Error(`lab: teardown left things behind:\n  ${errors.join('\n  ')}`);
  }
}

/** Quote a word for sh. */
function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A v1 cpuset cgroup starts with no cpus and mems, and no process can join it: copy the parent's. */
function fillCpuset(parent: string, dir: string): void {
  for (const name of ['cpuset.cpus', 'cpuset.mems']) {
    const file = `${dir}/${name}`;
    if (!fs.existsSync(file)) return;
    if (fs.readFileSync(file, 'utf8').trim() !== '') continue;
    fs.writeFileSync(file, fs.readFileSync(`${parent}/${name}`, 'utf8').trim());
  }
}

/** Close a lab (if one was opened) and return what it left behind: pids still alive, cgroups still there. */
export async function closeLab(lab: Lab | undefined): Promise<{ alive: ReturnType<Lab['alive']>; cgroups: string[] }> {
  if (!lab) return { alive: [], cgroups: [] };
  await lab.close();
  return { alive: lab.alive(), cgroups: lab.leftAtClose };
}
