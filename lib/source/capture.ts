import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { NsviewError } from '../errors.js';
import type { Source } from './source.js';
import { errorCode } from './source.js';
import { CAPTURE_MANIFEST, createFsSource } from './fs-source.js';
import { CGROUP_FILES } from '../parse/cgroupfs.js';
import { NS_LINK_NAMES } from '../parse/ns-link.js';
import { parseCgroupMounts } from '../parse/mountinfo.js';

/** What {@link captureHost} copied. */
export interface CaptureResult {
  processes: number;
  files: number;
  links: number;
  cgroups: number;
  /** Files that could not be read (permission denied, vanished), as `path (CODE)`. */
  skipped: string[];
}

const PROC_FILES = ['stat', 'status', 'cmdline', 'comm', 'cgroup'];
const WANTED = new Set<string>(CGROUP_FILES);

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
  // Check the root before writing anything.
  const where = from.root === '/' ? '/proc' : `${from.root.replace(/\/+$/, '')}/proc`;
  let names: string[];
  let mountinfo: Uint8Array;
  try {
    names = from.readNames('/proc').filter((n) => /^[1-9]\d*$/.test(n));
    mountinfo = from.readBytes('/proc/self/mountinfo');
  } catch (err) {
    throw new NsviewError('unusable-root', `cannot capture ${where}: ${errorCode(err) ?? (err as Error).message}`);
  }
  if (names.length === 0) throw new NsviewError('unusable-root', `cannot capture ${where}: not a procfs (no process directories)`);
  fs.mkdirSync(dest, { recursive: true });
  copy('/etc/passwd');
  write('/proc/self/mountinfo', mountinfo);

  for (const name of names) {
    const dir = `/proc/${name}`;
    if (!copy(`${dir}/stat`)) continue;
    result.processes++;
    for (const f of PROC_FILES.slice(1)) copy(`${dir}/${f}`);
    for (const n of NS_LINK_NAMES) {
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
  const points = parseCgroupMounts(Buffer.from(mountinfo).toString('utf8')).mounts.map((m) => m.mountPoint);
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
      } else if (WANTED.has(e.name)) copy(`${dir}/${e.name}`);
    }
  };
  for (const mp of points) walk(mp, 0);
  // What could not be read because it was denied is recorded, so a scan of the capture
  // reports it as denied (as on the host) instead of silently absent.
  const denied = result.skipped
    .map((s) => /^(.*) \((EACCES|EPERM)\)$/.exec(s))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ path: m[1], code: m[2] }));
  fs.writeFileSync(nodePath.join(dest, CAPTURE_MANIFEST), JSON.stringify({ format: 'nsview-capture', version: 1, denied }, null, 1) + '\n');
  return result;
}
