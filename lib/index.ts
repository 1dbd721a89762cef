/**
 * nsview: rebuild a Linux node's namespaces, cgroup trees, containers and
 * Kubernetes pods from `/proc` and cgroupfs alone.
 *
 * @example
 * import { scan, diff } from 'nsview';
 * const snap = await scan();
 * console.log(diff(snap, 1070, 1090).verdict);
 */
export { scan, scanSync, createScanCache, type ScanOptions, type ScanCache } from './scan.js';
export { parseListen, DEFAULT_PORT } from './serve/listen.js';
import type { RunningServer, ServeOptions } from './serve/server.js';
export type { ServeOptions, RunningServer };
export { diff, type DiffResult, type DiffSide, type NsComparison, type CgroupComparison, type Relation } from './model/diff.js';
export { parseSnapshot, stringifySnapshot, SNAPSHOT_FORMAT, SNAPSHOT_VERSION } from './model/snapshot.js';
export { indexSnapshot, type SnapshotIndex } from './model/index-snapshot.js';
export { findLeaks, type Leak, type LeakKind, type LeakReport } from './model/leaks.js';
export { namespaceRelations, relationOf, type NsRelation } from './model/relations.js';
export { renderPodsSvg, type SvgOptions } from './render/svg.js';
export { renderMetrics, type MetricsInput } from './render/metrics.js';
export { findNode, commonAncestor } from './model/cgroup-tree.js';
export { recogniseCgroupPath, type PathIdentity, type PathContainer, type PathPod, type PathMonitor } from './parse/cgroup-path.js';
export { NsviewError, isNsviewError, type NsviewErrorCode } from './errors.js';
export { createFsSource, type FsLike, type FsSourceOptions } from './source/fs-source.js';
export { createMemorySource, type HostTree } from './source/memory.js';
export type { Source, DirEntry } from './source/source.js';
export type { HierarchySelection } from './read/cgroups.js';
export * from './types.js';

/**
 * Start `nsview serve`'s HTTP server (docs/library.md). Loaded on the first call, so a program
 * that only scans does not load Node's HTTP stack.
 */
export async function startServer(options?: ServeOptions): Promise<RunningServer> {
  return (await import('./serve/server.js')).startServer(options);
}
