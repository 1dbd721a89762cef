/**
 * `ls` filters as lsns has them (several `-t` types, one namespace by inode,
 * `--output-all`), and `tree`'s unit lookup as systemd-cgls `-u` and
 * `--user-unit` do it, with errors that name what was asked and what is there.
 */
import { describe, expect, it } from 'vitest';
import { isNsviewError, NsviewError } from '../../lib/errors.js';
import { LS_COLUMNS, lsJson, lsNamespaces, renderLs } from '../../lib/render/ls.js';
import { renderTree, treeJson, unitCgroup } from '../../lib/render/tree.js';
import type { Snapshot } from '../../lib/model/types.js';
import { scanSync } from '../../lib/scan.js';
import { specSource } from '../../lib/source/spec.js';
import { loadSpec, scenarioSource } from '../helpers/host.js';

const plain = { color: false, width: 0 };
const scan = (name: string): Snapshot => scanSync({ source: scenarioSource(name) });

/** The error `f` throws (fails the test if it returns). */
function thrown(f: () => unknown): NsviewError {
  try {
    f();
  } catch (err) {
    if (isNsviewError(err)) return err;
    throw err;
  }
  throw new Error('expected an NsviewError');
}

describe('ls -t with several types', () => {
  const s = scan('k8s-v2-systemd-node');

  it('[net, uts] lists the namespaces of both types and nothing else', () => {
    const want = s.namespaces
      .filter((n) => n.type === 'net' || n.type === 'uts')
      .map((n) => n.inode)
      .sort((a, b) => a - b);
    expect(new Set(s.namespaces.map((n) => n.type)).size).toBeGreaterThan(2);
    const j = lsJson(s, { types: ['net', 'uts'], columns: ['NS', 'TYPE'] });
    expect(new Set(j.namespaces.map((n) => n.type))).toEqual(new Set(['net', 'uts']));
    expect(j.namespaces.map((n) => n.ns)).toEqual(want);
    const rows = renderLs(s, { types: ['uts', 'net'], columns: ['TYPE'], noHeadings: true }, plain)
      .trimEnd()
      .split('\n');
    expect(rows).toHaveLength(want.length);
    expect(rows.every((t) => t === 'net' || t === 'uts')).toBe(true);
  });

  it('one type, no types and an empty list', () => {
    expect(lsNamespaces(s, { types: ['pid'] }).every((n) => n.type === 'pid')).toBe(true);
    expect(lsNamespaces(s, { types: [] })).toHaveLength(s.namespaces.length);
    expect(lsNamespaces(s, {})).toHaveLength(s.namespaces.length);
  });

  it('the old single `type` still filters (as [type])', () => {
    expect(lsNamespaces(s, { type: 'ipc' }).map((n) => n.inode)).toEqual(lsNamespaces(s, { types: ['ipc'] }).map((n) => n.inode));
    expect(lsNamespaces(s, { type: 'ipc' }).length).toBeGreaterThan(0);
  });
});

describe('ls <namespace>', () => {
  const s = scan('k8s-seed-pod');

  it('shows only the namespace of that inode, in the table and in JSON', () => {
    const net = s.namespaces.find((n) => n.type === 'net' && n.pids.includes(4966))!;
    const j = lsJson(s, { ns: net.inode });
    expect(j.namespaces).toHaveLength(1);
    expect(j.namespaces[0]).toMatchObject({ ns: net.inode, type: 'net', pid: 4966 });
    const lines = renderLs(s, { ns: net.inode }, plain).trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(new RegExp(`^${net.inode} net +\\d+ 4966 `));
  });

  it('with -t of another type: nothing, with -t of its type: it', () => {
    const net = s.namespaces.find((n) => n.type === 'net')!;
    expect(lsNamespaces(s, { ns: net.inode, types: ['uts'] })).toEqual([]);
    expect(lsNamespaces(s, { ns: net.inode, types: ['uts', 'net'] }).map((n) => n.inode)).toEqual([net.inode]);
  });

  it('with -p: the namespace if the process is in it', () => {
    const p = s.processes.find((x) => x.pid === 4966)!;
    expect(lsNamespaces(s, { ns: p.ns.net, pid: 4966 }).map((n) => n.inode)).toEqual([p.ns.net]);
    expect(lsNamespaces(s, { ns: p.ns.net, pid: 1 })).toEqual([]);
  });

  it('an inode the snapshot does not hold is an error naming it, in one line', () => {
    const err = thrown(() => renderLs(s, { ns: 4026599999 }, plain));
    expect(err.code).toBe('not-found');
    expect(err.message).toBe('no namespace 4026599999 in this host (one held only by a mount or an fd is listed with --holders)');
    expect(thrown(() => renderLs({ ...s, coverage: { holders: 'all' } }, { ns: 4026599999 }, plain)).message).toBe('no namespace 4026599999 in this host');
    expect(thrown(() => lsJson(s, { ns: 12345 })).message).toContain('12345');
    const captured = { ...s, root: '/tmp/capture' };
    expect(thrown(() => lsJson(captured, { ns: 12345 })).message).toBe(
      'no namespace 12345 in /tmp/capture (one held only by a mount or an fd is listed with --holders)',
    );
  });
});

describe('ls --output-all', () => {
  const s = scan('k8s-seed-pod');

  it('every column, in --list-columns order, in JSON and in the table', () => {
    const names = LS_COLUMNS.map((c) => c.name);
    expect(names.length).toBeGreaterThan(6);
    const j = lsJson(s, { outputAll: true });
    for (const n of j.namespaces) expect(Object.keys(n)).toEqual(names.map((c) => c.toLowerCase()));
    expect(renderLs(s, { outputAll: true }, plain).split('\n')[0]!.trim().split(/ +/)).toEqual(names);
    expect(j.namespaces.find((n) => n.pid === 5035 && n.type === 'pid')?.pod).toBe('default/foo');
  });
});

describe('unitCgroup (tree -u, --user-unit)', () => {
  /** The systemd node plus units of uid 1000's manager, a duplicate name, and one only in the user tree. */
  function withUnits(): Snapshot {
    const spec = loadSpec('k8s-v2-systemd-node');
    const um = '/user.slice/user-1000.slice/user@1000.service';
    const cgroups = [
      `${um}/init.scope`,
      `${um}/app.slice/editor.service`,
      `${um}/app.slice/ssh.service`,
      '/user.slice/user-1001.slice/user@1001.service/app.slice/editor.service',
      '/user.slice/user-1000.slice/session-3.scope',
      '/system.slice/dup.service',
      '/system.slice/deep.slice/dup.service',
      '/system.slice/sockets.slice/dbus.socket',
    ];
    cgroups.forEach((cgroup, i) => spec.processes.push({ pid: 8001 + i, comm: 'unit', cmdline: ['unit', String(i)], cgroup }));
    return scanSync({ source: specSource(spec) });
  }
  const s = withUnits();

  it('finds a .service under system.slice, with or without the suffix', () => {
    expect(unitCgroup(s, 'containerd.service', {})).toBe('/system.slice/containerd.service');
    expect(unitCgroup(s, 'containerd', {})).toBe('/system.slice/containerd.service');
    expect(unitCgroup(s, 'kubelet')).toBe('/system.slice/kubelet.service');
  });

  it('other unit suffixes are kept, not given .service', () => {
    expect(unitCgroup(s, 'system.slice', {})).toBe('/system.slice');
    expect(unitCgroup(s, 'init.scope', {})).toBe('/init.scope');
    expect(unitCgroup(s, 'session-3.scope', {})).toBe('/user.slice/user-1000.slice/session-3.scope');
    expect(unitCgroup(s, 'dbus.socket', {})).toBe('/system.slice/sockets.slice/dbus.socket');
    expect(thrown(() => unitCgroup(s, 'dbus', {})).message).toContain('dbus.service');
  });

  it('several matches: the shortest path', () => {
    expect(unitCgroup(s, 'dup', {})).toBe('/system.slice/dup.service');
  });

  it('-u looks outside user managers: their units are not system units, the manager itself is', () => {
    expect(unitCgroup(s, 'ssh', {})).toBe('/system.slice/ssh.service');
    expect(unitCgroup(s, 'user@1000.service', {})).toBe('/user.slice/user-1000.slice/user@1000.service');
    const err = thrown(() => unitCgroup(s, 'editor', {}));
    expect(err.code).toBe('not-found');
    expect(err.message).toBe('no cgroup of unit editor.service in the v2 hierarchy');
  });

  it('--user-unit looks only under user@<uid>.service', () => {
    expect(unitCgroup(s, 'editor', { user: 1000 })).toBe('/user.slice/user-1000.slice/user@1000.service/app.slice/editor.service');
    expect(unitCgroup(s, 'editor', { user: 1001 })).toBe('/user.slice/user-1001.slice/user@1001.service/app.slice/editor.service');
    expect(unitCgroup(s, 'ssh', { user: 1000 })).toBe('/user.slice/user-1000.slice/user@1000.service/app.slice/ssh.service');
    expect(unitCgroup(s, 'init.scope', { user: 1000 })).toBe('/user.slice/user-1000.slice/user@1000.service/init.scope');
    const err = thrown(() => unitCgroup(s, 'containerd', { user: 1000 }));
    expect(err.message).toBe('no cgroup of user unit containerd.service under user@1000.service in the v2 hierarchy');
    expect(thrown(() => unitCgroup(s, 'editor', { user: 1002 })).message).toContain('user@1002.service');
  });

  it('the path it returns is a tree the CLI can show', () => {
    const at = unitCgroup(s, 'editor', { user: 1000 });
    const out = renderTree(s, { cgroup: at }, plain);
    expect(out.split('\n')[0]).toBe(`Control group ${at}:`);
    expect(out).toContain('8002 unit 1');
  });

  it('in a v1 hierarchy: the controller asked for, named in the error', () => {
    const v1 = scan('k8s-v1-cgroupfs-node');
    expect(unitCgroup(v1, 'kubelet', { controller: 'memory' })).toBe('/system.slice/kubelet.service');
    expect(thrown(() => unitCgroup(v1, 'nope', { controller: 'memory' })).message).toBe('no cgroup of unit nope.service in the memory hierarchy');
    expect(thrown(() => unitCgroup(v1, 'kubelet', { controller: 'bogus' })).message).toContain('mounted: cpu,cpuacct, memory, name=systemd, pids');
  });
});

describe('tree -c with a controller no hierarchy has', () => {
  it('names the mounted hierarchies, sorted (v2 first, then v1 keys by name)', () => {
    const v1 = scan('k8s-v1-cgroupfs-node');
    const err = thrown(() => renderTree(v1, { controller: 'bogus' }, plain));
    expect(err.code).toBe('bad-argument');
    expect(err.message).toBe('no cgroup hierarchy for controller "bogus" (mounted: cpu,cpuacct, memory, name=systemd, pids)');
    // Order in the snapshot does not matter.
    const shuffled = { ...v1, hierarchies: [...v1.hierarchies].reverse() };
    expect(thrown(() => treeJson(shuffled, { controller: 'bogus' })).message).toContain('(mounted: cpu,cpuacct, memory, name=systemd, pids)');
    expect(thrown(() => renderTree(scan('k8s-seed-pod'), { controller: 'memory' }, plain)).message).toBe(
      'no cgroup hierarchy for controller "memory" (mounted: unified)',
    );
  });

  it('a snapshot whose trees were not walked still names the hierarchies its processes are in', () => {
    const v1 = scan('docker-seed-pod');
    const bare = { ...v1, hierarchies: [] };
    expect(thrown(() => renderTree(bare, { controller: 'bogus' }, plain)).message).toContain('(mounted: cpu,cpuacct, memory, name=systemd, pids)');
    const none = { ...bare, processes: bare.processes.map((p) => ({ ...p, cgroups: {} })) };
    expect(thrown(() => renderTree(none, { controller: 'bogus' }, plain)).message).toContain('(mounted: none)');
  });
});
