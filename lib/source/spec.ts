/**
 * Builds a host (a capture tree) from a compact host spec, as data: the same
 * layout `nsview capture` writes. The `--demo` reads it through an in-memory
 * source; tests also lay it into memfs volumes and directories to run the real
 * reader. Specs live in fixtures/scenarios/*.json; the format is documented in
 * fixtures/README.md.
 */
import { createMemorySource, type HostTree } from './memory.js';
import type { Source } from './source.js';
import { NS_TYPES } from '../types.js';

/** One process of a {@link HostSpec}. */
export interface ProcSpec {
  pid: number;
  ppid?: number;
  comm: string;
  cmdline?: string[];
  uid?: number;
  state?: string;
  start?: number;
  kthread?: boolean;
  /** `NSpid:` values, outermost first (default: the pid alone). */
  nspid?: number[];
  ns?: Record<string, number>;
  cgroup?: string;
  cgroups?: Record<string, string>;
}

/** A host described compactly: processes with namespaces and cgroups, limits, and raw file overrides. */
export interface HostSpec {
  description?: string;
  source?: string;
  cgroup: 'v1' | 'v2' | 'hybrid';
  controllers?: string[];
  users?: Record<string, string>;
  nodeNs?: Record<string, number>;
  processes: ProcSpec[];
  limits?: Record<string, { memory?: number | 'max'; cpu?: [number | 'max', number]; pids?: number | 'max' }>;
  cgroupDirs?: string[];
  /** Extra `mountinfo` lines by mount namespace inode (nsfs bind mounts, volumes); every process gets the host's lines plus its namespace's. */
  mounts?: Record<string, string[]>;
  files?: Record<string, string>;
  links?: Record<string, string>;
  remove?: string[];
}

const DEFAULT_CONTROLLERS = ['cpu,cpuacct', 'memory', 'pids', 'name=systemd'];
function mountDir(spec: HostSpec, key: string): string {
  if (key === 'unified') return spec.cgroup === 'v2' ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified';
  return `/sys/fs/cgroup/${key.replace(/^name=/, '')}`;
}

/** The files and links of the host described by `spec`, by absolute path. */
export function specTree(spec: HostSpec): HostTree {
  const files: Record<string, string> = {};
  const links: Record<string, string> = {};
  const controllers = spec.cgroup === 'v2' ? [] : (spec.controllers ?? DEFAULT_CONTROLLERS);
  const keys = [...(spec.cgroup === 'v1' ? [] : ['unified']), ...controllers];
  const users = spec.users ?? { '0': 'root' };
  files['/etc/passwd'] =
    Object.entries(users)
      .map(([uid, name]) => `${name}:x:${uid}:${uid}::/:/bin/sh`)
      .join('\n') + '\n';

  // mountinfo
  const mi: string[] = ['22 1 0:21 / /proc rw,nosuid - proc proc rw', '23 1 0:22 / /sys rw,nosuid - sysfs sysfs rw'];
  let id = 30;
  if (spec.cgroup !== 'v2') mi.push(`${id++} 23 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755`);
  for (const key of keys) {
    if (key === 'unified') mi.push(`${id++} 23 0:${id} / ${mountDir(spec, key)} rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate`);
    else mi.push(`${id++} 30 0:${id} / ${mountDir(spec, key)} rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,${key.split(',').join(',')}`);
  }
  files['/proc/self/mountinfo'] = mi.join('\n') + '\n';

  // cgroup trees: every directory any process is in, plus extra ones
  const members = new Map<string, Map<string, number[]>>(keys.map((k) => [k, new Map([['/', []]])]));
  const addDir = (key: string, path: string): void => {
    const m = members.get(key)!;
    let at = '';
    for (const seg of path.split('/').filter(Boolean)) {
      at += '/' + seg;
      if (!m.has(at)) m.set(at, []);
    }
  };
  for (const d of spec.cgroupDirs ?? []) for (const k of keys) addDir(k, d);
  for (const p of spec.processes) {
    const dir = `/proc/${p.pid}`;
    const kthread = p.kthread === true;
    const cmdline = kthread ? [] : (p.cmdline ?? [p.comm]);
    const flags = kthread ? 0x00208040 : 0x00400100;
    files[`${dir}/stat`] =
      `${p.pid} (${p.comm}) ${p.state ?? 'S'} ${p.ppid ?? 1} ${p.pid} ${p.pid} 0 -1 ${flags} 0 0 0 0 0 0 0 0 20 0 1 0 ${p.start ?? p.pid * 10} 0 0\n`;
    files[`${dir}/comm`] = p.comm + '\n';
    files[`${dir}/cmdline`] = cmdline.map((a) => a + '\0').join('');
    const uid = p.uid ?? 0;
    files[`${dir}/status`] =
      `Name:\t${p.comm}\nState:\t${p.state ?? 'S'}\nTgid:\t${p.pid}\nPid:\t${p.pid}\nPPid:\t${p.ppid ?? 1}\nUid:\t${uid}\t${uid}\t${uid}\t${uid}\nGid:\t0\t0\t0\t0\nNSpid:\t${(p.nspid ?? [p.pid]).join('\t')}\n`;
    const ns = { ...(spec.nodeNs ?? {}), ...(p.ns ?? {}) };
    for (const t of NS_TYPES) if (ns[t] !== undefined) links[`${dir}/ns/${t}`] = `${t}:[${ns[t]}]`;
    for (const t of ['pid', 'time'] as const) {
      const v = ns[`${t}_for_children`] ?? ns[t];
      if (v !== undefined) links[`${dir}/ns/${t}_for_children`] = `${t}:[${v}]`;
    }
    const lines: string[] = [];
    controllers.forEach((key, i) => {
      const path = kthread ? '/' : (p.cgroups?.[key] ?? p.cgroup ?? '/');
      lines.push(`${controllers.length - i}:${key}:${path}`);
      addDir(key, path);
      members.get(key)!.get(path)!.push(p.pid);
    });
    if (spec.cgroup !== 'v1') {
      const path = kthread ? '/' : (p.cgroups?.unified ?? p.cgroup ?? '/');
      lines.push(`0::${path}`);
      addDir('unified', path);
      members.get('unified')!.get(path)!.push(p.pid);
    }
    files[`${dir}/cgroup`] = lines.join('\n') + '\n';
    const extra = ns.mnt === undefined ? undefined : spec.mounts?.[String(ns.mnt)];
    files[`${dir}/mountinfo`] = files['/proc/self/mountinfo'] + (extra?.length ? extra.join('\n') + '\n' : '');
  }
  for (const [key, dirs] of members) {
    const base = mountDir(spec, key);
    for (const [path, pids] of dirs) {
      const d = path === '/' ? base : base + path;
      files[`${d}/cgroup.procs`] = pids.map((x) => `${x}\n`).join('');
      const lim = spec.limits?.[path];
      if (!lim) continue;
      if (key === 'unified') {
        if (lim.memory !== undefined) files[`${d}/memory.max`] = `${lim.memory}\n`;
        if (lim.cpu) files[`${d}/cpu.max`] = `${lim.cpu[0]} ${lim.cpu[1]}\n`;
        if (lim.pids !== undefined) files[`${d}/pids.max`] = `${lim.pids}\n`;
      } else if (key === 'memory' && lim.memory !== undefined) {
        files[`${d}/memory.limit_in_bytes`] = `${lim.memory === 'max' ? '9223372036854771712' : lim.memory}\n`;
      } else if (key.split(',').includes('cpu') && lim.cpu) {
        files[`${d}/cpu.cfs_quota_us`] = `${lim.cpu[0] === 'max' ? -1 : lim.cpu[0]}\n`;
        files[`${d}/cpu.cfs_period_us`] = `${lim.cpu[1]}\n`;
      } else if (key === 'pids' && lim.pids !== undefined) {
        files[`${d}/pids.max`] = `${lim.pids}\n`;
      }
    }
  }
  Object.assign(files, spec.files ?? {});
  Object.assign(links, spec.links ?? {});
  for (const r of spec.remove ?? []) {
    for (const k of Object.keys(files)) if (k === r || k.startsWith(r + '/')) delete files[k];
    for (const k of Object.keys(links)) if (k === r || k.startsWith(r + '/')) delete links[k];
  }
  return { files, links };
}

/** A source over the host described by `spec`, held in memory; `root` names it in messages. */
export function specSource(spec: HostSpec, root = 'spec'): Source {
  return createMemorySource(specTree(spec), root);
}
