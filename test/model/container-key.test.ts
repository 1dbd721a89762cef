/**
 * One container key everywhere: a container's id. Runtimes that name their containers (LXC,
 * systemd-nspawn) can give two the same name; each then takes its runtime's name before it, so
 * lookups by id, pods' container lists and `--container` never mix them up.
 */
import { describe, expect, it } from 'vitest';
import { indexSnapshot } from '../../lib/model/index-snapshot.js';
import { selectContainer } from '../../lib/model/select.js';
import { scanSync } from '../../lib/scan.js';
import { specSource, type HostSpec } from '../../lib/source/spec.js';

const NODE = { cgroup: 4026531835, ipc: 4026531839, mnt: 4026531841, net: 4026531840, pid: 4026531836, user: 4026531837, uts: 4026531838 };
const own = (base: number) => ({ ...NODE, net: base, uts: base + 1, mnt: base + 2, pid: base + 3, ipc: base + 4 });

const spec: HostSpec = {
  cgroup: 'v2',
  nodeNs: NODE,
  processes: [
    { pid: 1, comm: 'systemd', cmdline: ['/sbin/init'], cgroup: '/init.scope', ns: NODE },
    { pid: 100, ppid: 1, comm: 'init', cmdline: ['/sbin/init'], cgroup: '/lxc.payload.web', ns: own(4026532100) },
    { pid: 101, ppid: 100, comm: 'nginx', cmdline: ['nginx'], cgroup: '/lxc.payload.web', ns: own(4026532100) },
    { pid: 200, ppid: 1, comm: 'systemd', cmdline: ['/usr/lib/systemd/systemd'], cgroup: '/machine.slice/machine-web.scope', ns: own(4026532200) },
    { pid: 300, ppid: 1, comm: 'init', cmdline: ['/sbin/init'], cgroup: '/lxc.payload.db', ns: own(4026532300) },
  ],
};

describe('one container key', () => {
  const s = scanSync({ source: specSource(spec, 'key') });

  it('gives two containers named alike by two runtimes ids of their own, and leaves the others as they were', () => {
    expect(s.containers.map((c) => [c.id, c.runtime, c.name, c.pids])).toEqual([
      ['db', 'lxc', 'db', [300]],
      ['lxc:web', 'lxc', 'web', [100, 101]],
      ['nspawn:web', 'nspawn', 'web', [200]],
    ]);
    expect(new Set(s.containers.map((c) => c.id)).size).toBe(s.containers.length);
  });

  it('finds each by its id, and each process in its own', () => {
    const ix = indexSnapshot(s);
    expect(ix.container('lxc:web')?.runtime).toBe('lxc');
    expect(ix.container('nspawn:web')?.runtime).toBe('nspawn');
    expect(ix.containerOf(101)?.id).toBe('lxc:web');
    expect(ix.containerOf(200)?.id).toBe('nspawn:web');
    // Each pod (inferred from its own namespaces) lists its own container.
    for (const p of s.pods) for (const id of p.containers) expect(ix.container(id)?.pids.some((pid) => ix.podOf(pid)?.key === p.key)).toBe(true);
  });

  it('selects by the full id; the shared name alone is ambiguous and says so', () => {
    expect(selectContainer(s, 'nspawn:web').pids).toEqual([200]);
    expect(selectContainer(s, 'lxc:web').pids).toEqual([100, 101]);
    expect(() => selectContainer(s, 'web')).toThrow(/web/);
  });
});
