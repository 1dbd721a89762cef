/* global process, console, setTimeout, clearTimeout */
/**
 * A benchmark host: fills this node with N processes spread over
 * Kubernetes-like pods, and tears down exactly what it built.
 *
 * Follows the ideas of test/helpers/lab.ts (which stays the live tests'
 * tool), in plain ESM so it runs under `node` without a build:
 *
 * - a pod is `kubepods/besteffort/pod<uid>` in every mounted hierarchy (v1
 *   controllers and the v2 tree), with one 64-hex leaf per container;
 * - its sandbox is `unshare --pid --fork` whose child moves itself into the
 *   sandbox cgroup and execs `unshare --net --uts --ipc --mount pause`
 *   (`pause` is a copy of `sleep`);
 * - each container is `unshare --pid --fork` whose child moves itself into the
 *   container cgroup, joins the sandbox's net/ipc/uts with `nsenter` and gets
 *   its own mount namespace with `unshare --mount`, then runs `procs` copies of
 *   `sleep infinity`.
 *
 * The wrapper (`unshare --fork`, the "shim") stays in the node's namespaces and
 * cgroups and counts as a process of the host. Every pid is recorded with its
 * start time (so a reused pid is never killed) and every cgroup directory
 * created is recorded; close() kills by recorded pid and removes the
 * directories deepest first. Nothing is ever killed by name.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';

const sleepMs = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const hex = (bytes) => randomBytes(bytes).toString('hex');

/** Find an executable in PATH. */
export function which(name) {
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

export const HOST_TOOLS = ['sh', 'unshare', 'nsenter', 'setpriv', 'flock', 'sleep'];

const V1_CONTROLLERS = new Set(['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'net_cls', 'blkio', 'perf_event', 'net_prio', 'hugetlb', 'pids', 'rdma', 'misc', 'debug']);

/** Every cgroup hierarchy mounted at its root in this mount namespace, one mount each. */
export function cgroupHierarchies(mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8')) {
  const out = [];
  const seen = new Set();
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    const fstype = right[0];
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const dev = left[2] ?? '';
    const root = left[3] ?? '';
    const mountPoint = (left[4] ?? '').replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
    if (root !== '/' || seen.has(dev)) continue;
    seen.add(dev);
    const controllers = (right[2] ?? '').split(',').filter((o) => V1_CONTROLLERS.has(o) || o.startsWith('name='));
    out.push({ key: fstype === 'cgroup2' ? 'unified' : [...controllers].sort().join(','), version: fstype === 'cgroup2' ? 2 : 1, mountPoint });
  }
  return out;
}

/** pid, comm, state, ppid, start time of a process, or undefined if gone. */
export function procStat(pid) {
  let text;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const rest = text.slice(close + 2).split(' ');
  return { pid, comm: text.slice(open + 1, close), state: rest[0] ?? '?', ppid: Number(rest[1]), start: Number(rest[19]) };
}

/** Pids under /proc now. */
export function countProcesses() {
  let n = 0;
  for (const name of fs.readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

/** Namespace inode of a process, or undefined. */
function nsInode(pid, type) {
  try {
    const m = /\[(\d+)\]/.exec(fs.readlinkSync(`/proc/${pid}/ns/${type}`));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Poll fn until it returns something other than undefined; throw after timeoutMs. */
export async function poll(what, fn, timeoutMs = 15_000, intervalMs = 10) {
  const deadline = Date.now() + timeoutMs;
  const state = { last: '' };
  for (;;) {
    const v = fn(state);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`bench: timed out after ${timeoutMs} ms waiting for ${what}${state.last ? `: ${state.last}` : ''}`);
    await sleepMs(intervalMs);
  }
}

/**
 * The limits that decide whether `total` processes fit on this host:
 * RLIMIT_NPROC (`ulimit -u`; root is exempt), pid_max, threads-max, and
 * pids.max of the pids cgroups this process is in. Returns the numbers and the
 * problems found (none if `total` fits).
 */
export function processLimits(total) {
  const read = (p) => {
    try {
      return fs.readFileSync(p, 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  const limits = {};
  const lim = read('/proc/self/limits') ?? '';
  const m = /^Max processes\s+(\S+)\s+(\S+)/m.exec(lim);
  limits.nproc = m ? m[1] : 'unknown';
  limits.pidMax = Number(read('/proc/sys/kernel/pid_max'));
  limits.threadsMax = Number(read('/proc/sys/kernel/threads-max'));
  const pidsCgroups = [];
  for (const line of (read('/proc/self/cgroup') ?? '').split('\n')) {
    const [, ctrls, path] = line.split(':');
    if (path === undefined) continue;
    const h = ctrls === '' ? 'unified' : ctrls.split(',').includes('pids') ? 'pids' : undefined;
    if (!h) continue;
    const mp = h === 'unified' ? cgroupHierarchies().find((x) => x.version === 2)?.mountPoint : cgroupHierarchies().find((x) => x.key.split(',').includes('pids'))?.mountPoint;
    if (!mp) continue;
    // Every ancestor's pids.max applies.
    const segs = path.split('/').filter(Boolean);
    for (let i = segs.length; i >= 0; i--) {
      const v = read(`${mp}/${segs.slice(0, i).join('/')}/pids.max`.replace(/\/+/g, '/'));
      if (v !== undefined && v !== 'max') pidsCgroups.push({ cgroup: `${h}:/${segs.slice(0, i).join('/')}`, max: Number(v) });
    }
  }
  limits.pidsCgroups = pidsCgroups;
  const problems = [];
  const isRoot = process.getuid?.() === 0;
  if (!isRoot && limits.nproc !== 'unlimited' && Number(limits.nproc) < total) problems.push(`ulimit -u is ${limits.nproc}`);
  if (limits.pidMax < total + 1000) problems.push(`kernel.pid_max is ${limits.pidMax}`);
  if (limits.threadsMax < total + 1000) problems.push(`kernel.threads-max is ${limits.threadsMax}`);
  for (const c of pidsCgroups) if (c.max < total + 100) problems.push(`pids.max of ${c.cgroup} is ${c.max}`);
  return { limits, problems };
}

/** A v1 cpuset cgroup starts with no cpus and mems, and no process can join it: copy the parent's. */
function fillCpuset(parent, dir) {
  for (const name of ['cpuset.cpus', 'cpuset.mems']) {
    const file = `${dir}/${name}`;
    let cur;
    try {
      cur = fs.readFileSync(file, 'utf8').trim();
    } catch {
      return;
    }
    if (cur !== '') continue;
    fs.writeFileSync(file, fs.readFileSync(`${parent}/${name}`, 'utf8').trim());
  }
}

/** Shell snippet: move this shell into the cgroups given as arguments ("$@"). */
const MOVE = 'for f in "$@"; do echo 0 > "$f" || exit 97; done; ';

/**
 * How `needed` processes are spread: pods of a sandbox (wrapper + pause) and
 * `containers` containers of (wrapper + `procs` sleeps) each; the remainder
 * adds one process to containers of the first pods.
 */
export function plan(needed, { containers = 3, procs = 5 } = {}) {
  const perPod = 2 + containers * (1 + procs);
  const pods = Math.max(0, Math.floor(needed / perPod));
  let extra = needed - pods * perPod;
  const out = [];
  for (let i = 0; i < pods; i++) {
    const cs = [];
    for (let j = 0; j < containers; j++) {
      const add = extra > 0 ? 1 : 0;
      extra -= add;
      cs.push(procs + add);
    }
    out.push(cs);
  }
  return { pods: out, perPod, leftover: extra };
}

/**
 * One pod of `n` processes (4 ≤ n ≤ 20): a sandbox (2) and up to three
 * containers of a wrapper and at least one process each. Returns the process
 * count of each container.
 */
export function fillPod(n) {
  const rest = n - 2;
  const c = Math.max(1, Math.min(3, Math.floor(rest / 2)));
  const sizes = Array.from({ length: c }, (_, i) => Math.floor(rest / c) + (i < rest % c ? 1 : 0));
  return sizes.map((s) => s - 1);
}

export class BenchHost {
  constructor() {
    this.hierarchies = cgroupHierarchies();
    if (this.hierarchies.length === 0) throw new Error('bench: no cgroup hierarchy mounted');
    this.tmp = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'nsview-bench-'));
    this.sleep = which('sleep');
    this.pause = nodePath.join(this.tmp, 'pause');
    fs.copyFileSync(this.sleep, this.pause);
    fs.chmodSync(this.pause, 0o755);
    /** pid → { pid, start, kind: 'wrapper' | 'member', what } */
    this.tracked = new Map();
    /** Cgroup directories created here (absolute), in creation order. */
    this.created = [];
    this.children = new Set();
    this.stderr = new Map();
    this.pods = [];
    this.closed = false;
  }

  track(pid, kind, what) {
    if (this.tracked.has(pid)) return;
    const st = procStat(pid);
    if (st) this.tracked.set(pid, { pid, start: st.start, kind, what });
  }

  /** `mkdir -p` a cgroup path in every hierarchy, recording the directories created here. */
  makeCgroup(path) {
    const segs = path.split('/').filter(Boolean);
    for (const h of this.hierarchies) {
      let dir = h.mountPoint;
      for (const seg of segs) {
        const parent = dir;
        dir = `${dir}/${seg}`;
        let made = false;
        try {
          fs.mkdirSync(dir);
          this.created.push(dir);
          made = true;
        } catch (err) {
          if (err.code !== 'EEXIST') throw new Error(`bench: mkdir ${dir}: ${String(err)}`, { cause: err });
        }
        if (made && h.version === 1) fillCpuset(parent, dir);
      }
    }
  }

  procsFiles(path) {
    return this.hierarchies.map((h) => `${h.mountPoint}${path}/cgroup.procs`);
  }

  readProcs(h, path) {
    try {
      return fs
        .readFileSync(`${h.mountPoint}${path}/cgroup.procs`, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map(Number);
    } catch {
      return [];
    }
  }

  spawnWrapper(argv, what) {
    if (this.closed) throw new Error('bench: host closed');
    const [cmd, ...args] = argv;
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.on('error', () => undefined);
    if (child.pid === undefined) throw new Error(`bench: cannot spawn ${cmd}`);
    const pid = child.pid;
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    child.stderr.on('data', (d) => this.stderr.set(pid, ((this.stderr.get(pid) ?? '') + d.toString()).slice(-2000)));
    child.stderr.on('error', () => undefined);
    this.track(pid, 'wrapper', what);
    return child;
  }

  /** Spawn argv and wait until `cgroup` holds `count` processes all running `comm`; records them. */
  async startIn(cgroup, argv, count, comm, what) {
    const child = this.spawnWrapper(argv, what);
    const pid = child.pid;
    const first = this.hierarchies[0];
    const pids = await poll(
      `${what} in ${cgroup}`,
      (s) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`bench: ${what}: ${argv.join(' ')} exited (${child.exitCode ?? child.signalCode}): ${this.stderr.get(pid) ?? ''}`);
        }
        const procs = this.readProcs(first, cgroup);
        for (const p of procs) this.track(p, 'member', what);
        const comms = procs.map((p) => procStat(p)?.comm ?? '?');
        s.last = `${procs.length} procs, comms ${[...new Set(comms)].join(',')}`;
        if (procs.length !== count || comms.some((c) => c !== comm)) return undefined;
        return procs.sort((a, b) => a - b);
      },
      30_000 + count * 30,
      count > 100 ? 250 : 10,
    );
    // Up and running: its stderr is no longer needed, free the pipe.
    child.stderr.destroy();
    return pids;
  }

  /** Build one pod with containers of the given process counts. */
  async pod(containerProcs) {
    const uid = randomUUID();
    const cgroup = `/kubepods/besteffort/pod${uid}`;
    const sandboxId = hex(32);
    const sandboxCg = `${cgroup}/${sandboxId}`;
    const ids = containerProcs.map(() => hex(32));
    this.makeCgroup(sandboxCg);
    for (const id of ids) this.makeCgroup(`${cgroup}/${id}`);
    const pod = { uid, cgroup, sandbox: null, containers: [] };
    this.pods.push(pod);
    const sbScript = `${MOVE}exec unshare --net --uts --ipc --mount -- ${this.pause} infinity`;
    const sbArgv = ['setpriv', '--pdeathsig', 'KILL', 'unshare', '--pid', '--fork', '--kill-child=KILL', '--', 'sh', '-c', sbScript, 'sh', ...this.procsFiles(sandboxCg)];
    const [sandboxPid] = await this.startIn(sandboxCg, sbArgv, 1, 'pause', `sandbox of pod ${uid.slice(0, 8)}`);
    pod.sandbox = { id: sandboxId, cgroup: sandboxCg, pid: sandboxPid };
    // Containers start a clock tick after the sandbox (nsview breaks sharing ties by start time).
    const sbStart = procStat(sandboxPid)?.start ?? 0;
    await poll('a clock tick', () => (uptimeTicks() > sbStart + 1 ? true : undefined), 5000, 5);
    await Promise.all(
      ids.map(async (id, i) => {
        const n = containerProcs[i];
        const cg = `${cgroup}/${id}`;
        const inner = `i=1; while [ $i -lt ${n} ]; do ${this.sleep} infinity & i=$((i+1)); done; exec ${this.sleep} infinity`;
        const script = `${MOVE}exec nsenter -t ${sandboxPid} --net --ipc --uts -- unshare --mount -- sh -c '${inner}'`;
        const argv = ['setpriv', '--pdeathsig', 'KILL', 'unshare', '--pid', '--fork', '--kill-child=KILL', '--', 'sh', '-c', script, 'sh', ...this.procsFiles(cg)];
        const pids = await this.startIn(cg, argv, n, 'sleep', `container ${id.slice(0, 12)}`);
        pod.containers.push({ id, cgroup: cg, pids, procs: n });
      }),
    );
    return pod;
  }

  /**
   * Build pods until the host holds `total` processes. `baseline` is the
   * count before building; `concurrency` pods are built at once.
   */
  async build(total, { concurrency = 6, containers = 3, procs = 5, large = 0, onProgress } = {}) {
    const baseline = countProcesses();
    // One large container first, as a node running a process-per-connection server or a
    // build has: its cgroup.procs spans several pages, which the kernel hands out one per read.
    if (large > 0) await this.pod([large]);
    const p = plan(total - baseline - (large > 0 ? large + 3 : 0), { containers, procs });
    let next = 0;
    let done = 0;
    const worker = async () => {
      while (next < p.pods.length) {
        if (this.closed) throw new Error('bench: interrupted');
        const spec = p.pods[next++];
        await this.pod(spec);
        done++;
        if (onProgress && (done % 25 === 0 || done === p.pods.length)) onProgress(done, p.pods.length);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, p.pods.length) }, worker));
    return { baseline, pods: p.pods.length, perPod: p.perPod, leftover: p.leftover };
  }

  /**
   * Check every container is complete in every hierarchy and the namespaces
   * came out as meant (sampled: the first pods fully, the rest by main pid).
   */
  verify() {
    const problems = [];
    const self = (t) => nsInode('self', t);
    for (const [i, pod] of this.pods.entries()) {
      const all = [pod.sandbox, ...pod.containers];
      for (const c of all) {
        const want = (c.pids ?? [c.pid]).slice().sort((a, b) => a - b).join();
        for (const h of this.hierarchies) {
          const got = this.readProcs(h, c.cgroup).sort((a, b) => a - b).join();
          if (got !== want) problems.push(`${h.key}${c.cgroup}: ${got} (want ${want})`);
        }
      }
      if (i < 5) {
        const sb = pod.sandbox.pid;
        for (const t of ['net', 'ipc', 'uts', 'mnt', 'pid']) if (nsInode(sb, t) === self(t)) problems.push(`sandbox ${sb} shares the node's ${t}`);
        for (const c of pod.containers) {
          for (const p of c.pids) {
            for (const t of ['net', 'ipc', 'uts']) if (nsInode(p, t) !== nsInode(sb, t)) problems.push(`pid ${p} not in the sandbox's ${t}`);
            for (const t of ['mnt', 'pid']) if (nsInode(p, t) === nsInode(sb, t) || nsInode(p, t) === self(t)) problems.push(`pid ${p} has no own ${t}`);
          }
        }
      }
      if (problems.length > 20) break;
    }
    return problems;
  }

  /** Recorded processes still alive (same pid and start time), zombies excluded. */
  alive(kinds) {
    return [...this.tracked.values()].filter((t) => {
      if (kinds && !kinds.includes(t.kind)) return false;
      const st = procStat(t.pid);
      return st !== undefined && st.start === t.start && st.state !== 'Z';
    });
  }

  remainingCgroups() {
    return this.created.filter((d) => fs.existsSync(d));
  }

  signal(list) {
    for (const t of list) {
      try {
        process.kill(t.pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }

  /** Last resort on exit: SIGKILL what is alive, no waiting, no cgroup removal. */
  killSync() {
    this.closed = true;
    this.signal(this.alive());
  }

  /** Kill every recorded process, remove every cgroup created here; returns what was left behind. */
  async close() {
    if (this.closedDone) return this.closedDone;
    this.closed = true;
    this.closedDone = this.doClose();
    return this.closedDone;
  }

  async doClose() {
    const errors = [];
    // Anything that got into our cgroups is ours too.
    for (const dir of this.created) {
      for (const h of this.hierarchies) {
        if (!dir.startsWith(`${h.mountPoint}/`)) continue;
        for (const p of this.readProcs(h, dir.slice(h.mountPoint.length))) this.track(p, 'member', 'found at teardown');
      }
    }
    // Members first (each container's first process is pid 1 of its pid namespace: the rest go with it), then wrappers.
    for (const kinds of [['member'], ['wrapper']]) {
      try {
        await poll(
          `bench processes (${kinds.join(', ')}) to exit`,
          (s) => {
            const left = this.alive(kinds);
            if (left.length === 0) return true;
            s.last = `${left.length} left, e.g. ${left
              .slice(0, 5)
              .map((t) => `${t.pid} (${t.what})`)
              .join(', ')}`;
            this.signal(left);
            return undefined;
          },
          60_000,
          50,
        );
      } catch (err) {
        errors.push(String(err.message ?? err));
      }
    }
    // Zombies of ours (wrappers not reaped yet) hold nothing, but wait so the next size starts clean.
    await poll('bench zombies to be reaped', () => ([...this.tracked.values()].some((t) => procStat(t.pid)?.start === t.start) ? undefined : true), 15_000, 50).catch(
      () => errors.push(`some recorded processes are still zombies`),
    );
    const dirs = [...this.created].sort((a, b) => b.split('/').length - a.split('/').length);
    for (const dir of dirs) {
      try {
        await poll(
          `rmdir ${dir}`,
          (s) => {
            try {
              fs.rmdirSync(dir);
              return true;
            } catch (err) {
              if (err.code === 'ENOENT') return true;
              // A shared parent (/kubepods) another user also populated: leave it.
              if (err.code === 'ENOTEMPTY' || (err.code === 'EBUSY' && fs.readdirSync(dir, { withFileTypes: true }).some((e) => e.isDirectory()))) return true;
              s.last = String(err);
              return undefined;
            }
          },
          5000,
          20,
        );
      } catch (err) {
        errors.push(String(err.message ?? err));
      }
    }
    fs.rmSync(this.tmp, { recursive: true, force: true });
    const leftProcs = this.alive();
    const leftDirs = this.remainingCgroups();
    return { errors, leftProcesses: leftProcs.map((t) => t.pid), leftCgroups: leftDirs };
  }
}

let clkTck;
function uptimeTicks() {
  // CLK_TCK is 100 on every Linux build that matters; stat's start time is in these ticks.
  clkTck ??= 100;
  return Math.floor(Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * clkTck);
}

/**
 * Hold the live-suite lock (/tmp/nsview-live.lock, as test/helpers/lab.ts
 * does) while the host is built, so live tests and benchmarks do not disturb
 * each other. flock holds it while `cat` reads our stdin: if we die, it goes.
 */
export async function takeLock(file = '/tmp/nsview-live.lock', timeoutMs = 600_000) {
  const child = spawn('flock', ['-w', String(Math.ceil(timeoutMs / 1000)), file, 'sh', '-c', 'echo locked; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.on('error', () => undefined);
  let out = '';
  let err = '';
  let exited;
  child.stdout.on('data', (d) => (out += d.toString()));
  child.stderr.on('data', (d) => (err += d.toString()));
  child.on('exit', (code) => (exited = code));
  const started = Date.now();
  let warned = false;
  await poll(
    `lock ${file}`,
    () => {
      if (out.includes('locked')) return true;
      if (exited !== undefined) throw new Error(`bench: could not take ${file} (flock exited ${exited}): ${err.trim()}`);
      if (!warned && Date.now() - started > 2000) {
        warned = true;
        console.error(`bench: waiting for ${file}: a live test suite is running`);
      }
      return undefined;
    },
    timeoutMs + 5000,
    50,
  );
  return {
    async release() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const done = new Promise((resolve) => child.once('exit', resolve));
      child.stdin.end();
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(t);
    },
    releaseSync() {
      try {
        child.stdin.destroy();
        child.kill('SIGKILL');
      } catch {
        // gone
      }
    },
  };
}
