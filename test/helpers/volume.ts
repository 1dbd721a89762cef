/**
 * Hosts in memfs volumes for tests: a host spec laid out as files and links in a
 * volume, read through the real file-system reader (lib/source/fs-source.ts),
 * which the `--demo`'s in-memory source skips. memfs is a test tool only.
 */
import { Volume } from 'memfs';
import { createFsSource, type FsLike } from '../../lib/source/fs-source.js';
import type { Source } from '../../lib/source/source.js';
import { specTree, type HostSpec } from '../../lib/source/spec.js';

/** A memfs volume holding the host described by `spec`. */
export function buildVolume(spec: HostSpec): InstanceType<typeof Volume> {
  const { files, links } = specTree(spec);
  const vol = new Volume();
  vol.fromJSON(files);
  for (const [path, target] of Object.entries(links)) {
    vol.mkdirSync(path.slice(0, path.lastIndexOf('/')), { recursive: true });
    vol.symlinkSync(target, path);
  }
  return vol;
}

/** The real reader over a memfs volume of `spec`, rooted at its `/`. */
export function volumeSource(spec: HostSpec): Source {
  return createFsSource('/', { fs: buildVolume(spec) as unknown as FsLike, confine: false });
}
