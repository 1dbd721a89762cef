/**
 * The deployment (deploy/): the DaemonSet's manifests against the Kubernetes API schema and
 * against what nsview reads, and the image recipe against the repository. Runs on any OS; no
 * cluster and no container engine.
 *
 * Two checks stand for the API server's: kubernetes-models validates each object with the
 * JSON schemas generated from Kubernetes' OpenAPI (types, required fields, enums, formats),
 * and, as `kubectl apply --validate=strict` does, every field must be one the API declares:
 * the object is walked along kubernetes-models' TypeScript declarations (generated from the
 * same OpenAPI) with TypeScript's type checker. Both are shown to reject broken manifests.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { DaemonSet, type IDaemonSet } from 'kubernetes-models/apps/v1';
import { Namespace, ServiceAccount, type IServiceAccount } from 'kubernetes-models/v1';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { STATE_DIRS } from '../../lib/parse/state-files.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => fs.readFileSync(nodePath.join(repo, path), 'utf8');
const MANIFEST = 'deploy/kubernetes/daemonset.yaml';
const pkg = JSON.parse(read('package.json')) as { version: string; bin: Record<string, string>; scripts: Record<string, string> };

/**
 * Every host path nsview reads on a live node, each of which `--root <dir>` reads as
 * `<dir><path>` (lib/source/fs-source.ts). The DaemonSet must mount exactly these.
 */
const READS: Record<string, string> = {
  // lib/read/processes.ts (listPids; readInto: stat, status, cmdline, comm, cgroup, ns/*),
  // lib/read/cgroups.ts (readCgroupMounts: self/mountinfo, 1/mountinfo), lib/read/mounts.ts
  // (readMountTables: <pid>/mountinfo), lib/read/holders.ts (readFds: <pid>/fd/*), lib/scan.ts
  // (nodeName: sys/kernel/hostname).
  '/proc': 'processes, namespaces, mount tables, fds',
  // lib/read/cgroups.ts (readHierarchies: the mounts found in mountinfo, all under it).
  '/sys/fs/cgroup': 'cgroup trees, cgroup.procs, limits',
  // lib/scan.ts (readFacts: parsePasswd).
  '/etc/passwd': 'user names',
  // lib/read/names.ts (readNameFacts, readPodLogs), from STATE_DIRS in lib/parse/state-files.ts.
  ...Object.fromEntries(Object.entries(STATE_DIRS).map(([key, path]) => [path, `state files: ${key}`])),
};

// ---- the manifests --------------------------------------------------------------------------

type Obj = { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } } & Record<string, unknown>;

function parseManifest(text: string): Obj[] {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) throw new Error('not a YAML stream');
  const problems = docs.flatMap((d) => [...d.errors, ...d.warnings].map((e) => e.message));
  if (problems.length) throw new Error(problems.join('\n'));
  return docs.map((d) => d.toJS() as Obj).filter((o) => o !== null);
}

/** The validators of kubernetes-models, by `apiVersion/kind`. */
const MODELS: Record<string, (o: Obj) => { validate(): void }> = {
  'v1/Namespace': (o) => new Namespace(o as never),
  'v1/ServiceAccount': (o) => new ServiceAccount(o as never),
  'apps/v1/DaemonSet': (o) => new DaemonSet(o as never),
};

/** The schema errors of one object (JSON schema from the Kubernetes OpenAPI), or `[]`. */
function schemaErrors(o: Obj): string[] {
  const model = MODELS[`${o.apiVersion}/${o.kind}`];
  if (!model) return [`${o.apiVersion}/${o.kind}: no schema known to this test`];
  try {
    model(o).validate();
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
}

/** The kinds' TypeScript declarations, for the strict field check. */
interface Declared {
  checker: ts.TypeChecker;
  kinds: Map<string, ts.Type>;
}

function loadDeclarations(): Declared {
  // Never written: served from memory, under test/ so that kubernetes-models resolves from the
  // repository. Forward slashes on every OS, as TypeScript names files.
  const file = `${repo.replace(/\\/g, '/').replace(/\/?$/, '/')}test/deploy/declared-kinds.ts`;
  const text = [
    "import type { IDaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';",
    "import type { INamespace } from 'kubernetes-models/v1/Namespace';",
    "import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';",
    "export interface Kinds { 'apps/v1/DaemonSet': IDaemonSet; 'v1/Namespace': INamespace; 'v1/ServiceAccount': IServiceAccount }",
  ].join('\n');
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, ...rest) => (name === file ? ts.createSourceFile(name, text, ts.ScriptTarget.ES2022) : getSourceFile.call(host, name, ...rest));
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? text : readFile.call(host, name));
  const program = ts.createProgram([file], options, host);
  // An import that did not resolve would make every type `any` and the check pass anything.
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  if (diagnostics.length) throw new Error(`the declarations of kubernetes-models do not load:\n${diagnostics.join('\n')}`);
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
  const kindsSymbol = checker.getExportsOfModule(module).find((s) => s.name === 'Kinds')!;
  const kinds = new Map<string, ts.Type>();
  for (const p of checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(kindsSymbol))) kinds.set(p.name, checker.getTypeOfSymbol(p));
  return { checker, kinds };
}

/** Fields the API does not declare (`spec.template.spec.hostPid`), as paths; the strict check. */
function unknownFields(d: Declared, o: Obj): string[] {
  const type = d.kinds.get(`${o.apiVersion}/${o.kind}`);
  if (!type) return [`${o.apiVersion}/${o.kind}: no declaration known to this test`];
  const out: string[] = [];
  const walk = (value: unknown, declared: ts.Type, path: string): void => {
    if (value === null || typeof value !== 'object') return; // scalars: the schema checks their types
    const t = d.checker.getNonNullableType(declared);
    if (t.flags & ts.TypeFlags.Any) {
      out.push(`${path}: declared as any`);
      return;
    }
    const members = t.isUnion() ? t.types : [t];
    if (Array.isArray(value)) {
      const element = members.map((m) => d.checker.getIndexInfoOfType(m, ts.IndexKind.Number)?.type).find((x) => x);
      if (element) value.forEach((v, i) => walk(v, element, `${path}[${i}]`));
      return;
    }
    for (const [key, v] of Object.entries(value)) {
      let field: ts.Type | undefined;
      for (const m of members) {
        const prop = d.checker.getPropertyOfType(m, key);
        field = prop ? d.checker.getTypeOfSymbol(prop) : d.checker.getIndexInfoOfType(m, ts.IndexKind.String)?.type;
        if (field) break;
      }
      if (field) walk(v, field, path ? `${path}.${key}` : key);
      else out.push(path ? `${path}.${key}` : key);
    }
  };
  walk(o, type, '');
  return out;
}

let declared: Declared;
const objects = parseManifest(read(MANIFEST));
const byKind = (kind: string): Obj[] => objects.filter((o) => o.kind === kind);
const daemonSet = byKind('DaemonSet')[0] as unknown as IDaemonSet;
const podSpec = daemonSet?.spec?.template.spec as IPodSpec;
const container = podSpec?.containers[0] as IContainer;
/** A deep copy of the DaemonSet with one thing broken. */
const broken = (change: (ds: IDaemonSet & Obj) => void): Obj => {
  const copy = structuredClone(daemonSet) as IDaemonSet & Obj;
  change(copy);
  return copy;
};

beforeAll(() => {
  declared = loadDeclarations();
}, 60_000);

describe('deploy/kubernetes/daemonset.yaml against the Kubernetes API', () => {
  it('holds a Namespace, a ServiceAccount and a DaemonSet, in namespace nsview', () => {
    expect(objects.map((o) => `${o.apiVersion}/${o.kind}`).sort()).toEqual(['apps/v1/DaemonSet', 'v1/Namespace', 'v1/ServiceAccount']);
    expect(byKind('Namespace')[0]!.metadata!.name).toBe('nsview');
    for (const o of objects.filter((x) => x.kind !== 'Namespace')) expect(o.metadata!.namespace, `${o.kind}`).toBe('nsview');
    expect(podSpec.serviceAccountName).toBe(byKind('ServiceAccount')[0]!.metadata!.name);
  });

  it.each(objects.map((o) => [`${o.kind} ${o.metadata?.name}`, o] as const))('%s is valid for its apiVersion and kind', (_name, o) => {
    expect(schemaErrors(o)).toEqual([]);
    expect(unknownFields(declared, o)).toEqual([]);
  });

  it.each<[string, (ds: IDaemonSet & Obj) => void, RegExp]>([
    ['hostPID as a string', (ds) => Object.assign(ds.spec!.template.spec!, { hostPID: 'yes' }), /hostPID must be boolean/],
    ['a container without a name', (ds) => delete (ds.spec!.template.spec!.containers[0] as Partial<IContainer>).name, /must have required property name/],
    [
      'a probe without a port',
      (ds) => delete (ds.spec!.template.spec!.containers[0]!.livenessProbe!.httpGet as { port?: unknown }).port,
      /required property port/,
    ],
    [
      'an AppArmor type in the wrong case',
      (ds) => Object.assign(ds.spec!.template.spec!.containers[0]!.securityContext!.appArmorProfile!, { type: 'unconfined' }),
      /allowed values/,
    ],
    ['a hostPath type that does not exist', (ds) => Object.assign(ds.spec!.template.spec!.volumes![0]!.hostPath!, { type: 'Dir' }), /allowed values/],
    ['a memory limit that is no quantity', (ds) => (ds.spec!.template.spec!.containers[0]!.resources!.limits!.memory = 'lots'), /quantity/],
  ])('the schema rejects %s', (_name, change, message) => {
    expect(schemaErrors(broken(change)).join('\n')).toMatch(message);
  });

  it.each<[string, (ds: IDaemonSet & Obj) => void, string]>([
    ['hostPid for hostPID', (ds) => Object.assign(ds.spec!.template.spec!, { hostPid: true }), 'spec.template.spec.hostPid'],
    [
      'readonly for readOnly',
      (ds) => Object.assign(ds.spec!.template.spec!.containers[0]!.volumeMounts![1]!, { readonly: true }),
      'spec.template.spec.containers[0].volumeMounts[1].readonly',
    ],
    [
      'appArmorProfile one level too high',
      (ds) => Object.assign(ds.spec!.template.spec!.containers[0]!, { appArmorProfile: { type: 'Unconfined' } }),
      'spec.template.spec.containers[0].appArmorProfile',
    ],
  ])('the strict field check rejects %s (the schema alone lets it through)', (_name, change, path) => {
    const ds = broken(change);
    expect(schemaErrors(ds)).toEqual([]);
    expect(unknownFields(declared, ds)).toEqual([path]);
  });
});

describe('the DaemonSet sees the node as nsview needs, and no more', () => {
  const port = container.ports!.find((p) => p.name === 'metrics')!.containerPort;
  /** A probe's or annotation's port, numbered or named, as a number. */
  const portNumber = (p: number | string): number | undefined => (typeof p === 'number' ? p : container.ports!.find((x) => x.name === p)?.containerPort);
  const arg = (flag: string): string | undefined => {
    const at = container.args!.indexOf(flag);
    return at < 0 ? undefined : container.args![at + 1];
  };

  it('runs in the node pid namespace, not in its network namespace, on every node', () => {
    expect(podSpec.hostPID).toBe(true);
    expect(podSpec.hostNetwork ?? false).toBe(false);
    expect(podSpec.hostIPC ?? false).toBe(false);
    expect(podSpec.containers).toHaveLength(1);
    expect(podSpec.tolerations).toContainEqual({ operator: 'Exists' });
    expect(daemonSet.spec!.updateStrategy!.type).toBe('RollingUpdate');
  });

  it('mounts exactly the host paths nsview reads, each at /host plus the path, all read-only', () => {
    const hostPaths = podSpec.volumes!.filter((v) => v.hostPath);
    expect(hostPaths.map((v) => v.hostPath!.path).sort()).toEqual(Object.keys(READS).sort());
    expect(podSpec.volumes!.filter((v) => !v.hostPath)).toEqual([]);
    expect(arg('--root')).toBe('/host');
    for (const v of hostPaths) {
      const mounts = podSpec.containers.flatMap((c) => c.volumeMounts ?? []).filter((m) => m.name === v.name);
      expect(mounts, v.name).toHaveLength(1);
      const m = mounts[0]!;
      expect(m.mountPath, v.name).toBe(`/host${v.hostPath!.path}`);
      expect(m.readOnly, v.name).toBe(true);
      expect(m.subPath ?? m.subPathExpr, v.name).toBeUndefined();
      // Directories are made read-only with everything mounted below them where the runtime
      // can; Kubernetes refuses that together with any mount propagation.
      if (v.hostPath!.type === 'File') expect(m.recursiveReadOnly, v.name).toBeUndefined();
      else expect(m.recursiveReadOnly, v.name).toBe('IfPossible');
      expect(m.mountPropagation ?? 'None', v.name).toBe('None');
    }
    // Only the one file of /etc: never the directory (/etc/shadow, the node's keys).
    expect(hostPaths.find((v) => v.hostPath!.path === '/etc/passwd')!.hostPath!.type).toBe('File');
  });

  it('runs as root with all capabilities dropped but SYS_PTRACE (DAC_READ_SEARCH only serves --holders all, which it does not pass)', () => {
    const sc = container.securityContext!;
    expect(sc.capabilities!.drop).toEqual(['ALL']);
    expect([...sc.capabilities!.add!].sort()).toEqual(['SYS_PTRACE']);
    expect(container.args).not.toContain('all');
    expect(sc.runAsUser).toBe(0);
    expect(sc.runAsNonRoot).toBe(false);
    expect(sc.privileged ?? false).toBe(false);
    expect(sc.allowPrivilegeEscalation).toBe(false);
    expect(sc.readOnlyRootFilesystem).toBe(true);
    expect(sc.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(sc.appArmorProfile).toEqual({ type: 'Unconfined' });
  });

  it('carries no API token: nsview never calls the API', () => {
    expect(podSpec.automountServiceAccountToken).toBe(false);
    expect((byKind('ServiceAccount')[0] as IServiceAccount).automountServiceAccountToken).toBe(false);
    expect(objects.map((o) => o.kind)).not.toContain('ClusterRole');
  });

  it('serves on 0.0.0.0 at the port that the probes, the annotations and the container name', () => {
    expect(container.args![0]).toBe('serve');
    expect(arg('--listen')).toBe(`0.0.0.0:${port}`);
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      expect(probe!.httpGet!.path).toBe('/healthz');
      expect(portNumber(probe!.httpGet!.port)).toBe(port);
    }
    const annotations = daemonSet.spec!.template.metadata!.annotations!;
    expect(annotations['prometheus.io/scrape']).toBe('true');
    expect(annotations['prometheus.io/port']).toBe(String(port));
    expect(annotations['prometheus.io/path']).toBe('/metrics');
  });

  it("labels its metrics with the node's name from the downward API", () => {
    expect(arg('--node')).toBe('$(NODE_NAME)');
    expect(container.env!.find((e) => e.name === 'NODE_NAME')!.valueFrom).toEqual({ fieldRef: { fieldPath: 'spec.nodeName' } });
  });

  it('asks for resources and is held to limits, and runs the image of this version', () => {
    const { requests, limits } = container.resources!;
    const cpu = (q: string | number): number => (typeof q === 'number' ? q : q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q));
    const bytes = (q: string | number): number =>
      typeof q === 'number' ? q : Number(q.replace(/(Ki|Mi|Gi)$/, '')) * { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 }[q.slice(-2)]!;
    expect(cpu(requests!.cpu!)).toBeLessThanOrEqual(cpu(limits!.cpu!));
    expect(bytes(requests!.memory!)).toBeLessThanOrEqual(bytes(limits!.memory!));
    // docs/performance.md (bench/serve.mjs): serve peaks at 298 MiB with 10,000 processes, its
    // heap held to 160 MiB by NODE_OPTIONS; the limit must leave room above both.
    expect(bytes(limits!.memory!)).toBeGreaterThanOrEqual(298 * 2 ** 20);
    const heap = /--max-old-space-size=(\d+)/.exec(container.env!.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '');
    expect(heap, 'NODE_OPTIONS holds the heap').not.toBeNull();
    expect(Number(heap![1]) * 2 ** 20).toBeLessThan(bytes(limits!.memory!) / 2);
    expect(container.image).toBe(`nsview:${pkg.version}`);
  });
});

// ---- the image recipe -----------------------------------------------------------------------

interface Instruction {
  op: string;
  args: string;
  /** Index of the stage (FROM) it belongs to. */
  stage: number;
}

/** A Containerfile's instructions: continuation lines joined, comments and blank lines dropped. */
function parseContainerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let stage = -1;
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' ';
      continue;
    }
    const full = pending + line;
    pending = '';
    const m = /^(\S+)\s*(.*)$/.exec(full)!;
    const op = m[1]!.toUpperCase();
    if (op === 'FROM') stage++;
    out.push({ op, args: m[2]!, stage });
  }
  return out;
}

/** COPY's flags, sources and destination. */
function copyParts(args: string): { from?: string; sources: string[]; dest: string } {
  const words = args.trim().startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const rest = words.filter((w) => !w.startsWith('--'));
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  return { ...(from ? { from } : {}), sources: rest.slice(0, -1), dest: rest[rest.length - 1]! };
}

/** Whether a .dockerignore keeps a path in the context; the last rule that matches decides. */
function kept(rules: string[], path: string): boolean {
  let keep = true;
  for (const rule of rules) {
    const negated = rule.startsWith('!');
    const pattern = negated ? rule.slice(1) : rule;
    if (pattern === '*' || path === pattern || path.startsWith(`${pattern}/`)) keep = negated;
  }
  return keep;
}

describe('deploy/Containerfile', () => {
  const steps = parseContainerfile(read('deploy/Containerfile'));
  const froms = steps.filter((s) => s.op === 'FROM');
  const last = froms.length - 1;
  const buildStage = froms.findIndex((s) => /\sAS\s+build$/i.test(s.args));
  const inStage = (i: number, op: string) => steps.filter((s) => s.stage === i && s.op === op);
  const workdir = (i: number): string => inStage(i, 'WORKDIR').at(-1)!.args;
  const rules = read('deploy/Containerfile.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('builds on node:20-bookworm-slim in two stages: build, then run', () => {
    expect(froms.map((f) => f.args.split(/\s+/)[0])).toEqual(['node:20-bookworm-slim', 'node:20-bookworm-slim']);
    expect(buildStage).toBe(0);
    expect(inStage(0, 'RUN').map((r) => r.args)).toEqual([expect.stringMatching(/^npm ci\b/), 'npm run build']);
    expect(inStage(last, 'RUN').map((r) => r.args)).toEqual([expect.stringMatching(/^npm ci --omit=dev --ignore-scripts\b/)]);
  });

  it('copies from the context only files that exist and that its .dockerignore keeps', () => {
    const sources = steps.filter((s) => s.op === 'COPY' && !copyParts(s.args).from).flatMap((s) => copyParts(s.args).sources);
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources) {
      expect(fs.existsSync(nodePath.join(repo, src)), src).toBe(true);
      expect(kept(rules, src), src).toBe(true);
    }
    // The rules are of the forms kept() knows, and keep nothing but what is copied.
    expect(rules[0]).toBe('*');
    expect(rules.slice(1).every((r) => /^![\w.-]+$/.test(r))).toBe(true);
    expect(
      rules
        .slice(1)
        .map((r) => r.slice(1))
        .sort(),
    ).toEqual([...new Set(sources)].sort());
    expect(kept(rules, 'node_modules')).toBe(false);
    expect(kept(rules, 'test/deploy/manifests.test.ts')).toBe(false);
  });

  it('has in its build stage what the build reads: the tsconfigs and every folder they include', () => {
    const copied = steps.filter((s) => s.stage === 0 && s.op === 'COPY').flatMap((s) => copyParts(s.args).sources);
    const build = JSON.parse(read('tsconfig.build.json')) as { extends: string; include: string[] };
    for (const need of ['package.json', 'package-lock.json', 'tsconfig.build.json', nodePath.posix.normalize(build.extends), ...build.include])
      expect(copied, need).toContain(need);
    expect(pkg.scripts['build:cli']).toMatch(/^esbuild bin\/nsview\.ts .*--outfile=dist\/bin\/nsview\.js/);
  });

  it("copies from the build stage only dist/, which the build makes, and starts package.json's bin as root", () => {
    const fromBuild = steps.filter((s) => s.op === 'COPY' && copyParts(s.args).from);
    expect(fromBuild.map((s) => copyParts(s.args))).toEqual([{ from: 'build', sources: [`${workdir(0)}/dist`], dest: './dist' }]);
    const entry = JSON.parse(inStage(last, 'ENTRYPOINT')[0]!.args) as string[];
    expect(entry).toEqual(['node', '/app/dist/bin/nsview.js']);
    expect(entry[1]).toBe(nodePath.posix.join(workdir(last), pkg.bin.nsview!));
    expect(pkg.bin.nsview).toBe('./dist/bin/nsview.js');
    expect(inStage(last, 'USER').map((u) => u.args)).toEqual(['0']);
    expect(inStage(last, 'SHELL')).toEqual([]);
  });
});
