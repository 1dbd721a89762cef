import { describe, expect, it } from 'vitest';
import { hierarchyKey, parseProcCgroup, type CgroupLine } from '../../lib/parse/proc-cgroup.js';

const line = (hierarchyId: number, controllers: string[], path: string, deleted = false): CgroupLine => ({ hierarchyId, controllers, path, deleted });

/** A real hybrid file (v1 controllers, a named hierarchy and the v2 line), paths rewritten. */
const HYBRID = [
  '9:name=systemd:/system.slice/foo.service',
  '8:pids:/system.slice/foo.service',
  '7:blkio:/',
  '6:freezer:/',
  '5:devices:/system.slice/foo.service',
  '4:memory:/system.slice/foo.service',
  '3:cpuset:/',
  '2:cpuacct:/',
  '1:cpu:/',
  '0::/system.slice/foo.service',
  '',
].join('\n');

/** Classic v1 with co-mounted controllers (CentOS 7 / Ubuntu 18.04 style). */
const V1 = [
  '11:hugetlb:/',
  '10:cpu,cpuacct:/kubepods/burstable/pod0e3b5f7c-2a86-4c8e-9d44-1a2b3c4d5e6f/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  '9:net_cls,net_prio:/',
  '8:perf_event:/',
  '1:name=systemd:/user.slice/user-1000.slice/session-2.scope',
  '',
].join('\n');

describe('parseProcCgroup', () => {
  it.each<[string, string, CgroupLine[]]>([
    ['pure v2', '0::/system.slice/foo.service\n', [line(0, [], '/system.slice/foo.service')]],
    ['v2 root', '0::/\n', [line(0, [], '/')]],
    [
      'hybrid (v1 lines + 0::/)',
      HYBRID,
      [
        line(9, ['name=systemd'], '/system.slice/foo.service'),
        line(8, ['pids'], '/system.slice/foo.service'),
        line(7, ['blkio'], '/'),
        line(6, ['freezer'], '/'),
        line(5, ['devices'], '/system.slice/foo.service'),
        line(4, ['memory'], '/system.slice/foo.service'),
        line(3, ['cpuset'], '/'),
        line(2, ['cpuacct'], '/'),
        line(1, ['cpu'], '/'),
        line(0, [], '/system.slice/foo.service'),
      ],
    ],
    [
      'v1 with co-mounted controllers and a named hierarchy',
      V1,
      [
        line(11, ['hugetlb'], '/'),
        line(
          10,
          ['cpu', 'cpuacct'],
          '/kubepods/burstable/pod0e3b5f7c-2a86-4c8e-9d44-1a2b3c4d5e6f/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
        ),
        line(9, ['net_cls', 'net_prio'], '/'),
        line(8, ['perf_event'], '/'),
        line(1, ['name=systemd'], '/user.slice/user-1000.slice/session-2.scope'),
      ],
    ],
    ['named hierarchy without controllers', '1:name=elogind:/\n', [line(1, ['name=elogind'], '/')]],
    [
      'path with colons (split on the first two only)',
      '0::/kubepods.slice/kubepods-pod1.slice:cri-containerd:0123\n',
      [line(0, [], '/kubepods.slice/kubepods-pod1.slice:cri-containerd:0123')],
    ],
    ['v1 path with colons', '3:cpu:/a:b::c\n', [line(3, ['cpu'], '/a:b::c')]],
    ['path ending in a colon', '0::/a:\n', [line(0, [], '/a:')]],
    ['deleted cgroup', '0::/system.slice/gone.service (deleted)\n', [line(0, [], '/system.slice/gone.service', true)]],
    ['deleted is a suffix only', '0::/a (deleted)/b\n', [line(0, [], '/a (deleted)/b')]],
    ['deleted without the space is a name', '0::/a(deleted)\n', [line(0, [], '/a(deleted)')]],
    ['cgroup namespace: path above the root', '0::/../../system.slice/foo.service\n', [line(0, [], '/../../system.slice/foo.service')]],
    ['path with spaces', '0::/system.slice/my unit.service\n', [line(0, [], '/system.slice/my unit.service')]],
    ['path with systemd escapes', '0::/system.slice/system-foo\\x2dbar.slice\n', [line(0, [], '/system.slice/system-foo\\x2dbar.slice')]],
    ['no trailing newline', '0::/a', [line(0, [], '/a')]],
    ['CRLF', '1:cpu:/a\r\n0::/b\r\n', [line(1, ['cpu'], '/a'), line(0, [], '/b')]],
    ['blank lines', '\n\n0::/\n\n', [line(0, [], '/')]],
    ['empty file (zombie, kernel thread read late)', '', []],
    ['large hierarchy id', '4294967295:cpu:/\n', [line(4294967295, ['cpu'], '/')]],
  ])('%s', (_name, text, want) => {
    expect(parseProcCgroup(text)).toEqual(want);
  });

  it.each<[string, string]>([
    ['no colon', '0/\n'],
    ['one colon', '0:/\n'],
    ['empty id', '::/\n'],
    ['negative id', '-1::/\n'],
    ['hex id', '0x1:cpu:/\n'],
    ['exponent id', '1e1:cpu:/\n'],
    ['padded id', ' 1:cpu:/\n'],
    ['fractional id', '1.5:cpu:/\n'],
    ['id past 2^53', '9007199254740993:cpu:/\n'],
    ['empty path', '0::\n'],
    ['relative path', '0::system.slice\n'],
    ['a malformed line among good ones', '1:cpu:/\ngarbage\n0::/\n'],
    ['trailing garbage', '0::/\n\0\0\0'],
    ['a mountinfo line', '22 27 0:21 / /proc rw,relatime - proc proc rw\n'],
  ])('%s → undefined', (_name, text) => {
    expect(parseProcCgroup(text)).toBeUndefined();
  });
});

describe('hierarchyKey', () => {
  it.each<[number, string[], string]>([
    [0, [], 'unified'],
    [1, ['cpu', 'cpuacct'], 'cpu,cpuacct'],
    [9, ['name=systemd'], 'name=systemd'],
    [4, ['memory'], 'memory'],
    [0, ['cpu'], 'cpu'],
  ])('%d %j → %s', (hierarchyId, controllers, key) => {
    expect(hierarchyKey({ hierarchyId, controllers })).toBe(key);
  });
});
