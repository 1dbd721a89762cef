import { compareHierarchyKeys } from '../parse/proc-cgroup.js';
import { NsviewError, shorten } from '../errors.js';
import { UNIFIED, type CgroupHierarchy, type CgroupNode, type Snapshot } from '../types.js';

const indexes = new WeakMap<CgroupHierarchy, { root: CgroupNode; index: Map<string, CgroupNode> }>();

/** The node at `path` in a hierarchy, or `undefined` (an index by path is built on first use, and anew when the root is replaced). */
export function findNode(h: CgroupHierarchy, path: string): CgroupNode | undefined {
  let index = indexes.get(h)?.root === h.root ? indexes.get(h)!.index : undefined;
  if (!index) {
    index = new Map();
    const stack = [h.root];
    while (stack.length) {
      const n = stack.pop()!;
      index.set(n.path, n);
      for (const c of n.children) stack.push(c);
    }
    indexes.set(h, { root: h.root, index });
  }
  return index.get(path === '' ? '/' : path);
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

/**
 * The hierarchy a tree shows: the asked controller (`memory`, `systemd`, `unified`),
 * else v2, else `name=systemd`, else the first, as `systemd-cgls` chooses.
 * Throws an {@link NsviewError} naming the controller if it is not mounted.
 */
export function pickHierarchy(s: Snapshot, controller?: string): CgroupHierarchy {
  const hs = s.hierarchies;
  if (controller) {
    const want = controller === 'unified' || controller === 'v2' ? UNIFIED : controller.replace(/^systemd$/, 'name=systemd');
    const h = hs.find((x) => x.key === want || x.controllers.includes(want));
    if (!h) {
      // The hierarchies the snapshot walked and those its processes are in (a scan may walk only one).
      const keys = new Set(hs.map((x) => x.key));
      for (const p of s.processes) for (const k in p.cgroups) keys.add(k);
      const known = shorten([...keys].sort(compareHierarchyKeys).join(', ')) || 'none';
      throw new NsviewError('bad-argument', `no cgroup hierarchy for controller "${shorten(controller)}" (mounted: ${known})`);
    }
    return h;
  }
  const h = hs.find((x) => x.key === UNIFIED) ?? hs.find((x) => x.key === 'name=systemd') ?? hs[0];
  if (!h) {
    // Name what went wrong: a mounted tree that could not be read, or no mount at all.
    const why = s.warnings.find((w) => w.code === 'unreadable' && (w.path?.startsWith('/sys/') || w.path?.includes('mountinfo')));
    throw new NsviewError(
      'unusable-root',
      why ? `no cgroup hierarchy could be read: ${shorten(why.message)}` : `no cgroup hierarchy mounted under ${shorten(s.root)} (see /proc/self/mountinfo)`,
    );
  }
  return h;
}

/** The node of `path` (default: the hierarchy's root) in `h`; throws an {@link NsviewError} naming a missing cgroup. */
export function subtree(h: CgroupHierarchy, path?: string): CgroupNode {
  if (!path || path === '/') return h.root;
  const at = '/' + trimSlashes(path);
  const node = findNode(h, at);
  if (!node) throw new NsviewError('bad-argument', `no cgroup ${shorten(at)} in the ${h.key === UNIFIED ? 'v2' : shorten(h.key)} hierarchy`);
  return node;
}

/** `path` without leading and trailing slashes, in linear time (`/\/+$/` backtracks quadratically over a long run of slashes). */
function trimSlashes(path: string): string {
  let start = 0;
  let end = path.length;
  while (start < end && path.charCodeAt(start) === 0x2f) start++;
  while (end > start && path.charCodeAt(end - 1) === 0x2f) end--;
  return path.slice(start, end);
}

export { compareHierarchyKeys };

/** systemd's unit type suffixes: a name without one is a service (`systemd-cgls -u containerd` is containerd.service). */
export const UNIT_SUFFIXES = ['.service', '.socket', '.target', '.device', '.mount', '.automount', '.swap', '.timer', '.path', '.slice', '.scope'] as const;
/** A user's service manager, whose subtree holds that user's units. */
const USER_MANAGER = /^user@\d+\.service$/;

/** Options of {@link unitCgroup}. */
export interface UnitOptions {
  /** Hierarchy to look in, as {@link TreeOptions.controller}. */
  controller?: string;
  /** Look for a user unit of this uid (`systemd-cgls --user-unit`): only under `user@<uid>.service`. Unset: only outside every `user@<n>.service` subtree (`-u`). */
  user?: number;
}

/**
 * The cgroup path of a systemd unit in the hierarchy a tree shows: the cgroup
 * whose last path component is the unit's name (`.service` appended to a name
 * with no unit suffix). System units are looked for outside every
 * `user@<uid>.service` subtree (that manager's own cgroup is a system unit);
 * user units only below `user@<uid>.service` of `o.user`. When several
 * cgroups match, the shortest path wins (then the first by code unit order).
 * Throws a `not-found` {@link NsviewError} naming the unit and the hierarchy
 * when none does.
 */
export function unitCgroup(s: Snapshot, unit: string, o: UnitOptions = {}): string {
  const h = pickHierarchy(s, o.controller);
  const name = UNIT_SUFFIXES.some((x) => unit.length > x.length && unit.endsWith(x)) ? unit : `${unit}.service`;
  const manager = o.user === undefined ? undefined : `user@${o.user}.service`;
  let best: string | undefined;
  // A stack, not recursion: a snapshot's tree can be deeper than the call stack.
  const stack: Array<{ n: CgroupNode; inUser: boolean }> = [{ n: h.root, inUser: false }];
  while (stack.length) {
    const { n, inUser } = stack.pop() as { n: CgroupNode; inUser: boolean };
    const base = baseName(n.path);
    if (
      base === name &&
      inUser === (manager !== undefined) &&
      (best === undefined || n.path.length < best.length || (n.path.length === best.length && n.path < best))
    )
      best = n.path;
    if (manager === undefined && USER_MANAGER.test(base)) continue;
    const below = inUser || base === manager;
    for (const c of n.children) stack.push({ n: c, inUser: below });
  }
  if (best !== undefined) return best;
  const where = `in the ${h.key === UNIFIED ? 'v2' : shorten(h.key)} hierarchy`;
  throw new NsviewError(
    'not-found',
    manager === undefined ? `no cgroup of unit ${shorten(name)} ${where}` : `no cgroup of user unit ${shorten(name)} under ${manager} ${where}`,
  );
}
