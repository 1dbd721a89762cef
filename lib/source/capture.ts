import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { NsviewError } from '../errors.js';
import type { Source } from './source.js';
import { errorCode } from './source.js';
import { createFsSource } from './fs-source.js';

/** What {@link captureHost} copied. */
export interface CaptureResult {
  processes: number;
  files: number;
  links: number;
  cgroups: number;
  /** Files that could not be read (permission denied, vanished), by path. */
  skipped: string[];
}

const PROC_FILES = ['stat', 'status', 'cmdline', 'comm', 'cgroup'];
const NS_LINKS = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'pid_for_children', 'time', 'time_for_children', 'user', 'uts'];
const CGROUP_FILES = ['cgroup.procs', 'memory.max', 'cpu.max', 'pids.max', 'memory.limit_in_bytes', 'cpu.cfs_quota_us', 'cpu.cfs_period_us'];

/**
 * Copy the files nsview reads from a host into `dest`, laid out like the host
 * (`proc/<pid>/…`, `proc/self/mountinfo`, `sys/fs/cgroup/…`, `etc/passwd`), so
 * `scan({ root: dest })` reads it back on any machine. Namespace links become
 * symbolic links whose target is the link text. `dest` must not exist or be empty.
 */
export function captureHost(dest: string, from: Source = createFsSource('/')): CaptureResult {
  try {
    const existing = fs.readdirSync(dest);
    if (existing.length > 0) throw new NsviewError('bad-argument', `${dest}: not empty; capture into a new directory`);
  } catch (err) {
    if (err instanceof NsviewError) throw err;
    if (errorCode(err) !== 'ENOENT') throw new NsviewError('unreadable-file', `cannot use ${dest}: ${errorCode(err) ?? (err as Error).message}`);
  }
  const result: CaptureResult = { processes: 0, files: 0, links: 0, cgroups: 0, skipped: [] };
  const write = (path: string, data: Uint8Array): void => {
    const to = nodePath.join(dest, path);
    fs.mkdirSync(nodePath.dirname(to), { recursive: true });
    fs.writeFileSync(to, data);
    result.files++;
  };
  const copy = (path: string): boolean => {
    try {
      write(path, from.readBytes(path));
      return true;
    } catch (err) {
      result.skipped.push(`${path} (${errorCode(err) ?? 'error'})`);
      return false;
    }
  };
  fs.mkdirSync(dest, { recursive: true });
  copy('/etc/passwd');
  const mountinfo = from.readBytes('/proc/self/mountinfo');
  write('/proc/self/mountinfo', mountinfo);

  for (const e of from.readDir('/proc')) {
    if (!/^[1-9]\d*$/.test(e.name)) continue;
    const dir = `/proc/${e.name}`;
    if (!copy(`${dir}/stat`)) continue;
    result.processes++;
    for (const f of PROC_FILES.slice(1)) copy(`${dir}/${f}`);
    for (const n of NS_LINKS) {
      try {
        const text = from.readLink(`${dir}/ns/${n}`);
        const to = nodePath.join(dest, dir, 'ns', n);
        fs.mkdirSync(nodePath.dirname(to), { recursive: true });
        fs.symlinkSync(text, to);
        result.links++;
      } catch (err) {
        result.skipped.push(`${dir}/ns/${n} (${errorCode(err) ?? 'error'})`);
      }
    }
  }

  // cgroup trees: every cgroup mount point from mountinfo
  const text = Buffer.from(mountinfo).toString('utf8');
  const points = new Set<string>();
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const fstype = line.slice(sep + 3).split(' ')[0];
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const mp = line.slice(0, sep).split(' ')[4];
    if (mp) points.add(mp.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  const walk = (dir: string, depth: number): void => {
    let entries;
    try {
      entries = from.readDir(dir);
    } catch (err) {
      result.skipped.push(`${dir} (${errorCode(err) ?? 'error'})`);
      return;
    }
    result.cgroups++;
    fs.mkdirSync(nodePath.join(dest, dir), { recursive: true });
    for (const e of entries) {
      if (e.isDirectory) {
        if (depth < 64) walk(`${dir}/${e.name}`, depth + 1);
      } else if (CGROUP_FILES.includes(e.name)) copy(`${dir}/${e.name}`);
    }
  };
  for (const mp of points) walk(mp, 0);
  return result;
}
