/**
 * What the CLI needs beyond the public API: loading the snapshot a view shows
 * (live scan, capture, saved snapshot or the embedded demo), the options each
 * view scans with, and the one-line warning summary. Kept here so bin/ stays a
 * table of arguments.
 */
import { isNsviewError, NsviewError, shorten } from './errors.js';
import type { NodeSnapshot } from './model/nodes.js';
import { parseSnapshot } from './model/snapshot.js';
import type { Snapshot, Warning } from './types.js';
import { cgroupPathsResolved, scan, scanSync, type ScanOptions } from './scan.js';
import { listSnapshotDir, readUserFile } from './source/files.js';
import type { HostSpec } from './source/spec.js';

/** Where a view's data comes from. */
export interface LoadOptions {
  root?: string;
  /** Saved snapshots: a file, or several (`--from` repeated), each a file or a directory of `*.json` snapshots. */
  from?: string | string[];
  demo?: boolean;
  /** What the view needs read (a `ls` needs no cgroup walk, a `tree` one hierarchy). */
  scan?: Omit<ScanOptions, 'root' | 'source'>;
  /** The platform, for the "no /proc here" message (default `process.platform`). */
  platform?: string;
}

/** What a view shows: one snapshot (a scan, the demo, one saved snapshot), or several nodes' (`nodes`, by name). */
export type Loaded = { snapshot: Snapshot; from?: string; nodes?: undefined } | { snapshot?: undefined; from?: undefined; nodes: NodeSnapshot[] };

/**
 * Load what a view shows: as {@link loadSnapshot}, but `--from` may name several snapshots —
 * repeated, or a directory (its `*.json` files, by name; see `listSnapshotDir`) — which come
 * back as `nodes`, each named (its snapshot's `node`, else its file's name) and sorted by name;
 * two of one name are an error naming both files. When they come to one file, it is one
 * `snapshot` (and `from` names the file), as if `--from <file>` had been given.
 */
export async function loadViews(o: LoadOptions): Promise<Loaded> {
  const files = snapshotFiles(o);
  // One at a time: each file's text is dropped once it is parsed.
  if (files && files.length > 1) {
    // Loaded only here: a view of one host or snapshot (the CLI's fast path among them) needs none of it.
    const { namedNodes } = await import('./model/nodes.js');
    return { nodes: namedNodes(files.map((f) => ({ file: f.file, snapshot: readSnapshot(f) }))) };
  }
  return { snapshot: await loadOne(o, files?.[0]), from: files?.[0]?.file };
}

/** Load the snapshot a command shows; throws {@link NsviewError} with a one-line reason. */
export async function loadSnapshot(o: LoadOptions): Promise<Snapshot> {
  const files = snapshotFiles(o);
  if (files && files.length > 1) throw new NsviewError('bad-argument', `--from names ${files.length} snapshots; this command reads one (one node)`);
  return loadOne(o, files?.[0]);
}

/** A snapshot file `--from` names: as given (`regular: false`: a pipe or `/dev/stdin` is fine) or found in a directory. */
interface SnapshotFile {
  file: string;
  regular: boolean;
}

const readSnapshot = (f: SnapshotFile): Snapshot => parseSnapshot(readUserFile(f.file, { regularOnly: f.regular }), f.file);

/**
 * Check the sources given (one kind, no empty path) and list the files `--from` names, each
 * file as given and each directory's snapshots; `undefined` without `--from`.
 */
function snapshotFiles(o: LoadOptions): SnapshotFile[] | undefined {
  const given = [o.root !== undefined, o.from !== undefined, o.demo === true].filter(Boolean).length;
  if (given > 1) throw new NsviewError('bad-argument', 'use only one of --root, --from and --demo');
  const from = typeof o.from === 'string' ? [o.from] : o.from;
  for (const [flag, value] of [['--root', o.root] as const, ...(from ?? []).map((f) => ['--from', f] as const)]) {
    if (value === '') throw new NsviewError('bad-argument', `${flag} needs a path`);
  }
  return from?.flatMap((f): SnapshotFile[] => listSnapshotDir(f)?.map((file) => ({ file, regular: true })) ?? [{ file: f, regular: false }]);
}

/** The one snapshot: the demo, the file `--from` names, or a scan of the root. */
async function loadOne(o: LoadOptions, file: SnapshotFile | undefined): Promise<Snapshot> {
  if (o.demo) {
    // Loaded on demand: only the demo needs its data and the in-memory source.
    const [{ specSource }, spec] = await Promise.all([import('./source/spec.js'), import('./demo/k8s-node.json', { with: { type: 'json' } })]);
    return scanSync({ ...o.scan, source: specSource(spec.default as unknown as HostSpec, 'demo') });
  }
  if (file) return readSnapshot(file);
  if (o.root === undefined && (o.platform ?? process.platform) !== 'linux') {
    throw new NsviewError(
      'unusable-root',
      `this system has no /proc to scan; use --root <capture dir>, --from <snapshot.json>, or --demo for an example Kubernetes node`,
    );
  }
  return scanSync({ ...o.scan, root: o.root ?? '/' });
}

/**
 * The scan `nsview serve` repeats: of the root (default `/`) or of the demo, with the options
 * each scan adds (the cache, holders). Checks once, as {@link loadSnapshot} does, that there is
 * something to scan.
 */
export async function scanner(o: Pick<LoadOptions, 'root' | 'demo' | 'platform'>): Promise<(options: ScanOptions) => Promise<Snapshot>> {
  if (o.root === '') throw new NsviewError('bad-argument', '--root needs a path');
  if (o.demo) {
    const [{ specSource }, spec] = await Promise.all([import('./source/spec.js'), import('./demo/k8s-node.json', { with: { type: 'json' } })]);
    const source = specSource(spec.default as unknown as HostSpec, 'demo');
    return (options) => scan({ ...options, source });
  }
  if (o.root === undefined && (o.platform ?? process.platform) !== 'linux')
    throw new NsviewError('unusable-root', 'this system has no /proc to scan; use --root <capture dir> or --demo');
  const root = o.root ?? '/';
  return (options) => scan({ ...options, root });
}

/** Where a view's data came from, as a message names it: `this host`, `the capture /tmp/n1`, `the snapshot n1.json`, `the demo`. */
export function origin(o: Pick<LoadOptions, 'root' | 'from' | 'demo'>): string {
  if (o.demo) return 'the demo';
  if (typeof o.from === 'string') return `the snapshot ${shorten(o.from)}`;
  if (o.from !== undefined) return o.from.length === 1 ? `the snapshot ${shorten(o.from[0]!)}` : `the snapshots ${shorten(o.from.join(', '))}`;
  if (o.root !== undefined && o.root !== '/') return `the capture ${shorten(o.root)}`;
  return 'this host';
}

/** An error made to name where the data came from ({@link origin}): "no process with pid 9 in the snapshot n1.json", "no namespace 4026532910 in the demo". */
export function explain(err: unknown, o: Pick<LoadOptions, 'root' | 'from' | 'demo'>): unknown {
  if (isNsviewError(err) && err.relocate) return new NsviewError(err.code, err.relocate(origin(o)));
  return err;
}

const PLURAL = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/**
 * The one-line summary of warnings for stderr, or `undefined` if there are
 * none: `37 processes unreadable (permission denied); run as root for the full picture`; over several
 * nodes, one line per node, `nsview: node n1: …`.
 */
export function summariseWarnings(warnings: Warning[], isRoot: boolean, node?: string): string | undefined {
  if (warnings.length === 0) return undefined;
  const count = (code: Warning['code']): number => warnings.filter((w) => w.code === code).length;
  const parts: string[] = [];
  // Distinct processes: one can be denied twice (its namespace links, then its fds).
  const denied = new Set(warnings.filter((w) => w.code === 'denied').map((w) => w.pid ?? w.path)).size;
  if (denied)
    parts.push(`${PLURAL(denied, 'process', 'processes')} not fully readable (permission denied)${isRoot ? '' : '; run as root for the full picture'}`);
  const vanished = new Set(warnings.filter((w) => w.code === 'vanished').map((w) => w.pid ?? w.message)).size;
  if (vanished) parts.push(`${PLURAL(vanished, 'process', 'processes')} exited during the scan`);
  const bad = count('malformed') + count('unreadable') + count('too-large');
  if (bad) parts.push(`${PLURAL(bad, 'file', 'files')} malformed or unreadable`);
  if (count('cgroupns')) {
    // Paths read there are made real where the scan's own process shows the namespace's root (lib/scan.ts).
    const relative = warnings.some((w) => w.code === 'cgroupns' && !cgroupPathsResolved(w));
    parts.push(`scanned from inside a cgroup namespace: ${relative ? 'cgroup paths are relative' : 'cgroup paths resolved from its root'}`);
  }
  const conflicts = count('conflict');
  if (conflicts) parts.push(`${PLURAL(conflicts, 'name', 'names')} left out: state files disagree`);
  return `nsview: ${node === undefined ? '' : `node ${node}: `}${parts.join('; ')} (-v lists them)`;
}
