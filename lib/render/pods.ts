import { indexSnapshot } from '../model/index-snapshot.js';
import { isKubeletFile } from '../model/volumes.js';
import type { NodeView } from '../model/nodes.js';
import { POD_NS_ORDER, type Container, type Pod, type Snapshot } from '../types.js';
import { renderColumns, type ColumnSpec } from './columns.js';
import { formatCpu, formatMemory } from './limits.js';
import { safe } from './safe.js';
import { containerName, podName } from './labels.js';
import { modeLabel, styles, type RenderOptions } from './style.js';

/** A container as `pods --json` prints it. */
export interface ContainerJson {
  id: string;
  runtime: string;
  name: string | null;
  image: string | null;
  restarts: number | null;
  role: string;
  cgroup: string;
  pids: number[];
  limits: Container['limits'] | null;
  /** The state files that gave the name and image. */
  evidence: string[];
}

/** A pod as `pods --json` prints it. */
export interface PodJson {
  /** The node it runs on: the snapshot's node name (`null` where the scan found none). */
  node: string | null;
  uid: string | null;
  namespace: string | null;
  name: string | null;
  inferred: boolean;
  qos: string | null;
  cgroup: string | null;
  sandbox: { id: string; pid: number | null } | null;
  containers: ContainerJson[];
  namespaces: Pod['namespaces'];
  limits: Pod['limits'] | null;
  /** The files that gave the pod's name. */
  evidence: string[];
  /** Its volumes and who mounts them (`container`: the container's name, else its id); `null` when mounts were not read. */
  volumes: Array<{
    name: string;
    kind: string;
    source: string | null;
    mounts: Array<{ container: string; containerId: string; path: string; readOnly: boolean }>;
  }> | null;
}

/** The containers of a pod, sandbox first. */
export function podContainers(s: Snapshot, pod: Pod): Container[] {
  const ix = indexSnapshot(s);
  return pod.containers.map((id) => ix.container(id)).filter((c): c is Container => c !== undefined);
}

/** `pods --json`: `{"pods":[{node,uid,name,qos,cgroup,sandbox,containers:[…],namespaces}]}`. */
export function podsJson(s: Snapshot): { pods: PodJson[] } {
  return {
    pods: s.pods.map((p) => ({
      node: s.node ?? null,
      uid: p.uid,
      namespace: p.namespace ?? null,
      name: p.name,
      inferred: p.inferred,
      qos: p.qos,
      cgroup: p.cgroup,
      sandbox: p.sandbox,
      containers: podContainers(s, p).map((c) => ({
        id: c.id,
        runtime: c.runtime,
        name: c.name,
        image: c.image ?? null,
        restarts: c.restarts ?? null,
        role: c.role,
        cgroup: c.cgroup,
        pids: c.pids,
        limits: c.limits ?? null,
        evidence: c.evidence ?? [],
      })),
      namespaces: p.namespaces,
      limits: p.limits ?? null,
      evidence: p.evidence ?? [],
      volumes: p.volumes
        ? p.volumes.map((v) => ({
            name: v.name,
            kind: v.kind,
            source: v.source,
            mounts: v.mounts.map((m) => ({
              container: indexSnapshot(s).container(m.container)?.name ?? m.container,
              containerId: m.container,
              path: m.path,
              readOnly: m.readOnly,
            })),
          }))
        : null,
    })),
  };
}

/**
 * The VOLUMES block under the pods table: per pod, each volume with who mounts it where,
 * `data (emptyDir)  app:/data rw, sidecar:/logs ro`. Kubelet files every container gets
 * (`etc-hosts`, termination logs) are left out; `pods --json` has them.
 */
function volumeRows(s: Snapshot): string[][] {
  const ix = indexSnapshot(s);
  const rows: string[][] = [];
  for (const p of s.pods) {
    const shown = (p.volumes ?? []).filter((v) => !isKubeletFile(v));
    shown.forEach((v, i) => {
      // By the names shown, then path: the model orders by container id.
      const who = v.mounts
        .map((m) => {
          const c = ix.container(m.container);
          return `${c ? containerName(c) : safe(m.container.slice(0, 12))}:${safe(m.path)} ${m.readOnly ? 'ro' : 'rw'}`;
        })
        .sort();
      rows.push([i === 0 ? podName(p) : '', `${safe(v.name)} (${safe(v.kind)})`, (who.length > 1 ? 'shared: ' : '') + who.join(', ')]);
    });
  }
  return rows;
}

const VOLUME_COLUMNS: ColumnSpec[] = [{ header: 'POD' }, { header: 'VOLUME' }, { header: 'MOUNTED BY', trunc: true }];

/** The namespace types of the pods table (the time namespace is the node's everywhere Kubernetes runs). */
export const POD_TABLE_TYPES = POD_NS_ORDER.filter((t) => t !== 'time');

/** The columns of the pods table. */
const POD_COLUMNS: ColumnSpec[] = [
  { header: 'POD' },
  { header: 'QOS' },
  { header: 'SANDBOX', right: true },
  { header: 'CTRS', right: true },
  ...POD_TABLE_TYPES.map((t) => ({ header: t.toUpperCase() })),
  { header: 'CPU', right: true },
  { header: 'MEMORY', right: true },
  { header: 'RUNTIME' },
  // The container names are what gives way when the table is wider than the terminal (lsns cuts its COMMAND so).
  { header: 'CONTAINERS', trunc: true },
];

/** One row per pod of the pods table. */
function podRows(s: Snapshot): string[][] {
  return s.pods.map((p) => {
    const ctrs = podContainers(s, p);
    const runtimes = [...new Set(ctrs.map((c) => c.runtime))].sort().join(',');
    return [
      p.inferred ? `${podName(p)} (inferred)` : podName(p),
      safe(p.qos ?? '-'),
      p.sandbox?.pid != null ? String(p.sandbox.pid) : '-',
      String(ctrs.length),
      ...POD_TABLE_TYPES.map((t) => modeLabel(p.namespaces[t])),
      formatCpu(p.limits?.cpu),
      formatMemory(p.limits?.memory),
      safe(runtimes || '-'),
      ctrs
        .filter((c) => c.role !== 'sandbox')
        .map(containerName)
        .sort()
        .join(',') || '-',
    ];
  });
}

/** The pods table and, below it, the VOLUMES block (where any pod has a volume to show). */
function podsTables(cols: ColumnSpec[], rows: string[][], volumeCols: ColumnSpec[], volumes: string[][], r: RenderOptions): string {
  if (rows.length === 0) return 'no pods found\n';
  const o = { header: styles(r).header, width: r.width };
  return renderColumns(cols, rows, o) + (volumes.length ? '\n' + renderColumns(volumeCols, volumes, o) : '');
}

/** `nsview pods`: one row per pod with QoS, sandbox pid, containers, namespace modes and limits. */
export function renderPods(s: Snapshot, r: RenderOptions): string {
  return podsTables(POD_COLUMNS, podRows(s), VOLUME_COLUMNS, volumeRows(s), r);
}

const NODE_COLUMN: ColumnSpec = { header: 'NODE' };

/**
 * `nsview pods` over several nodes: a NODE column first, rows by node (in the order given: by
 * name) then as on one node; the VOLUMES block names each pod's node too.
 */
export function renderPodsNodes(nodes: NodeView[], r: RenderOptions): string {
  const rows = nodes.flatMap((n) => podRows(n.snapshot).map((row) => [safe(n.node), ...row]));
  // A pod's first volume row names the pod, and so its node; the rows below it are that pod's.
  const volumes = nodes.flatMap((n) => volumeRows(n.snapshot).map((row) => [row[0] === '' ? '' : safe(n.node), ...row]));
  return podsTables([NODE_COLUMN, ...POD_COLUMNS], rows, [NODE_COLUMN, ...VOLUME_COLUMNS], volumes, r);
}

/** `pods --json` over several nodes: `{"pods":[…]}` of every node, each pod with its `node`. */
export function podsJsonNodes(nodes: NodeView[]): { pods: PodJson[] } {
  return { pods: nodes.flatMap((n) => podsJson({ ...n.snapshot, node: n.node }).pods) };
}
