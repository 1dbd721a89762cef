/**
 * One node as Prometheus metrics: the text exposition format 0.0.4 that `nsview serve`
 * answers on `/metrics`. Every family has its `# HELP` and `# TYPE` once, then its samples;
 * families come in a fixed order and samples sorted by their label values, so the same input
 * gives the same bytes. Info-style series (`*_info`, `nsview_pod_namespace_mode`) have the
 * value 1 and carry their facts as labels; every `nsview_*` series carries `node`.
 *
 * Label values come from files other users write (container names, images, pod names): they
 * are escaped as the format says (`\\`, `\"`, `\n`), every other control character and
 * invisible direction mark is shown as text as {@link safe} shows it (`\x1b`, `\u202e`; a
 * byte that was not UTF-8 as `\xff`), and any other lone surrogate becomes U+FFFD, so the
 * output is always valid UTF-8 a Prometheus server accepts.
 */
import type { LeakKind, LeakReport } from '../model/leaks.js';
import { namespaceOwner, podNamespaceInodes } from '../model/ownership.js';
import { NS_TYPES, type Container, type Limits, type Pod, type Snapshot } from '../types.js';
import { INVISIBLE, safe } from './safe.js';

/** What {@link renderMetrics} exposes: one node's snapshot, its leaks, and how the scans and the server fare. */
export interface MetricsInput {
  /** The node label on every nsview_* series. */
  node: string;
  snapshot: Snapshot;
  /** Leak findings (lib/model/leaks.ts findLeaks) when the scan read holders; absent: no leak series at all. */
  leaks?: LeakReport;
  scan: {
    /** Wall seconds of the last scan. */
    durationSeconds: number;
    /** Unix seconds when it finished. */
    timestampSeconds: number;
    /** Scans since start. */
    total: number;
    /** Scans that failed since start. */
    failures: number;
    /** Processes whose files were reused from the previous scan (incremental); 0 after a full scan. */
    reusedProcesses: number;
  };
  /** The server process itself (Prometheus's standard process_* names, no labels). */
  self?: { cpuSecondsTotal: number; residentMemoryBytes: number; heapUsedBytes: number; startTimeSeconds: number };
  /** HTTP requests served so far; `path` is one of a fixed set chosen by the server ("/metrics", "/", "other"…). */
  requests?: Array<{ path: string; code: number; count: number }>;
}

/** One sample: its label values (in the family's label order) and its value. */
interface Sample {
  values: string[];
  value: number;
}

/** One metric family, as it is written. */
interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  labels: readonly string[];
  samples: Sample[];
}

/** Every leak kind, so `nsview_leaks` has a sample (maybe 0) for each; the compiler keeps it complete. */
const LEAK_KINDS = Object.keys({
  'held-namespace': true,
  'orphan-netns': true,
  'pod-without-sandbox': true,
  'container-netns': true,
  'pod-cgroup': true,
  'container-cgroup': true,
} satisfies Record<LeakKind, true>) as LeakKind[];

/** What a label value may not hold raw: the format's own escapes, and what {@link safe} escapes (lone surrogates with the `u` flag). */
const UNSAFE_LABEL = new RegExp(`[\\\\"\\n\\u0000-\\u001f\\u007f-\\u009f${INVISIBLE}\\ud800-\\udfff]`, 'gu');

function escapeLabelChar(c: string): string {
  if (c === '\\') return '\\\\';
  if (c === '"') return '\\"';
  if (c === '\n') return '\\n';
  const code = c.charCodeAt(0);
  // A lone surrogate other than a byte that was not UTF-8 (U+DC80–U+DCFF, shown as `\xff` by safe()).
  if (code >= 0xd800 && code <= 0xdfff && !(code >= 0xdc80 && code <= 0xdcff)) return '\ufffd';
  // safe()'s escape is text: its backslash is escaped for the format, so a reader gets `\x1b` back.
  return safe(c).replace(/\\/g, '\\\\');
}

/**
 * A label value as the exposition format writes it between quotes: `\`, `"` and newline
 * escaped as the format says; other control characters, DEL, C1 and invisible direction marks
 * as the text {@link safe} makes of them (`\x1b` reads back as those four characters); a byte
 * that was not UTF-8 as `\xff`; any other lone surrogate as U+FFFD.
 */
export function escapeLabelValue(value: string): string {
  return value.replace(UNSAFE_LABEL, escapeLabelChar);
}

/** A sample value: integers as integers, other numbers in JavaScript's shortest form, `NaN`, `+Inf`, `-Inf`. */
export function formatSampleValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

const DIGITS = /^\d+$/;

/**
 * Label values in order, each compared as: decimal numbers (pids, inodes, codes) first, by
 * their value (shorter is smaller, then by digits), then any other text by code unit. A total
 * order, so the sort does not depend on the order of the input.
 */
function compareValues(a: string[], b: string[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x === y) continue;
    const dx = DIGITS.test(x);
    const dy = DIGITS.test(y);
    if (dx !== dy) return dx ? -1 : 1;
    if (dx && x.length !== y.length) return x.length - y.length;
    return x < y ? -1 : 1;
  }
  return 0;
}

function renderFamily(f: Family, out: string[]): void {
  out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
  // Sorted and compared as written: two values that read the same once escaped are one series.
  const samples = f.samples
    .map((s) => ({ values: s.values.map(escapeLabelValue), value: formatSampleValue(s.value) }))
    .sort((a, b) => compareValues(a.values, b.values) || compareValues([a.value], [b.value]));
  let last: string[] | undefined;
  for (const s of samples) {
    // The same labels twice would be one series twice (two pods of one name and no uid): the first is kept.
    if (last && compareValues(last, s.values) === 0) continue;
    last = s.values;
    const labels = f.labels.map((l, i) => `${l}="${s.values[i] as string}"`).join(',');
    out.push(`${f.name}${labels ? `{${labels}}` : ''} ${s.value}`);
  }
}

const text = (v: string | number | boolean | null | undefined): string => (v === null || v === undefined ? '' : String(v));

/** A family; its type follows its name, as the format's conventions want: `…_total` is a counter, anything else a gauge. */
const family = (name: string, labels: readonly string[], help: string, samples: Sample[]): Family => ({
  name,
  help,
  type: name.endsWith('_total') ? 'counter' : 'gauge',
  labels,
  samples,
});

/** Info-style samples: value 1, one per label set. */
const info = (rows: string[][]): Sample[] => rows.map((values) => ({ values, value: 1 }));

/** One sample per distinct label set, the sum of its rows' values; `zero` label sets have a sample even with no row. */
function summed(rows: Sample[], zero: string[][] = []): Sample[] {
  const sums = new Map<string, Sample>();
  for (const r of [...zero.map((values) => ({ values, value: 0 })), ...rows]) {
    const key = JSON.stringify(r.values);
    const seen = sums.get(key);
    if (seen) seen.value += r.value;
    else sums.set(key, { values: r.values, value: r.value });
  }
  return [...sums.values()];
}

/** A pod's labels after `node`: namespace, pod (its name), uid. */
const podLabels = (p: Pod | null): string[] => [text(p?.namespace), text(p?.name), text(p?.uid)];

/** Samples of the limits of pods or of containers. */
interface LimitSamples {
  memory: Sample[];
  cpu: Sample[];
  pids: Sample[];
}

/** The limits a cgroup sets, where known: memory bytes, CPU cores (quota / period), pids; `max` and absent ones are left out. */
function addLimits(out: LimitSamples, limits: Limits | undefined, values: string[]): void {
  if (typeof limits?.memory === 'number') out.memory.push({ values, value: limits.memory });
  if (limits?.cpu && typeof limits.cpu.quota === 'number' && limits.cpu.period > 0) out.cpu.push({ values, value: limits.cpu.quota / limits.cpu.period });
  if (typeof limits?.pids === 'number') out.pids.push({ values, value: limits.pids });
}

function limitFamilies(of: 'pod' | 'container', labels: readonly string[], l: LimitSamples): Family[] {
  return [
    family(`nsview_${of}_memory_limit_bytes`, labels, `A ${of} cgroup's memory limit in bytes, where set.`, l.memory),
    family(`nsview_${of}_cpu_limit_cores`, labels, `A ${of} cgroup's CPU limit in cores (quota / period), where set.`, l.cpu),
    family(`nsview_${of}_pids_limit`, labels, `A ${of} cgroup's process limit, where set.`, l.pids),
  ];
}

const POD_IDENT = ['node', 'namespace', 'pod', 'uid'];
const CONTAINER_IDENT = ['node', 'namespace', 'pod', 'pod_uid', 'container', 'id'];

/** The families of the pods, containers and namespaces, in exposition order. */
function modelFamilies(node: string, s: Snapshot): Family[] {
  const pods = new Map(s.pods.map((p) => [p.key, p]));
  const podOf = (c: Container): Pod | null => (c.pod ? (pods.get(c.pod) ?? null) : null);

  const podInfo: string[][] = [];
  const podMode: string[][] = [];
  const podNs: string[][] = [];
  const podLimits: LimitSamples = { memory: [], cpu: [], pids: [] };
  for (const p of s.pods) {
    const id = [node, ...podLabels(p)];
    podInfo.push([...id, text(p.qos), text(p.sandbox?.pid), String(p.inferred)]);
    for (const type of NS_TYPES) if (p.namespaces[type] !== undefined) podMode.push([...id, type, text(p.namespaces[type])]);
    const held = podNamespaceInodes(s, p);
    for (const type of NS_TYPES) for (const inode of held[type] ?? []) podNs.push([...id, type, String(inode)]);
    addLimits(podLimits, p.limits, id);
  }

  const ctrInfo: string[][] = [];
  const ctrLimits: LimitSamples = { memory: [], cpu: [], pids: [] };
  for (const c of s.containers) {
    const id = [node, ...podLabels(podOf(c)), text(c.name), c.id];
    ctrInfo.push([...id, c.runtime, text(c.image), c.role, text(c.pids[0])]);
    addLimits(ctrLimits, c.limits, id);
  }

  const nsInfo: string[][] = [];
  const nsProcs: Sample[] = [];
  for (const ns of s.namespaces) {
    const owner = namespaceOwner(s, ns);
    const [namespace, pod] = podLabels(owner.pod);
    nsInfo.push([
      node,
      ns.type,
      String(ns.inode),
      owner.mode,
      namespace as string,
      pod as string,
      text(owner.pod?.uid),
      text(owner.container?.name),
      text(owner.container?.id),
    ]);
    nsProcs.push({ values: [node, ns.type, String(ns.inode)], value: ns.pids.length });
  }

  return [
    family(
      'nsview_pod_info',
      [...POD_IDENT, 'qos', 'sandbox_pid', 'inferred'],
      'A pod of the node (value 1): its QoS class, sandbox (pause) pid, and whether it was inferred from namespace sharing.',
      info(podInfo),
    ),
    family(
      'nsview_pod_namespace_mode',
      [...POD_IDENT, 'type', 'mode'],
      "How a pod's containers hold a namespace type (value 1): pod, container, node, mixed or unknown.",
      info(podMode),
    ),
    family(
      'nsview_pod_namespace_info',
      [...POD_IDENT, 'type', 'inode'],
      "A namespace a pod's processes are in (value 1); join with nsview_namespace_info on node, type and inode.",
      info(podNs),
    ),
    family(
      'nsview_container_info',
      [...CONTAINER_IDENT, 'runtime', 'image', 'role', 'pid'],
      'A container of the node (value 1): its runtime, image, role (container or sandbox) and lowest pid.',
      info(ctrInfo),
    ),
    family(
      'nsview_namespace_info',
      ['node', 'type', 'inode', 'mode', 'namespace', 'pod', 'pod_uid', 'container', 'container_id'],
      "A namespace of the node (value 1) and whose it is: node (the node's own), pod, container, or host (anything else).",
      info(nsInfo),
    ),
    family('nsview_namespace_processes', ['node', 'type', 'inode'], 'Processes in a namespace.', nsProcs),
    ...limitFamilies('pod', POD_IDENT, podLimits),
    ...limitFamilies('container', CONTAINER_IDENT, ctrLimits),
  ];
}

function leakFamilies(node: string, report: LeakReport): Family[] {
  return [
    family(
      'nsview_leaks',
      ['node', 'kind'],
      'Leak findings of each kind (nsview leaks): held-only namespaces, orphaned network namespaces, empty pod and container cgroups, pods without a sandbox, containers outside their sandbox network namespace.',
      summed(
        report.leaks.map((l) => ({ values: [node, l.kind], value: 1 })),
        LEAK_KINDS.map((k) => [node, k]),
      ),
    ),
    family(
      'nsview_leak_info',
      ['node', 'kind', 'subject'],
      'One leak finding (value 1): its kind and what leaked.',
      info(report.leaks.map((l) => [node, l.kind, l.subject])),
    ),
  ];
}

function scanFamilies(node: string, input: MetricsInput): Family[] {
  const s = input.snapshot;
  const one = (value: number): Sample[] => [{ values: [node], value }];
  const c = s.coverage;
  return [
    family('nsview_scan_duration_seconds', ['node'], 'Wall seconds the last scan took.', one(input.scan.durationSeconds)),
    family('nsview_scan_timestamp_seconds', ['node'], 'Unix time when the last scan finished.', one(input.scan.timestampSeconds)),
    family('nsview_scans_total', ['node'], 'Scans since the server started.', one(input.scan.total)),
    family('nsview_scan_failures_total', ['node'], 'Scans that failed since the server started.', one(input.scan.failures)),
    family('nsview_scan_processes', ['node'], 'Processes the last scan read.', one(s.processes.length)),
    family(
      'nsview_scan_reused_processes',
      ['node'],
      'Processes whose files the last scan reused from the one before (0 after a full scan).',
      one(input.scan.reusedProcesses),
    ),
    family(
      'nsview_scan_warnings',
      ['node', 'code'],
      'Warnings of the last scan, by code (vanished, denied, malformed and others).',
      summed(s.warnings.map((w) => ({ values: [node, w.code], value: 1 }))),
    ),
    family(
      'nsview_scan_coverage_info',
      ['node', 'profile', 'namespaces', 'holders', 'volumes'],
      'What the last scan read (value 1): its profile, whose namespace links, holders (mounts or all), volumes; empty where the snapshot does not say.',
      info([[node, text(c?.profile), text(c?.namespaces), text(c?.holders), text(c?.volumes)]]),
    ),
  ];
}

function selfFamilies(self: NonNullable<MetricsInput['self']>): Family[] {
  const one = (value: number): Sample[] => [{ values: [], value }];
  return [
    family('process_cpu_seconds_total', [], 'Total user and system CPU time spent in seconds.', one(self.cpuSecondsTotal)),
    family('process_resident_memory_bytes', [], 'Resident memory size in bytes.', one(self.residentMemoryBytes)),
    family('process_start_time_seconds', [], 'Start time of the process since unix epoch in seconds.', one(self.startTimeSeconds)),
    family('nodejs_heap_used_bytes', [], 'V8 heap used in bytes.', one(self.heapUsedBytes)),
  ];
}

/**
 * The node as Prometheus text exposition format 0.0.4 (`Content-Type: text/plain; version=0.0.4`):
 * pods, containers, namespaces and limits from the snapshot, leaks when given, the scans, the
 * server process when given, and its HTTP requests when given. Pure: the same input gives the
 * same text, whatever the order of its arrays.
 */
export function renderMetrics(input: MetricsInput): string {
  const node = input.node;
  const families = [...modelFamilies(node, input.snapshot), ...(input.leaks ? leakFamilies(node, input.leaks) : []), ...scanFamilies(node, input)];
  if (input.self) families.push(...selfFamilies(input.self));
  if (input.requests) {
    // One sample per path and code: a list that holds one twice is summed.
    const rows = input.requests.map((r) => ({ values: [node, r.path, String(r.code)], value: r.count }));
    families.push(family('nsview_http_requests_total', ['node', 'path', 'code'], 'HTTP requests the server answered, by path and status code.', summed(rows)));
  }
  const out: string[] = [];
  for (const f of families) renderFamily(f, out);
  return out.join('\n') + '\n';
}
