import { indexSnapshot } from '../model/index-snapshot.js';
import { POD_NS_ORDER, type Container, type Pod, type Snapshot } from '../types.js';
import { renderColumns } from './columns.js';
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

/** `pods --json`: `{"pods":[{uid,name,qos,cgroup,sandbox,containers:[…],namespaces}]}`. */
export function podsJson(s: Snapshot): { pods: PodJson[] } {
  return {
    pods: s.pods.map((p) => ({
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
function renderVolumes(s: Snapshot, r: RenderOptions): string {
  const ix = indexSnapshot(s);
  const rows: string[][] = [];
  for (const p of s.pods) {
    const shown = (p.volumes ?? []).filter((v) => v.kind !== 'etc-hosts' && v.kind !== 'termination-log');
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
  if (!rows.length) return '';
  return (
    '\n' + renderColumns([{ header: 'POD' }, { header: 'VOLUME' }, { header: 'MOUNTED BY', trunc: true }], rows, { header: styles(r).header, width: r.width })
  );
}

const TYPES = POD_NS_ORDER.filter((t) => t !== 'time');

/** `nsview pods`: one row per pod with QoS, sandbox pid, containers, namespace modes and limits. */
export function renderPods(s: Snapshot, r: RenderOptions): string {
  if (s.pods.length === 0) return 'no pods found\n';
  const cols = [
    { header: 'POD' },
    { header: 'QOS' },
    { header: 'SANDBOX', right: true },
    { header: 'CTRS', right: true },
    ...TYPES.map((t) => ({ header: t.toUpperCase() })),
    { header: 'CPU', right: true },
    { header: 'MEMORY', right: true },
    { header: 'RUNTIME' },
    // The container names are what gives way when the table is wider than the terminal (lsns cuts its COMMAND so).
    { header: 'CONTAINERS', trunc: true },
  ];
  const rows = s.pods.map((p) => {
    const ctrs = podContainers(s, p);
    const runtimes = [...new Set(ctrs.map((c) => c.runtime))].sort().join(',');
    return [
      p.inferred ? `${podName(p)} (inferred)` : podName(p),
      safe(p.qos ?? '-'),
      p.sandbox?.pid != null ? String(p.sandbox.pid) : '-',
      String(ctrs.length),
      ...TYPES.map((t) => modeLabel(p.namespaces[t])),
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
  return renderColumns(cols, rows, { header: styles(r).header, width: r.width }) + renderVolumes(s, r);
}
