/**
 * What the CLI needs beyond the public API: loading the snapshot a view shows
 * (live scan, capture, saved snapshot or the embedded demo), the options each
 * view scans with, and the one-line warning summary. Kept here so bin/ stays a
 * table of arguments.
 */
import { isNsviewError, NsviewError, shorten } from './errors.js';
import { parseSnapshot } from './model/snapshot.js';
import type { Snapshot, Warning } from './types.js';
import { scanSync, type ScanOptions } from './scan.js';
import { readUserFile } from './source/files.js';
import type { HostSpec } from './source/spec.js';

/** Where a view's data comes from. */
export interface LoadOptions {
  root?: string;
  from?: string;
  demo?: boolean;
  /** What the view needs read (a `ls` needs no cgroup walk, a `tree` one hierarchy). */
  scan?: Omit<ScanOptions, 'root' | 'source'>;
  /** The platform, for the "no /proc here" message (default `process.platform`). */
  platform?: string;
}

/** Load the snapshot a command shows; throws {@link NsviewError} with a one-line reason. */
export async function loadSnapshot(o: LoadOptions): Promise<Snapshot> {
  const given = [o.root !== undefined, o.from !== undefined, o.demo === true].filter(Boolean).length;
  if (given > 1) throw new NsviewError('bad-argument', 'use only one of --root, --from and --demo');
  for (const [flag, value] of [
    ['--root', o.root],
    ['--from', o.from],
  ] as const) {
    if (value === '') throw new NsviewError('bad-argument', `${flag} needs a path`);
  }
  if (o.demo) {
    // Loaded on demand: only the demo needs its data and the in-memory source.
    const [{ specSource }, spec] = await Promise.all([import('./source/spec.js'), import('./demo/k8s-node.json', { with: { type: 'json' } })]);
    return scanSync({ ...o.scan, source: specSource(spec.default as unknown as HostSpec, 'demo') });
  }
  if (o.from !== undefined) return parseSnapshot(readUserFile(o.from), o.from);
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
export async function scanner(o: Pick<LoadOptions, 'root' | 'demo' | 'platform'>): Promise<(options: ScanOptions) => Snapshot> {
  if (o.root === '') throw new NsviewError('bad-argument', '--root needs a path');
  if (o.demo) {
    const [{ specSource }, spec] = await Promise.all([import('./source/spec.js'), import('./demo/k8s-node.json', { with: { type: 'json' } })]);
    const source = specSource(spec.default as unknown as HostSpec, 'demo');
    return (options) => scanSync({ ...options, source });
  }
  if (o.root === undefined && (o.platform ?? process.platform) !== 'linux')
    throw new NsviewError('unusable-root', 'this system has no /proc to scan; use --root <capture dir> or --demo');
  const root = o.root ?? '/';
  return (options) => scanSync({ ...options, root });
}

/** Where a view's data came from, as a message names it: `this host`, `the capture /tmp/n1`, `the snapshot n1.json`, `the demo`. */
export function origin(o: Pick<LoadOptions, 'root' | 'from' | 'demo'>): string {
  if (o.demo) return 'the demo';
  if (o.from !== undefined) return `the snapshot ${shorten(o.from)}`;
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
 * none: `37 processes unreadable (permission denied); run as root for the full picture`.
 */
export function summariseWarnings(warnings: Warning[], isRoot: boolean): string | undefined {
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
  if (count('cgroupns')) parts.push('scanned from inside a cgroup namespace: cgroup paths are relative');
  const conflicts = count('conflict');
  if (conflicts) parts.push(`${PLURAL(conflicts, 'name', 'names')} left out: state files disagree`);
  return `nsview: ${parts.join('; ')} (-v lists them)`;
}
