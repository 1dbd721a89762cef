/* eslint-disable @typescript-eslint/no-explicit-any -- the tests damage arbitrary fields of a parsed snapshot */
/**
 * parseSnapshot on hostile snapshots: deep or huge input is refused before
 * JSON.parse (cheaply, in one pass), every field a view reads has its type
 * checked, keys such as `constructor` and `__proto__` stay plain data, and
 * any value an error message echoes is cut short.
 */
import { describe, expect, it } from 'vitest';
import { pickHierarchy } from '../../lib/model/cgroup-tree.js';
import { diff } from '../../lib/model/diff.js';
import { MAX_ITEMS, MAX_NESTING, MAX_TREE_DEPTH, parseSnapshot, stringifySnapshot } from '../../lib/model/snapshot.js';
import type { CgroupNode } from '../../lib/model/types.js';
import { scanSync } from '../../lib/scan.js';
import { scenarioSource } from '../helpers/host.js';

const good = JSON.parse(stringifySnapshot(scanSync({ source: scenarioSource('k8s-seed-pod') }))) as Record<string, any>;
const mutate = (f: (s: Record<string, any>) => void): string => {
  const s = structuredClone(good);
  f(s);
  return JSON.stringify(s);
};
/** The message parseSnapshot throws for `text`, or '' if it loads. */
function refusal(text: string): string {
  try {
    parseSnapshot(text, 'snap.json');
    return '';
  } catch (err) {
    return (err as Error).message;
  }
}
/** A snapshot whose `processes` is `inner` (raw JSON text). */
const withProcesses = (inner: string): string => JSON.stringify({ ...good, processes: [] }).replace('"processes":[]', `"processes":${inner}`);

describe('issue 14.7: deep or huge input is refused before it is parsed', () => {
  it('2,000,000 levels of nesting: refused in one cheap pass, not parsed (50 bytes of memory a byte)', () => {
    const text = withProcesses('['.repeat(2_000_000) + ']'.repeat(2_000_000));
    const t = performance.now();
    expect(refusal(text)).toBe(`snap.json: not an nsview snapshot: nested more than ${MAX_NESTING} levels deep`);
    expect(performance.now() - t).toBeLessThan(1000);
  });

  it(`more than ${MAX_ITEMS} items: refused before parsing`, () => {
    const text = withProcesses(`[${'0,'.repeat(MAX_ITEMS)}0]`);
    expect(refusal(text)).toBe(`snap.json: not an nsview snapshot: more than ${MAX_ITEMS} items`);
  });

  it('brackets and commas inside strings do not count', () => {
    const text = mutate((s) => (s.processes[0].cmdline = ['[{,'.repeat(10_000), '\\"[[[', '\\\\']));
    expect(refusal(text)).toBe('');
  });

  it(`a cgroup tree ${MAX_TREE_DEPTH} deep loads, one level more is refused (checked without recursion)`, () => {
    const deep = (levels: number): string =>
      mutate((s) => {
        let n: CgroupNode = s.hierarchies[0].root;
        for (let i = 0; i < levels; i++) {
          const c: CgroupNode = { path: `${n.path === '/' ? '' : n.path}/x`, pids: [], children: [] };
          n.children.push(c);
          n = c;
        }
      });
    expect(refusal(deep(MAX_TREE_DEPTH))).toBe('');
    expect(refusal(deep(MAX_TREE_DEPTH + 1))).toMatch(
      new RegExp(`^snap\\.json: not an nsview snapshot: hierarchies\\[0\\]\\.root(\\.children\\[\\d+\\])+ is nested more than ${MAX_TREE_DEPTH} cgroups deep$`),
    );
  });
});

describe('issue 14.8: types of every field a view reads, keys as plain data', () => {
  it("a `constructor` or `__proto__` hierarchy in one process's cgroups: diff shows it on that side only", () => {
    const snap = parseSnapshot(
      mutate((s) => {
        const a = s.processes.find((p: any) => p.pid === 5001);
        a.cgroups = JSON.parse('{"unified":"/a","constructor":"/c","__proto__":"/p"}');
      }),
    );
    const a = snap.processes.find((p) => p.pid === 5001)!;
    expect(Object.getPrototypeOf(a.cgroups)).toBe(Object.prototype);
    const d = diff(snap, 5001, 5035);
    expect(d.cgroups.find((c) => c.hierarchy === 'constructor')).toEqual({ hierarchy: 'constructor', a: '/c', b: null, common: null });
    expect(d.cgroups.find((c) => c.hierarchy === '__proto__')).toEqual({ hierarchy: '__proto__', a: '/p', b: null, common: null });
    expect(diff(snap, 5035, 5001).cgroups.find((c) => c.hierarchy === 'constructor')).toEqual({ hierarchy: 'constructor', a: null, b: '/c', common: null });
  });

  it.each([
    ['a namespace mode `constructor`', 'pods[0] is malformed', (s: any) => (s.pods[0].namespaces.net = 'constructor')],
    ['a namespace mode `__proto__`', 'pods[0] is malformed', (s: any) => (s.pods[0].namespaces.ipc = '__proto__')],
    ['a memory limit that is a string', 'hierarchies[0].root is malformed', (s: any) => (s.hierarchies[0].root.limits = { memory: 'lots' })],
    ['a cpu quota that is a string', 'containers[0] is malformed', (s: any) => (s.containers[0].limits = { cpu: { quota: '5', period: 100000 } })],
    ['a cpu period of 0', 'containers[0] is malformed', (s: any) => (s.containers[0].limits = { cpu: { quota: 5, period: 0 } })],
    ['a pids limit that is an array', 'pods[0] is malformed', (s: any) => (s.pods[0].limits = { pids: [] })],
    ['limits that are a string', 'hierarchies[0].root.children[0] is malformed', (s: any) => (s.hierarchies[0].root.children[0].limits = 'max')],
    ['a QoS with control bytes', 'pods[0] is malformed', (s: any) => (s.pods[0].qos = 'x\x1b[2J')],
    ['an unknown runtime', 'containers[0] is malformed', (s: any) => (s.containers[0].runtime = 'rt\x9b31m')],
    ['an unknown role', 'containers[0] is malformed', (s: any) => (s.containers[0].role = 'constructor')],
    ['an unknown warning code', 'warnings[0] is malformed', (s: any) => s.warnings.push({ code: '\x1b[2J', message: 'x' })],
    ['a warning pid that is a string', 'warnings[0] is malformed', (s: any) => s.warnings.push({ code: 'denied', message: 'x', pid: '1' })],
    ['a root that is not a string', '"root" is not a string', (s: any) => (s.root = { x: 1 })],
    ['partial that is a string', 'processes[0] is malformed', (s: any) => (s.processes[0].partial = 'yes')],
    ['inferred that is missing', 'pods[0] is malformed', (s: any) => delete s.pods[0].inferred],
    ['a mount point that is a number', 'hierarchies[0] is malformed', (s: any) => (s.hierarchies[0].mountPoint = 7)],
  ])('refuses %s', (_name, message, damage) => {
    expect(refusal(mutate(damage))).toBe(`snap.json: not an nsview snapshot: ${message}`);
  });

  it('accepts the limits a scan writes', () => {
    const text = mutate((s) => {
      s.hierarchies[0].root.limits = { memory: 'max', cpu: { quota: 'max', period: 100000 }, pids: 4096 };
      s.containers[0].limits = { memory: 268435456, cpu: { quota: 50000, period: 100000 } };
    });
    expect(refusal(text)).toBe('');
  });
});

describe('issue 14.6/14.7: an error message echoes a value cut short', () => {
  it('a 50 MB version string', () => {
    const text = JSON.stringify(good).replace('"version":3', () => `"version":"\\u001b[2J${'v'.repeat(50_000_000)}"`);
    const message = refusal(text);
    expect(message.length).toBeLessThan(400);
    // eslint-disable-next-line no-control-regex -- the message keeps the value raw; the CLI escapes it on the way out
    expect(message).toMatch(/^snap\.json: not an nsview snapshot: unsupported version "\x1b\[2Jv+…v+" \(this nsview reads 1, 2 and 3\)$/);
  });

  it('a version that is an object or an array is named by its kind', () => {
    expect(refusal(mutate((s) => (s.version = { a: 1 })))).toContain('unsupported version an object');
    expect(refusal(mutate((s) => (s.version = [1])))).toContain('unsupported version an array');
  });

  it("the snapshot's root in an unknown-pid error", () => {
    const snap = parseSnapshot(mutate((s) => (s.root = '/captures/' + 'r'.repeat(1_000_000))));
    expect(() => diff(snap, 5001, 424242)).toThrow(/^no process with pid 424242 in \/captures\/r+…r+$/);
  });

  it('the controller asked for and the hierarchy keys in a missing-hierarchy error', () => {
    const snap = parseSnapshot(
      mutate((s) => {
        for (let i = 0; i < 1000; i++) s.hierarchies.push({ ...s.hierarchies[0], key: `k${i}-${'x'.repeat(1000)}`, controllers: [] });
      }),
    );
    let message = '';
    try {
      pickHierarchy(snap, 'nope'.repeat(10_000));
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^no cgroup hierarchy for controller "(nope)+…[nope]+" \(mounted: unified, k0-x+…x+\)$/);
    expect(message.length).toBeLessThan(500);
  });
});
