import type { CgroupHierarchy, CgroupNode } from './types.js';

/** The node at `path` in a hierarchy, or `undefined`. */
export function findNode(h: CgroupHierarchy, path: string): CgroupNode | undefined {
  if (path === '/' || path === '') return h.root;
  let node: CgroupNode | undefined = h.root;
  let at = '';
  for (const seg of path.split('/')) {
    if (seg === '') continue;
    at += '/' + seg;
    node = node.children.find((c) => c.path === at);
    if (!node) return undefined;
  }
  return node;
}

/** Visit every node of a tree, depth first, parents before children. */
export function* walkNodes(node: CgroupNode): Generator<CgroupNode> {
  yield node;
  for (const c of node.children) yield* walkNodes(c);
}

/** The nearest common ancestor of two cgroup paths (`/` at worst). */
export function commonAncestor(a: string, b: string): string {
  const as = a.split('/').filter(Boolean);
  const bs = b.split('/').filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i < Math.min(as.length, bs.length) && as[i] === bs[i]; i++) out.push(as[i] as string);
  return '/' + out.join('/');
}

/** The last segment of a cgroup path (`/` for the root). */
export function baseName(path: string): string {
  const i = path.lastIndexOf('/');
  return path === '/' ? '/' : path.slice(i + 1);
}

/** The parent of a cgroup path (`/` for top-level paths). */
export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}
