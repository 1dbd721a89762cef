import { indexSnapshot } from '../model/index-snapshot.js';
import { POD_NS_ORDER, type Container, type Pod, type Snapshot } from '../model/types.js';
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
    })),
  };
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
      ctrs.filter((c) => c.role !== 'sandbox').map(containerName).sort().join(',') || '-',
    ];
  });
  return renderColumns(cols, rows, { header: styles(r).header, width: r.width });
}
