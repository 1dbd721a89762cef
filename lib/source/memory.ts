/**
 * A {@link Source} over files held in memory: the `--demo` host, and any host a
 * program builds as data. Runtime code needs nothing else to read one (memfs is
 * a test tool only). Paths are absolute host paths; directories are implied by
 * the paths of the files and links under them.
 */
import { MAX_FILE_BYTES, sourceError, type DirEntry, type ReadBytesOptions, type Source } from './source.js';

/** A host as data: file contents and symbolic-link texts by absolute path. */
export interface HostTree {
  files: Record<string, string>;
  links: Record<string, string>;
}

interface Dir {
  /** Child name → true for a directory, false for a file or link. */
  entries: Map<string, boolean>;
}

const split = (path: string): { dir: string; name: string } => {
  const cut = path.lastIndexOf('/');
  return { dir: cut <= 0 ? '/' : path.slice(0, cut), name: path.slice(cut + 1) };
};

/** Read-only source over `tree`; `root` names it in messages. */
export function createMemorySource(tree: HostTree, root = 'memory'): Source {
  const files = new Map<string, Uint8Array>();
  const links = new Map(Object.entries(tree.links));
  const dirs = new Map<string, Dir>([['/', { entries: new Map() }]]);
  const addDir = (path: string): void => {
    let at = path;
    while (!dirs.has(at)) {
      dirs.set(at, { entries: new Map() });
      const { dir, name } = split(at);
      addDir(dir);
      (dirs.get(dir) as Dir).entries.set(name, true);
      at = dir;
    }
  };
  const add = (path: string): void => {
    const { dir, name } = split(path);
    addDir(dir);
    (dirs.get(dir) as Dir).entries.set(name, false);
  };
  const encoder = new TextEncoder();
  for (const [path, text] of Object.entries(tree.files)) {
    files.set(path, encoder.encode(text));
    add(path);
  }
  for (const path of links.keys()) add(path);

  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  const missing = (path: string): never => {
    // A path through a file is ENOTDIR, as the kernel says it.
    for (let { dir } = split(path); dir !== '/'; dir = split(dir).dir) {
      if (files.has(dir) || links.has(dir)) throw sourceError('ENOTDIR', path, 'not a directory');
    }
    throw sourceError('ENOENT', path, 'no such file or directory');
  };
  const readBytes = (path: string, o?: ReadBytesOptions): Uint8Array => {
    const data = files.get(path);
    if (data !== undefined) {
      const max = Math.min(o?.max ?? MAX_FILE_BYTES, MAX_FILE_BYTES);
      if (data.length > max) throw sourceError('EFBIG', path, `file larger than ${max} bytes`);
      return data;
    }
    if (dirs.has(path)) throw sourceError('EISDIR', path, 'is a directory');
    if (links.has(path)) throw sourceError('ENOENT', path, 'a link to nowhere');
    return missing(path);
  };
  const dir = (path: string): Dir => {
    const d = dirs.get(path);
    if (d) return d;
    if (files.has(path) || links.has(path)) throw sourceError('ENOTDIR', path, 'not a directory');
    return missing(path);
  };
  return {
    root,
    readBytes: (path, o) => readBytes(path, o).slice(),
    readText: (path) => decoder.decode(readBytes(path)),
    readLink(path) {
      const text = links.get(path);
      if (text !== undefined) return text;
      if (files.has(path) || dirs.has(path)) throw sourceError('EINVAL', path, 'not a symbolic link');
      return missing(path);
    },
    readDir: (path): DirEntry[] => [...dir(path).entries].map(([name, isDirectory]) => ({ name, isDirectory })),
    readNames: (path) => [...dir(path).entries.keys()],
    exists: (path) => files.has(path) || links.has(path) || dirs.has(path),
  };
}
