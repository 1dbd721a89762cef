/**
 * Fuzz every parser in lib/parse: they read whatever /proc and cgroupfs hand
 * them (or a capture someone edited), so they must never throw and must only
 * return their documented shapes. Fixed seed: runs are reproducible.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { RUNTIMES } from '../../lib/model/types.js';
import { recogniseCgroupPath, type PathContainer, type PathIdentity } from '../../lib/parse/cgroup-path.js';
import { parseCgroupProcs, parseCpuMax, parseMaxValue, parseV1Cpu, parseV1Memory } from '../../lib/parse/cgroupfs.js';
import { parseCmdline } from '../../lib/parse/cmdline.js';
import { parseCgroupMounts } from '../../lib/parse/mountinfo.js';
import { isNsType, parseNsLink } from '../../lib/parse/ns-link.js';
import { parsePasswd } from '../../lib/parse/passwd.js';
import { hierarchyKey, parseProcCgroup } from '../../lib/parse/proc-cgroup.js';
import { parseProcStat } from '../../lib/parse/proc-stat.js';
import { parseProcStatus } from '../../lib/parse/proc-status.js';
import { unescapeSystemd } from '../../lib/parse/systemd-escape.js';

const SEED = 20240611;
/** Runs per generator and parser; 3 generators (4 for paths) per parser. */
const RUNS = 6000;

let total = 0;
let calls = 0;
const started = Date.now();
afterAll(() => {
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`fuzz: ${total} inputs (${calls} parser calls) in ${secs}s, seed ${SEED}`);
});

// ---------------------------------------------------------------- generators

/** Characters that mean something to one parser or another. */
const SPECIALS = [
  ':',
  '/',
  '(',
  ')',
  '\0',
  '\n',
  '\r\n',
  ' ',
  '\t',
  '\\',
  '\\040',
  '\\x2d',
  '-',
  ' - ',
  ',',
  '=',
  '[',
  ']',
  '..',
  ' (deleted)',
  '.scope',
  '.slice',
  'max',
  '_',
];
/** Numbers that break naive parsing. */
const NUMBERS = fc.oneof(
  fc.constantFrom(
    '0',
    '-0',
    '-1',
    '1',
    '4294967295',
    '9007199254740991',
    '9007199254740992',
    '9007199254740993',
    '9223372036854771712',
    '18446744073709551615',
    '1e308',
    '1e3',
    '0x10',
    '0b1',
    '1.5',
    'NaN',
    'Infinity',
    '+1',
    ' 1',
    '',
  ),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String),
  fc.integer().map(String),
);

type Mutation =
  | { op: 'insert'; at: number; text: string }
  | { op: 'delete'; at: number; len: number }
  | { op: 'number'; nth: number; text: string }
  | { op: 'truncate'; at: number }
  | { op: 'duplicate'; at: number; len: number };

const position = fc.nat({ max: 1 << 16 });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    op: fc.constant('insert' as const),
    at: position,
    text: fc.oneof(fc.constantFrom(...SPECIALS), NUMBERS, fc.string({ unit: 'binary', maxLength: 4 })),
  }),
  fc.record({ op: fc.constant('delete' as const), at: position, len: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ op: fc.constant('number' as const), nth: fc.nat({ max: 60 }), text: NUMBERS }),
  fc.record({ op: fc.constant('truncate' as const), at: position }),
  fc.record({ op: fc.constant('duplicate' as const), at: position, len: fc.integer({ min: 1, max: 80 }) }),
);

function mutate(text: string, ms: Mutation[]): string {
  let s = text;
  for (const m of ms) {
    const at = s.length === 0 ? 0 : 'at' in m ? m.at % (s.length + 1) : 0;
    if (m.op === 'insert') s = s.slice(0, at) + m.text + s.slice(at);
    else if (m.op === 'delete') s = s.slice(0, at) + s.slice(at + m.len);
    else if (m.op === 'truncate') s = s.slice(0, at);
    else if (m.op === 'duplicate') s = s.slice(0, at + m.len) + s.slice(at);
    else {
      // Replace the nth run of digits (wrapping round) with a hostile number.
      const runs = [...s.matchAll(/\d+/g)];
      const r = runs.length ? runs[m.nth % runs.length] : undefined;
      if (r && r.index !== undefined) s = s.slice(0, r.index) + m.text + s.slice(r.index + r[0].length);
    }
  }
  return s;
}

/** Real text with up to 8 random mutations; sometimes several samples joined. */
function nearValid(samples: string[]): fc.Arbitrary<string> {
  const one = fc.tuple(fc.constantFrom(...samples), fc.array(mutation, { maxLength: 8 })).map(([s, ms]) => mutate(s, ms));
  return fc.oneof({ weight: 3, arbitrary: one }, { weight: 1, arbitrary: fc.array(one, { minLength: 2, maxLength: 5 }).map((xs) => xs.join('')) });
}

/** The three families of input every parser gets. */
function inputs(samples: string[]): Array<[string, fc.Arbitrary<string>]> {
  return [
    ['arbitrary strings', fc.string({ maxLength: 300 })],
    [
      'unicode / binary-ish strings',
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.string({ unit: 'binary-ascii', maxLength: 300 }),
        fc.string({ unit: 'grapheme', maxLength: 100 }),
      ),
    ],
    ['mutated real text', nearValid(samples)],
  ];
}

/** Run a property on `numRuns` inputs, counting them and the `perInput` parser calls each makes. */
function fuzz<T>(arb: fc.Arbitrary<T>, check: (x: T) => void, { numRuns = RUNS, perInput = 1 } = {}): void {
  fc.assert(
    fc.property(arb, (x) => {
      total++;
      calls += perInput;
      check(x);
    }),
    { seed: SEED, numRuns },
  );
}

// ---------------------------------------------------------------- shapes

const isSafeNat = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
const isMaxOrNat = (v: unknown): boolean => v === 'max' || isSafeNat(v);
const keys = (o: object): string[] => Object.keys(o).sort();

function checkQuota(v: { quota: number | 'max'; period: number } | undefined): void {
  if (v === undefined) return;
  expect(keys(v)).toEqual(['period', 'quota']);
  expect(isMaxOrNat(v.quota)).toBe(true);
  expect(isSafeNat(v.period) && v.period > 0).toBe(true);
}

function checkContainer(c: PathContainer | null): void {
  if (c === null) return;
  expect(keys(c)).toEqual(['cgroup', 'id', 'name', 'role', 'runtime']);
  expect((RUNTIMES as readonly string[]).includes(c.runtime)).toBe(true);
  expect(typeof c.id).toBe('string');
  expect(c.name === null || typeof c.name === 'string').toBe(true);
  expect(['container', 'sandbox']).toContain(c.role);
  expect(c.cgroup.startsWith('/')).toBe(true);
}

function checkIdentity(path: string, p: PathIdentity): void {
  expect(keys(p)).toEqual(['container', 'monitor', 'outer', 'outsideNamespace', 'pod', 'podmanPod']);
  checkContainer(p.container);
  checkContainer(p.outer);
  if (p.outer) expect(p.container).not.toBeNull();
  if (p.pod) {
    expect(typeof p.pod.uid).toBe('string');
    expect(['guaranteed', 'burstable', 'besteffort']).toContain(p.pod.qos);
    expect(['systemd', 'cgroupfs']).toContain(p.pod.driver);
    expect(p.pod.cgroup.startsWith('/')).toBe(true);
  }
  if (p.monitor) {
    expect((RUNTIMES as readonly string[]).includes(p.monitor.runtime)).toBe(true);
    expect(typeof p.monitor.id).toBe('string');
  }
  expect(p.podmanPod === null || /^[0-9a-f]{64}$/.test(p.podmanPod)).toBe(true);
  expect(p.outsideNamespace).toBe(path.split('/').includes('..'));
}

// ---------------------------------------------------------------- real samples

const STAT = [
  '3411 (cat) R 3409 3409 2607 0 -1 4194304 102 0 0 0 0 0 0 0 20 0 1 0 38980 3133440 389 18446744073709551615 94618611085312 94618611105193 140729839706176 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 94618611121200 94618611122816 94619131424768 140729839708896 140729839708916 140729839708916 140729839710187 0\n',
  '10 (kworker/0:0H-events_highpri) I 2 0 0 0 -1 69238880 0 0 0 0 0 0 0 0 0 -20 1 0 24 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 1 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n',
  '5154 (python3) Z 5113 5111 2607 0 -1 4227148 223 0 0 0 0 0 0 0 20 0 1 0 46144 0 0 18446744073709551615 0 0 0 0 0 0 0 16781312 2 1 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n',
  '7 (a) b) S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 70 0 0\n',
];
const STATUS = [
  'Name:\tcat\nUmask:\t0022\nState:\tR (running)\nTgid:\t3412\nPid:\t3412\nPPid:\t3409\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\nGroups:\t \nNStgid:\t3412\nNSpid:\t3412\nVmPeak:\t    3060 kB\n',
  'Name:\t a\\\\b\\n)c \nState:\tS (sleeping)\nUid:\t101\t0\t0\t0\nNSpid:\t48211\t7\n',
];
const NS_LINKS = ['net:[4026531833]', 'pid_for_children:[4026531836]', 'time:[4026531834]\n'];
const CMDLINES = ['sleep\0infinity\0', 'sh\0-c\0echo a b\0', 'nginx: worker process', '\0'];
const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
  '# c\n+::::::\nalice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\r\n',
];
const PROC_CGROUP = [
  '9:name=systemd:/system.slice/foo.service\n8:pids:/system.slice/foo.service\n4:memory:/\n1:cpu,cpuacct:/\n0::/system.slice/foo.service\n',
  '0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0e3b5f7c_2a86_4c8e_9d44_1a2b3c4d5e6f.slice:cri-containerd:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n',
  '0::/system.slice/gone.service (deleted)\n',
  '0::/../../user.slice\n',
];
const MOUNTINFO = [
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n',
  '28 24 0:25 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n',
  '41 31 0:38 /my\\040dir /mnt/cgroup\\040two rw - cgroup2 cgroup2 rw\n',
];
const LIMITS = ['max\n', '536870912\n', '9223372036854771712\n', '-1\n', '100000\n', '0\n'];
const CPU_MAX = ['max 100000\n', '50000 100000\n', 'max\n'];
const PROCS = ['1\n2\n3\n4\n5\n', '812\n', '0\n0\n9\n', ''];
const CGROUP_PATHS = [
  '/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope',
  '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0e3b5f7c_2a86_4c8e_9d44_1a2b3c4d5e6f.slice/cri-containerd-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope',
  '/kubepods/besteffort/pod0e3b5f7c-2a86-4c8e-9d44-1a2b3c4d5e6f/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  '/kubepods.slice/kubepods-pod0e3b5f7c_2a86_4c8e_9d44_1a2b3c4d5e6f.slice:cri-containerd:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  '/machine.slice/libpod-conmon-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope',
  '/machine.slice/machine-libpod_pod_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.slice/libpod-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope',
  '/lxc.payload.web/system.slice/foo.service',
  '/machine.slice/machine-foo\\x2dbar.scope',
  '/ecs/0123456789abcdef0123456789abcdef/0123456789abcdef0123456789abcdef-1',
  '/../../system.slice/foo.service',
];
const SYSTEMD_NAMES = ['system-foo\\x2dbar.slice', '_cpu.weight', 'machine-foo\\x2d1.scope', '\\x'];

// ---------------------------------------------------------------- properties

describe('parsers never throw and return their documented shapes', () => {
  describe.each(inputs(NS_LINKS))('parseNsLink, isNsType: %s', (_name, arb) => {
    it('holds', () => {
      fuzz(
        arb,
        (s) => {
          const v = parseNsLink(s);
          if (v !== undefined) {
            expect(keys(v)).toEqual(['inode', 'type']);
            expect(v.type).toMatch(/^[a-z_]+$/);
            expect(isSafeNat(v.inode)).toBe(true);
          }
          expect(typeof isNsType(s)).toBe('boolean');
        },
        { perInput: 2 },
      );
    });
  });

  describe.each(inputs(STAT))('parseProcStat: %s', (_name, arb) => {
    it('holds', () => {
      fuzz(arb, (s) => {
        const v = parseProcStat(s);
        if (v === undefined) return;
        expect(keys(v)).toEqual(['comm', 'flags', 'pid', 'ppid', 'startTime', 'state']);
        expect(isSafeNat(v.pid) && v.pid > 0).toBe(true);
        expect(isSafeNat(v.ppid)).toBe(true);
        expect(isSafeNat(v.flags)).toBe(true);
        expect(isSafeNat(v.startTime)).toBe(true);
        expect(v.state).toMatch(/^[A-Za-z]$/);
        expect(s.includes(`(${v.comm})`)).toBe(true);
      });
    });
  });

  describe.each(inputs(STATUS))('parseProcStatus: %s', (_name, arb) => {
    it('holds', () => {
      fuzz(arb, (s) => {
        const v = parseProcStatus(s);
        expect(keys(v)).toEqual(['name', 'nspid', 'uid']);
        expect(v.uid === null || isSafeNat(v.uid)).toBe(true);
        expect(v.nspid === null || (v.nspid.length > 0 && v.nspid.every((p) => isSafeNat(p) && p > 0))).toBe(true);
        expect(v.name === null || typeof v.name === 'string').toBe(true);
      });
    });
  });

  describe.each(inputs(CMDLINES))('parseCmdline: %s', (_name, arb) => {
    it('holds, and joins back to its input', () => {
      fuzz(arb, (s) => {
        const v = parseCmdline(s);
        expect(Array.isArray(v)).toBe(true);
        expect(v.every((a) => typeof a === 'string' && !a.includes('\0'))).toBe(true);
        if (s !== '') expect(v.join('\0') + (s.endsWith('\0') ? '\0' : '')).toBe(s);
      });
    });
  });

  describe.each(inputs(PASSWD))('parsePasswd: %s', (_name, arb) => {
    it('holds', () => {
      fuzz(arb, (s) => {
        const v = parsePasswd(s);
        expect(v).toBeInstanceOf(Map);
        for (const [uid, name] of v) {
          expect(isSafeNat(uid)).toBe(true);
          expect(name.length > 0 && !name.includes(':') && !name.includes('\n')).toBe(true);
        }
      });
    });
  });

  describe.each(inputs(PROC_CGROUP))('parseProcCgroup, hierarchyKey: %s', (_name, arb) => {
    it('holds', () => {
      fuzz(
        arb,
        (s) => {
          const v = parseProcCgroup(s);
          if (v === undefined) return;
          expect(Array.isArray(v)).toBe(true);
          for (const l of v) {
            expect(keys(l)).toEqual(['controllers', 'deleted', 'hierarchyId', 'path']);
            expect(isSafeNat(l.hierarchyId)).toBe(true);
            expect(l.controllers.every((c) => typeof c === 'string' && !c.includes(':') && !c.includes(','))).toBe(true);
            expect(l.path.startsWith('/') && !l.path.includes('\n')).toBe(true);
            expect(typeof l.deleted).toBe('boolean');
            expect(typeof hierarchyKey(l)).toBe('string');
          }
        },
        { perInput: 2 },
      );
    });
  });

  describe.each(inputs(MOUNTINFO))('parseCgroupMounts: %s', (_name, arb) => {
    it('holds', () => {
      fuzz(arb, (s) => {
        const v = parseCgroupMounts(s);
        expect(keys(v)).toEqual(['malformed', 'mounts']);
        expect(isSafeNat(v.malformed) && v.malformed <= s.split('\n').length).toBe(true);
        const seen = new Set<string>();
        for (const m of v.mounts) {
          expect(keys(m)).toEqual(['controllers', 'mountPoint', 'root', 'version']);
          expect([1, 2]).toContain(m.version);
          if (m.version === 2) expect(m.controllers).toEqual([]);
          expect(typeof m.mountPoint).toBe('string');
          expect(typeof m.root).toBe('string');
          const key = m.version === 2 ? 'unified' : m.controllers.join(',');
          expect(seen.has(key)).toBe(false);
          seen.add(key);
        }
      });
    });
  });

  describe.each(inputs(LIMITS))('parseMaxValue, parseV1Memory: %s', (_name, arb) => {
    it('holds', () => {
      fuzz(
        arb,
        (s) => {
          for (const v of [parseMaxValue(s), parseV1Memory(s)]) expect(v === undefined || isMaxOrNat(v)).toBe(true);
        },
        { perInput: 2 },
      );
    });
  });

  describe.each(inputs(CPU_MAX))('parseCpuMax: %s', (_name, arb) => {
    it('holds', () => {
      fuzz(arb, (s) => checkQuota(parseCpuMax(s)));
    });
  });

  describe.each(inputs(LIMITS))('parseV1Cpu: %s', (_name, arb) => {
    it('holds', () => {
      fuzz(fc.tuple(arb, arb), ([q, p]) => checkQuota(parseV1Cpu(q, p)));
    });
  });

  describe.each(inputs(PROCS))('parseCgroupProcs: %s', (_name, arb) => {
    it('holds', () => {
      fuzz(arb, (s) => {
        const v = parseCgroupProcs(s);
        if (v !== undefined) expect(v.every(isSafeNat)).toBe(true);
      });
    });
  });

  const pathInputs: Array<[string, fc.Arbitrary<string>]> = [
    ...inputs(CGROUP_PATHS),
    [
      'paths of real and random segments',
      fc
        .array(
          fc.oneof(
            fc.constantFrom(
              'kubepods',
              'kubepods.slice',
              'burstable',
              'besteffort',
              'machine.slice',
              'lxc',
              'lxc.monitor',
              'lxc.payload',
              'ecs',
              'docker',
              '..',
              '.',
              '',
            ),
            fc.constantFrom(...CGROUP_PATHS.flatMap((p) => p.split('/'))),
            fc.string({ maxLength: 20 }),
          ),
          { maxLength: 10 },
        )
        .map((segs) => '/' + segs.join('/')),
    ],
  ];
  describe.each(pathInputs)('recogniseCgroupPath: %s', (_name, arb) => {
    it('holds', () => {
      fuzz(arb, (s) => checkIdentity(s, recogniseCgroupPath(s)));
    });
  });

  describe.each(inputs(SYSTEMD_NAMES))('unescapeSystemd: %s', (_name, arb) => {
    it('holds', () => {
      fuzz(arb, (s) => {
        const v = unescapeSystemd(s);
        expect(typeof v).toBe('string');
        expect(v.length).toBeLessThanOrEqual(s.length);
      });
    });
  });
});

describe('large inputs stay fast', () => {
  // Quadratic behaviour (a backtracking regex, a split per character) shows up here.
  const big = fc.oneof(
    fc.string({ unit: 'binary-ascii', minLength: 20_000, maxLength: 50_000 }),
    fc.tuple(fc.constantFrom(...SPECIALS), fc.integer({ min: 10_000, max: 50_000 })).map(([c, n]) => c.repeat(n)),
    fc.tuple(fc.constantFrom(...STAT, ...PROC_CGROUP, ...MOUNTINFO, ...STATUS), fc.integer({ min: 100, max: 1000 })).map(([l, n]) => l.repeat(n)),
  );
  it('every parser handles 20-500 KB inputs in well under a second', () => {
    fuzz(
      big,
      (s) => {
        const t = Date.now();
        parseNsLink(s);
        parseProcStat(s);
        parseProcStatus(s);
        parseCmdline(s);
        parsePasswd(s);
        parseProcCgroup(s);
        parseCgroupMounts(s);
        parseMaxValue(s);
        parseV1Memory(s);
        parseCpuMax(s);
        parseV1Cpu(s, s);
        parseCgroupProcs(s);
        recogniseCgroupPath(s);
        unescapeSystemd(s);
        expect(Date.now() - t).toBeLessThan(1000);
      },
      { numRuns: 40, perInput: 14 },
    );
  });
});
