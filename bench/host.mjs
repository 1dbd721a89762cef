/* global process, URL */
/**
 * A benchmark host: fills this node with N processes spread over
 * Kubernetes-like pods, and tears down exactly what it built.
 *
 * The pods are built by the live tests' lab, test/helpers/lab.ts, itself: one
 * copy of how a pod is made, checked, recorded and removed. The lab (and the
 * project modules it imports) is transpiled with the project's TypeScript into
 * node_modules/.cache/nsview-bench/ (out of git and of lint) the first time
 * and whenever its sources change, then imported.
 *
 * Each pod is the lab's `cgroupfs` layout with QoS `besteffort`:
 * `kubepods/besteffort/pod<uid>` in every mounted hierarchy (v1 controllers
 * and the v2 tree), one 64-hex leaf per container; its sandbox runs `pause` (a
 * copy of `sleep`) in new net/uts/ipc/mount/pid namespaces, and each container
 * is a wrapper (`unshare --pid --fork`, the "shim", in the node's namespaces
 * and cgroups) whose child joins the sandbox's net/ipc/uts, gets its own mount
 * namespace and runs `procs` copies of `sleep infinity`. The lab records every
 * pid with its start time and every cgroup directory it creates, checks each
 * pod's namespaces and cgroups as it builds it, and at close kills by recorded
 * pid and removes the directories deepest first. Nothing is killed by name.
 *
 * What stays here is the benchmark's own part: how many pods of which sizes
 * make N processes, and the host's process limits.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The lab, from the repository root. */
const LAB_SOURCE = 'test/helpers/lab.ts';
const CACHE = nodePath.join(ROOT, 'node_modules/.cache/nsview-bench');

/** Relative modules a TypeScript file imports or re-exports (static `from '…'` and bare `import '…'`). */
function relativeImports(text) {
  const out = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^;'"]*?\bfrom\s*['"](\.[^'"]+)['"]|^\s*import\s*['"](\.[^'"]+)['"]/gm)) out.push(m[1] ?? m[2]);
  return out;
}

/**
 * Transpile the lab and every project module it imports (relative imports,
 * followed) with the project's TypeScript into a directory named by a hash of
 * their text, unless it is there already; returns the lab's compiled path.
 * Transpiled only, not type-checked (`npm run typecheck` does that).
 */
async function compileLab() {
  const files = [];
  const queue = [LAB_SOURCE];
  const seen = new Set(queue);
  while (queue.length) {
    const rel = queue.shift();
    const text = fs.readFileSync(nodePath.join(ROOT, rel), 'utf8');
    files.push({ rel, text });
    for (const spec of relativeImports(text)) {
      const dep = nodePath.posix.normalize(nodePath.posix.join(nodePath.posix.dirname(rel), spec)).replace(/\.js$/, '.ts');
      if (!seen.has(dep)) {
        seen.add(dep);
        queue.push(dep);
      }
    }
  }
  const tsVersion = JSON.parse(fs.readFileSync(nodePath.join(ROOT, 'node_modules/typescript/package.json'), 'utf8')).version;
  const hash = createHash('sha256');
  hash.update(`typescript ${tsVersion}\n`);
  for (const f of files) hash.update(`${f.rel}\n${f.text}\n`);
  const dir = nodePath.join(CACHE, `lab-${hash.digest('hex').slice(0, 16)}`);
  const entry = nodePath.join(dir, LAB_SOURCE.replace(/\.ts$/, '.js'));
  if (fs.existsSync(entry)) return entry;
  // TypeScript takes a second to load: only when there is something to transpile.
  const { default: ts } = await import('typescript');
  // Written aside and renamed into place, so a run started alongside never sees half of it.
  const staging = `${dir}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  // node_modules/ starts a package scope of its own: say the output is ESM.
  fs.mkdirSync(staging, { recursive: true });
  fs.writeFileSync(nodePath.join(staging, 'package.json'), '{ "type": "module" }\n');
  for (const f of files) {
    const out = ts.transpileModule(f.text, {
      fileName: f.rel,
      reportDiagnostics: true,
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, sourceMap: false, declaration: false },
    });
    const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (errors.length)
      throw new Error(`bench: cannot transpile ${f.rel}: ${errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' ')).join('; ')}`);
    const to = nodePath.join(staging, f.rel.replace(/\.ts$/, '.js'));
    fs.mkdirSync(nodePath.dirname(to), { recursive: true });
    fs.writeFileSync(to, out.outputText);
  }
  try {
    fs.renameSync(staging, dir);
  } catch (err) {
    // Another run put the same build there first.
    fs.rmSync(staging, { recursive: true, force: true });
    if (!fs.existsSync(entry)) throw err;
  }
  // Builds of older versions of the lab are of no further use.
  for (const name of fs.readdirSync(CACHE)) {
    if (/^lab-[0-9a-f]{16}$/.test(name) && nodePath.join(CACHE, name) !== dir) fs.rmSync(nodePath.join(CACHE, name), { recursive: true, force: true });
  }
  return entry;
}

/** The lab module (test/helpers/lab.ts, compiled). */
const lab = await import(pathToFileURL(await compileLab()).href);

export const { which, cgroupHierarchies, procStat, poll } = lab;

/** Tools building a host needs: the lab's. */
export const HOST_TOOLS = lab.LAB_TOOLS;

/**
 * How the benchmark opens its labs: the live-suite lock waited for longer than
 * a live test does (a full suite may be running), and more time to start and
 * stop thousands of processes on a busy machine. Wrappers' stderr pipes are
 * closed once their processes are up: thousands of open pipes in this process
 * would be thousands of file descriptors for the measured tools to list.
 */
const LAB_OPTIONS = { lockTimeoutMs: 600_000, startTimeoutMs: 30_000, teardownTimeoutMs: 60_000, closeStderrWhenUp: true };

/** Pids under /proc now. */
export function countProcesses() {
  let n = 0;
  for (const name of fs.readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
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
  const hierarchies = cgroupHierarchies();
  const pidsCgroups = [];
  for (const line of (read('/proc/self/cgroup') ?? '').split('\n')) {
    const [, ctrls, path] = line.split(':');
    if (path === undefined) continue;
    const h = ctrls === '' ? 'unified' : ctrls.split(',').includes('pids') ? 'pids' : undefined;
    if (!h) continue;
    const mp = h === 'unified' ? hierarchies.find((x) => x.version === 2)?.mountPoint : hierarchies.find((x) => x.key.split(',').includes('pids'))?.mountPoint;
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

/** Locks taken with {@link takeLock} and not released yet. */
let locksHeld = 0;

/**
 * Take the live-suite lock (/tmp/nsview-live.lock, the lab's) for a host made
 * with `new BenchHost()`. {@link BenchHost.open} takes it itself: prefer that.
 */
export async function takeLock(file = '/tmp/nsview-live.lock', timeoutMs = LAB_OPTIONS.lockTimeoutMs) {
  const lock = await lab.takeLiveLock(file, timeoutMs);
  locksHeld++;
  let held = true;
  const drop = () => {
    if (held) locksHeld--;
    held = false;
  };
  return {
    async release() {
      drop();
      await lock.release();
    },
    releaseSync() {
      drop();
      lock.releaseSync();
    },
  };
}

/** A host of pods built by the lab. */
export class BenchHost {
  /** Open a host: its lab takes the live-suite lock, held until {@link close}. */
  static async open(options = {}) {
    const host = new BenchHost();
    host.opening = lab.Lab.open({ ...LAB_OPTIONS, ...options });
    host.lab = await host.opening;
    return host;
  }

  /**
   * A host whose lab opens on first use. Made this way (not by {@link open}),
   * the caller holds the lock ({@link takeLock}) and the lab does not take it
   * again; without one held, the lab takes it.
   */
  constructor() {
    /** The lab, once open. */
    this.lab = undefined;
    this.opening = undefined;
    this.closed = false;
  }

  /** The pods built so far (the lab's records: uid, cgroup, sandbox, containers with their pids). */
  get pods() {
    return this.lab?.pods ?? [];
  }

  async ready() {
    if (this.closed) throw new Error('bench: host closed');
    this.opening ??= lab.Lab.open({ ...LAB_OPTIONS, lock: locksHeld === 0 });
    this.lab ??= await this.opening;
    return this.lab;
  }

  /** Build one pod with containers of the given process counts. */
  async pod(containerProcs) {
    const l = await this.ready();
    return l.pod({ layout: 'cgroupfs', qos: 'besteffort', containers: containerProcs.map((procs) => ({ procs })) });
  }

  /**
   * Build pods until the host holds `total` processes. `baseline` is the
   * count before building; `concurrency` pods are built at once.
   */
  async build(total, { concurrency = 6, containers = 3, procs = 5, large = 0, onProgress } = {}) {
    await this.ready();
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
   * Problems with the host as built: each container's cgroup must still list
   * exactly its processes in every hierarchy (the lab checked every pod's
   * namespaces and cgroups as it built it).
   */
  verify() {
    return this.lab?.checkCgroups() ?? [];
  }

  /** Last resort on exit: SIGKILL what is alive, no waiting, no cgroup removal. */
  killSync() {
    this.closed = true;
    this.lab?.killSync();
  }

  /** Kill every recorded process, remove every cgroup created, release the lock; returns what was left behind. */
  async close() {
    this.closed = true;
    this.closing ??= this.doClose();
    return this.closing;
  }

  async doClose() {
    const l = this.lab ?? (await this.opening?.catch(() => undefined));
    if (!l) return { errors: [], leftProcesses: [], leftCgroups: [] };
    const errors = [];
    try {
      await l.close();
    } catch (err) {
      // "lab: teardown left things behind:" and one line per problem.
      const lines = String(err.message ?? err).split('\n');
      errors.push(...(lines.length > 1 ? lines.slice(1) : lines).map((e) => e.trim()));
    }
    return { errors, leftProcesses: l.alive().map((t) => t.pid), leftCgroups: l.leftAtClose };
  }
}
