import { describe, expect, it } from 'vitest';
import { nsfsMounts, parseCgroupMounts, parseMountinfo, type CgroupMount } from '../../lib/parse/mountinfo.js';

const v1 = (mountPoint: string, controllers: string[], root = '/'): CgroupMount => ({ version: 1, mountPoint, root, controllers });
const v2 = (mountPoint: string, root = '/'): CgroupMount => ({ version: 2, mountPoint, root, controllers: [] });

/** A real hybrid host: one v1 hierarchy per controller, name=systemd, and cgroup2 at unified. */
const HYBRID = [
  '22 27 0:21 / /proc rw,relatime - proc proc rw',
  '23 27 0:22 / /sys rw,relatime - sysfs sysfs rw',
  '24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,size=12334460k,nr_inodes=3083615,mode=755',
  '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard',
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
  '33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct',
  '34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset',
  '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices',
  '37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer',
  '38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio',
  '39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids',
  '40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd',
  '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
  '',
].join('\n');

/** Pure v2 (systemd with the unified hierarchy), with optional fields. */
const V2 = [
  '24 31 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw',
  '28 24 0:25 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot',
  '29 24 0:26 / /sys/fs/pstore rw,nosuid,nodev,noexec,relatime shared:10 - pstore pstore rw',
  '',
].join('\n');

/** systemd's v1 layout: co-mounted controllers behind symlinks, and name=systemd with xattr and a release agent. */
const V1_SYSTEMD = [
  '25 18 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755',
  '26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate',
  '27 25 0:24 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd',
  '30 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,cpu,cpuacct',
  '31 25 0:28 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,net_cls,net_prio',
  '32 25 0:29 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,memory',
  '33 25 0:30 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,cpuset,clone_children',
  '34 25 0:31 / /sys/fs/cgroup/misc rw,nosuid,nodev,noexec,relatime shared:18 - cgroup cgroup rw,misc',
  '',
].join('\n');

/** Inside a container with a private cgroup namespace the root is `/`; without one, the container's own cgroup. */
const CONTAINER = [
  '612 611 0:64 / / rw,relatime master:300 - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w',
  '620 619 0:30 /system.slice/docker-0123.scope /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw,nsdelegate',
  '',
].join('\n');

type Result = ReturnType<typeof parseCgroupMounts>;
const ok = (mounts: CgroupMount[], malformed = 0): Result => ({ mounts, malformed });

describe('parseCgroupMounts', () => {
  it.each<[string, string, Result]>([
    [
      'hybrid host',
      HYBRID,
      ok([
        v1('/sys/fs/cgroup/cpu', ['cpu']),
        v1('/sys/fs/cgroup/cpuacct', ['cpuacct']),
        v1('/sys/fs/cgroup/cpuset', ['cpuset']),
        v1('/sys/fs/cgroup/memory', ['memory']),
        v1('/sys/fs/cgroup/devices', ['devices']),
        v1('/sys/fs/cgroup/freezer', ['freezer']),
        v1('/sys/fs/cgroup/blkio', ['blkio']),
        v1('/sys/fs/cgroup/pids', ['pids']),
        v1('/sys/fs/cgroup/systemd', ['name=systemd']),
        v2('/sys/fs/cgroup/unified'),
      ]),
    ],
    ['pure v2 with optional fields and v2 mount flags', V2, ok([v2('/sys/fs/cgroup')])],
    [
      'v1 with super options rw,cpu,cpuacct and mount flags',
      V1_SYSTEMD,
      ok([
        v2('/sys/fs/cgroup/unified'),
        v1('/sys/fs/cgroup/systemd', ['name=systemd']),
        v1('/sys/fs/cgroup/cpu,cpuacct', ['cpu', 'cpuacct']),
        v1('/sys/fs/cgroup/net_cls,net_prio', ['net_cls', 'net_prio']),
        v1('/sys/fs/cgroup/memory', ['memory']),
        v1('/sys/fs/cgroup/cpuset', ['cpuset']),
        v1('/sys/fs/cgroup/misc', ['misc']),
      ]),
    ],
    ['container without a cgroup namespace: root is its cgroup', CONTAINER, ok([v2('/sys/fs/cgroup', '/system.slice/docker-0123.scope')])],
    [
      'name=systemd with a release agent',
      '27 25 0:24 / /sys/fs/cgroup/systemd rw,relatime shared:11 - cgroup cgroup rw,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd\n',
      ok([v1('/sys/fs/cgroup/systemd', ['name=systemd'])]),
    ],
    [
      'duplicate mounts: first wins',
      '41 31 0:38 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n' +
        '90 80 0:38 /kubepods /var/lib/kubelet/cg rw - cgroup2 cgroup2 rw\n' +
        '32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n' +
        '91 80 0:29 / /mnt/cpu rw - cgroup cgroup rw,cpu,cpuacct\n',
      ok([v2('/sys/fs/cgroup'), v1('/sys/fs/cgroup/cpu,cpuacct', ['cpu', 'cpuacct'])]),
    ],
    [
      'same controllers with different flags are duplicates',
      '32 31 0:29 / /a rw - cgroup cgroup rw,memory\n33 31 0:29 / /b ro - cgroup cgroup ro,memory\n',
      ok([v1('/a', ['memory'])]),
    ],
    [
      'octal escapes in root and mount point (\\040 space, \\011 tab, \\012 newline, \\134 backslash)',
      '41 31 0:38 /my\\040dir /mnt/cgroup\\040two\\011x\\012y\\134z rw - cgroup2 cgroup2 rw\n',
      ok([v2('/mnt/cgroup two\tx\ny\\z', '/my dir')]),
    ],
    ['a mount point with " - " escaped', '41 31 0:38 / /mnt/a\\040-\\040b rw - cgroup2 cgroup2 rw\n', ok([v2('/mnt/a - b')])],
    ['deleted root keeps its suffix', '41 31 0:38 /gone\\040(deleted) /mnt rw - cgroup2 cgroup2 rw\n', ok([v2('/mnt', '/gone (deleted)')])],
    ['a cgroup-like source of another fstype is ignored', '50 1 0:40 / /mnt rw - tmpfs cgroup rw\n', ok([])],
    ['cgroup source with an odd name', '50 1 0:40 / /mnt rw - cgroup2 none rw\n', ok([v2('/mnt')])],
    ['CRLF', '32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu,cpuacct\r\n', ok([v1('/sys/fs/cgroup/cpu', ['cpu', 'cpuacct'])])],
    ['no trailing newline', '41 31 0:38 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw', ok([v2('/sys/fs/cgroup')])],
    ['empty file', '', ok([])],
    ['blank lines', '\n  \n\n', ok([])],
    ['no cgroup mounts', '22 27 0:21 / /proc rw,relatime - proc proc rw\n', ok([])],
    ['no separator', '22 27 0:21 / /proc rw,relatime proc proc rw\n', ok([], 1)],
    ['too few fields before the separator', '22 27 0:21 / - cgroup2 cgroup2 rw\n', ok([], 1)],
    ['no mount options', '22 27 0:21 / /mnt - cgroup2 cgroup2 rw\n', ok([], 1)],
    ['too few fields after the separator', '22 27 0:21 / /mnt rw - cgroup2 cgroup2\n', ok([], 1)],
    [
      'malformed lines are counted, good ones kept',
      'garbage\n41 31 0:38 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n\0\0\0\nx y z - q\n',
      ok([v2('/sys/fs/cgroup')], 3),
    ],
    ['trailing garbage', `${V2}\0garbage`, ok([v2('/sys/fs/cgroup')], 1)],
  ])('%s', (_name, text, want) => {
    expect(parseCgroupMounts(text)).toEqual(want);
  });
});

describe('mounts hidden by later mounts', () => {
  const hybrid = [
    '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
    '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
    '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
  ];
  it('keeps the controllers mounted under the tmpfs they sit on', () => {
    expect(parseCgroupMounts(hybrid.join('\n')).mounts.map((m) => m.mountPoint)).toEqual(['/sys/fs/cgroup/cpu', '/sys/fs/cgroup/unified']);
  });
  it('drops the hybrid trees when cgroup2 is mounted over /sys/fs/cgroup', () => {
    const text = [...hybrid, '63 23 0:38 / /sys/fs/cgroup rw,relatime - cgroup2 none rw'].join('\n');
    expect(parseCgroupMounts(text).mounts).toEqual([{ version: 2, mountPoint: '/sys/fs/cgroup', root: '/', controllers: [] }]);
  });
});

describe('parseMountinfo', () => {
  it('reads every field, with optional fields and escapes', () => {
    const { mounts, malformed } = parseMountinfo(
      '36 35 98:0 /mnt1 /mnt/my\\040disk rw,noatime master:1 shared:7 - ext3 /dev/root rw,errors=continue\n' +
        '4610 29 0:4 net:[4026532614] /run/netns/cni-1 rw,nosuid - nsfs nsfs rw\n',
    );
    expect(malformed).toBe(0);
    expect(mounts[0]).toEqual({
      id: 36,
      parent: 35,
      device: '98:0',
      root: '/mnt1',
      mountPoint: '/mnt/my disk',
      options: ['rw', 'noatime'],
      fstype: 'ext3',
      source: '/dev/root',
      superOptions: ['rw', 'errors=continue'],
    });
    expect(mounts[1]?.root).toBe('net:[4026532614]');
  });

  it('counts malformed lines instead of throwing: no separator, too few fields, bad ids or device', () => {
    const text = ['no separator here', '1 2 0:1 / - x', 'a 2 0:1 / /x rw - t s o', '1 2 zero / /x rw - t s o', '1 2 0:1 / /ok rw - t s o', '', '\r'].join('\n');
    const { mounts, malformed } = parseMountinfo(text);
    expect(mounts.map((m) => m.mountPoint)).toEqual(['/ok']);
    expect(malformed).toBe(4);
  });
});

describe('nsfsMounts', () => {
  it('finds namespace files bind-mounted (nsfs, and proc before Linux 3.19), not other mounts', () => {
    const { mounts } = parseMountinfo(
      [
        '41 26 0:4 net:[4026532176] /run/netns/a rw - nsfs nsfs rw',
        '42 26 0:3 mnt:[4026532177] /old rw - proc proc rw',
        '43 26 0:3 / /proc rw - proc proc rw',
        '44 26 0:4 net:[notanumber] /bad rw - nsfs nsfs rw',
        '45 26 0:50 net:[4026532178] /tmp/fake rw - tmpfs tmpfs rw',
      ].join('\n'),
    );
    expect(nsfsMounts(mounts)).toEqual([
      { type: 'net', inode: 4026532176, mountPoint: '/run/netns/a' },
      { type: 'mnt', inode: 4026532177, mountPoint: '/old' },
    ]);
  });
});
