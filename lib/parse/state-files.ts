/**
 * The runtimes' own state files, read for the names of pods and containers where no
 * container-engine API is asked: the OCI bundle `config.json` of containerd and of
 * CRI-O/podman, Docker's `config.v2.json`, and the kubelet's `/var/log/pods` names.
 *
 * Pure: text in, facts out; nothing here throws. A file that is not JSON, not an object,
 * larger than 1 MiB, has a non-string annotation or label, a name longer than 1,000
 * characters, or two fields that name the pod or container differently is `ok: false`
 * with a short reason (no path: the reader adds it). Strings are returned as the file
 * has them; escaping them is the renderer's job. Only own keys are read, so a `__proto__`
 * key is just a key.
 */
import type { Runtime } from '../types.js';

/** Where the state files live (host paths). */
export const STATE_DIRS = {
  containerdTasks: '/run/containerd/io.containerd.runtime.v2.task',
  crioRun: '/run/containers/storage/overlay-containers',
  crioLib: '/var/lib/containers/storage/overlay-containers',
  docker: '/var/lib/docker/containers',
  podLogs: '/var/log/pods',
} as const;

/** The largest state file read (config.json files are a few KiB; bigger is not one). */
export const MAX_STATE_BYTES = 1024 * 1024;

/** What one state file says about one container (or sandbox). Fields a file does not give are absent. */
export interface StateFacts {
  runtime: Runtime;
  /** Container id, where the file gives it (for a sandbox, the sandbox id). */
  id?: string;
  kind?: 'sandbox' | 'container';
  /**
   * The Kubernetes container name (`app`), or the engine's name of a plain Docker or nerdctl
   * container. Absent for sandboxes: their names in the files are the pod's (or `POD`).
   */
  containerName?: string;
  image?: string;
  sandboxId?: string;
  pod?: { uid?: string; name?: string; namespace?: string };
  /** Restart attempt (the kubelet's restart count; Docker's `RestartCount` for a plain container). */
  attempt?: number;
  /** Docker only: `State.Pid` when it is a running process (above 0). */
  pid?: number;
  /** Docker only: `State.Running`. */
  running?: boolean;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** The largest input parsed: state files are a few KiB. */
const MAX_INPUT = 1024 * 1024;
/** The longest name, id or image accepted; longer is not a runtime's file. */
const MAX_VALUE = 1000;
/** CRI attempts are uint32. */
const MAX_ATTEMPT = 0xffff_ffff;

// Kubernetes names (k8s.io/apimachinery validation): namespaces and container names are
// DNS-1123 labels (63), pod names DNS-1123 subdomains (253); uids are UUIDs, or the
// 32-hex hash the kubelet gives a static pod.
const LABEL = '[a-z0-9](?:[-a-z0-9]*[a-z0-9])?';
const RE_LABEL = new RegExp(`^${LABEL}$`);
const RE_SUBDOMAIN = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
const RE_UID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$/;

const isNamespace = (s: string): boolean => s.length <= 63 && RE_LABEL.test(s);
const isPodName = (s: string): boolean => s.length <= 253 && RE_SUBDOMAIN.test(s);
const isContainerName = (s: string): boolean => s.length <= 63 && RE_LABEL.test(s);
const isPodUid = (s: string): boolean => RE_UID.test(s);

/** A decimal uint32 as Go's `strconv.ParseUint(s, 10, 32)` takes it (leading zeros allowed, no sign). */
function uint32(s: string): number | null {
  if (!/^\d{1,10}$/.test(s)) return null;
  const n = Number(s);
  return n <= MAX_ATTEMPT ? n : null;
}

/**
 * A cri-dockerd (and CRI-O container) name: `k8s_<container>_<pod>_<namespace>_<uid>_<attempt>`,
 * the sandbox's with container `POD`, optionally with Docker's leading `/` and the
 * `_<8 hex>` suffix cri-dockerd adds when Docker reports a name conflict. Namespace, pod
 * and container names are validated as Kubernetes validates them (none can hold `_`), so
 * the split is unambiguous; anything else is `null`.
 *
 * Mirantis/cri-dockerd core/naming.go (makeSandboxName, makeContainerName, randomizeName,
 * parseSandboxName, parseContainerName); cri-o/cri-o server/naming.go
 * (makeSandboxContainerName) and internal/factory/container/container.go (SetNameAndID).
 */
export function parseCriDockerdName(name: string): { container: string; pod: string; namespace: string; uid: string; attempt: number } | null {
  const parts = (name.startsWith('/') ? name.slice(1) : name).split('_');
  if (parts.length !== 6 && parts.length !== 7) return null;
  const [prefix, container, pod, namespace, uid, attemptText, suffix] = parts as [string, string, string, string, string, string, string?];
  if (prefix !== 'k8s') return null;
  if (container !== 'POD' && !isContainerName(container)) return null;
  if (!isPodName(pod) || !isNamespace(namespace) || !isPodUid(uid)) return null;
  const attempt = uint32(attemptText);
  if (attempt === null) return null;
  if (suffix !== undefined && !/^[0-9a-f]{8}$/.test(suffix)) return null;
  return { container, pod, namespace, uid, attempt };
}

/**
 * A kubelet pod log directory name, `<namespace>_<name>_<uid>` (the directory under
 * `/var/log/pods`, or the kubelet's `podLogsDir`). The kubelet before 1.14 named it by uid
 * alone; that and anything else is `null`.
 *
 * kubernetes/kubernetes pkg/kubelet/kuberuntime/helpers.go (BuildPodLogsDirectory,
 * logPathDelimiter `_`).
 */
export function parsePodLogDir(dirName: string): { namespace: string; name: string; uid: string } | null {
  const parts = dirName.split('_');
  if (parts.length !== 3) return null;
  const [namespace, name, uid] = parts as [string, string, string];
  if (!isNamespace(namespace) || !isPodName(name) || !isPodUid(uid)) return null;
  return { namespace, name, uid };
}

/**
 * A container log file name in a pod log directory, `<restart-count>.log`, as its count;
 * rotated (`0.log.20240101-000000`), compressed (`….gz`) and temporary (`….tmp`) files and
 * anything else are `null`.
 *
 * kubernetes/kubernetes pkg/kubelet/kuberuntime/helpers.go (buildContainerLogsPath,
 * `%d.log`); pkg/kubelet/logs/container_log_manager.go (rotated suffixes).
 */
export function parseRestartLog(fileName: string): number | null {
  const m = /^(0|[1-9]\d{0,15})\.log$/.exec(fileName);
  if (!m) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : null;
}

// ---------------------------------------------------------------------------------------
// containerd

/** CRI annotations containerd writes into the OCI spec. */
const CRI = {
  type: 'io.kubernetes.cri.container-type',
  sandboxId: 'io.kubernetes.cri.sandbox-id',
  sandboxName: 'io.kubernetes.cri.sandbox-name',
  sandboxNamespace: 'io.kubernetes.cri.sandbox-namespace',
  sandboxUid: 'io.kubernetes.cri.sandbox-uid',
  sandboxLogDir: 'io.kubernetes.cri.sandbox-log-directory',
  sandboxImage: 'io.kubernetes.cri.podsandbox.image-name',
  containerName: 'io.kubernetes.cri.container-name',
  imageName: 'io.kubernetes.cri.image-name',
} as const;
/** nerdctl's name label, which it also passes to the OCI spec as an annotation. */
const NERDCTL_NAME = 'nerdctl/name';

/**
 * containerd's OCI bundle `config.json` (`/run/containerd/io.containerd.runtime.v2.task/<ns>/<id>/`).
 *
 * CRI containers (namespace `k8s.io`) carry the annotations of containerd/containerd
 * internal/cri/annotations/annotations.go (pkg/cri/annotations before 2.0; DefaultCRIAnnotations):
 * every one has `container-type` (`sandbox` | `container`), `sandbox-id`, `sandbox-name`,
 * `sandbox-namespace`, `sandbox-uid` (1.7+); a sandbox adds `sandbox-log-directory` and
 * (2.0+) `podsandbox.image-name`; a container adds `container-name` and `image-name`. The
 * log directory, where it has the kubelet's form, must agree with the pod's names.
 * containerd writes neither the container's own id (it is the bundle directory's name)
 * nor its restart attempt; a sandbox's id is its `sandbox-id`.
 *
 * nerdctl containers: containerd/nerdctl pkg/labels/labels.go (`nerdctl/name`), passed to
 * the spec by pkg/cmd/container/create.go (propagateInternalContainerdLabelsToOCIAnnotations).
 * Other plain containerd containers (Docker's `moby` namespace, ctr) carry no name.
 */
export function parseContainerdConfig(text: string): Parsed<StateFacts> {
  return guard(() => {
    const spec = parseObject(text, 'config');
    const ann = stringMap(own(spec, 'annotations'), 'annotation');
    const type = value(ann, CRI.type);
    const kind =
      type === undefined
        ? undefined
        : type === 'sandbox'
          ? 'sandbox'
          : type === 'container'
            ? 'container'
            : fail(`unknown ${CRI.type} ${JSON.stringify(type)}`);
    const sandboxId = value(ann, CRI.sandboxId);
    const log = logPathFacts(value(ann, CRI.sandboxLogDir));
    const pod = podOf(
      agree('pod namespace', [CRI.sandboxNamespace, value(ann, CRI.sandboxNamespace)], ['log directory', log.pod?.namespace]),
      agree('pod name', [CRI.sandboxName, value(ann, CRI.sandboxName)], ['log directory', log.pod?.name]),
      agree('pod uid', [CRI.sandboxUid, value(ann, CRI.sandboxUid)], ['log directory', log.pod?.uid]),
    );
    const containerName = kind === 'sandbox' ? undefined : (value(ann, CRI.containerName) ?? value(ann, NERDCTL_NAME));
    return facts({
      runtime: 'containerd',
      id: kind === 'sandbox' ? sandboxId : undefined,
      kind,
      containerName,
      image: value(ann, CRI.imageName) ?? value(ann, CRI.sandboxImage),
      sandboxId,
      pod,
    });
  });
}

// ---------------------------------------------------------------------------------------
// CRI-O and podman

/** CRI-O's annotations (cri-o/cri-o pkg/annotations/internal.go). */
const CRIO = {
  manager: 'io.container.manager',
  type: 'io.kubernetes.cri-o.ContainerType',
  id: 'io.kubernetes.cri-o.ContainerID',
  sandboxId: 'io.kubernetes.cri-o.SandboxID',
  name: 'io.kubernetes.cri-o.Name',
  sandboxName: 'io.kubernetes.cri-o.SandboxName',
  containerName: 'io.kubernetes.cri-o.ContainerName',
  kubeName: 'io.kubernetes.cri-o.KubeName',
  namespace: 'io.kubernetes.cri-o.Namespace',
  labels: 'io.kubernetes.cri-o.Labels',
  metadata: 'io.kubernetes.cri-o.Metadata',
  logPath: 'io.kubernetes.cri-o.LogPath',
  image: 'io.kubernetes.cri-o.Image',
  imageName: 'io.kubernetes.cri-o.ImageName',
} as const;

/** The kubelet's labels (kubernetes/kubernetes staging/src/k8s.io/kubelet/pkg/types/labels.go). */
const KUBE = {
  podName: 'io.kubernetes.pod.name',
  podNamespace: 'io.kubernetes.pod.namespace',
  podUid: 'io.kubernetes.pod.uid',
  containerName: 'io.kubernetes.container.name',
} as const;

/**
 * The `userdata/config.json` of a container in containers/storage
 * (`/run/containers/storage/overlay-containers/<id>/userdata/`, or under `/var/lib`):
 * CRI-O's and podman's both live there.
 *
 * CRI-O (cri-o/cri-o pkg/annotations/internal.go for the keys; server/sandbox_run_linux.go
 * setupSandboxAnnotations and internal/factory/container/container.go for what is written):
 * `io.container.manager` is `cri-o` (absent before CRI-O wrote it); `ContainerType`,
 * `ContainerID`, `SandboxID`; `Name` is *not* the pod name but CRI-O's own name —
 * `k8s_<pod>_<namespace>_<uid>_<attempt>` for a sandbox, `k8s_<container>_<pod>_<namespace>_<uid>_<attempt>`
 * for a container; a sandbox's `ContainerName` is `k8s_POD_<pod>_<namespace>_<uid>_<attempt>`
 * and it has `KubeName` (pod name) and `Namespace`; `Metadata` is the CRI metadata as JSON
 * (`{"name","uid","namespace","attempt"}` for a sandbox, `{"name","attempt"}` for a
 * container, zero attempt left out); `Labels` is the kubelet's labels as JSON (which CRI-O
 * also copies as top-level annotations); `LogPath` is under the kubelet's pod log
 * directory; `ImageName` is a name of the image (may be empty), `Image` what the kubelet
 * asked for (often the image id). Every one of these sources that is present must agree.
 *
 * podman (containers/podman libpod/container_internal_common.go sets `io.container.manager`
 * to `libpod`; pkg/specgen/generate/container.go and kube/kube.go add
 * `io.kubernetes.cri-o.SandboxID`, the pod's infra container id, to a pod's members):
 * podman keeps a container's name, image and pod in its database, not in this file, so a
 * podman container has runtime `podman`, its pod's infra id if it is in a pod, and no name.
 */
export function parseCrioConfig(text: string): Parsed<StateFacts> {
  return guard(() => {
    const spec = parseObject(text, 'config');
    const ann = stringMap(own(spec, 'annotations'), 'annotation');
    const manager = value(ann, CRIO.manager);
    if (manager === 'libpod') return facts({ runtime: 'podman', sandboxId: value(ann, CRIO.sandboxId) });
    if (manager !== undefined && manager !== 'cri-o') fail(`${CRIO.manager} is ${JSON.stringify(manager)}, neither cri-o nor libpod`);
    const type = value(ann, CRIO.type);
    if (manager === undefined && type === undefined) fail(`neither ${CRIO.manager} nor CRI-O annotations`);
    const kind =
      type === undefined
        ? undefined
        : type === 'sandbox'
          ? 'sandbox'
          : type === 'container'
            ? 'container'
            : fail(`unknown ${CRIO.type} ${JSON.stringify(type)}`);

    const labels = jsonStringMap(ann.get(CRIO.labels), CRIO.labels);
    const meta = metadata(ann.get(CRIO.metadata));
    const log = logPathFacts(value(ann, CRIO.logPath));
    const sandbox = kind === 'sandbox';
    // CRI-O's own names: a sandbox's Name is k8s_<pod>_<ns>_<uid>_<attempt> (and so is a
    // container's SandboxName); a container's Name and a sandbox's ContainerName are cri-dockerd's form.
    const ownName = value(ann, CRIO.name);
    const asSandbox = crioSandboxName(sandbox ? ownName : value(ann, CRIO.sandboxName));
    const asContainer = parseNullable(sandbox ? value(ann, CRIO.containerName) : ownName);
    if (asContainer && (asContainer.container === 'POD') !== sandbox && kind !== undefined) {
      fail(`${sandbox ? CRIO.containerName : CRIO.name} ${JSON.stringify(sandbox ? value(ann, CRIO.containerName) : ownName)} does not name a ${kind}`);
    }

    const pod = podOf(
      agree(
        'pod namespace',
        [CRIO.labels, value(labels, KUBE.podNamespace)],
        [KUBE.podNamespace, value(ann, KUBE.podNamespace)],
        [CRIO.namespace, sandbox ? value(ann, CRIO.namespace) : undefined],
        [CRIO.metadata, sandbox ? meta.namespace : undefined],
        [sandbox ? CRIO.name : CRIO.sandboxName, asSandbox?.namespace],
        [sandbox ? CRIO.containerName : CRIO.name, asContainer?.namespace],
        [CRIO.logPath, log.pod?.namespace],
      ),
      agree(
        'pod name',
        [CRIO.labels, value(labels, KUBE.podName)],
        [KUBE.podName, value(ann, KUBE.podName)],
        [CRIO.kubeName, sandbox ? value(ann, CRIO.kubeName) : undefined],
        [CRIO.metadata, sandbox ? meta.name : undefined],
        [sandbox ? CRIO.name : CRIO.sandboxName, asSandbox?.pod],
        [sandbox ? CRIO.containerName : CRIO.name, asContainer?.pod],
        [CRIO.logPath, log.pod?.name],
      ),
      agree(
        'pod uid',
        [CRIO.labels, value(labels, KUBE.podUid)],
        [KUBE.podUid, value(ann, KUBE.podUid)],
        [CRIO.metadata, sandbox ? meta.uid : undefined],
        [sandbox ? CRIO.name : CRIO.sandboxName, asSandbox?.uid],
        [sandbox ? CRIO.containerName : CRIO.name, asContainer?.uid],
        [CRIO.logPath, log.pod?.uid],
      ),
    );
    const containerName = sandbox
      ? undefined
      : agree(
          'container name',
          [CRIO.labels, value(labels, KUBE.containerName)],
          [KUBE.containerName, value(ann, KUBE.containerName)],
          [CRIO.metadata, meta.name],
          [CRIO.name, asContainer?.container],
          [CRIO.logPath, log.container],
        );
    const attempt = agree(
      'attempt',
      [CRIO.metadata, meta.present ? (meta.attempt ?? 0) : undefined],
      [sandbox ? CRIO.name : CRIO.sandboxName, sandbox ? asSandbox?.attempt : undefined],
      [sandbox ? CRIO.containerName : CRIO.name, asContainer?.attempt],
      [CRIO.logPath, log.attempt],
    );
    const sandboxId = value(ann, CRIO.sandboxId);
    const id = sandbox ? agree('sandbox id', [CRIO.id, value(ann, CRIO.id)], [CRIO.sandboxId, sandboxId]) : value(ann, CRIO.id);
    return facts({
      runtime: 'cri-o',
      id,
      kind,
      containerName,
      image: value(ann, CRIO.imageName) ?? value(ann, CRIO.image),
      sandboxId,
      pod,
      attempt,
    });
  });
}

/** CRI-O's sandbox name `k8s_<pod>_<namespace>_<uid>_<attempt>` (cri-o/cri-o internal/lib/sandbox/builder.go GenerateNameAndID). */
function crioSandboxName(name: string | undefined): { pod: string; namespace: string; uid: string; attempt: number } | null {
  if (name === undefined) return null;
  const parts = name.split('_');
  if (parts.length !== 5) return null;
  const [prefix, pod, namespace, uid, attemptText] = parts as [string, string, string, string, string];
  if (prefix !== 'k8s' || !isPodName(pod) || !isNamespace(namespace) || !isPodUid(uid)) return null;
  const attempt = uint32(attemptText);
  return attempt === null ? null : { pod, namespace, uid, attempt };
}

function parseNullable(name: string | undefined): ReturnType<typeof parseCriDockerdName> {
  return name === undefined ? null : parseCriDockerdName(name);
}

/** CRI-O's `Metadata` annotation: the CRI PodSandboxMetadata or ContainerMetadata as JSON. */
function metadata(text: string | undefined): { present: boolean; name?: string; uid?: string; namespace?: string; attempt?: number } {
  if (text === undefined || text === '') return { present: false };
  const m = parseObject(text, CRIO.metadata);
  const field = (key: string): string | undefined => optionalString(own(m, key), `${CRIO.metadata} ${key}`);
  const attempt = own(m, 'attempt');
  if (attempt !== undefined && attempt !== null && !(typeof attempt === 'number' && Number.isInteger(attempt) && attempt >= 0 && attempt <= MAX_ATTEMPT)) {
    fail(`${CRIO.metadata} attempt is not a uint32`);
  }
  return { present: true, name: field('name'), uid: field('uid'), namespace: field('namespace'), attempt: typeof attempt === 'number' ? attempt : undefined };
}

// ---------------------------------------------------------------------------------------
// Docker and cri-dockerd

/** cri-dockerd's own labels (Mirantis/cri-dockerd core/docker_service.go). */
const DOCKERD = {
  type: 'io.kubernetes.docker.type',
  sandboxId: 'io.kubernetes.sandbox.id',
  logPath: 'io.kubernetes.container.logpath',
} as const;

/**
 * Docker's `config.v2.json` (`/var/lib/docker/containers/<id>/`): moby/moby
 * daemon/container/container.go (Container: `ID`, `Name` with a leading `/`, `Config`
 * with `Image` and `Labels`, `RestartCount`; top-level `Image` is the image id) and
 * daemon/container/state.go (`State.Running`, `State.Pid`).
 *
 * Under cri-dockerd (Mirantis/cri-dockerd core/docker_service.go, core/container_create.go,
 * core/sandbox_helpers.go) a container carries `io.kubernetes.docker.type` (`podsandbox` |
 * `container`) and the kubelet's labels in `Config.Labels`, a container also
 * `io.kubernetes.sandbox.id` and `io.kubernetes.container.logpath`; its name is
 * `k8s_<container>_<pod>_<namespace>_<uid>_<attempt>` (see {@link parseCriDockerdName}).
 * The labels, the name and the log path must agree. `Config.Image` of a cri-dockerd
 * container is what the kubelet asked for, usually the image id (`sha256:…`). A container
 * without the type label is a plain Docker one, named by `Name` without its `/`.
 */
export function parseDockerConfig(text: string): Parsed<StateFacts> {
  return guard(() => {
    const c = parseObject(text, 'config');
    const id = optionalString(own(c, 'ID'), 'ID');
    const rawName = optionalString(own(c, 'Name'), 'Name');
    const name = rawName?.startsWith('/') ? rawName.slice(1) || undefined : rawName;
    const config = optionalObject(own(c, 'Config'), 'Config');
    const labels = stringMap(config && own(config, 'Labels'), 'label');
    const image = optionalString(config && own(config, 'Image'), 'Config.Image');
    const state = optionalObject(own(c, 'State'), 'State');
    const pid = optionalCount(state && own(state, 'Pid'), 'State.Pid');
    const running = own(state ?? {}, 'Running');
    if (running !== undefined && running !== null && typeof running !== 'boolean') fail('State.Running is not a boolean');
    const restarts = optionalCount(own(c, 'RestartCount'), 'RestartCount');
    const common = {
      runtime: 'docker' as const,
      id,
      image,
      pid: pid !== undefined && pid > 0 ? pid : undefined,
      running: typeof running === 'boolean' ? running : undefined,
    };

    const type = value(labels, DOCKERD.type);
    if (type === undefined) return facts({ ...common, containerName: name, attempt: restarts });

    const kind = type === 'podsandbox' ? 'sandbox' : type === 'container' ? 'container' : fail(`unknown ${DOCKERD.type} ${JSON.stringify(type)}`);
    const byName = parseNullable(name);
    if (byName && (byName.container === 'POD') !== (kind === 'sandbox')) fail(`Name ${JSON.stringify(rawName)} does not name a ${kind}`);
    const log = logPathFacts(value(labels, DOCKERD.logPath));
    const pod = podOf(
      agree('pod namespace', [KUBE.podNamespace, value(labels, KUBE.podNamespace)], ['Name', byName?.namespace], [DOCKERD.logPath, log.pod?.namespace]),
      agree('pod name', [KUBE.podName, value(labels, KUBE.podName)], ['Name', byName?.pod], [DOCKERD.logPath, log.pod?.name]),
      agree('pod uid', [KUBE.podUid, value(labels, KUBE.podUid)], ['Name', byName?.uid], [DOCKERD.logPath, log.pod?.uid]),
    );
    const containerName = agree(
      'container name',
      [KUBE.containerName, value(labels, KUBE.containerName)],
      ['Name', byName?.container],
      [DOCKERD.logPath, log.container],
    );
    const attempt = agree('attempt', ['Name', byName?.attempt], [DOCKERD.logPath, log.attempt]);
    const sandboxId =
      kind === 'sandbox' ? agree('sandbox id', ['ID', id], [DOCKERD.sandboxId, value(labels, DOCKERD.sandboxId)]) : value(labels, DOCKERD.sandboxId);
    return facts({ ...common, kind, containerName: kind === 'sandbox' ? undefined : containerName, sandboxId, pod, attempt });
  });
}

// ---------------------------------------------------------------------------------------
// helpers

/** Thrown inside a parser for a malformed file; {@link guard} turns it into `ok: false`. */
class Malformed extends Error {}

function fail(reason: string): never {
  throw new Malformed(reason);
}

function guard(parse: () => StateFacts): Parsed<StateFacts> {
  try {
    return { ok: true, value: parse() };
  } catch (err) {
    return { ok: false, error: err instanceof Malformed ? err.message : 'cannot be parsed' };
  }
}

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `o[key]` if `o` has it as its own key (never an inherited one). */
function own(o: Obj, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

/** Parse JSON text that must be an object, refusing anything over 1 MiB before parsing. */
function parseObject(text: string, what: string): Obj {
  if (typeof text !== 'string') fail(`${what} is not text`);
  // UTF-8 takes at least one byte per UTF-16 unit: count bytes only when it could matter.
  if (text.length > MAX_INPUT || (text.length * 3 > MAX_INPUT && Buffer.byteLength(text, 'utf8') > MAX_INPUT)) fail(`${what} larger than 1 MiB`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    fail(`${what} is not JSON`);
  }
  if (!isObject(v)) fail(`${what} is not a JSON object`);
  return v;
}

/** A JSON object of strings (annotations, labels) as a Map; absent or `null` is empty. */
function stringMap(v: unknown, what: string): Map<string, string> {
  const out = new Map<string, string>();
  if (v === undefined || v === null) return out;
  if (!isObject(v)) fail(`${what}s are not an object`);
  for (const key of Object.keys(v)) {
    const s = v[key];
    if (typeof s !== 'string') fail(`${what} ${JSON.stringify(key)} is not a string`);
    out.set(key, s);
  }
  return out;
}

/** An annotation whose value is itself a JSON object of strings (CRI-O's `Labels`). */
function jsonStringMap(text: string | undefined, what: string): Map<string, string> {
  if (text === undefined || text === '') return new Map();
  return stringMap(parseObject(text, what), `${what} key`);
}

/** A string field that may be absent or `null`; any other type is malformed. */
function optionalString(v: unknown, what: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') fail(`${what} is not a string`);
  return checked(v, what);
}

function optionalObject(v: unknown, what: string): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) fail(`${what} is not an object`);
  return v;
}

/** A non-negative integer field that may be absent. */
function optionalCount(v: unknown, what: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(`${what} is not a non-negative integer`);
  return v;
}

/** A value as returned: empty is absent, over 1,000 characters is malformed. */
function checked(s: string | undefined, what: string): string | undefined {
  if (s === undefined || s === '') return undefined;
  if (s.length > MAX_VALUE) fail(`${what} longer than ${MAX_VALUE} characters`);
  return s;
}

/** One annotation or label, {@link checked}. */
function value(m: Map<string, string>, key: string): string | undefined {
  return checked(m.get(key), key);
}

/** The first of the named values given; two that differ make the file malformed. */
function agree<T extends string | number>(what: string, ...sources: Array<[string, T | undefined]>): T | undefined {
  let first: [string, T] | undefined;
  for (const [from, v] of sources) {
    if (v === undefined) continue;
    if (first === undefined) first = [from, v];
    else if (first[1] !== v) fail(`${what} differs: ${first[0]} says ${JSON.stringify(first[1])}, ${from} says ${JSON.stringify(v)}`);
  }
  return first?.[1];
}

/**
 * What a kubelet log path says: the pod from its `<namespace>_<name>_<uid>` component and,
 * when that is followed by `<container>/<n>.log`, the container and attempt. A path
 * without the kubelet's form (a CRI client other than the kubelet) says nothing.
 */
function logPathFacts(path: string | undefined): { pod?: { namespace: string; name: string; uid: string }; container?: string; attempt?: number } {
  if (path === undefined) return {};
  const parts = path.split('/');
  for (let i = parts.length - 1; i >= 0; i--) {
    const pod = parsePodLogDir(parts[i] as string);
    if (!pod) continue;
    const rest = parts.slice(i + 1);
    if (rest.length === 2 && isContainerName(rest[0] as string)) {
      const attempt = parseRestartLog(rest[1] as string);
      if (attempt !== null) return { pod, container: rest[0] as string, attempt };
    }
    return { pod };
  }
  return {};
}

function podOf(namespace: string | undefined, name: string | undefined, uid: string | undefined): StateFacts['pod'] {
  if (namespace === undefined && name === undefined && uid === undefined) return undefined;
  // Whatever file said them, they must be Kubernetes names (a `/` or a blank would pass for another pod).
  if (namespace !== undefined && !isNamespace(namespace)) fail(`pod namespace ${JSON.stringify(namespace)} is not a Kubernetes namespace name`);
  if (name !== undefined && !isPodName(name)) fail(`pod name ${JSON.stringify(name)} is not a Kubernetes pod name`);
  if (uid !== undefined && !isPodUid(uid)) fail(`pod uid ${JSON.stringify(uid)} is not a pod uid`);
  const pod: NonNullable<StateFacts['pod']> = {};
  if (uid !== undefined) pod.uid = uid;
  if (name !== undefined) pod.name = name;
  if (namespace !== undefined) pod.namespace = namespace;
  return pod;
}

/** The facts without the fields that are `undefined`. */
function facts(f: { [K in keyof StateFacts]: StateFacts[K] | undefined }): StateFacts {
  const out: StateFacts = { runtime: f.runtime as Runtime };
  for (const key of Object.keys(f) as Array<keyof StateFacts>) {
    if (f[key] !== undefined) (out as unknown as Record<string, unknown>)[key] = f[key];
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// captures: only what names need

/** Annotations and labels the parsers read; a capture keeps these and nothing else. */
const NAME_KEYS = new Set<string>([
  ...Object.values(CRI),
  NERDCTL_NAME,
  ...Object.values(CRIO),
  ...Object.values(KUBE),
  ...Object.values(DOCKERD),
  'io.container.manager',
]);

const kept = (m: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  if (!isObject(m)) return out;
  for (const k of Object.keys(m)) {
    const v = own(m, k);
    if (!NAME_KEYS.has(k) || typeof v !== 'string') continue;
    // CRI-O's Labels hold every label of the pod: keep only the kubelet's that name it.
    out[k] = k === CRIO.labels ? JSON.stringify(kept(safeJson(v))) : v;
  }
  return out;
};

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * An OCI `config.json` (containerd, CRI-O, podman) cut down to the annotations that name
 * containers and pods, for a capture: no environment, no mounts, no arguments. `null` if
 * the text is not a JSON object (the capture then skips the file).
 */
export function reduceOciConfig(text: string): string | null {
  if (text.length > MAX_INPUT) return null;
  try {
    const spec: unknown = JSON.parse(text);
    if (!isObject(spec)) return null;
    return JSON.stringify({ annotations: kept(own(spec, 'annotations')) });
  } catch {
    return null;
  }
}

/**
 * Docker's `config.v2.json` cut down to what names a container: `ID`, `Name`, `Config.Image`,
 * the kubelet's and cri-dockerd's labels, `State.Pid`/`Running`, `RestartCount` — never
 * `Config.Env`, arguments or mounts. `null` if the text is not a JSON object.
 */
export function reduceDockerConfig(text: string): string | null {
  if (text.length > MAX_INPUT) return null;
  try {
    const c: unknown = JSON.parse(text);
    if (!isObject(c)) return null;
    const config = own(c, 'Config');
    const state = own(c, 'State');
    const pick = (o: unknown, keys: string[]): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      if (isObject(o)) for (const k of keys) if (own(o, k) !== undefined) out[k] = own(o, k);
      return out;
    };
    return JSON.stringify({
      ...pick(c, ['ID', 'Name', 'RestartCount']),
      ...(isObject(config) ? { Config: { ...pick(config, ['Image']), Labels: kept(own(config, 'Labels')) } } : {}),
      ...(isObject(state) ? { State: pick(state, ['Pid', 'Running']) } : {}),
    });
  } catch {
    return null;
  }
}

/** What one state file said about a container, and which file. */
export interface ContainerFacts {
  facts: StateFacts;
  path: string;
}

/** A pod's log directory: its namespace and name, and each container name's restart count. */
export interface PodLogFacts {
  namespace: string;
  name: string;
  uid: string;
  path: string;
  /** Container name → highest `<n>.log` (the restart count). */
  restarts: Map<string, number>;
}

/** Everything the state files said, by container id and pod uid. */
export interface NameFacts {
  containers: Map<string, ContainerFacts>;
  /** Log directories by pod uid: one, or more when directories disagree about the pod's name. */
  pods: Map<string, PodLogFacts[]>;
}
