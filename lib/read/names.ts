/**
 * Read what the runtimes and the kubelet leave on disk about the containers and pods a scan
 * found: the runtime's state file for each live container id, and the kubelet's
 * `/var/log/pods/<namespace>_<name>_<uid>/` directory of each live pod. Only files of live
 * containers and pods are read, so a stale file of an exited container never names a live
 * one, and the cost grows with the containers, not with what is left on disk.
 */
import {
  parseContainerdConfig,
  parseCrioConfig,
  parseDockerConfig,
  parsePodLogDir,
  parseRestartLog,
  MAX_STATE_BYTES,
  STATE_DIRS,
  type NameFacts,
  type Parsed,
  type PodLogFacts,
  type StateFacts,
} from '../parse/state-files.js';

export type { ContainerFacts, NameFacts, PodLogFacts } from '../parse/state-files.js';
import type { Container, Warning } from '../types.js';
import type { Source } from '../source/source.js';
import { classify, reason } from './tolerate.js';

type Parser = (text: string) => Parsed<StateFacts>;

/** The state files that may describe a container of `runtime`, in the order they are tried. */
function candidates(c: Pick<Container, 'id' | 'runtime'>, containerdNamespaces: () => string[]): Array<{ path: string; parse: Parser }> {
  const id = c.id;
  const containerd = (): Array<{ path: string; parse: Parser }> =>
    containerdNamespaces().map((ns) => ({ path: `${STATE_DIRS.containerdTasks}/${ns}/${id}/config.json`, parse: parseContainerdConfig }));
  const crio = [
    { path: `${STATE_DIRS.crioRun}/${id}/userdata/config.json`, parse: parseCrioConfig },
    { path: `${STATE_DIRS.crioLib}/${id}/userdata/config.json`, parse: parseCrioConfig },
  ];
  const docker = [{ path: `${STATE_DIRS.docker}/${id}/config.v2.json`, parse: parseDockerConfig }];
  switch (c.runtime) {
    case 'containerd':
      return containerd();
    case 'cri-o':
    case 'podman':
      return crio;
    case 'docker':
      return docker;
    case 'cri':
      // The path did not say which CRI runtime: any of them.
      return [...containerd(), ...crio, ...docker];
    default:
      return [];
  }
}

/** A container id as runtimes name their state directories: hex, no path characters. */
const SAFE_ID = /^[0-9a-f]{12,128}$/;

/**
 * Read the state files of `containers` and the log directories of `pods`. Missing files are
 * normal (a runtime nsview does not know, a capture without them); unreadable, oversized or
 * malformed ones are warnings naming the file.
 */
export function readNameFacts(source: Source, containers: Array<Pick<Container, 'id' | 'runtime'>>, podUids: Iterable<string>, warnings: Warning[]): NameFacts {
  const out: NameFacts = { containers: new Map(), pods: new Map() };
  const denied: Denied = new Set();
  let nsList: string[] | undefined;
  const containerdNamespaces = (): string[] => {
    if (nsList) return nsList;
    try {
      nsList = source
        .readNames(STATE_DIRS.containerdTasks)
        .filter((n) => !n.startsWith('.'))
        .sort();
    } catch (err) {
      nsList = [];
      if (classify(err) !== 'vanished')
        warnings.push({ code: 'unreadable', path: STATE_DIRS.containerdTasks, message: `cannot read ${STATE_DIRS.containerdTasks}: ${reason(err)}` });
    }
    return nsList;
  };
  for (const c of containers) {
    if (!SAFE_ID.test(c.id) || out.containers.has(c.id)) continue;
    for (const { path, parse } of candidates(c, containerdNamespaces)) {
      const text = readState(source, path, warnings, denied);
      if (text === undefined) continue;
      const parsed = parse(text);
      if (!parsed.ok) {
        warnings.push({ code: 'malformed', path, message: `${path}: ${parsed.error}` });
        continue;
      }
      out.containers.set(c.id, { facts: parsed.value, path });
      break;
    }
  }
  const uids = new Set(podUids);
  if (uids.size > 0) readPodLogs(source, uids, out.pods, warnings);
  return out;
}

/** State directories a read was denied in: one warning each, not one per container. */
type Denied = Set<string>;

/** A state file's text, or `undefined` if it is not there; other failures are warnings. */
function readState(source: Source, path: string, warnings: Warning[], denied: Denied): string | undefined {
  const base = Object.values(STATE_DIRS).find((b) => path.startsWith(`${b}/`)) ?? path;
  if (denied.has(base)) return undefined;
  try {
    const bytes = source.readBytes(path, { regular: true, max: MAX_STATE_BYTES });
    return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  } catch (err) {
    const kind = classify(err);
    if (kind === 'vanished') return undefined;
    if (kind === 'denied') {
      denied.add(base);
      warnings.push({ code: 'unreadable', path: base, message: `cannot read ${base}: permission denied (run as root for the names it holds)` });
      return undefined;
    }
    warnings.push({ code: kind === 'too-large' ? 'too-large' : 'unreadable', path, message: `cannot read ${path}: ${reason(err)}` });
    return undefined;
  }
}

function readPodLogs(source: Source, uids: Set<string>, into: Map<string, PodLogFacts[]>, warnings: Warning[]): void {
  let dirs: string[];
  try {
    dirs = source.readNames(STATE_DIRS.podLogs);
  } catch (err) {
    if (classify(err) !== 'vanished')
      warnings.push({ code: 'unreadable', path: STATE_DIRS.podLogs, message: `cannot read ${STATE_DIRS.podLogs}: ${reason(err)}` });
    return;
  }
  for (const dir of dirs.sort()) {
    const pod = parsePodLogDir(dir);
    if (!pod || !uids.has(pod.uid)) continue;
    const path = `${STATE_DIRS.podLogs}/${dir}`;
    const restarts = new Map<string, number>();
    try {
      for (const name of source.readNames(path).sort()) {
        let files: string[];
        try {
          files = source.readNames(`${path}/${name}`);
        } catch {
          continue; // not a directory, or gone
        }
        let most = -1;
        for (const f of files) most = Math.max(most, parseRestartLog(f) ?? -1);
        if (most >= 0) restarts.set(name, most);
      }
    } catch (err) {
      if (classify(err) !== 'vanished') warnings.push({ code: 'unreadable', path, message: `cannot read ${path}: ${reason(err)}` });
    }
    const seen = into.get(pod.uid);
    if (seen) seen.push({ ...pod, path, restarts });
    else into.set(pod.uid, [{ ...pod, path, restarts }]);
  }
}
