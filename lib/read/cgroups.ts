import { compareHierarchyKeys } from '../parse/proc-cgroup.js';
import { UNIFIED, type CgroupHierarchy, type CgroupNode, type Limits, type Warning } from '../types.js';
import { parseCgroupProcs, parseCpuMax, parseMaxValue, parseV1Cpu, parseV1Memory } from '../parse/cgroupfs.js';
import { parseCgroupMounts, type CgroupMount } from '../parse/mountinfo.js';
import type { Source } from '../source/source.js';
import { finish, type Steps } from './steps.js';
import { classify, reason } from './tolerate.js';

/**
 * Which hierarchies to walk: all, none, `primary` (the one `systemd-cgls` shows:
 * v2 if mounted, else `name=systemd`, else the first), or those whose key or
 * controller is listed (`unified`, `memory`, `cpu,cpuacct`).
 */
export type HierarchySelection = 'all' | 'none' | 'primary' | string[];

/** Options for {@link readHierarchies}. */
export interface CgroupReadOptions {
  hierarchies?: HierarchySelection;
  /** Read limit files (default true). */
  limits?: boolean;
}

/** The cgroup mounts of the host, from `/proc/self/mountinfo` (or `/proc/1/mountinfo`). */
export function readCgroupMounts(source: Source, warnings: Warning[]): CgroupMount[] {
  for (const path of ['/proc/self/mountinfo', '/proc/1/mountinfo']) {
    let text: string;
    try {
      text = source.readText(path, { names: true }); // mount points are bytes: keep what is not UTF-8
    } catch (err) {
      if (path === '/proc/1/mountinfo') {
        warnings.push({
          code: 'unreadable',
          path: '/proc/self/mountinfo',
          message: `cannot read /proc/self/mountinfo (nor ${path}): ${reason(err)}; no cgroup trees`,
        });
      }
      continue;
    }
    const { mounts, malformed } = parseCgroupMounts(text);
    if (malformed > 0) warnings.push({ code: 'malformed', path, message: `${malformed} malformed line(s) in ${path}` });
    return mounts;
  }
  return [];
}

/** The hierarchy key of a mount: `unified` or its sorted controllers joined by `,`. */
export function mountKey(m: CgroupMount): string {
  return m.version === 2 ? UNIFIED : [...m.controllers].sort().join(',');
}

/** True if a selection includes the hierarchy of this mount. */
export function selects(selection: HierarchySelection, m: CgroupMount, mounts: CgroupMount[] = [m]): boolean {
  if (selection === 'all') return true;
  if (selection === 'none') return false;
  if (selection === 'primary') {
    const primary = mounts.find((x) => x.version === 2) ?? mounts.find((x) => x.controllers.includes('name=systemd')) ?? mounts[0];
    return primary === m;
  }
  const key = mountKey(m);
  return selection.some((s) => s === key || (m.version === 1 && m.controllers.includes(s)));
}

/** Walk the selected cgroup hierarchies: directories, their `cgroup.procs` and limits. */
export function readHierarchies(source: Source, mounts: CgroupMount[], options: CgroupReadOptions, warnings: Warning[]): CgroupHierarchy[] {
  return finish(readHierarchiesSteps(source, mounts, options, warnings));
}

/** {@link readHierarchies} in steps: one hierarchy each. */
export function* readHierarchiesSteps(source: Source, mounts: CgroupMount[], options: CgroupReadOptions, warnings: Warning[]): Steps<CgroupHierarchy[]> {
  const selection = options.hierarchies ?? 'all';
  const out: CgroupHierarchy[] = [];
  for (const m of mounts) {
    if (!selects(selection, m, mounts)) continue;
    if (out.length) yield;
    // Node paths are cgroup paths, as /proc/<pid>/cgroup shows them: a mount of a
    // subtree (mount root `/kubepods.slice`) puts its nodes under that path.
    const root = walk(source, m, m.mountPoint, m.root, options.limits !== false, warnings);
    if (!root) continue;
    out.push({ key: mountKey(m), version: m.version, controllers: m.controllers, mountPoint: m.mountPoint, mountRoot: m.root, root });
  }
  return out.sort((a, b) => compareHierarchyKeys(a.key, b.key));
}

const MAX_DEPTH = 64;

function walk(source: Source, m: CgroupMount, dir: string, path: string, limits: boolean, warnings: Warning[], depth = 0): CgroupNode | undefined {
  let entries;
  try {
    entries = source.readDir(dir);
  } catch (err) {
    // A cgroup removed during the walk is simply gone; anything else is worth a warning.
    if (classify(err) !== 'vanished' || depth === 0) warnings.push({ code: 'unreadable', path: dir, message: `cannot read ${dir}: ${reason(err)}` });
    return undefined;
  }
  const node: CgroupNode = { path, pids: [], children: [] };
  const files = new Set<string>();
  const subdirs: string[] = [];
  for (const e of entries) {
    if (e.isDirectory) subdirs.push(e.name);
    else files.add(e.name);
  }
  const read = (name: string): string | undefined => {
    if (!files.has(name)) return undefined;
    try {
      return source.readText(`${dir}/${name}`);
    } catch (err) {
      if (classify(err) !== 'vanished') warnings.push({ code: 'unreadable', path: `${dir}/${name}`, message: `cannot read ${dir}/${name}: ${reason(err)}` });
      return undefined;
    }
  };
  const procs = read('cgroup.procs');
  if (procs !== undefined) {
    const pids = parseCgroupProcs(procs);
    // Read from inside a pid namespace, processes it cannot see are listed as 0.
    if (pids) node.pids = pids.filter((p) => p > 0).sort((a, b) => a - b);
    else warnings.push({ code: 'malformed', path: `${dir}/cgroup.procs`, message: `malformed ${dir}/cgroup.procs` });
  }
  if (limits) {
    const l = readLimits(m.version, read, dir, warnings);
    if (l) node.limits = l;
  }
  if (depth >= MAX_DEPTH) {
    if (subdirs.length) warnings.push({ code: 'too-large', path: dir, message: `cgroup tree deeper than ${MAX_DEPTH} levels at ${dir}; not walked further` });
    return node;
  }
  subdirs.sort();
  for (const name of subdirs) {
    const child = walk(source, m, `${dir}/${name}`, path === '/' ? `/${name}` : `${path}/${name}`, limits, warnings, depth + 1);
    if (child) node.children.push(child);
  }
  return node;
}

function readLimits(version: 1 | 2, read: (name: string) => string | undefined, dir: string, warnings: Warning[]): Limits | undefined {
  const l: Limits = {};
  const bad = (name: string): void => {
    warnings.push({ code: 'malformed', path: `${dir}/${name}`, message: `malformed ${dir}/${name}` });
  };
  if (version === 2) {
    const mem = read('memory.max');
    if (mem !== undefined) {
      const v = parseMaxValue(mem);
      if (v === undefined) bad('memory.max');
      else l.memory = v;
    }
    const cpu = read('cpu.max');
    if (cpu !== undefined) {
      const v = parseCpuMax(cpu);
      if (v === undefined) bad('cpu.max');
      else l.cpu = v;
    }
  } else {
    const mem = read('memory.limit_in_bytes');
    if (mem !== undefined) {
      const v = parseV1Memory(mem);
      if (v === undefined) bad('memory.limit_in_bytes');
      else l.memory = v;
    }
    const quota = read('cpu.cfs_quota_us');
    const period = quota === undefined ? undefined : read('cpu.cfs_period_us');
    if (quota !== undefined && period !== undefined) {
      const v = parseV1Cpu(quota, period);
      if (v === undefined) bad('cpu.cfs_quota_us');
      else l.cpu = v;
    }
  }
  const pids = read('pids.max');
  if (pids !== undefined) {
    const v = parseMaxValue(pids);
    if (v === undefined) bad('pids.max');
    else l.pids = v;
  }
  return Object.keys(l).length ? l : undefined;
}
