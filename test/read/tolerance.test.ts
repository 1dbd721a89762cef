import { describe, expect, it } from 'vitest';
import { Volume } from 'memfs';
import { scanSync } from '../../lib/scan.js';
import { createFsSource, type FsLike } from '../../lib/source/fs-source.js';
import { NsviewError } from '../../lib/errors.js';
import { summariseWarnings } from '../../lib/cli.js';
import { faultySource } from '../helpers/faulty.js';
import { scenarioSource } from '../helpers/host.js';

const base = () => scenarioSource('k8s-seed-pod');

describe('processes that vanish or cannot be read', () => {
  it('drops a process that exited before its stat was read, with a warning', () => {
    const s = scanSync({ source: faultySource(base(), { '/proc/5035/': 'ENOENT' }) });
    expect(s.processes.some((p) => p.pid === 5035)).toBe(false);
    expect(s.warnings).toContainEqual(expect.objectContaining({ code: 'vanished', pid: 5035 }));
    expect(s.namespaces.find((n) => n.type === 'net' && n.inode === 4026532614)?.pids).toEqual([4966, 5001, 5016]);
  });

  it('drops a process that exits half-way (ESRCH on its ns links, stat gone too)', () => {
    const s = scanSync({ source: faultySource(base(), { '/proc/5016/ns/': 'ESRCH', '/proc/5016/stat': 'ENOENT' }) });
    expect(s.processes.some((p) => p.pid === 5016)).toBe(false);
    expect(s.warnings.filter((w) => w.code === 'vanished').map((w) => w.pid)).toEqual([5016]);
  });

  it('keeps a process whose namespaces are denied, marked partial, with what could be read', () => {
    const s = scanSync({ source: faultySource(base(), { '/proc/1/ns/': 'EACCES' }) });
    const p1 = s.processes.find((p) => p.pid === 1)!;
    expect(p1.partial).toBe(true);
    expect(p1.ns).toEqual({});
    expect(p1.cmdline).toEqual(['/sbin/init']);
    expect(p1.cgroups.unified).toBe('/init.scope');
    expect(s.warnings).toContainEqual(expect.objectContaining({ code: 'denied', pid: 1, path: '/proc/1/ns/cgroup' }));
    // With pid 1 unreadable, the lowest readable pid stands for the node (as lsns shows).
    expect(s.nodeNamespaces.net).toBe(4026531840);
    expect(s.namespaces.find((n) => n.type === 'net' && n.inode === 4026531840)?.pids[0]).toBe(2);
  });

  it('keeps a process whose status and cmdline are denied', () => {
    const s = scanSync({ source: faultySource(base(), { '/proc/4966/status': 'EPERM', '/proc/4966/cmdline': 'EACCES' }) });
    const p = s.processes.find((x) => x.pid === 4966)!;
    expect(p).toMatchObject({ partial: true, uid: null, user: null, cmdline: [], comm: 'pause' });
    expect(s.pods[0]!.sandbox?.pid).toBe(4966);
  });

  it('reports an unexpected error reading a file as a warning naming it, not a throw', () => {
    const s = scanSync({ source: faultySource(base(), { '/proc/5001/cgroup': 'EIO' }) });
    expect(s.warnings).toContainEqual(expect.objectContaining({ code: 'unreadable', pid: 5001, path: '/proc/5001/cgroup' }));
    expect(s.processes.find((p) => p.pid === 5001)!.cgroups).toEqual({});
  });

  it('tolerates a cgroup removed during the walk', () => {
    const s = scanSync({ source: faultySource(base(), { '/sys/fs/cgroup/system.slice/kubelet.service': 'ENOENT' }) });
    const v2 = s.hierarchies[0]!;
    expect(JSON.stringify(v2.root)).not.toContain('kubelet.service');
    expect(s.warnings.some((w) => w.path?.includes('kubelet.service'))).toBe(false);
  });

  it('summarises warnings in one line for stderr', () => {
    const s = scanSync({ source: faultySource(base(), { '/proc/1/ns/': 'EACCES', '/proc/4966/ns/': 'EACCES', '/proc/5035/': 'ENOENT' }) });
    expect(summariseWarnings(s.warnings, false)).toBe(
      'nsview: 2 processes not fully readable (permission denied); run as root for the full picture; 1 process exited during the scan (-v lists them)',
    );
    expect(summariseWarnings(s.warnings, true)).toBe(
      'nsview: 2 processes not fully readable (permission denied); 1 process exited during the scan (-v lists them)',
    );
    expect(summariseWarnings([], true)).toBeUndefined();
  });
});

describe('an unusable root', () => {
  it('throws an NsviewError naming the missing /proc', () => {
    const src = faultySource(base(), { '/proc': 'ENOENT' });
    expect(() => scanSync({ source: src })).toThrow(NsviewError);
    expect(() => scanSync({ source: src })).toThrow('cannot scan /proc: no such file');
  });

  it('throws for a directory whose /proc holds no process directories', () => {
    const vol = Volume.fromJSON({ '/proc/meminfo': 'MemTotal: 1 kB\n', '/etc/passwd': '' });
    const src = createFsSource('/', { fs: vol as unknown as FsLike, confine: false });
    expect(() => scanSync({ source: src })).toThrow('cannot scan /proc: not a procfs (no process directories)');
  });

  it('names the root directory of a capture that does not exist', () => {
    expect(() => scanSync({ root: '/nonexistent-capture-dir' })).toThrow('cannot scan /nonexistent-capture-dir/proc: no such file');
  });
});
