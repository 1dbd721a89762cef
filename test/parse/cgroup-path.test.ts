/**
 * recogniseCgroupPath: every path form of the runtimes' cgroup naming
 * (kubelet, containerd, CRI-O, Docker, podman, LXC, nspawn, ECS), one row each.
 * Real-world paths are in test/corpus.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recogniseCgroupPath, type PathContainer, type PathIdentity, type PathPod } from '../../lib/parse/cgroup-path.js';
import { parseProcCgroup } from '../../lib/parse/proc-cgroup.js';
import { unescapeSystemd } from '../../lib/parse/systemd-escape.js';
import type { ContainerRole, Runtime } from '../../lib/model/types.js';

const ID = '2b180104511194aab36fd295d3e217439f3ddb5bc88277f37b4952abee85c40e';
const ID2 = '84e9ffffe97fea4c5a0f01d401611cbafbf7e559fc6190ed74abfc2b25e889d4';
const OUTER = '1b3319ed9c1d4cca681f9c102da9b015555785b6240c4e4619f11b535cabdc07';
const POD = '9f2a48d4c2a3e18bd8a1bd7cd6f2a2c8d9e1f0a3b4c5d6e7f8091a2b3c4d5e6f';
const UID = '3cae2e45-052c-4b11-80d3-4d7b2d2d3464';
const UID_ = UID.replace(/-/g, '_');
const STATIC = 'bd12dd3393227d950605a2444b13c27a';

const NONE: PathIdentity = { container: null, outer: null, pod: null, monitor: null, podmanPod: null, outsideNamespace: false };

function c(runtime: Runtime, id: string, cgroup: string, name: string | null = null, role: ContainerRole = 'container'): PathContainer {
  return { runtime, id, name, role, cgroup };
}
function pod(uid: string, qos: PathPod['qos'], driver: PathPod['driver'], cgroup: string): PathPod {
  return { uid, qos, driver, cgroup };
}

interface Row {
  form: string;
  path: string;
  want: Partial<PathIdentity>;
}

const KUBELET: Row[] = [
  // cgroupfs driver: /kubepods[/<qos>]/pod<UID>/<ID>; the runtime is not in the path
  {
    form: 'cgroupfs, Guaranteed',
    path: `/kubepods/pod${UID}/${ID}`,
    want: { pod: pod(UID, 'guaranteed', 'cgroupfs', `/kubepods/pod${UID}`), container: c('cri', ID, `/kubepods/pod${UID}/${ID}`) },
  },
  {
    form: 'cgroupfs, Burstable',
    path: `/kubepods/burstable/pod${UID}/${ID}`,
    want: {
      pod: pod(UID, 'burstable', 'cgroupfs', `/kubepods/burstable/pod${UID}`),
      container: c('cri', ID, `/kubepods/burstable/pod${UID}/${ID}`),
    },
  },
  {
    form: 'cgroupfs, BestEffort',
    path: `/kubepods/besteffort/pod${UID}/${ID}`,
    want: {
      pod: pod(UID, 'besteffort', 'cgroupfs', `/kubepods/besteffort/pod${UID}`),
      container: c('cri', ID, `/kubepods/besteffort/pod${UID}/${ID}`),
    },
  },
  {
    form: 'cgroupfs, the pod cgroup itself',
    path: `/kubepods/burstable/pod${UID}`,
    want: { pod: pod(UID, 'burstable', 'cgroupfs', `/kubepods/burstable/pod${UID}`) },
  },
  {
    form: 'cgroupfs, 32-hex static pod uid',
    path: `/kubepods/besteffort/pod${STATIC}/${ID}`,
    want: {
      pod: pod(STATIC, 'besteffort', 'cgroupfs', `/kubepods/besteffort/pod${STATIC}`),
      container: c('cri', ID, `/kubepods/besteffort/pod${STATIC}/${ID}`),
    },
  },
  {
    form: 'cgroupfs, UUID container id (non-runc runtime)',
    path: `/kubepods/besteffort/pod${UID}/15aa6e53-b09a-40c7-8558-c6c31e36c88a`,
    want: {
      pod: pod(UID, 'besteffort', 'cgroupfs', `/kubepods/besteffort/pod${UID}`),
      container: c('cri', '15aa6e53-b09a-40c7-8558-c6c31e36c88a', `/kubepods/besteffort/pod${UID}/15aa6e53-b09a-40c7-8558-c6c31e36c88a`),
    },
  },
  // systemd driver: /kubepods.slice[/kubepods-<qos>.slice]/kubepods[-<qos>]-pod<UID_>.slice/<scope>
  {
    form: 'systemd, Guaranteed, containerd',
    path: `/kubepods.slice/kubepods-pod${UID_}.slice/cri-containerd-${ID}.scope`,
    want: {
      pod: pod(UID, 'guaranteed', 'systemd', `/kubepods.slice/kubepods-pod${UID_}.slice`),
      container: c('containerd', ID, `/kubepods.slice/kubepods-pod${UID_}.slice/cri-containerd-${ID}.scope`),
    },
  },
  {
    form: 'systemd, Burstable, containerd',
    path: `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/cri-containerd-${ID}.scope`,
    want: {
      pod: pod(UID, 'burstable', 'systemd', `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice`),
      container: c('containerd', ID, `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/cri-containerd-${ID}.scope`),
    },
  },
  {
    form: 'systemd, BestEffort, docker scope (dockershim)',
    path: `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/docker-${ID}.scope`,
    want: {
      pod: pod(UID, 'besteffort', 'systemd', `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice`),
      container: c('docker', ID, `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/docker-${ID}.scope`),
    },
  },
  {
    form: 'systemd, 32-hex static pod uid',
    path: `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${STATIC}.slice/cri-containerd-${ID}.scope`,
    want: {
      pod: pod(STATIC, 'burstable', 'systemd', `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${STATIC}.slice`),
      container: c('containerd', ID, `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${STATIC}.slice/cri-containerd-${ID}.scope`),
    },
  },
  {
    form: 'systemd, the pod slice itself',
    path: `/kubepods.slice/kubepods-pod${UID_}.slice`,
    want: { pod: pod(UID, 'guaranteed', 'systemd', `/kubepods.slice/kubepods-pod${UID_}.slice`) },
  },
  // prefixes: --cgroup-root, kind's kubelet.slice, k3s
  {
    form: 'cgroupfs under /kubelet (kind-style --cgroup-root)',
    path: `/kubelet/kubepods/besteffort/pod${UID}/${ID}`,
    want: {
      pod: pod(UID, 'besteffort', 'cgroupfs', `/kubelet/kubepods/besteffort/pod${UID}`),
      container: c('cri', ID, `/kubelet/kubepods/besteffort/pod${UID}/${ID}`),
    },
  },
  {
    form: 'systemd under kubelet.slice (kind)',
    path: `/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-burstable.slice/kubelet-kubepods-burstable-pod${UID_}.slice/cri-containerd-${ID}.scope`,
    want: {
      pod: pod(
        UID,
        'burstable',
        'systemd',
        `/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-burstable.slice/kubelet-kubepods-burstable-pod${UID_}.slice`,
      ),
      container: c(
        'containerd',
        ID,
        `/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-burstable.slice/kubelet-kubepods-burstable-pod${UID_}.slice/cri-containerd-${ID}.scope`,
      ),
    },
  },
  // nested nodes: a kind or minikube node is a docker container holding the pods
  {
    form: 'kind node, cgroupfs: /docker/<outer>/kubepods/...',
    path: `/docker/${OUTER}/kubepods/burstable/pod${UID}/${ID}`,
    want: {
      outer: c('docker', OUTER, `/docker/${OUTER}`),
      pod: pod(UID, 'burstable', 'cgroupfs', `/docker/${OUTER}/kubepods/burstable/pod${UID}`),
      container: c('cri', ID, `/docker/${OUTER}/kubepods/burstable/pod${UID}/${ID}`),
    },
  },
  {
    form: 'minikube node, systemd: docker scope inside docker scope',
    path: `/system.slice/docker-${OUTER}.scope/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/docker-${ID2}.scope`,
    want: {
      outer: c('docker', OUTER, `/system.slice/docker-${OUTER}.scope`),
      pod: pod(
        UID,
        'besteffort',
        'systemd',
        `/system.slice/docker-${OUTER}.scope/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice`,
      ),
      container: c(
        'docker',
        ID2,
        `/system.slice/docker-${OUTER}.scope/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/docker-${ID2}.scope`,
      ),
    },
  },
  {
    form: 'kind node, its own kubelet (no inner container)',
    path: `/system.slice/docker-${OUTER}.scope/system.slice/kubelet.service`,
    want: { container: c('docker', OUTER, `/system.slice/docker-${OUTER}.scope`) },
  },
  // containerd given a systemd-style cgroupsPath while on cgroupfs: one segment holds pod and container
  {
    form: '<slice>:cri-containerd:<ID> (SystemdCgroup=false)',
    path: `/system.slice/containerd.service/kubepods-burstable-pod${UID_}.slice:cri-containerd:${ID}`,
    want: {
      pod: pod(UID, 'burstable', 'systemd', `/system.slice/containerd.service/kubepods-burstable-pod${UID_}.slice:cri-containerd:${ID}`),
      container: c('containerd', ID, `/system.slice/containerd.service/kubepods-burstable-pod${UID_}.slice:cri-containerd:${ID}`),
    },
  },
  {
    form: '<slice>:crio:<ID>',
    path: `/kubepods-besteffort-pod${STATIC}.slice:crio:${ID}`,
    want: {
      pod: pod(STATIC, 'besteffort', 'systemd', `/kubepods-besteffort-pod${STATIC}.slice:crio:${ID}`),
      container: c('cri-o', ID, `/kubepods-besteffort-pod${STATIC}.slice:crio:${ID}`),
    },
  },
];

// A kubelet hierarchy below another container: the container inside the pod is `container`,
// the one holding the kubelet (node, ECS task, LXC/nspawn machine, outer pod's container) is
// `outer`, never the pod's container.
/** EKS Fargate: DataDog/datadog-agent pkg/security/utils/cgroup_test.go, case `fargate-eks`. */
const FG_TASK = '409b8b89ccd746bdb9b5e03418406d96';
const FG_ECS = `/ecs/${FG_TASK}/${FG_TASK}-3057940393`;
const FG_UID = 'c00eb3e2-d6c0-4eb6-9e58-fe539629263f';
const FG_ID = '7022ec9d5774c69f38feddd6460373c4681ef72a4e03bc6f2d374387e9bde981';
/** kind on a cgroup v1 host: spiffe/spire pkg/agent/plugin/workloadattestor/k8s/testdata/cgroups_pid_in_kind_pod.txt. */
const KIND_NODE = '93529524695bb00d91c1f6dba692ea8d3550c3b94fb2463af7bc9ec82f992d26';
const KIND_UID = 'a2830d0d-b0f0-4ff0-81b5-0ee4e299cf80';
const KIND_ID = '09bc3d7ade839efec32b6bec4ec79d099027a668ddba043083ec21d3c3b8f1e6';
const UID2 = '33baea74-f206-4f95-9893-c56282acda4e';
const UID2_ = UID2.replace(/-/g, '_');

const NESTED: Row[] = [
  {
    form: 'EKS Fargate: /ecs/<task>/<task>-<n>/kubepods/besteffort/pod<UID>/<ID>',
    path: `${FG_ECS}/kubepods/besteffort/pod${FG_UID}/${FG_ID}`,
    want: {
      outer: c('ecs', `${FG_TASK}-3057940393`, FG_ECS),
      pod: pod(FG_UID, 'besteffort', 'cgroupfs', `${FG_ECS}/kubepods/besteffort/pod${FG_UID}`),
      container: c('cri', FG_ID, `${FG_ECS}/kubepods/besteffort/pod${FG_UID}/${FG_ID}`),
    },
  },
  {
    form: 'EKS Fargate, Guaranteed: /ecs/<task>/<task>-<n>/kubepods/pod<UID>/<ID>',
    path: `${FG_ECS}/kubepods/pod${FG_UID}/${FG_ID}`,
    want: {
      outer: c('ecs', `${FG_TASK}-3057940393`, FG_ECS),
      pod: pod(FG_UID, 'guaranteed', 'cgroupfs', `${FG_ECS}/kubepods/pod${FG_UID}`),
      container: c('cri', FG_ID, `${FG_ECS}/kubepods/pod${FG_UID}/${FG_ID}`),
    },
  },
  {
    form: 'EKS Fargate, a 9-digit task suffix and Burstable',
    path: `/ecs/${FG_TASK}/${FG_TASK}-305794039/kubepods/burstable/pod${FG_UID}/${FG_ID}`,
    want: {
      outer: c('ecs', `${FG_TASK}-305794039`, `/ecs/${FG_TASK}/${FG_TASK}-305794039`),
      pod: pod(FG_UID, 'burstable', 'cgroupfs', `/ecs/${FG_TASK}/${FG_TASK}-305794039/kubepods/burstable/pod${FG_UID}`),
      container: c('cri', FG_ID, `/ecs/${FG_TASK}/${FG_TASK}-305794039/kubepods/burstable/pod${FG_UID}/${FG_ID}`),
    },
  },
  {
    form: "EKS Fargate, the pod cgroup itself: the ECS task is not the pod's container",
    path: `${FG_ECS}/kubepods/besteffort/pod${FG_UID}`,
    want: { pod: pod(FG_UID, 'besteffort', 'cgroupfs', `${FG_ECS}/kubepods/besteffort/pod${FG_UID}`) },
  },
  {
    form: 'EKS Fargate, a pod sub-cgroup that names no container',
    path: `${FG_ECS}/kubepods/besteffort/pod${FG_UID}/init`,
    want: { pod: pod(FG_UID, 'besteffort', 'cgroupfs', `${FG_ECS}/kubepods/besteffort/pod${FG_UID}`) },
  },
  {
    form: 'kind, v1 host (SPIRE fixture): /docker/<node>/kubepods/besteffort/pod<UID>/<ID>',
    path: `/docker/${KIND_NODE}/kubepods/besteffort/pod${KIND_UID}/${KIND_ID}`,
    want: {
      outer: c('docker', KIND_NODE, `/docker/${KIND_NODE}`),
      pod: pod(KIND_UID, 'besteffort', 'cgroupfs', `/docker/${KIND_NODE}/kubepods/besteffort/pod${KIND_UID}`),
      container: c('cri', KIND_ID, `/docker/${KIND_NODE}/kubepods/besteffort/pod${KIND_UID}/${KIND_ID}`),
    },
  },
  {
    form: 'kind, cgroupRoot /kubelet with cgroupfs: /docker/<node>/kubelet/kubepods/...',
    path: `/docker/${OUTER}/kubelet/kubepods/burstable/pod${UID}/${ID}`,
    want: {
      outer: c('docker', OUTER, `/docker/${OUTER}`),
      pod: pod(UID, 'burstable', 'cgroupfs', `/docker/${OUTER}/kubelet/kubepods/burstable/pod${UID}`),
      container: c('cri', ID, `/docker/${OUTER}/kubelet/kubepods/burstable/pod${UID}/${ID}`),
    },
  },
  {
    form: 'kind, systemd driver on a v1 host: /docker/<node>/kubelet.slice/kubelet-kubepods.slice/...',
    path: `/docker/${OUTER}/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod${UID_}.slice/cri-containerd-${ID}.scope`,
    want: {
      outer: c('docker', OUTER, `/docker/${OUTER}`),
      pod: pod(
        UID,
        'besteffort',
        'systemd',
        `/docker/${OUTER}/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod${UID_}.slice`,
      ),
      container: c(
        'containerd',
        ID,
        `/docker/${OUTER}/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod${UID_}.slice/cri-containerd-${ID}.scope`,
      ),
    },
  },
  {
    form: 'kind, systemd driver on a v2 host: docker-<node>.scope/kubelet.slice/..., Guaranteed',
    path: `/system.slice/docker-${OUTER}.scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-pod${UID_}.slice/cri-containerd-${ID}.scope`,
    want: {
      outer: c('docker', OUTER, `/system.slice/docker-${OUTER}.scope`),
      pod: pod(UID, 'guaranteed', 'systemd', `/system.slice/docker-${OUTER}.scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-pod${UID_}.slice`),
      container: c(
        'containerd',
        ID,
        `/system.slice/docker-${OUTER}.scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-pod${UID_}.slice/cri-containerd-${ID}.scope`,
      ),
    },
  },
  {
    form: "kind node, a pod slice itself: the node is not the pod's container",
    path: `/system.slice/docker-${OUTER}.scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-pod${UID_}.slice`,
    want: {
      pod: pod(UID, 'guaranteed', 'systemd', `/system.slice/docker-${OUTER}.scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-pod${UID_}.slice`),
    },
  },
  {
    form: 'k3d/minikube node on a v2 host, cgroupfs, Guaranteed: docker-<node>.scope/kubepods/pod<UID>/<ID>',
    path: `/system.slice/docker-${OUTER}.scope/kubepods/pod${UID}/${ID}`,
    want: {
      outer: c('docker', OUTER, `/system.slice/docker-${OUTER}.scope`),
      pod: pod(UID, 'guaranteed', 'cgroupfs', `/system.slice/docker-${OUTER}.scope/kubepods/pod${UID}`),
      container: c('cri', ID, `/system.slice/docker-${OUTER}.scope/kubepods/pod${UID}/${ID}`),
    },
  },
  {
    form: 'minikube CRI-O node: conmon in the pod slice is a monitor, and the node no container of the pod',
    path: `/docker/${OUTER}/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/crio-conmon-${ID}.scope`,
    want: {
      pod: pod(UID, 'besteffort', 'systemd', `/docker/${OUTER}/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice`),
      monitor: {
        runtime: 'cri-o',
        id: ID,
        cgroup: `/docker/${OUTER}/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/crio-conmon-${ID}.scope`,
      },
    },
  },
  {
    form: 'Docker Desktop (SPIRE test): /kubepods/kubepods/besteffort/pod<UID>/<ID>',
    path: `/kubepods/kubepods/besteffort/pod${UID}/${ID}`,
    want: {
      pod: pod(UID, 'besteffort', 'cgroupfs', `/kubepods/kubepods/besteffort/pod${UID}`),
      container: c('cri', ID, `/kubepods/kubepods/besteffort/pod${UID}/${ID}`),
    },
  },
  {
    form: 'LXD / LXC 4: /lxc.payload.<name>/kubepods/burstable/pod<UID>/<ID>',
    path: `/lxc.payload.k8s-node/kubepods/burstable/pod${UID}/${ID}`,
    want: {
      outer: c('lxc', 'k8s-node', '/lxc.payload.k8s-node', 'k8s-node'),
      pod: pod(UID, 'burstable', 'cgroupfs', `/lxc.payload.k8s-node/kubepods/burstable/pod${UID}`),
      container: c('cri', ID, `/lxc.payload.k8s-node/kubepods/burstable/pod${UID}/${ID}`),
    },
  },
  {
    form: 'LXD / LXC 4, systemd driver: /lxc.payload.<name>/kubepods.slice/...',
    path: `/lxc.payload.k8s-node/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/cri-containerd-${ID}.scope`,
    want: {
      outer: c('lxc', 'k8s-node', '/lxc.payload.k8s-node', 'k8s-node'),
      pod: pod(UID, 'besteffort', 'systemd', `/lxc.payload.k8s-node/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice`),
      container: c(
        'containerd',
        ID,
        `/lxc.payload.k8s-node/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/cri-containerd-${ID}.scope`,
      ),
    },
  },
  {
    form: 'Proxmox LXC (lxc/<vmid> with inner ns): /lxc/<vmid>/ns/kubepods/besteffort/pod<UID>/<ID>',
    path: `/lxc/101/ns/kubepods/besteffort/pod${UID}/${ID}`,
    want: {
      outer: c('lxc', '101', '/lxc/101', '101'),
      pod: pod(UID, 'besteffort', 'cgroupfs', `/lxc/101/ns/kubepods/besteffort/pod${UID}`),
      container: c('cri', ID, `/lxc/101/ns/kubepods/besteffort/pod${UID}/${ID}`),
    },
  },
  {
    form: 'systemd-nspawn: machine-<name>.scope/payload/kubepods.slice/...',
    path: `/machine.slice/machine-k8s.scope/payload/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/crio-${ID}.scope`,
    want: {
      outer: c('nspawn', 'k8s', '/machine.slice/machine-k8s.scope', 'k8s'),
      pod: pod(
        UID,
        'burstable',
        'systemd',
        `/machine.slice/machine-k8s.scope/payload/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice`,
      ),
      container: c(
        'cri-o',
        ID,
        `/machine.slice/machine-k8s.scope/payload/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/crio-${ID}.scope`,
      ),
    },
  },
  {
    form: 'systemd-nspawn, cgroupfs: machine-<name>.scope/payload/kubepods/pod<UID>/<ID>',
    path: `/machine.slice/machine-k8s.scope/payload/kubepods/pod${UID}/${ID}`,
    want: {
      outer: c('nspawn', 'k8s', '/machine.slice/machine-k8s.scope', 'k8s'),
      pod: pod(UID, 'guaranteed', 'cgroupfs', `/machine.slice/machine-k8s.scope/payload/kubepods/pod${UID}`),
      container: c('cri', ID, `/machine.slice/machine-k8s.scope/payload/kubepods/pod${UID}/${ID}`),
    },
  },
  {
    form: "a kubelet in a pod (k3k virtual cluster): the outer pod's container holds the inner pod",
    path: `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID2_}.slice/cri-containerd-${OUTER}.scope/kubepods/besteffort/pod${UID}/${ID}`,
    want: {
      outer: c('containerd', OUTER, `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID2_}.slice/cri-containerd-${OUTER}.scope`),
      pod: pod(
        UID,
        'besteffort',
        'cgroupfs',
        `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID2_}.slice/cri-containerd-${OUTER}.scope/kubepods/besteffort/pod${UID}`,
      ),
      container: c(
        'cri',
        ID,
        `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID2_}.slice/cri-containerd-${OUTER}.scope/kubepods/besteffort/pod${UID}/${ID}`,
      ),
    },
  },
  {
    form: "a kubelet in a pod, the inner pod cgroup itself: the outer pod's container is not in the inner pod",
    path: `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID2_}.slice/cri-containerd-${OUTER}.scope/kubepods/besteffort/pod${UID}`,
    want: {
      pod: pod(
        UID,
        'besteffort',
        'cgroupfs',
        `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID2_}.slice/cri-containerd-${OUTER}.scope/kubepods/besteffort/pod${UID}`,
      ),
    },
  },
  {
    form: "a pod seen from another pod's cgroup namespace (SPIRE test): /../../../burstable/pod<UID>/<ID>",
    path: `/../../../burstable/pod${UID}/${ID}`,
    want: {
      outsideNamespace: true,
      pod: pod(UID, 'burstable', 'cgroupfs', `/../../../burstable/pod${UID}`),
      container: c('cri', ID, `/../../../burstable/pod${UID}/${ID}`),
    },
  },
];

// Paths that name kubepods without a kubelet pod in them.
const NOT_A_NESTED_POD: Row[] = [
  {
    form: "a node's own QoS cgroup: the node container, no pod",
    path: `/docker/${OUTER}/kubepods/burstable`,
    want: { container: c('docker', OUTER, `/docker/${OUTER}`) },
  },
  {
    form: "a kind node's kubepods slice: the node container, no pod",
    path: `/system.slice/docker-${OUTER}.scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice`,
    want: { container: c('docker', OUTER, `/system.slice/docker-${OUTER}.scope`) },
  },
  {
    form: 'an ECS task with a kubepods directory and nothing below: the ECS container, no pod',
    path: `${FG_ECS}/kubepods`,
    want: { container: c('ecs', `${FG_TASK}-3057940393`, FG_ECS) },
  },
  {
    form: 'pod<UID> under an unknown level below kubepods is no pod',
    path: `/docker/${OUTER}/kubepods/besteffort/extra/pod${UID}`,
    want: { container: c('docker', OUTER, `/docker/${OUTER}`) },
  },
  {
    form: 'a guaranteed-looking pod right below the namespace root: the QoS is not in the path, no pod',
    path: `/../../pod${UID}`,
    want: { outsideNamespace: true },
  },
  {
    form: "'kubepods' inside a unit name is no kubelet hierarchy",
    path: '/system.slice/kubepods-burstable-podcleanup.service',
    want: {},
  },
];

const PS = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice`;
const PF = `/kubepods/burstable/pod${UID}`;
const podSd = pod(UID, 'burstable', 'systemd', PS);
const podFs = pod(UID, 'burstable', 'cgroupfs', PF);

const CRIO: Row[] = [
  { form: 'CRI-O systemd: crio-<ID>.scope', path: `${PS}/crio-${ID}.scope`, want: { pod: podSd, container: c('cri-o', ID, `${PS}/crio-${ID}.scope`) } },
  {
    form: 'CRI-O with crun: .../crio-<ID>.scope/container: the container is the scope',
    path: `${PS}/crio-${ID}.scope/container`,
    want: { pod: podSd, container: c('cri-o', ID, `${PS}/crio-${ID}.scope`) },
  },
  {
    form: 'CRI-O systemd sandbox: crio-<ID> without .scope under the pod slice',
    path: `${PS}/crio-${ID}`,
    want: { pod: podSd, container: c('cri-o', ID, `${PS}/crio-${ID}`, null, 'sandbox') },
  },
  { form: 'CRI-O cgroupfs: .../pod<UID>/crio-<ID>', path: `${PF}/crio-${ID}`, want: { pod: podFs, container: c('cri-o', ID, `${PF}/crio-${ID}`) } },
  {
    form: 'CRI-O conmon in the pod slice: a monitor, not a container',
    path: `${PS}/crio-conmon-${ID}.scope`,
    want: { pod: podSd, monitor: { runtime: 'cri-o', id: ID, cgroup: `${PS}/crio-conmon-${ID}.scope` } },
  },
  {
    form: 'CRI-O conmon in system.slice (conmon_cgroup = system.slice)',
    path: `/system.slice/crio-conmon-${ID}.scope`,
    want: { monitor: { runtime: 'cri-o', id: ID, cgroup: `/system.slice/crio-conmon-${ID}.scope` } },
  },
  {
    form: 'CRI-O conmon, cgroupfs',
    path: `${PF}/crio-conmon-${ID}`,
    want: { pod: podFs, monitor: { runtime: 'cri-o', id: ID, cgroup: `${PF}/crio-conmon-${ID}` } },
  },
];

const DOCKER: Row[] = [
  { form: 'Docker cgroupfs: /docker/<ID>', path: `/docker/${ID}`, want: { container: c('docker', ID, `/docker/${ID}`) } },
  {
    form: 'Docker --cgroup-parent /pod-foo/<ID>',
    path: `/pod-foo/${ID}`,
    want: { container: c('docker', ID, `/pod-foo/${ID}`) },
  },
  {
    form: 'Docker systemd: /system.slice/docker-<ID>.scope',
    path: `/system.slice/docker-${ID}.scope`,
    want: { container: c('docker', ID, `/system.slice/docker-${ID}.scope`) },
  },
  {
    form: 'Docker systemd, --cgroup-parent docker.slice',
    path: `/docker.slice/docker-${ID}.scope`,
    want: { container: c('docker', ID, `/docker.slice/docker-${ID}.scope`) },
  },
  {
    form: "Docker's old LXC driver: /lxc/<ID>",
    path: `/lxc/${ID}`,
    want: { container: c('docker', ID, `/lxc/${ID}`) },
  },
  {
    form: 'Docker, a sub-cgroup below the container is cut off',
    path: `/docker/${ID}/kube-proxy`,
    want: { container: c('docker', ID, `/docker/${ID}`) },
  },
];

const PODMAN: Row[] = [
  {
    form: 'podman rootful: /machine.slice/libpod-<ID>.scope',
    path: `/machine.slice/libpod-${ID}.scope`,
    want: { container: c('podman', ID, `/machine.slice/libpod-${ID}.scope`) },
  },
  {
    form: 'podman in a pod: machine-libpod_pod_<POD>.slice',
    path: `/machine.slice/machine-libpod_pod_${POD}.slice/libpod-${ID}.scope`,
    want: { podmanPod: POD, container: c('podman', ID, `/machine.slice/machine-libpod_pod_${POD}.slice/libpod-${ID}.scope`) },
  },
  {
    form: 'podman rootless, crun container leaf',
    path: `/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope/container`,
    want: { container: c('podman', ID, `/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope`) },
  },
  {
    form: 'podman --cgroups=split: libpod-payload-<ID>.scope',
    path: `/system.slice/ceph-x@mon.a.service/libpod-payload-${ID}.scope`,
    want: { container: c('podman', ID, `/system.slice/ceph-x@mon.a.service/libpod-payload-${ID}.scope`) },
  },
  {
    form: 'podman conmon: libpod-conmon-<ID>.scope',
    path: `/machine.slice/libpod-conmon-${ID}.scope`,
    want: { monitor: { runtime: 'podman', id: ID, cgroup: `/machine.slice/libpod-conmon-${ID}.scope` } },
  },
  {
    form: 'podman cgroupfs: /libpod_parent/libpod-<ID>',
    path: `/libpod_parent/libpod-${ID}`,
    want: { container: c('podman', ID, `/libpod_parent/libpod-${ID}`) },
  },
  {
    form: 'podman cgroupfs pod: /libpod_parent/<POD>/libpod-<ID>',
    path: `/libpod_parent/${POD}/libpod-${ID}`,
    want: { podmanPod: POD, container: c('podman', ID, `/libpod_parent/${POD}/libpod-${ID}`) },
  },
  {
    form: 'podman cgroupfs conmon: /libpod_parent/conmon (which container is not said)',
    path: '/libpod_parent/conmon',
    want: { monitor: { runtime: 'podman', id: '', cgroup: '/libpod_parent/conmon' } },
  },
  {
    form: 'podman cgroupfs conmon in a pod: /libpod_parent/<POD>/conmon',
    path: `/libpod_parent/${POD}/conmon`,
    want: { podmanPod: POD, monitor: { runtime: 'podman', id: '', cgroup: `/libpod_parent/${POD}/conmon` } },
  },
];

const LXC_MACHINES_ECS: Row[] = [
  { form: 'LXC: /lxc/<name>', path: '/lxc/debian2', want: { container: c('lxc', 'debian2', '/lxc/debian2', 'debian2') } },
  {
    form: 'LXC 4: /lxc.payload.<name>, its own systemd below',
    path: '/lxc.payload.focal/system.slice/avahi-daemon.service',
    want: { container: c('lxc', 'focal', '/lxc.payload.focal', 'focal') },
  },
  { form: 'LXC: /lxc.payload/<name>', path: '/lxc.payload/c1', want: { container: c('lxc', 'c1', '/lxc.payload/c1', 'c1') } },
  {
    form: 'LXC 4 monitor: /lxc.monitor.<name>',
    path: '/lxc.monitor.focal',
    want: { monitor: { runtime: 'lxc', id: 'focal', cgroup: '/lxc.monitor.focal' } },
  },
  {
    form: 'LXC monitor: /lxc.monitor/<name>',
    path: '/lxc.monitor/c1',
    want: { monitor: { runtime: 'lxc', id: 'c1', cgroup: '/lxc.monitor/c1' } },
  },
  {
    form: 'nspawn: machine-<name>.scope with \\x2d escapes',
    path: '/machine.slice/machine-my\\x2dbox.scope',
    want: { container: c('nspawn', 'my-box', '/machine.slice/machine-my\\x2dbox.scope', 'my-box') },
  },
  {
    form: 'nspawn, its payload below the scope',
    path: '/machine.slice/machine-nspawntest.scope/system.slice/sshd.service',
    want: { container: c('nspawn', 'nspawntest', '/machine.slice/machine-nspawntest.scope', 'nspawntest') },
  },
  {
    form: 'libvirt-lxc: machine-lxc\\x2d<n>\\x2d<name>.scope',
    path: '/machine.slice/machine-lxc\\x2d2293906\\x2dlibvirt\\x2dcontainer.scope/libvirt',
    want: {
      container: c(
        'libvirt-lxc',
        'lxc-2293906-libvirt-container',
        '/machine.slice/machine-lxc\\x2d2293906\\x2dlibvirt\\x2dcontainer.scope',
        'lxc-2293906-libvirt-container',
      ),
    },
  },
  {
    form: 'rkt: machine-rkt\\x2d<uuid>.scope',
    path: '/machine.slice/machine-rkt\\x2dbfb7d57e\\x2d80ff\\x2d4ef8\\x2db602\\x2d9b907b3f3a38.scope',
    want: {
      container: c(
        'rkt',
        'rkt-bfb7d57e-80ff-4ef8-b602-9b907b3f3a38',
        '/machine.slice/machine-rkt\\x2dbfb7d57e\\x2d80ff\\x2d4ef8\\x2db602\\x2d9b907b3f3a38.scope',
        'rkt-bfb7d57e-80ff-4ef8-b602-9b907b3f3a38',
      ),
    },
  },
  { form: 'a qemu machine is a VM, not a container', path: '/machine.slice/machine-qemu\\x2d1\\x2dharv41.scope', want: {} },
  {
    form: 'ECS: /ecs/<task>/<ID>',
    path: `/ecs/8cd79a803caf4d2aa945152e934a5c00/${ID}`,
    want: { container: c('ecs', ID, `/ecs/8cd79a803caf4d2aa945152e934a5c00/${ID}`) },
  },
  {
    form: 'ECS Fargate 1.4: /ecs/<task>/<32 hex>-<n>',
    path: '/ecs/8cd79a803caf4d2aa945152e934a5c00/8cd79a803caf4d2aa945152e934a5c00-1053176469',
    want: {
      container: c('ecs', '8cd79a803caf4d2aa945152e934a5c00-1053176469', '/ecs/8cd79a803caf4d2aa945152e934a5c00/8cd79a803caf4d2aa945152e934a5c00-1053176469'),
    },
  },
  {
    form: 'ECS Fargate 1.4, name=systemd: /ecs/<32 hex>-<n>',
    path: '/ecs/34dc0b5e626f2c5c4c5170e34b10e765-1234567890',
    want: { container: c('ecs', '34dc0b5e626f2c5c4c5170e34b10e765-1234567890', '/ecs/34dc0b5e626f2c5c4c5170e34b10e765-1234567890') },
  },
];

const NAMESPACE_AND_NOTHING: Row[] = [
  { form: 'the root', path: '/', want: {} },
  { form: 'empty', path: '', want: {} },
  { form: "the reader's cgroup namespace parent: /..", path: '/..', want: { outsideNamespace: true } },
  { form: 'a host unit seen from a cgroup namespace: /../../init.scope', path: '/../../init.scope', want: { outsideNamespace: true } },
  {
    form: 'a sibling container seen from a cgroup namespace',
    path: `/../docker-${ID}.scope`,
    want: { outsideNamespace: true, container: c('docker', ID, `/../docker-${ID}.scope`) },
  },
  {
    form: 'a pod container seen from a cgroup namespace (kubepods.slice hidden)',
    path: `/../../kubepods-besteffort-pod${UID_}.slice/docker-${ID}.scope`,
    want: {
      outsideNamespace: true,
      pod: pod(UID, 'besteffort', 'systemd', `/../../kubepods-besteffort-pod${UID_}.slice`),
      container: c('docker', ID, `/../../kubepods-besteffort-pod${UID_}.slice/docker-${ID}.scope`),
    },
  },
  { form: 'host session', path: '/user.slice/user-1000.slice/session-2.scope', want: {} },
  { form: 'legacy session', path: '/user/1000.user/2.session', want: {} },
  {
    form: 'a UUID in a scope name is not a pod',
    path: '/user.slice/user-1000.slice/user@1000.service/apps.slice/vte-spawn-75bc72bd-6642-4cf5-b62c-0674e11bfc84.scope',
    want: {},
  },
  { form: 'escaped systemd template slice', path: '/system.slice/system-systemd\\x2dcoredump.slice', want: {} },
  { form: "Docker's daemon, not a container", path: '/system.slice/docker.service', want: {} },
  { form: "podman's rootless helper scope", path: '/user.slice/user-1000.slice/user@1000.service/user.slice/podman-6696.scope', want: {} },
  { form: 'pod<UID> without a kubepods parent', path: `/pod${UID}`, want: {} },
  { form: 'a malformed pod uid', path: '/kubepods/burstable/pod3cae2e45-052c-4b11-80d3/abc', want: {} },
  { form: 'a short id', path: '/docker/3ccfa0043279', want: {} },
  { form: 'an upper-case id', path: `/docker/${ID.toUpperCase()}`, want: {} },
  { form: 'a 63-hex id', path: `/system.slice/docker-${ID.slice(1)}.scope`, want: {} },
  { form: 'an unknown runtime in the colon form', path: `/kubepods.slice:foo:${ID}`, want: {} },
  { form: 'colons and junk', path: '/a:b:c/::/x\\xZZ/_/.', want: {} },
  { form: 'empty LXC names', path: '/lxc.payload./lxc.monitor.', want: {} },
];

describe('recogniseCgroupPath', () => {
  describe.each([
    ['kubelet pods', KUBELET],
    ['kubelet hierarchies nested in another container', NESTED],
    ['kubepods without a nested pod', NOT_A_NESTED_POD],
    ['CRI-O', CRIO],
    ['Docker', DOCKER],
    ['podman', PODMAN],
    ['LXC, systemd machines, ECS', LXC_MACHINES_ECS],
    ['cgroup namespaces and paths that name nothing', NAMESPACE_AND_NOTHING],
  ] as const)('%s', (_group, rows) => {
    it.each(rows.map((r) => [r.form, r] as const))('%s', (_form, r) => {
      expect(recogniseCgroupPath(r.path)).toEqual({ ...NONE, ...r.want });
    });
  });

  it('reads a path with the kernel\'s " (deleted)" suffix like the path', () => {
    const path = `/system.slice/docker-${ID}.scope`;
    expect(recogniseCgroupPath(`${path} (deleted)`)).toEqual(recogniseCgroupPath(path));
  });

  it('gets (deleted) paths from the line parser without the suffix', () => {
    const lines = parseProcCgroup(`0::/kubepods.slice/kubepods-pod${UID_}.slice/cri-containerd-${ID}.scope (deleted)\n`);
    expect(lines).toEqual([{ hierarchyId: 0, controllers: [], path: `/kubepods.slice/kubepods-pod${UID_}.slice/cri-containerd-${ID}.scope`, deleted: true }]);
    expect(recogniseCgroupPath((lines?.[0] as { path: string }).path).container?.id).toBe(ID);
  });

  it('reads every line of an EKS Fargate /proc/<pid>/cgroup (v1) as the same pod container in its ECS task', () => {
    // DataDog/datadog-agent pkg/security/utils/cgroup_test.go, case `fargate-eks` (three of its eleven lines)
    const inner = `${FG_ECS}/kubepods/besteffort/pod${FG_UID}/${FG_ID}`;
    const lines = parseProcCgroup(`11:memory:${inner}\n4:cpu,cpuacct:${inner}\n1:name=systemd:${inner}\n`);
    expect(lines).toHaveLength(3);
    for (const l of lines ?? []) {
      const id = recogniseCgroupPath(l.path);
      expect([id.container?.runtime, id.container?.id, id.outer?.runtime, id.outer?.id, id.pod?.uid, id.pod?.qos, id.pod?.driver]).toEqual([
        'cri',
        FG_ID,
        'ecs',
        `${FG_TASK}-3057940393`,
        FG_UID,
        'besteffort',
        'cgroupfs',
      ]);
    }
  });

  it('never reports a container above the pod cgroup as the container of that pod', () => {
    const holders = [
      `/docker/${OUTER}`,
      `/system.slice/docker-${OUTER}.scope`,
      FG_ECS,
      '/lxc.payload.n',
      '/lxc/101/ns',
      '/machine.slice/machine-n.scope/payload',
    ];
    const tails = [
      `kubepods/besteffort/pod${UID}`,
      `kubepods.slice/kubepods-pod${UID_}.slice`,
      `kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-burstable.slice/kubelet-kubepods-burstable-pod${UID_}.slice`,
    ];
    for (const h of holders) {
      for (const t of tails) {
        const id = recogniseCgroupPath(`${h}/${t}`);
        expect(id.pod?.uid, `${h}/${t}`).toBe(UID);
        expect([id.container, id.outer], `${h}/${t}`).toEqual([null, null]);
        const inPod = recogniseCgroupPath(`${h}/${t}/${ID}`);
        expect([inPod.container?.id, inPod.outer?.cgroup], `${h}/${t}/${ID}`).toEqual([ID, recogniseCgroupPath(h).container?.cgroup]);
      }
    }
  });

  it('keeps the innermost of three nested containers, and the one holding it as outer', () => {
    const id = recogniseCgroupPath(`/docker/${OUTER}/docker/${ID2}/docker/${ID}`);
    expect(id.container?.id).toBe(ID);
    expect(id.outer?.id).toBe(ID2);
  });

  const vocabulary = [
    '..',
    '.',
    'kubepods',
    'kubepods.slice',
    'burstable',
    'besteffort',
    `pod${UID}`,
    `kubepods-burstable-pod${UID_}.slice`,
    `crio-${ID}`,
    `crio-conmon-${ID}.scope`,
    `docker-${ID}.scope`,
    ID,
    'lxc',
    'lxc.monitor',
    'lxc.payload.x',
    'machine.slice',
    'machine-a\\x2db.scope',
    'ecs',
    'libpod_parent',
    'conmon',
    `x.slice:cri-containerd:${ID}`,
    '_',
    '\\x',
    '',
  ];

  it('never throws, and every cgroup it reports is a prefix of the path', () => {
    const pathArb = fc.oneof(
      fc.string(),
      fc.array(fc.constantFrom(...vocabulary), { maxLength: 8 }).map((s) => '/' + s.join('/')),
    );
    fc.assert(
      fc.property(pathArb, (path) => {
        const id = recogniseCgroupPath(path);
        const norm =
          '/' +
          path
            .split('/')
            .filter((s) => s !== '' && s !== '.')
            .join('/');
        for (const cg of [id.container?.cgroup, id.outer?.cgroup, id.pod?.cgroup, id.monitor?.cgroup]) {
          if (cg !== undefined) expect(norm === cg || norm.startsWith(cg + '/')).toBe(true);
        }
        if (id.outer) expect(id.container).not.toBeNull();
        expect(id.outsideNamespace).toBe(path.split('/').includes('..'));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('unescapeSystemd', () => {
  it.each([
    ['machine-my\\x2dbox.scope', 'machine-my-box.scope'],
    ['system-serial\\x2dgetty.slice', 'system-serial-getty.slice'],
    ['_cpu.weight', 'cpu.weight'],
    ['plain.slice', 'plain.slice'],
    ['a\\x2fb', 'a/b'],
    ['bad\\xZZescape', 'bad\\xZZescape'],
    ['', ''],
  ])('%s → %s', (input, want) => {
    expect(unescapeSystemd(input)).toBe(want);
  });
});
