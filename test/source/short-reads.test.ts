/**
 * The kernel may answer any read with fewer bytes than asked (cgroupfs hands out
 * `cgroup.procs` a page at a time). The real reader, driven through a file system
 * that returns short reads, must see every byte: the same snapshot as with whole reads,
 * for every kind of file nsview reads (passwd, mountinfo, stat, status, cmdline, cgroup,
 * cgroup.procs, limit files), small and larger than the reader's 64 KiB buffer.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanSync, type ScanOptions } from '../../lib/scan.js';
import { captureHost } from '../../lib/read/capture.js';
import { createFsSource, type FsLike } from '../../lib/source/fs-source.js';
import type { HostSpec, ProcSpec } from '../../lib/source/spec.js';
import { buildVolume } from '../helpers/volume.js';
import { MAX_FILE_BYTES, errorCode } from '../../lib/source/source.js';
import type { Snapshot } from '../../lib/model/types.js';
import { loadSpec } from '../helpers/host.js';

type Volume = ReturnType<typeof buildVolume>;

/** A file system whose every read returns at most `size(asked)` bytes (never 0 before the end). */
function shortReads(vol: Volume, size: (asked: number) => number): FsLike & { reads: number } {
  const fs = vol as unknown as FsLike;
  const wrapped = Object.create(fs) as FsLike & { reads: number };
  wrapped.reads = 0;
  wrapped.readSync = (fd, buffer, offset, length, position) => {
    wrapped.reads++;
    return fs.readSync(fd, buffer, offset, Math.max(1, Math.min(length, size(length))), position);
  };
  for (const k of ['openSync', 'closeSync', 'readlinkSync', 'readdirSync', 'realpathSync', 'lstatSync', 'statSync'] as const) {
    (wrapped as unknown as Record<string, unknown>)[k] = (fs[k] as (...a: unknown[]) => unknown).bind(vol);
  }
  return wrapped;
}

/** A page at a time, as cgroupfs and seq_file-backed procfs files answer. */
const pages = (asked: number): number => Math.min(asked, 4096);
const oneByte = (): number => 1;
/** Sizes that follow no pattern (a fixed seed, so a failure repeats). */
function jagged(seed: number): (asked: number) => number {
  let x = seed;
  return (asked) => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return 1 + (x % Math.min(asked, 9000));
  };
}

/**
 * A node the size of a real one, from a scenario: one container with `extra` more
 * processes (so its cgroup.procs spans many pages), a command line of 200 KB, a passwd of
 * thousands of users and a mountinfo of `mounts` more mounts.
 */
function grow(name: string, extra: number, mounts: number): Volume {
  const spec = loadSpec(name) as HostSpec;
  const model = spec.processes.find((p) => p.cmdline?.[0] === '/bin/app') ?? spec.processes[spec.processes.length - 1]!;
  const added: ProcSpec[] = [];
  for (let i = 0; i < extra; i++) {
    added.push({ ...model, pid: 100000 + i, ppid: model.pid, comm: `worker-${i}`, cmdline: ['worker', String(i)], start: 200000 + i });
  }
  added[0]!.cmdline = ['long', 'x'.repeat(200_000)];
  const users = { ...(spec.users ?? { '0': 'root' }) };
  for (let i = 0; i < 3000; i++) users[String(20000 + i)] = `user${i}`;
  const vol = buildVolume({ ...spec, users, processes: [...spec.processes, ...added] });
  const lines: string[] = [];
  for (let i = 0; i < mounts; i++) {
    lines.push(
      `${1000 + i} 23 0:${900 + i} / /var/lib/kubelet/pods/${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000/volumes/kubernetes.io~empty-dir/data rw,relatime shared:${i} - tmpfs tmpfs rw,size=1048576k`,
    );
  }
  vol.appendFileSync('/proc/self/mountinfo', lines.join('\n') + '\n');
  return vol;
}

const scanWith = (fs: FsLike, profile: ScanOptions['profile'] = 'all'): Snapshot => {
  const s = scanSync({ source: createFsSource('/', { fs, confine: false }), profile });
  return { ...s, scannedAt: '' };
};

describe('reads that come back short', () => {
  const scenarios = ['k8s-seed-pod', 'docker-seed-pod', 'docker-host', 'k8s-v1-cgroupfs-node', 'k8s-v2-systemd-node', 'broken-capture'];

  it.each(scenarios)('give the same snapshot of %s, one byte per read, as whole reads', (name) => {
    const vol = buildVolume(loadSpec(name) as HostSpec);
    const whole = scanWith(vol as unknown as FsLike);
    const fs = shortReads(vol, oneByte);
    expect(scanWith(fs)).toEqual(whole);
    expect(fs.reads).toBeGreaterThan((vol.readFileSync('/proc/self/mountinfo') as Buffer).length);
  });

  describe('on a node with a cgroup of 12,000 processes, a 200 KB command line and 1,000 more mounts', () => {
    const vol = grow('k8s-v2-systemd-node', 12_000, 1000);
    const whole = scanWith(vol as unknown as FsLike);
    const big = whole.containers.find((c) => c.pids.includes(100000))!;

    it('reads files larger than the reader buffer in full', () => {
      expect(vol.readFileSync(`/sys/fs/cgroup${big.cgroup}/cgroup.procs`).length).toBeGreaterThan(64 * 1024);
      expect(vol.readFileSync('/proc/self/mountinfo').length).toBeGreaterThan(64 * 1024);
      expect(big.pids.length).toBe(12_001);
      expect(whole.processes.find((p) => p.pid === 100000)?.cmdline?.[1]).toHaveLength(200_000);
      expect(whole.warnings).toEqual([]);
    });

    for (const [label, size] of [
      ['a page per read', pages],
      ['reads of no pattern', jagged(7)],
    ] as const) {
      for (const profile of ['all', 'leaders', 'tree'] as const) {
        it(`gives the same ${profile} snapshot with ${label}`, () => {
          const fs = shortReads(vol, size);
          const s = scanWith(fs, profile);
          expect(s).toEqual(profile === 'all' ? whole : scanWith(vol as unknown as FsLike, profile));
          const node = s.hierarchies[0]!;
          const count = (n: typeof node.root): number => n.pids.length + n.children.reduce((a, c) => a + count(c), 0);
          expect(count(node.root)).toBe(s.processes.length);
        });
      }
    }
  });

  it('capture copies whole files through short reads', () => {
    // A small host whose files are large: a cgroup.procs of 12,000 pids, a mountinfo of
    // 1,000 more mounts, a 200 KB command line.
    const spec = loadSpec('k8s-seed-pod') as HostSpec;
    const vol = buildVolume(spec);
    const whole = scanWith(vol as unknown as FsLike);
    const c = whole.containers[0]!;
    const procs = `${whole.hierarchies.find((h) => h.key === c.hierarchy)!.mountPoint}${c.cgroup}/cgroup.procs`;
    const pids = Array.from({ length: 12_000 }, (_, i) => `${100000 + i}\n`).join('');
    vol.appendFileSync(procs, pids);
    const mounts = Array.from(
      { length: 1000 },
      (_, i) => `${1000 + i} 23 0:${900 + i} / /mnt/volume-${i} rw,relatime shared:${i} - tmpfs tmpfs rw,size=1048576k\n`,
    ).join('');
    vol.appendFileSync('/proc/self/mountinfo', mounts);
    const pid = c.pids[0]!;
    vol.writeFileSync(`/proc/${pid}/cmdline`, 'long\0' + 'x'.repeat(200_000) + '\0');
    const dest = join(mkdtempSync(join(tmpdir(), 'nsview-short-')), 'capture');
    try {
      captureHost(dest, createFsSource('/', { fs: shortReads(vol, jagged(11)), confine: false }));
      for (const file of [procs, '/proc/self/mountinfo', `/proc/${pid}/cmdline`]) {
        const want = vol.readFileSync(file) as Buffer;
        expect(want.length).toBeGreaterThan(64 * 1024);
        expect(readFileSync(join(dest, file)).equals(want)).toBe(true);
      }
      const back = scanSync({ root: dest });
      expect(back.processes.find((p) => p.pid === pid)?.cmdline?.[1]).toHaveLength(200_000);
      expect(back.hierarchies.find((h) => h.key === c.hierarchy)).toBeDefined();
    } finally {
      rmSync(join(dest, '..'), { recursive: true, force: true });
    }
  });

  it('stops at the size cap with EFBIG naming the file, however the reads come', () => {
    const vol = buildVolume(loadSpec('k8s-seed-pod') as HostSpec);
    vol.writeFileSync('/proc/self/mountinfo', Buffer.alloc(MAX_FILE_BYTES + 1, 0x41));
    const src = createFsSource('/', { fs: shortReads(vol, jagged(3)), confine: false });
    let err: unknown;
    try {
      src.readText('/proc/self/mountinfo');
    } catch (e) {
      err = e;
    }
    expect(errorCode(err)).toBe('EFBIG');
    expect(String(err)).toContain('/proc/self/mountinfo');
  });
});
