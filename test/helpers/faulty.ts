import { sourceError, type Source } from '../../lib/source/source.js';

/** Faults to inject: paths (or path prefixes ending in `/`) that fail with an errno. */
export interface Faults {
  [pathOrPrefix: string]: 'ENOENT' | 'ESRCH' | 'EACCES' | 'EPERM' | 'EIO';
}

/** Wrap a source so reads of the given paths fail as the kernel would (a vanished or protected process). */
export function faultySource(inner: Source, faults: Faults): Source {
  const check = (path: string): void => {
    for (const [p, code] of Object.entries(faults)) {
      if (path === p || path + '/' === p || (p.endsWith('/') && path.startsWith(p))) throw sourceError(code, path, 'injected');
    }
  };
  return {
    root: inner.root,
    readText: (p, o) => (check(p), inner.readText(p, o)),
    readBytes: (p) => (check(p), inner.readBytes(p)),
    readLink: (p) => (check(p), inner.readLink(p)),
    readDir: (p) => (check(p), inner.readDir(p)),
    readNames: (p) => (check(p), inner.readNames(p)),
    exists: (p) => {
      try {
        check(p);
      } catch {
        return false;
      }
      return inner.exists(p);
    },
  };
}
