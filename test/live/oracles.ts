/**
 * Oracles for the live tests: util-linux `lsns` and systemd's `systemd-cgls`,
 * run on the same host as nsview, parsed into the shapes nsview's snapshot
 * has, and compared with the processes that came and went in between allowed for.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { NS_TYPES, type CgroupHierarchy, type CgroupNode, type Snapshot } from '../../lib/model/types.js';
import { expect } from 'vitest';
import { closeLab, nsInode, procStat, uptimeTicks, type Lab, type LabPod } from '../helpers/lab.js';

// ---------------------------------------------------------------------------
// lsns

/** One row of `lsns -J -l`. */
export interface LsnsRow {
  ns: number;
  type: string;
  nprocs: number;
  pid: number | null;
  user?: string | null;
  command?: string | null;
}

/** What one namespace looks like to either tool: how many processes, and the lowest pid. */
export interface NsSummary {
  nprocs: number;
  pid: number | null;
}

/** Run `lsns -J -l` (or a command printing the same JSON) and keep its own pid, which it counts among the processes. */
export function runLsnsJson(argv: string[] = ['lsns', '-J', '-l']): { rows: LsnsRow[]; pid: number } {
  const [cmd, ...args] = argv as [string, ...string[]];
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20, timeout: 30_000 });
  if (r.status !== 0 || r.pid === undefined) throw new Error(`${argv.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr || String(r.error)}`);
  const parsed = JSON.parse(r.stdout) as { namespaces: LsnsRow[] };
  return { rows: parsed.namespaces, pid: r.pid };
}

/** `type:inode` → summary, from lsns rows (rows of namespaces no process holds are left out). */
export function lsnsSummaries(rows: LsnsRow[]): Map<string, NsSummary> {
  const out = new Map<string, NsSummary>();
  for (const r of rows) {
    if (!r.nprocs) continue; // a namespace held only by a bind mount or an fd: nsview lists processes' namespaces
    out.set(`${r.type}:${r.ns}`, { nprocs: r.nprocs, pid: r.pid });
  }
  return out;
}

/** `type:inode` → summary, from a snapshot. */
export function snapshotSummaries(snap: Pick<Snapshot, 'namespaces'>): Map<string, NsSummary> {
  const out = new Map<string, NsSummary>();
  for (const ns of snap.namespaces) out.set(`${ns.type}:${ns.inode}`, { nprocs: ns.pids.length, pid: ns.pids[0] ?? null });
  return out;
}

/**
 * Count one more process in the namespaces it is in: a tool reading /proc
 * counts itself, so the other side of a comparison gets the tool's pid added.
 */
export function withProcess(m: Map<string, NsSummary>, pid: number, ns: Record<string, number | undefined>): Map<string, NsSummary> {
  const out = new Map(m);
  for (const [type, inode] of Object.entries(ns)) {
    if (inode === undefined) continue;
    const key = `${type}:${inode}`;
    const s = out.get(key);
    out.set(key, s ? { nprocs: s.nprocs + 1, pid: s.pid === null ? pid : Math.min(s.pid, pid) } : { nprocs: 1, pid });
  }
  return out;
}

/** This process's namespaces, which a child it spawns (the oracle) inherits. */
export function ownNamespaces(): Record<string, number | undefined> {
  const out: Record<string, number | undefined> = {};
  for (const t of NS_TYPES) out[t] = nsInode('self', t);
  return out;
}

const show = (s: NsSummary | undefined): string => (s ? `nprocs ${s.nprocs}, pid ${s.pid}` : 'absent');

/**
 * Compare the oracle's namespaces with nsview's, read before and after it:
 * a namespace agrees if the oracle matches either read (a process that
 * started or exited in between then explains the other). Returns mismatches.
 */
export function compareNamespaces(oracle: Map<string, NsSummary>, before: Map<string, NsSummary>, after: Map<string, NsSummary>, label = 'lsns'): string[] {
  const out: string[] = [];
  const same = (a: NsSummary | undefined, b: NsSummary | undefined): boolean => (!a && !b) || (!!a && !!b && a.nprocs === b.nprocs && a.pid === b.pid);
  const keys = [...new Set([...oracle.keys(), ...before.keys(), ...after.keys()])].sort();
  for (const key of keys) {
    const o = oracle.get(key);
    const b = before.get(key);
    const a = after.get(key);
    if (same(o, b) || same(o, a)) continue;
    out.push(`${key}: ${label} ${show(o)}; nsview ${show(b)} (before), ${show(a)} (after)`);
  }
  return out;
}

// ---------------------------------------------------------------------------
// systemd-cgls

/** What `systemd-cgls` printed, parsed. */
export interface CglsTree {
  /** The first line: `Control group /:`, `Directory /sys/fs/cgroup/memory:`, … */
  header: string;
  /** pid → cgroup path (from the tree's root). */
  placement: Map<number, string>;
  /** Every cgroup path shown. */
  cgroups: Set<string>;
}

/** Run systemd-cgls with the given arguments (always `--no-pager --full -a -k`). */
export function runCgls(args: string[] = [], wrap?: string[]): { text: string; pid: number } {
  const argv = [...(wrap ?? []), 'systemd-cgls', '--no-pager', '--full', '-a', '-k', ...args];
  const [cmd, ...rest] = argv as [string, ...string[]];
  const r = spawnSync(cmd, rest, { encoding: 'utf8', maxBuffer: 256 << 20, timeout: 30_000, env: { ...process.env, SYSTEMD_COLORS: '0', COLUMNS: '4000' } });
  if (r.status !== 0 || r.pid === undefined) throw new Error(`${argv.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr || String(r.error)}`);
  return { text: r.stdout, pid: r.pid };
}

const BRANCH = /^((?:│ | {2})*)([├└])─(.*)$/u;

/**
 * Parse a systemd-cgls tree: lines drawn with `├─`, `└─` and `│ ` prefixes,
 * where a process line is `<pid> <command>` and a cgroup line is its name
 * (with a ` (#<id>)` suffix in newer versions). The root line (`-.slice`) has no prefix.
 * With `annotations`, a trailing ` [...]` (nsview's pod and container marks) is not part of the name.
 */
export function parseCgls(text: string, options: { annotations?: boolean } = {}): CglsTree {
  const lines = text.split('\n').filter((l) => l.length > 0);
  const header = lines[0] ?? '';
  const placement = new Map<number, string>();
  const cgroups = new Set<string>(['/']);
  // stack[d] = path of the cgroup whose children are drawn at depth d.
  const stack: string[] = ['/'];
  for (const line of lines.slice(1)) {
    const m = BRANCH.exec(line);
    if (!m) continue; // the root's own name (`-.slice`), or a line that is not part of the tree
    const depth = (m[1] as string).length / 2;
    const content = m[3] as string;
    const parent = stack[depth];
    if (parent === undefined) throw new Error(`systemd-cgls: line deeper than its parent: ${JSON.stringify(line)}`);
    const proc = /^\s*(\d+) /.exec(content);
    const named = / \(#\d+\)$/.test(content);
    if (proc && !named) {
      placement.set(Number(proc[1]), parent);
      continue;
    }
    // nsview's tree marks pods and containers after the name: `<name> [pod burstable <uid>]`.
    let name = content.replace(/ \(#\d+\)$/, '');
    if (options.annotations) name = name.replace(/ \[[^\]]*\]$/, '');
    const path = parent === '/' ? `/${name}` : `${parent}/${name}`;
    cgroups.add(path);
    stack[depth + 1] = path;
    stack.length = depth + 2;
  }
  return { header, placement, cgroups };
}

/** pid → cgroup path from one of nsview's hierarchies. */
export function hierarchyPlacement(h: Pick<CgroupHierarchy, 'root'>): { placement: Map<number, string>; cgroups: Set<string> } {
  const placement = new Map<number, string>();
  const cgroups = new Set<string>();
  const walk = (n: CgroupNode): void => {
    cgroups.add(n.path);
    for (const pid of n.pids) placement.set(pid, n.path);
    for (const c of n.children) walk(c);
  };
  walk(h.root);
  return { placement, cgroups };
}

/** How one placement compared with another. */
export interface PlacementComparison {
  /** pids in both, in different cgroups. */
  mismatches: string[];
  /** pids only the oracle showed, or only nsview. */
  onlyOracle: number[];
  onlyNsview: number[];
  /** pids both showed. */
  common: number;
  /** Required pids missing from either side, or misplaced. */
  missing: string[];
}

/** Compare the oracle's pid placement with nsview's; `required` pids (the lab's) must be in both, at `expect`ed paths if given. */
export function comparePlacement(oracle: Map<number, string>, nsview: Map<number, string>, required: Map<number, string> = new Map()): PlacementComparison {
  const out: PlacementComparison = { mismatches: [], onlyOracle: [], onlyNsview: [], common: 0, missing: [] };
  for (const [pid, path] of oracle) {
    const mine = nsview.get(pid);
    if (mine === undefined) out.onlyOracle.push(pid);
    else {
      out.common++;
      if (mine !== path) out.mismatches.push(`pid ${pid}: systemd-cgls ${path}, nsview ${mine}`);
    }
  }
  for (const pid of nsview.keys()) if (!oracle.has(pid)) out.onlyNsview.push(pid);
  for (const [pid, path] of required) {
    for (const [who, m] of [
      ['systemd-cgls', oracle],
      ['nsview', nsview],
    ] as const) {
      const got = m.get(pid);
      if (got !== path) out.missing.push(`lab pid ${pid}: expected in ${path}, ${who} has ${got ?? 'nothing'}`);
    }
  }
  return out;
}

/**
 * Pids one side showed and the other did not must have come or gone in
 * between: each must be gone (or a zombie) now, or have started after `since`
 * (clock ticks, taken before the first of the two reads). A pid alive through
 * both reads and missing from one is a real difference.
 */
export function unexplained(cmp: PlacementComparison, since: number, labels: [string, string] = ['systemd-cgls', 'nsview']): string[] {
  const out: string[] = [];
  for (const [side, pids] of [
    [labels[0], cmp.onlyOracle],
    [labels[1], cmp.onlyNsview],
  ] as const) {
    for (const pid of pids) {
      const st = procStat(pid);
      if (!st || st.state === 'Z' || st.state === 'X' || st.start >= since - 1) continue;
      out.push(`pid ${pid} (${st.comm}, started before both reads, still running) shown only by ${side}`);
    }
  }
  return out;
}

/**
 * Retry a live comparison (processes come and go between two reads): up to
 * `attempts` times until it reports no problem; returns the last problems.
 */
export async function retry(attempts: number, fn: (attempt: number) => string[] | Promise<string[]>): Promise<{ problems: string[]; attempts: number }> {
  let problems: string[] = [];
  for (let i = 1; i <= attempts; i++) {
    problems = await fn(i);
    if (problems.length === 0) return { problems, attempts: i };
    if (i < attempts) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { problems, attempts };
}

// ---------------------------------------------------------------------------
// a private build of the library and CLI, for runs in other mount namespaces

/**
 * Compile lib/ and bin/ into a private directory (so a concurrent `npm run
 * build` of dist/ cannot interfere) and return it. The directory gets a
 * package.json marking it ESM and a node_modules link for the CLI's dependencies.
 */
export function privateBuild(repo: string, outDir: string): { lib: string; cli: string } {
  const tsc = nodePath.join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', nodePath.join(repo, 'tsconfig.build.json'), '--outDir', outDir, '--declaration', 'false'], {
    encoding: 'utf8',
    cwd: repo,
    timeout: 120_000,
  });
  const lib = nodePath.join(outDir, 'lib', 'index.js');
  // tsc emits despite type errors elsewhere (a CLI being written): what matters is that the library came out.
  if (!fs.existsSync(lib)) throw new Error(`build of lib/ failed (${r.status ?? r.signal}): ${r.stdout}${r.stderr}`);
  fs.writeFileSync(nodePath.join(outDir, 'package.json'), '{"type":"module"}\n');
  if (!fs.existsSync(nodePath.join(outDir, 'node_modules'))) fs.symlinkSync(nodePath.join(repo, 'node_modules'), nodePath.join(outDir, 'node_modules'));
  return { lib, cli: nodePath.join(outDir, 'bin', 'nsview.js') };
}

// ---------------------------------------------------------------------------
// agreement with the lab

/** pid → cgroup path every lab process must have, in every hierarchy. */
export function labPlacement(pods: LabPod[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const p of pods) {
    for (const c of [p.sandbox, ...p.containers]) for (const pid of c.pids) out.set(pid, c.cgroup);
    for (const m of p.monitors) out.set(m.pid, m.cgroup);
  }
  return out;
}

/** Run `check` and fail with its problems (after the retries), logging how many attempts it took. */
export async function expectAgreement(label: string, check: (attempt: number) => string[] | Promise<string[]>): Promise<void> {
  const { problems, attempts } = await retry(3, check);
  if (attempts > 1 || problems.length) {
    console.log(
      `${label}: ${problems.length ? 'FAILED' : 'agreed'} after ${attempts} attempt(s)${problems.length ? `:\n  ${problems.slice(0, 12).join('\n  ')}` : ''}`,
    );
  }
  expect(problems, `${label} (after ${attempts} attempts)`).toEqual([]);
}

/** Run the CLI (argv: node, the built bin, its arguments), optionally wrapped (`nsenter -t <pid> -m`); throws on a non-zero exit. */
export function runCli(argv: string[], wrap: string[] = []): { stdout: string; stderr: string; pid: number } {
  const [cmd, ...rest] = [...wrap, ...argv] as [string, ...string[]];
  const r = spawnSync(cmd, rest, { encoding: 'utf8', maxBuffer: 256 << 20, timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
  if (r.status !== 0 || r.pid === undefined) throw new Error(`${argv.slice(1).join(' ')} exited ${r.status ?? r.signal}: ${r.stderr || String(r.error)}`);
  return { stdout: r.stdout, stderr: r.stderr, pid: r.pid };
}

/**
 * `nsview tree …` (text) against `systemd-cgls …`, both run with `wrap`: same header, same
 * cgroups, each pid in the same cgroup; the `required` pids in both at their paths; a pid on
 * one side only must have come or gone in between. Returns the problems.
 */
export function compareTree(cli: string[], cglsArgs: string[], required: Map<number, string>, wrap: string[] = []): string[] {
  const since = uptimeTicks();
  let mine: CglsTree;
  try {
    mine = parseCgls(runCli(cli, wrap).stdout, { annotations: true });
  } catch (err) {
    return [String(err)];
  }
  const theirs = parseCgls(runCgls(cglsArgs, wrap).text);
  const problems: string[] = [];
  if (mine.header !== theirs.header) problems.push(`header ${JSON.stringify(mine.header)}, systemd-cgls ${JSON.stringify(theirs.header)}`);
  const cmp = comparePlacement(theirs.placement, mine.placement, required);
  const cgroups = [...theirs.cgroups].filter((c) => !mine.cgroups.has(c)).map((c) => `cgroup ${c}: systemd-cgls shows it, nsview tree does not`);
  const extra = [...mine.cgroups].filter((c) => !theirs.cgroups.has(c)).map((c) => `cgroup ${c}: nsview tree shows it, systemd-cgls does not`);
  return [...problems, ...cmp.mismatches, ...cmp.missing, ...cgroups, ...extra, ...unexplained(cmp, since, ['systemd-cgls', 'nsview tree'])];
}

/**
 * `nsview ls -J` (read before and after) against `lsns -J -l`, both run with `wrap`. Each tool
 * counts itself: the other's pid is added to each side, in `own` namespaces (those a process
 * started with `wrap` has). Returns the problems.
 */
export function compareLs(cli: string[], own: Record<string, number | undefined>, wrap: string[] = []): string[] {
  const before = runLsnsJson([...wrap, ...cli]);
  const lsns = runLsnsJson([...wrap, 'lsns', '-J', '-l']);
  const after = runLsnsJson([...wrap, ...cli]);
  return compareNamespaces(
    withProcess(lsnsSummaries(lsns.rows), before.pid, own),
    withProcess(lsnsSummaries(before.rows), lsns.pid, own),
    withProcess(lsnsSummaries(after.rows), lsns.pid, own),
  );
}

/** Close the lab (which must leave no process or cgroup behind) and remove a private build. */
export async function closeLabAndBuild(lab: Lab | undefined, buildDir: string | undefined): Promise<void> {
  try {
    expect(await closeLab(lab), 'lab processes and cgroups left after close').toEqual({ alive: [], cgroups: [] });
  } finally {
    if (buildDir) fs.rmSync(buildDir, { recursive: true, force: true });
  }
}
