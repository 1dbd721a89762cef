/**
 * Names for containers and pods from what the state files said (lib/read/names.ts). A name
 * is given only where the files agree with each other and with what the cgroups showed:
 * a state file that belongs to another pod, or two files that name one pod differently,
 * leave the name out with a `conflict` warning — never a guessed name.
 */
import type { NameFacts } from '../parse/state-files.js';
import type { Container, Pod, Warning } from '../types.js';

/** A pod as its namespace and name say it, `namespace/name`, or undefined where the files gave no name. */
export function qualifiedName(p: { namespace?: string | null; name: string | null }): string | undefined {
  return p.name !== null && p.namespace ? `${p.namespace}/${p.name}` : undefined;
}

/** A pod as people name it: `namespace/name`, else its uid, else its inferred name (raw text). */
export function podText(p: { namespace?: string | null; name: string | null; uid: string | null; key: string }): string {
  return qualifiedName(p) ?? p.uid ?? p.name ?? p.key;
}

interface Candidate {
  namespace: string;
  name: string;
  path: string;
}

/** Containers and pods with names, images and restarts filled in; the inputs are not changed. */
export function applyNames(containers: Container[], pods: Pod[], facts: NameFacts, warnings: Warning[]): { containers: Container[]; pods: Pod[] } {
  const podByKey = new Map(pods.map((p) => [p.key, p]));
  const candidates = new Map<string, Candidate[]>();
  const add = (uid: string, c: Candidate): void => {
    const list = candidates.get(uid);
    if (list) list.push(c);
    else candidates.set(uid, [c]);
  };
  for (const [uid, logs] of facts.pods) for (const log of logs) add(uid, { namespace: log.namespace, name: log.name, path: log.path });

  const named = containers.map((c): Container => {
    const f = facts.containers.get(c.id);
    if (!f) return c;
    const pod = c.pod === null ? undefined : podByKey.get(c.pod);
    const said = f.facts;
    if (said.id !== undefined && said.id !== c.id) {
      warnings.push({ code: 'conflict', path: f.path, message: `${f.path} describes container ${said.id}, not ${c.id}; not used` });
      return c;
    }
    if (said.pod?.uid !== undefined && pod?.uid != null && said.pod.uid !== pod.uid) {
      warnings.push({
        code: 'conflict',
        path: f.path,
        message: `${f.path} says container ${c.id.slice(0, 12)} is in pod ${said.pod.uid}, its cgroup says pod ${pod.uid}; not used`,
      });
      return c;
    }
    if (pod?.uid != null && said.pod?.name !== undefined && said.pod.namespace !== undefined) {
      add(pod.uid, { namespace: said.pod.namespace, name: said.pod.name, path: f.path });
    }
    // A container taken for the sandbox because the others share its namespaces, which the files
    // say runs an app: the real sandbox is gone (its pause exited), and the pod has none.
    const demoted = c.role === 'sandbox' && said.kind === 'container';
    const sandbox = said.kind === 'sandbox' || (c.role === 'sandbox' && !demoted);
    // A sandbox's name in the files is the pod's (or cri-dockerd's `POD`): it has none of its own.
    const name = sandbox ? c.name : (said.containerName ?? c.name);
    // Restarts from the log directory when there is exactly one for the pod, else what the file says.
    const logs = pod?.uid != null ? facts.pods.get(pod.uid) : undefined;
    const log = logs?.length === 1 ? logs[0] : undefined;
    const restarts = name !== null && log ? (log.restarts.get(name) ?? null) : (said.attempt ?? null);
    return {
      ...c,
      ...(demoted ? { role: 'container' as const } : {}),
      name,
      image: said.image ?? null,
      restarts: sandbox ? null : restarts,
      evidence: [f.path],
    };
  });
  const notSandbox = new Set(named.filter((c, i) => c.role === 'container' && containers[i]!.role === 'sandbox').map((c) => c.id));

  const namedPods = pods.map((pod): Pod => {
    const p = pod.sandbox && notSandbox.has(pod.sandbox.id) ? { ...pod, sandbox: null } : pod;
    if (p.uid === null) return p;
    const list = candidates.get(p.uid);
    if (!list) return p;
    const first = list[0] as Candidate;
    const differ = list.find((c) => c.name !== first.name || c.namespace !== first.namespace);
    if (differ) {
      warnings.push({
        code: 'conflict',
        path: differ.path,
        message: `pod ${p.uid}: ${first.path} says ${first.namespace}/${first.name}, ${differ.path} says ${differ.namespace}/${differ.name}; the pod is shown by uid`,
      });
      return p;
    }
    return { ...p, name: first.name, namespace: first.namespace, evidence: [...new Set(list.map((c) => c.path))].sort() };
  });
  return { containers: named, pods: namedPods };
}
