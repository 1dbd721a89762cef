/**
 * The built CLI on hostile saved snapshots (--from), a hostile capture root
 * and hostile arguments: nothing raw reaches stdout or stderr (errors,
 * warnings, codes and paths go through one escaping function), type
 * confusion gives a clean error, long names render in linear time, and the
 * worst 100+ MiB snapshots are refused in bounded memory with one line.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringifySnapshot } from '../../lib/model/snapshot.js';
import { scanSync } from '../../lib/scan.js';
import { scenarioSource } from '../helpers/host.js';

const bin = fileURLToPath(new URL('../../dist/bin/nsview.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'nsview-hostile-input-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/* eslint-disable @typescript-eslint/no-explicit-any -- the tests damage arbitrary fields of a snapshot */
let good: Record<string, any>;
beforeAll(() => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build (npm test does)`);
  good = JSON.parse(stringifySnapshot(scanSync({ source: scenarioSource('k8s-seed-pod') })));
});

/** Run the CLI (with node options first), plain output, a deadline. */
function nsview(args: string[], o: { node?: string[]; timeout?: number } = {}) {
  const r = spawnSync(process.execPath, [...(o.node ?? []), bin, ...args], {
    encoding: 'utf8',
    timeout: o.timeout ?? 60_000,
    maxBuffer: 64 << 20,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', COLUMNS: '' },
  });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

let files = 0;
/** Write a damaged copy of the fixture snapshot (or raw text) and return its path. */
function snapshotFile(damage: ((s: Record<string, any>) => void) | string): string {
  const file = join(tmp, `snap-${files++}.json`);
  if (typeof damage === 'string') writeFileSync(file, damage);
  else {
    const s = structuredClone(good);
    damage(s);
    writeFileSync(file, JSON.stringify(s));
  }
  return file;
}

/** Raw controls, direction marks, and U+FFFD (what a lone surrogate becomes on the way out). */
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ufffd]/;
function nothingRaw(r: { out: string; err: string }, what: string): void {
  expect(RAW.exec(r.out)?.[0], `stdout of ${what}`).toBeUndefined();
  expect(RAW.exec(r.err)?.[0], `stderr of ${what}`).toBeUndefined();
  expect(r.err, what).not.toMatch(/unexpected error|^\s+at /m);
}

describe('issue 14.6: nothing raw reaches the terminal', () => {
  const KEY = 'k\x1b]0;t\x07\u202e\u061c';
  it.each<[string, (s: Record<string, any>) => void, string[], number]>([
    ['a QoS with ESC', (s) => (s.pods[0].qos = 'q\x1b[2J'), ['pods'], 1],
    ['a runtime with C1 CSI', (s) => (s.containers[0].runtime = 'rt\x9b31m'), ['tree'], 1],
    [
      'a hierarchy key with OSC, a bidi override and U+061C (diff)',
      (s) => {
        s.hierarchies.push({ ...s.hierarchies[0], key: KEY, version: 1, controllers: [KEY] });
        for (const p of s.processes) p.cgroups[KEY] = '/';
      },
      ['diff', '5001', '5035'],
      0,
    ],
    [
      'a hierarchy key with OSC, a bidi override and U+061C (inspect)',
      (s) => {
        s.hierarchies.push({ ...s.hierarchies[0], key: KEY, version: 1, controllers: [KEY] });
        for (const p of s.processes) p.cgroups[KEY] = '/';
      },
      ['inspect', '5001'],
      0,
    ],
    ['the snapshot root in an error', (s) => (s.root = '/cap\x1b]0;owned\x07\u009b'), ['inspect', '424242'], 1],
    ['a -v warning code with ESC', (s) => s.warnings.push({ code: '\x1b[2J', message: 'x' }), ['pods', '-v'], 1],
    [
      'C1, bidi, U+061C and a kept byte in a -v warning message',
      (s) => s.warnings.push({ code: 'malformed', message: 'bad \x9b31m \u202e \u061c \udcff' }),
      ['pods', '-v'],
      0,
    ],
    ['an unsupported version string with C1 CSI and a bidi override', (s) => (s.version = '\x9b2J\u202e2'), ['pods'], 1],
    ['U+061C and kept bytes in names', (s) => ((s.processes[0].cmdline = ['x\u061cy', 'b\udcff']), (s.processes[0].comm = 'c\u061c')), ['tree', '-l'], 0],
  ])('%s', (what, damage, args, code) => {
    const r = nsview([...args, '--from', snapshotFile(damage)]);
    nothingRaw(r, what);
    expect(r.code, `${what}: ${r.err}`).toBe(code);
  });

  it('shows them escaped', () => {
    const withMessage = snapshotFile((s) => s.warnings.push({ code: 'malformed', message: 'bad \x9b31m \u202e \u061c \udcff' }));
    expect(nsview(['pods', '-v', '--from', withMessage]).err).toContain('nsview: malformed: bad \\x9b31m \\u202e \\u061c \\xff\n');
    const names = snapshotFile((s) => (s.processes[0].cmdline = ['x\u061cy', 'b\udcff']));
    expect(nsview(['tree', '-l', '--from', names]).out).toContain('─1 x\\u061cy b\\xff\n');
    // The CLI names where the data came from (the snapshot file), not the root the snapshot records.
    const hostile = snapshotFile((s) => (s.root = '/cap\x1b]0;owned\x07'));
    expect(nsview(['inspect', '424242', '--from', hostile]).err).toBe(`nsview: no process with pid 424242 in the snapshot ${hostile}\n`);
  });

  it("the JSON parser's snippet of the file", () => {
    const r = nsview(['tree', '--from', snapshotFile('{"format": \x1b[2J\u202e}')]);
    nothingRaw(r, 'a file that is not JSON');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/: not JSON \(.*\\x1b/);
  });

  it('arguments echoed in a usage error', () => {
    const r = nsview(['\x1b]0;x\x07']);
    nothingRaw(r, 'an unknown command');
    expect(r.code).toBe(2);
    expect(r.err).toContain('\\x1b]0;x\\x07');
  });

  it('hierarchy keys from a capture (--root): inspect and diff', () => {
    const root = join(tmp, 'hostile-keys');
    const key = 'ev\x1b[2Jil,qos\u009b';
    const files: Record<string, string> = {
      'proc/1/stat': '1 (init) S 0 1 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 20 0 0\n',
      'proc/1/comm': 'init\n',
      'proc/1/cmdline': '/sbin/init\0',
      'proc/1/status': 'Name:\tinit\nUid:\t0\t0\t0\t0\nNSpid:\t1\n',
      'proc/1/cgroup': `2:${key}:/\n`,
      'proc/self/mountinfo': `30 23 0:26 / /sys/fs/cgroup/x rw,nosuid - cgroup cgroup rw,${key}\n`,
      'sys/fs/cgroup/x/cgroup.procs': '1\n',
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    const inspect = nsview(['inspect', '1', '--root', root]);
    nothingRaw(inspect, 'inspect --root');
    expect(inspect.out).toContain('CGROUP /\n  ev\\x1b[2Jil,qos\\x9b\n');
    const d = nsview(['diff', '1', '1', '--root', root]);
    nothingRaw(d, 'diff --root');
    expect(d.out).toContain('CGROUP ev\\x1b[2Jil,qos\\x9b\n');
  });

  it('paths in capture -v', () => {
    // A host tree whose mountinfo names a cgroup mount point that is not there: capture lists it as skipped.
    const root = join(tmp, 'hostile-root');
    mkdirSync(join(root, 'proc/1'), { recursive: true });
    mkdirSync(join(root, 'proc/self'), { recursive: true });
    writeFileSync(join(root, 'proc/1/stat'), '1 (init) S 0 1 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 20 0 0\n');
    writeFileSync(join(root, 'proc/self/mountinfo'), '30 23 0:26 / /sys/fs/cgroup/evil\x1b[2J\u202e rw,nosuid - cgroup2 cgroup2 rw\n');
    const r = nsview(['capture', join(tmp, 'capture-out'), '--root', root, '-v']);
    nothingRaw(r, 'capture -v');
    expect(r.err).toContain('/sys/fs/cgroup/evil\\x1b[2J\\u202e');
  });
});

describe('issue 14.8: type confusion gives a clean error, never "unexpected error"', () => {
  it("a `constructor` hierarchy in one process's cgroups: diff shows it", () => {
    const r = nsview(['diff', '5001', '5035', '--from', snapshotFile((s) => (s.processes.find((p: any) => p.pid === 5001).cgroups.constructor = '/c'))]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('CGROUP constructor\n    5001  /c\n    5035  ?\n');
  });

  it.each<[string, (s: Record<string, any>) => void, string[]]>([
    ['a `constructor` namespace mode', (s) => (s.pods[0].namespaces.net = 'constructor'), ['pods']],
    ['a memory limit that is a string', (s) => (s.pods[0].limits = { memory: 'lots' }), ['pods']],
    ['a cpu quota that is a string', (s) => (s.containers[0].limits = { cpu: { quota: 'x', period: 'y' } }), ['inspect', '4966']],
  ])('%s', (_what, damage, args) => {
    const file = snapshotFile(damage);
    const r = nsview([...args, '--from', file]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^nsview: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not an nsview snapshot: \\w+\\[0\\] is malformed\\n$`));
  });
});

describe('issue 14.4: long names from a snapshot render in linear time', () => {
  it('pods with a 200,000-character pod name finishes (the deadline is generous, the old regex took minutes)', () => {
    const file = snapshotFile((s) => s.pods.push({ ...s.pods[0], key: 'long', uid: 'u'.repeat(200_000) }));
    const r = nsview(['pods', '--from', file], { timeout: 30_000 });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    // The table: a header and the two pods (the volumes block, if any, follows a blank line).
    expect(r.out.split('\n\n')[0]!.split('\n')).toHaveLength(3);
  });
});

describe('issue 14.7: the worst 100+ MiB snapshots are refused in bounded memory', () => {
  const MiB = 1024 * 1024;
  /** The fixture snapshot with `from` replaced by `to`. */
  const swap = (from: string, to: string): string => JSON.stringify(good).replace(from, () => to);
  it.each<[string, () => string, RegExp]>([
    [
      '110 MiB of nesting',
      () => swap('"processes":[', `"processes":[${'['.repeat(55 * MiB)}${']'.repeat(55 * MiB)},`),
      /: not an nsview snapshot: nested more than \d+ levels deep$/,
    ],
    ['110 MiB of small items', () => swap('"processes":[', `"processes":[${'0,'.repeat(55 * MiB)}`), /: not an nsview snapshot: more than \d+ items$/],
    [
      'a 100 MiB version string',
      () => swap('"version":3', `"version":"${'v'.repeat(100 * MiB)}"`),
      /: not an nsview snapshot: unsupported version "v+…v+" \(this nsview reads 1, 2 and 3\)$/,
    ],
  ])(
    '%s: one line, exit 1, under --max-old-space-size=256',
    (_what, make, message) => {
      const file = join(tmp, 'huge.json');
      writeFileSync(file, make());
      try {
        const r = nsview(['pods', '--from', file], { node: ['--max-old-space-size=256'], timeout: 120_000 });
        expect(r.err).not.toMatch(/FATAL|heap|unexpected error/i);
        expect(r.code).toBe(1);
        const lines = r.err.split('\n');
        expect(lines).toHaveLength(2);
        expect(lines[0]!.length).toBeLessThan(1000);
        expect(lines[0]).toMatch(message);
      } finally {
        rmSync(file, { force: true });
      }
    },
    180_000,
  );
});
