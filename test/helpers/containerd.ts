/**
 * containerd's state files for a lab pod, as live tests write them to name it: one OCI
 * `config.json` per task under `/run/containerd/io.containerd.runtime.v2.task/k8s.io/<id>/`,
 * with the CRI annotations nsview reads (lib/parse/state-files.ts).
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import type { LabPod } from './lab.js';

/** What the files say of the pod. */
export interface ContainerdNames {
  /** The pod's name and Kubernetes namespace. */
  name: string;
  namespace: string;
  /** Each container's name, in the lab's order (default `c0`, `c1`, …). */
  containers?: string[];
  /** Each container's image (default `busybox:1`). */
  image?: (index: number) => string;
  /** More of the sandbox's OCI config (e.g. a `process` with an environment nsview must not read). */
  sandbox?: Record<string, unknown>;
}

/** Where containerd keeps its tasks' state. */
export const CONTAINERD_TASKS = '/run/containerd/io.containerd.runtime.v2.task/k8s.io';

/** The `[path, text]` of every state file naming `pod`: the sandbox's, then each container's. */
export function containerdFiles(pod: LabPod, o: ContainerdNames): Array<[string, string]> {
  const common = {
    'io.kubernetes.cri.sandbox-id': pod.sandbox.id,
    'io.kubernetes.cri.sandbox-name': o.name,
    'io.kubernetes.cri.sandbox-namespace': o.namespace,
    'io.kubernetes.cri.sandbox-uid': pod.uid as string,
  };
  const files: Array<[string, string]> = [
    [
      `${CONTAINERD_TASKS}/${pod.sandbox.id}/config.json`,
      JSON.stringify({ ociVersion: '1.1.0', ...o.sandbox, annotations: { ...common, 'io.kubernetes.cri.container-type': 'sandbox' } }),
    ],
  ];
  pod.containers.forEach((c, i) =>
    files.push([
      `${CONTAINERD_TASKS}/${c.id}/config.json`,
      JSON.stringify({
        ociVersion: '1.1.0',
        annotations: {
          ...common,
          'io.kubernetes.cri.container-type': 'container',
          'io.kubernetes.cri.container-name': o.containers?.[i] ?? `c${i}`,
          'io.kubernetes.cri.image-name': o.image?.(i) ?? 'busybox:1',
        },
      }),
    ]),
  );
  return files;
}

/**
 * Write a state file where a runtime keeps it, as a new file, recording in `created` every
 * directory made for it and the file itself (oldest first), so the test removes exactly those
 * (`removeCreatedPaths` of test/helpers/lab.ts).
 */
export function putRecorded(created: string[], path: string, text: string): void {
  const missing: string[] = [];
  for (let d = nodePath.dirname(path); !fs.existsSync(d); d = nodePath.dirname(d)) missing.unshift(d);
  for (const d of missing) {
    fs.mkdirSync(d);
    created.push(d);
  }
  fs.writeFileSync(path, text, { flag: 'wx' });
  created.push(path);
}
