/**
 * The Prometheus exposition of a node (lib/render/metrics.ts): golden files, the format as
 * an independent reader sees it (test/helpers/prom.ts), what the series say about the demo
 * node and the holders scenario, escaping of hostile names, numbers, and byte-stable output.
 *
 * Golden files are fixtures/golden/metrics-*.prom, compared byte for byte. After an intended
 * change of the exposition, rewrite them with
 * `UPDATE_GOLDEN=1 npx vitest run test/render/metrics.test.ts` and read the diff before committing.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findLeaks, type LeakReport } from '../../lib/model/leaks.js';
import type { Container, Pod, Snapshot } from '../../lib/model/types.js';
import { escapeLabelValue, formatSampleValue, renderMetrics, type MetricsInput } from '../../lib/render/metrics.js';
import { scanSync } from '../../lib/scan.js';
import { specSource } from '../../lib/source/spec.js';
import { scenarioSource } from '../helpers/host.js';
import { expositionProblems, LABEL_NAME, METRIC_NAME, parseProm, samplesOf, type PromParse, type PromSample } from '../helpers/prom.js';
import { demoSpec } from '../helpers/host.js';

const goldenDir = fileURLToPath(new URL('../../fixtures/golden/', import.meta.url));

/** The demo node with holders read (nsfs mounts and fds), as `nsview serve` scans for leaks. */
const demo = scanSync({ source: specSource(demoSpec), holders: 'all' });
const holders = scanSync({ source: scenarioSource('holders'), holders: 'all' });

const SCAN: MetricsInput['scan'] = { durationSeconds: 0.25, timestampSeconds: 946684800, total: 7, failures: 1, reusedProcesses: 3 };
const SELF: NonNullable<MetricsInput['self']> = { cpuSecondsTotal: 1.5, residentMemoryBytes: 52428800, heapUsedBytes: 10485760, startTimeSeconds: 946684000 };
const REQUESTS: NonNullable<MetricsInput['requests']> = [
  { path: '/metrics', code: 200, count: 5 },
  { path: '/', code: 200, count: 1 },
  { path: 'other', code: 404, count: 2 },
];

/** The inputs the golden files hold: the demo with everything, the holders scenario with its leaks only. */
const INPUTS = {
  demo: (): MetricsInput => ({ node: 'demo', snapshot: demo, leaks: findLeaks(demo), scan: SCAN, self: SELF, requests: REQUESTS }),
  holders: (): MetricsInput => ({ node: 'holders', snapshot: holders, leaks: findLeaks(holders), scan: SCAN }),
};

/** What no exposition may hold raw: control characters but the line ends, direction marks and separators, lone surrogates. */
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]/u;

const parsed = (input: MetricsInput): { text: string; prom: PromParse } => {
  const text = renderMetrics(input);
  return { text, prom: parseProm(text) };
};

const one = (p: PromParse, name: string, match: Record<string, string>): PromSample => {
  const found = samplesOf(p, name, match);
  expect(found, `${name} ${JSON.stringify(match)}`).toHaveLength(1);
  return found[0] as PromSample;
};

const podNamed = (s: Snapshot, namespace: string, name: string): Pod => {
  const pod = s.pods.find((p) => p.namespace === namespace && p.name === name);
  expect(pod, `pod ${namespace}/${name}`).toBeDefined();
  return pod as Pod;
};

const containersOf = (s: Snapshot, pod: Pod): Container[] => s.containers.filter((c) => c.pod === pod.key);
const processOf = (s: Snapshot, pid: number) => s.processes.find((p) => p.pid === pid)!;

describe('golden expositions', () => {
  for (const [name, input] of Object.entries(INPUTS)) {
    it(`metrics-${name}.prom`, () => {
      const path = `${goldenDir}metrics-${name}.prom`;
      const text = renderMetrics(input());
      if (process.env.UPDATE_GOLDEN === '1') {
        mkdirSync(goldenDir, { recursive: true });
        writeFileSync(path, text);
      }
      expect(existsSync(path), `${path} is missing: run with UPDATE_GOLDEN=1`).toBe(true);
      const golden = readFileSync(path, 'utf8');
      expect(golden).not.toMatch(RAW);
      expect(text).toBe(golden);
    });
  }

  it('no golden .prom file is left without its case', () => {
    const known = new Set(Object.keys(INPUTS).map((name) => `metrics-${name}.prom`));
    expect(readdirSync(goldenDir).filter((f) => f.endsWith('.prom') && !known.has(f))).toEqual([]);
  });
});

describe('the reader of the format (test/helpers/prom.ts) finds what is wrong', () => {
  it.each([
    ['a sample with no HELP or TYPE', 'x 1\n', /no HELP or TYPE/],
    ['a TYPE twice', '# HELP x h\n# TYPE x gauge\n# TYPE x gauge\nx 1\n', /2 TYPE lines/],
    ['a series twice', '# HELP x h\n# TYPE x gauge\nx{a="1",b="2"} 1\nx{b="2",a="1"} 2\n', /given twice/],
    ['a family split', '# HELP x h\n# TYPE x gauge\nx 1\n# HELP y h\n# TYPE y gauge\ny 1\nx{a="1"} 1\n', /x: its lines are not together/],
    ['HELP after samples', '# TYPE x gauge\nx 1\n# HELP x h\n', /HELP on line 3 after its samples/],
    ['an invalid escape', '# HELP x h\n# TYPE x gauge\nx{a="\\x1b"} 1\n', /invalid escape/],
    ['a raw quote', '# HELP x h\n# TYPE x gauge\nx{a="""} 1\n', /expected , or }/],
    ['a bad label name', '# HELP x h\n# TYPE x gauge\nx{1a="v"} 1\n', /bad label name/],
    ['a counter not named _total', '# HELP x h\n# TYPE x counter\nx 1\n', /type counter with that name/],
    ['a bad value', '# HELP x h\n# TYPE x gauge\nx one\n', /bad value/],
    ['no final newline', '# HELP x h\n# TYPE x gauge\nx 1', /does not end with a newline/],
  ])('%s', (_what, text, problem) => {
    expect(expositionProblems(parseProm(text)).join('\n')).toMatch(problem);
  });

  it('reads the three escapes back', () => {
    const p = parseProm('# HELP x h\n# TYPE x gauge\nx{a="q\\"b\\\\n\\n"} +Inf\n');
    expect(expositionProblems(p)).toEqual([]);
    expect(p.samples[0]).toMatchObject({ labels: { a: 'q"b\\n\n' }, value: Infinity });
  });
});

describe('the exposition is valid', () => {
  const cases: Array<[string, MetricsInput]> = [
    ['demo, everything', INPUTS.demo()],
    ['holders, leaks', INPUTS.holders()],
    ['demo, no leaks, self or requests', { node: 'demo', snapshot: demo, scan: SCAN }],
    ['holders, no leaks', { node: '', snapshot: holders, scan: SCAN }],
  ];
  it.each(cases)('%s', (_what, input) => {
    const { text, prom } = parsed(input);
    expect(expositionProblems(prom)).toEqual([]);
    expect(text.endsWith('\n')).toBe(true);
    expect(text).not.toMatch(RAW);
    // Every line is a comment or a sample the reader took: nothing was skipped.
    expect(text.split('\n').length - 1).toBe(prom.samples.length + prom.meta.length);
    for (const m of prom.meta) expect(METRIC_NAME.exec(m.name)?.[0]).toBe(m.name);
    for (const s of prom.samples) {
      expect(METRIC_NAME.exec(s.name)?.[0]).toBe(s.name);
      for (const l of s.labelNames) expect(LABEL_NAME.exec(l)?.[0]).toBe(l);
      if (s.name.startsWith('nsview_')) expect(s.labels.node, `${s.name} line ${s.line}`).toBe(input.node);
      else expect(s.labelNames).toEqual([]);
      if (s.name.endsWith('_info') || s.name === 'nsview_pod_namespace_mode') expect(s.value).toBe(1);
    }
    // The series of the snapshot: one per pod, container and namespace.
    expect(samplesOf(prom, 'nsview_pod_info')).toHaveLength(input.snapshot.pods.length);
    expect(samplesOf(prom, 'nsview_container_info')).toHaveLength(input.snapshot.containers.length);
    expect(samplesOf(prom, 'nsview_namespace_info')).toHaveLength(input.snapshot.namespaces.length);
    expect(samplesOf(prom, 'nsview_scan_processes')[0]?.value).toBe(input.snapshot.processes.length);
  });
});

describe('what the series say about the demo node', () => {
  const { prom } = parsed(INPUTS.demo());
  const foo = podNamed(demo, 'default', 'foo');

  it('default/foo: its uid, QoS and sandbox pid as the snapshot says', () => {
    const s = one(prom, 'nsview_pod_info', { namespace: 'default', pod: 'foo' });
    expect(foo.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(foo.sandbox?.pid).toEqual(expect.any(Number));
    expect(s.labels).toEqual({
      node: 'demo',
      namespace: 'default',
      pod: 'foo',
      uid: foo.uid,
      qos: foo.qos,
      sandbox_pid: String(foo.sandbox?.pid),
      inferred: 'false',
    });
    for (const [type, mode] of Object.entries(foo.namespaces)) expect(one(prom, 'nsview_pod_namespace_mode', { pod: 'foo', type }).labels.mode).toBe(mode);
  });

  it("default/foo's containers share the pod's net namespace: one inode, the pod's, not the node's", () => {
    const net = samplesOf(prom, 'nsview_pod_namespace_info', { pod: 'foo', uid: foo.uid!, type: 'net' });
    expect(net).toHaveLength(1);
    const inode = net[0]!.labels.inode;
    expect(inode).not.toBe(String(demo.nodeNamespaces.net));
    const ctrs = containersOf(demo, foo);
    expect(ctrs.length).toBe(3);
    for (const c of ctrs) {
      const info = one(prom, 'nsview_container_info', { id: c.id });
      expect(info.labels).toMatchObject({ namespace: 'default', pod: 'foo', pod_uid: foo.uid, role: c.role, runtime: c.runtime, pid: String(c.pids[0]) });
      for (const pid of c.pids) expect(String(processOf(demo, pid).ns.net)).toBe(inode);
    }
    expect(one(prom, 'nsview_namespace_info', { type: 'net', inode: inode! }).labels).toMatchObject({
      mode: 'pod',
      namespace: 'default',
      pod: 'foo',
      container: '',
    });
    expect(one(prom, 'nsview_namespace_processes', { type: 'net', inode: inode! }).value).toBe(ctrs.reduce((n, c) => n + c.pids.length, 0));
  });

  it("a hostNetwork pod is in the node's net namespace: mode node, and it joins the node's inode", () => {
    const hostNet = demo.pods.filter((p) => p.namespaces.net === 'node');
    expect(hostNet.map((p) => p.name)).toEqual(['kube-proxy-7xk2p']);
    const pod = hostNet[0]!;
    expect(one(prom, 'nsview_pod_namespace_mode', { pod: pod.name!, type: 'net' }).labels.mode).toBe('node');
    const net = samplesOf(prom, 'nsview_pod_namespace_info', { pod: pod.name!, type: 'net' });
    expect(net.map((s) => s.labels.inode)).toEqual([String(demo.nodeNamespaces.net)]);
    expect(one(prom, 'nsview_namespace_info', { type: 'net', inode: String(demo.nodeNamespaces.net) }).labels).toMatchObject({ mode: 'node', pod: '' });
    // Two pods in the node's user namespace carry the same inode label: PromQL joins them.
    const users = new Set(samplesOf(prom, 'nsview_pod_namespace_info', { type: 'user' }).map((s) => s.labels.inode));
    expect([...users]).toEqual([String(demo.nodeNamespaces.user)]);
  });

  it('every node namespace is mode node; a container alone in a namespace is mode container with its name; a host-only one is host', () => {
    for (const [type, inode] of Object.entries(demo.nodeNamespaces)) {
      expect(one(prom, 'nsview_namespace_info', { type, inode: String(inode) }).labels.mode).toBe('node');
    }
    const nginx = demo.containers.find((c) => c.name === 'nginx')!;
    const mnt = String(processOf(demo, nginx.pids[0]!).ns.mnt);
    expect(one(prom, 'nsview_namespace_info', { type: 'mnt', inode: mnt }).labels).toMatchObject({
      mode: 'container',
      namespace: 'shop',
      pod: 'web-5c7f9d6b8-x2kqp',
      container: 'nginx',
    });
    // kdevtmpfs: a kernel thread with a mount namespace of its own, in no container.
    const kdev = demo.namespaces.find((n) => n.type === 'mnt' && n.pids.length === 1 && processOf(demo, n.pids[0]!).comm === 'kdevtmpfs')!;
    expect(one(prom, 'nsview_namespace_info', { type: 'mnt', inode: String(kdev.inode) }).labels).toMatchObject({ mode: 'host', pod: '', container: '' });
    for (const ns of demo.namespaces) expect(one(prom, 'nsview_namespace_processes', { type: ns.type, inode: String(ns.inode) }).value).toBe(ns.pids.length);
  });

  it('a container namespace a host process entered too is host; one of two pods is host', () => {
    const nginx = demo.containers.find((c) => c.name === 'nginx')!;
    const mnt = processOf(demo, nginx.pids[0]!).ns.mnt!;
    const other = containersOf(demo, podNamed(demo, 'default', 'foo'))[1]!;
    const net = processOf(demo, nginx.pids[0]!).ns.net!;
    const edited: Snapshot = {
      ...demo,
      namespaces: demo.namespaces.map((n) => {
        if (n.type === 'mnt' && n.inode === mnt) return { ...n, pids: [1, ...n.pids] };
        if (n.type === 'net' && n.inode === net) return { ...n, pids: [...n.pids, ...other.pids].sort((a, b) => a - b) };
        return n;
      }),
    };
    const { prom: p } = parsed({ node: 'demo', snapshot: edited, scan: SCAN });
    expect(one(p, 'nsview_namespace_info', { type: 'mnt', inode: String(mnt) }).labels).toMatchObject({ mode: 'host', container: '' });
    expect(one(p, 'nsview_namespace_info', { type: 'net', inode: String(net) }).labels).toMatchObject({ mode: 'host', pod: '' });
  });

  it('limits where set, in bytes and cores; max and absent ones have no series', () => {
    for (const p of demo.pods) {
      const m = samplesOf(prom, 'nsview_pod_memory_limit_bytes', { uid: p.uid! });
      const cpu = samplesOf(prom, 'nsview_pod_cpu_limit_cores', { uid: p.uid! });
      expect(m.map((s) => s.value)).toEqual(typeof p.limits?.memory === 'number' ? [p.limits.memory] : []);
      const q = p.limits?.cpu;
      expect(cpu.map((s) => s.value)).toEqual(q && q.quota !== 'max' ? [q.quota / q.period] : []);
    }
    for (const c of demo.containers) {
      const m = samplesOf(prom, 'nsview_container_memory_limit_bytes', { id: c.id });
      expect(m.map((s) => s.value)).toEqual(typeof c.limits?.memory === 'number' ? [c.limits.memory] : []);
    }
    // The demo has both: a pod with 512Mi and one core, and one with cpu max.
    expect(one(prom, 'nsview_pod_memory_limit_bytes', { pod: 'web-5c7f9d6b8-x2kqp' }).value).toBe(512 * 1024 * 1024);
    expect(one(prom, 'nsview_pod_cpu_limit_cores', { pod: 'web-5c7f9d6b8-x2kqp' }).value).toBe(1);
    expect(podNamed(demo, 'shop', 'api-6b8f7c9d4-m9zlq').limits?.cpu?.quota).toBe('max');
    expect(samplesOf(prom, 'nsview_pod_cpu_limit_cores', { pod: 'api-6b8f7c9d4-m9zlq' })).toEqual([]);
  });

  it('scan, coverage, self and requests', () => {
    expect(one(prom, 'nsview_scan_duration_seconds', {}).value).toBe(0.25);
    expect(one(prom, 'nsview_scans_total', {}).value).toBe(7);
    expect(one(prom, 'nsview_scan_failures_total', {}).value).toBe(1);
    expect(one(prom, 'nsview_scan_reused_processes', {}).value).toBe(3);
    expect(one(prom, 'nsview_scan_coverage_info', {}).labels).toEqual({
      node: 'demo',
      profile: demo.coverage?.profile ?? '',
      namespaces: demo.coverage?.namespaces ?? '',
      holders: 'all',
      volumes: String(demo.coverage?.volumes ?? ''),
    });
    expect(one(prom, 'process_cpu_seconds_total', {}).value).toBe(1.5);
    expect(one(prom, 'nodejs_heap_used_bytes', {}).value).toBe(10485760);
    expect(prom.meta.find((m) => m.name === 'process_cpu_seconds_total' && m.kind === 'TYPE')?.text).toBe('counter');
    expect(samplesOf(prom, 'nsview_http_requests_total').map((s) => [s.labels.path, s.labels.code, s.value])).toEqual([
      ['/', '200', 1],
      ['/metrics', '200', 5],
      ['other', '404', 2],
    ]);
  });

  it('warnings are counted by code', () => {
    const warnings: Snapshot['warnings'] = [
      { code: 'denied', message: 'a' },
      { code: 'vanished', message: 'b', pid: 9 },
      { code: 'denied', message: 'c' },
    ];
    const { prom: p } = parsed({ node: 'n', snapshot: { ...demo, warnings }, scan: SCAN });
    expect(samplesOf(p, 'nsview_scan_warnings').map((s) => [s.labels.code, s.value])).toEqual([
      ['denied', 2],
      ['vanished', 1],
    ]);
  });
});

describe('leaks', () => {
  const report = findLeaks(holders);

  it('the holders scenario: a sample per kind (0 where none) and one per finding', () => {
    const { prom } = parsed(INPUTS.holders());
    expect(report.leaks.length).toBeGreaterThan(0);
    const kinds = samplesOf(prom, 'nsview_leaks');
    expect(kinds.map((s) => s.labels.kind).sort()).toEqual(
      ['container-cgroup', 'container-netns', 'held-namespace', 'orphan-netns', 'pod-cgroup', 'pod-without-sandbox'].sort(),
    );
    for (const s of kinds) expect(s.value).toBe(report.leaks.filter((l) => l.kind === s.labels.kind).length);
    const info = samplesOf(prom, 'nsview_leak_info');
    expect(info.map((s) => `${s.labels.kind} ${s.labels.subject}`).sort()).toEqual(report.leaks.map((l) => `${l.kind} ${l.subject}`).sort());
  });

  it('no leak report: no leak family at all; an empty one: every kind at 0', () => {
    const { text } = parsed({ node: 'holders', snapshot: holders, scan: SCAN });
    expect(text).not.toMatch(/nsview_leak/);
    const { prom } = parsed({ node: 'holders', snapshot: holders, scan: SCAN, leaks: { leaks: [], skipped: [] } });
    expect(samplesOf(prom, 'nsview_leaks').map((s) => s.value)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(samplesOf(prom, 'nsview_leak_info')).toEqual([]);
  });
});

describe('hostile names', () => {
  // `"`, `\`, a newline, ESC, a right-to-left override, a lone high surrogate, a byte that was not UTF-8 (U+DCFF), DEL, C1 CSI, a line separator.
  const HOSTILE = 'a"b\\c\nd\x1be\u202ef\ud800g\udcffh\x7fi\u009bj\u2028k';
  const SHOWN = 'a"b\\c\nd\\x1be\\u202ef\ufffdg\\xffh\\x7fi\\x9bj\\u2028k';

  it('label values use the format escapes and show every other control as text', () => {
    expect(escapeLabelValue(HOSTILE)).toBe('a\\"b\\\\c\\nd\\\\x1be\\\\u202ef\ufffdg\\\\xffh\\\\x7fi\\\\x9bj\\\\u2028k');
    // Pairs stay pairs: an emoji is valid UTF-16 and UTF-8.
    expect(escapeLabelValue('ok \u{1f600} é')).toBe('ok \u{1f600} é');
  });

  it('a container, image, pod and node named so give parseable lines with the visible escapes', () => {
    const foo = podNamed(demo, 'default', 'foo');
    const app = demo.containers.find((c) => c.name === 'app')!;
    const s: Snapshot = {
      ...demo,
      containers: demo.containers.map((c) => (c === app ? { ...c, name: HOSTILE, image: `img${HOSTILE}` } : c)),
      pods: demo.pods.map((p) => (p === foo ? { ...p, name: `pod${HOSTILE}` } : p)),
    };
    const { text, prom } = parsed({ node: `node${HOSTILE}`, snapshot: s, scan: SCAN, leaks: findLeaks(s) });
    expect(expositionProblems(prom)).toEqual([]);
    expect(text.split('\n').length - 1).toBe(prom.samples.length + prom.meta.length);
    // Nothing raw: no control character but the line ends, no direction mark, no lone surrogate; the bytes are UTF-8.
    expect(text).not.toMatch(RAW);
    expect(Buffer.from(text, 'utf8').toString('utf8')).toBe(text);
    const info = one(prom, 'nsview_container_info', { id: app.id });
    expect(info.labels).toMatchObject({ node: `node${SHOWN}`, container: SHOWN, image: `img${SHOWN}`, pod: `pod${SHOWN}`, namespace: 'default' });
    expect(one(prom, 'nsview_pod_info', { uid: foo.uid! }).labels.pod).toBe(`pod${SHOWN}`);
    const mnt = String(processOf(s, app.pids[0]!).ns.mnt);
    expect(one(prom, 'nsview_namespace_info', { type: 'mnt', inode: mnt }).labels.container).toBe(SHOWN);
  });
  it('two pods whose labels read the same once escaped are one series, never the same series twice', () => {
    const [a, b] = demo.pods;
    const same = (p: Pod, name: string): Pod => ({ ...p, namespace: 'x', name, uid: null, qos: null, sandbox: null, inferred: false });
    const s: Snapshot = { ...demo, pods: demo.pods.map((p) => (p === a ? same(p, '\ud800') : p === b ? same(p, '\ud801') : p)) };
    const { prom } = parsed({ node: 'n', snapshot: s, scan: SCAN });
    expect(expositionProblems(prom)).toEqual([]);
    expect(samplesOf(prom, 'nsview_pod_info', { namespace: 'x' }).map((x) => x.labels.pod)).toEqual(['\ufffd']);
    expect(samplesOf(prom, 'nsview_pod_info')).toHaveLength(demo.pods.length - 1);
  });
});

describe('numbers', () => {
  it.each([
    [0, '0'],
    [-0, '0'],
    [42, '42'],
    [268435456, '268435456'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1.5e-7, '1.5e-7'],
    [1e21, '1e+21'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
  ])('%s is written %s', (v, shown) => {
    expect(formatSampleValue(v)).toBe(shown);
    const { prom } = parsed({ node: 'n', snapshot: demo, scan: { ...SCAN, durationSeconds: v } });
    expect(expositionProblems(prom)).toEqual([]);
    const got = one(prom, 'nsview_scan_duration_seconds', {}).value;
    expect(Object.is(got, v) || (got === 0 && v === 0)).toBe(true);
  });
});

/** A deterministic shuffle (a fixed linear congruential generator), so a failure reproduces. */
function shuffled<T>(list: readonly T[], seed: number): T[] {
  const out = [...list];
  let x = seed;
  for (let i = out.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('determinism', () => {
  it('the same input in any order gives the same bytes', () => {
    for (const make of Object.values(INPUTS)) {
      const input = make();
      const first = renderMetrics(input);
      expect(renderMetrics(input)).toBe(first);
      for (const seed of [1, 2, 3]) {
        const s = input.snapshot;
        const leaks: LeakReport | undefined = input.leaks && { ...input.leaks, leaks: shuffled(input.leaks.leaks, seed) };
        const again: MetricsInput = {
          ...input,
          snapshot: {
            ...s,
            processes: shuffled(s.processes, seed),
            containers: shuffled(s.containers, seed),
            pods: shuffled(s.pods, seed).map((p) => ({ ...p, containers: shuffled(p.containers, seed) })),
            namespaces: shuffled(s.namespaces, seed),
            warnings: shuffled(s.warnings, seed),
          },
          ...(leaks ? { leaks } : {}),
          ...(input.requests ? { requests: shuffled(input.requests, seed) } : {}),
        };
        expect(renderMetrics(again)).toBe(first);
      }
    }
  });

  it('a request counted twice by the server is one series, summed', () => {
    const { prom } = parsed({ ...INPUTS.demo(), requests: [...REQUESTS, { path: '/metrics', code: 200, count: 4 }] });
    expect(one(prom, 'nsview_http_requests_total', { path: '/metrics', code: '200' }).value).toBe(9);
  });
});
