/**
 * The runtimes' state files: every fixture of fixtures/state (see its README for the source
 * each one follows), then malformed, hostile and disagreeing files, and the kubelet's name
 * forms (cri-dockerd names, pod log directories, restart logs) edge by edge.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseContainerdConfig,
  parseCrioConfig,
  parseCriDockerdName,
  parseDockerConfig,
  parsePodLogDir,
  parseRestartLog,
  type Parsed,
  type StateFacts,
} from '../../lib/parse/state-files.js';

const STATE = new URL('../../fixtures/state/', import.meta.url);
const fixture = (rel: string): string => readFileSync(new URL(rel, STATE), 'utf8');
/** A fixture as an object, to change one field of it. */
const fixtureJson = (rel: string): Record<string, unknown> => JSON.parse(fixture(rel)) as Record<string, unknown>;

// The seeds' pod.
const UID = '5f1d6b2e-3c55-4d6e-9a8b-1c2d3e4f5a6b';
const POD = { uid: UID, name: 'foo', namespace: 'default' };
const HTTPBIN = 'docker.io/kennethreitz/httpbin:latest';
const BUSYBOX = 'docker.io/library/busybox:1.36';
const PAUSE = 'registry.k8s.io/pause:3.9';
const STATIC = 'bd12dd3393227d950605a2444b13c27a';

// Fixture ids (fixtures/state/README.md).
const CD = {
  sandbox: '55fa64ebffee7a963d3a532ac60e8369a7cc6fe505671cba2e1916671a52ed95',
};
const CRIO = {
  sandbox: 'd3f4c91e98b9c0dbb6098cb82d789b6c3498bc3236120c5d951050bbef778d80',
  app: 'c78c94ab1239be348b8bc7ba1be6a1958d3147a3a601e661f47acdb9e963d5c4',
  sidecar: '5808584b5a83f50566b3186eca8b2a5fb17e28f3ee9caf9427507a9eedb2f152',
};
const PODMAN_INFRA = 'df0fd00c3542a08df6b9ffdaee5f34b8682c346e9aa99525edecbf47edb7549f';
const DOCKER = {
  sandbox: 'e95876161cf5cf3bbb8e0d8b87665296612e4c4bd7d005aeeb63ed96f5193928',
  app: '0674c774771b4d2e4d2b2081b2afcae6512d17a03b3cad6f897baebb62653e56',
  sidecar: '39797cb07e804e43c8be51c9e05dacc702eadedcb01600dfe75a20eace31829b',
  plain: '18321022d183397bac84196aa9d8ab9c2722d5aabc793b67d416af47ea4d7343',
};
const IMAGE_ID = {
  httpbin: 'sha256:0be6cc389ef7b70aeac246b60e5d3c7a0b5a265e32091607f28f4f34e01cd3e1',
  busybox: 'sha256:bfffaba02b320530d15f521d40bc859c68989ff58f3dbf0335800db19a661839',
};

function ok(p: Parsed<StateFacts>): StateFacts {
  if (!p.ok) throw new Error(`expected ok, got error: ${p.error}`);
  return p.value;
}
function err(p: Parsed<StateFacts>): string {
  if (p.ok) throw new Error(`expected an error, got ${JSON.stringify(p.value)}`);
  return p.error;
}

type Parser = (text: string) => Parsed<StateFacts>;

describe('fixtures', () => {
  const rows: Array<[string, Parser, StateFacts]> = [
    [
      'containerd/k8s.io/sandbox/config.json',
      parseContainerdConfig,
      { runtime: 'containerd', id: CD.sandbox, kind: 'sandbox', image: PAUSE, sandboxId: CD.sandbox, pod: POD },
    ],
    [
      'containerd/k8s.io/app/config.json',
      parseContainerdConfig,
      { runtime: 'containerd', kind: 'container', containerName: 'app', image: HTTPBIN, sandboxId: CD.sandbox, pod: POD },
    ],
    [
      'containerd/k8s.io/sidecar/config.json',
      parseContainerdConfig,
      { runtime: 'containerd', kind: 'container', containerName: 'sidecar', image: BUSYBOX, sandboxId: CD.sandbox, pod: POD },
    ],
    ['containerd/default/nerdctl/config.json', parseContainerdConfig, { runtime: 'containerd', containerName: 'httpbin' }],
    [
      'cri-o/sandbox/userdata/config.json',
      parseCrioConfig,
      { runtime: 'cri-o', id: CRIO.sandbox, kind: 'sandbox', image: PAUSE, sandboxId: CRIO.sandbox, pod: POD, attempt: 0 },
    ],
    [
      'cri-o/app/userdata/config.json',
      parseCrioConfig,
      { runtime: 'cri-o', id: CRIO.app, kind: 'container', containerName: 'app', image: HTTPBIN, sandboxId: CRIO.sandbox, pod: POD, attempt: 0 },
    ],
    [
      'cri-o/sidecar/userdata/config.json',
      parseCrioConfig,
      { runtime: 'cri-o', id: CRIO.sidecar, kind: 'container', containerName: 'sidecar', image: BUSYBOX, sandboxId: CRIO.sandbox, pod: POD, attempt: 2 },
    ],
    ['podman/httpbin/userdata/config.json', parseCrioConfig, { runtime: 'podman' }],
    ['podman/pod-member/userdata/config.json', parseCrioConfig, { runtime: 'podman', sandboxId: PODMAN_INFRA }],
    [
      'docker/cri-dockerd-sandbox/config.v2.json',
      parseDockerConfig,
      { runtime: 'docker', id: DOCKER.sandbox, kind: 'sandbox', image: PAUSE, sandboxId: DOCKER.sandbox, pod: POD, attempt: 0, pid: 3120, running: true },
    ],
    [
      'docker/cri-dockerd-app/config.v2.json',
      parseDockerConfig,
      {
        runtime: 'docker',
        id: DOCKER.app,
        kind: 'container',
        containerName: 'app',
        image: IMAGE_ID.httpbin,
        sandboxId: DOCKER.sandbox,
        pod: POD,
        attempt: 0,
        pid: 3288,
        running: true,
      },
    ],
    [
      'docker/cri-dockerd-sidecar/config.v2.json',
      parseDockerConfig,
      {
        runtime: 'docker',
        id: DOCKER.sidecar,
        kind: 'container',
        containerName: 'sidecar',
        image: IMAGE_ID.busybox,
        sandboxId: DOCKER.sandbox,
        pod: POD,
        attempt: 0,
        pid: 3342,
        running: true,
      },
    ],
    [
      'docker/plain/config.v2.json',
      parseDockerConfig,
      { runtime: 'docker', id: DOCKER.plain, containerName: 'httpbin', image: 'kennethreitz/httpbin', attempt: 0, pid: 31207, running: true },
    ],
  ];

  it.each(rows)('%s', (rel, parse, expected) => {
    expect(ok(parse(fixture(rel)))).toStrictEqual(expected);
  });

  it('covers every fixture file, and the README names each one', () => {
    const files: string[] = [];
    const walk = (dir: URL, prefix: string): void => {
      for (const name of readdirSync(dir).sort()) {
        const url = new URL(name, dir);
        if (statSync(url).isDirectory()) walk(new URL(`${name}/`, dir), `${prefix}${name}/`);
        else files.push(`${prefix}${name}`);
      }
    };
    walk(STATE, '');
    const data = files.filter((f) => f !== 'README.md');
    expect(data.sort()).toStrictEqual(rows.map((r) => r[0]).sort());
    const readme = fixture('README.md');
    for (const f of data) expect(readme.includes(`\`${f}\``), f).toBe(true);
  });

  it('names no path of the machine the tests run on', () => {
    const cwd = process.cwd();
    for (const rel of rows.map((r) => r[0])) expect(fixture(rel).includes(cwd), rel).toBe(false);
  });

  it('a parser given another runtime’s file says what it can, or refuses', () => {
    // The reader picks the parser by the file's path; these document what a wrong pick does.
    expect(err(parseCrioConfig(fixture('containerd/k8s.io/app/config.json')))).toMatch(/neither io.container.manager nor CRI-O annotations/);
    expect(ok(parseContainerdConfig(fixture('cri-o/app/userdata/config.json')))).toStrictEqual({ runtime: 'containerd' });
    expect(ok(parseContainerdConfig(fixture('podman/httpbin/userdata/config.json')))).toStrictEqual({ runtime: 'containerd' });
    expect(ok(parseDockerConfig(fixture('containerd/k8s.io/app/config.json')))).toStrictEqual({ runtime: 'docker' });
  });
});

/** A minimal file each config parser accepts, with room for one annotation or label. */
const minimal: Array<[string, Parser, (key: string, value: unknown) => unknown]> = [
  [
    'parseContainerdConfig',
    parseContainerdConfig,
    (k, v) => ({ ociVersion: '1.1.0', annotations: { 'io.kubernetes.cri.container-type': 'container', [k]: v } }),
  ],
  ['parseCrioConfig', parseCrioConfig, (k, v) => ({ ociVersion: '1.0.2-dev', annotations: { 'io.container.manager': 'cri-o', [k]: v } })],
  ['parseDockerConfig', parseDockerConfig, (k, v) => ({ ID: DOCKER.plain, Name: '/httpbin', Config: { Image: 'busybox', Labels: { [k]: v } } })],
];

describe.each(minimal)('%s: malformed input', (_name, parse, make) => {
  it('accepts the minimal file', () => {
    expect(parse(JSON.stringify(make('x', 'y'))).ok).toBe(true);
  });

  it.each(['', '{', '{"annotations":', 'not json', '{"a":1,}', "{'a':1}"])('refuses text that is not JSON: %j', (text) => {
    expect(err(parse(text))).toMatch(/not JSON/);
  });

  it.each(['[]', '[{}]', '"config"', '42', 'null', 'true'])('refuses JSON that is not an object: %s', (text) => {
    expect(err(parse(text))).toMatch(/not a JSON object/);
  });

  it.each([5, true, null, ['a'], { a: 'b' }])('refuses an annotation or label that is not a string: %j', (value) => {
    expect(err(parse(JSON.stringify(make('org.example.key', value))))).toBe(
      'annotation "org.example.key" is not a string'.replace('annotation', parse === parseDockerConfig ? 'label' : 'annotation'),
    );
  });

  it('refuses more than 1 MiB before parsing it, counting UTF-8 bytes', () => {
    const body = JSON.stringify(make('x', 'y'));
    const pad = (n: number): string => body.slice(0, -1) + ' '.repeat(n - body.length) + '}';
    expect(parse(pad(1024 * 1024)).ok).toBe(true);
    expect(err(parse(pad(1024 * 1024 + 1)))).toBe('config larger than 1 MiB');
    // 400,000 three-byte characters: under 1 MiB of UTF-16 units, over 1 MiB of bytes.
    const wide = JSON.stringify(make('x', '€'.repeat(400_000)));
    expect(wide.length).toBeLessThan(1024 * 1024);
    expect(err(parse(wide))).toBe('config larger than 1 MiB');
    // Not even JSON, but too large is said first.
    expect(err(parse('{'.repeat(2 * 1024 * 1024)))).toBe('config larger than 1 MiB');
  });

  it('reads a "__proto__" key as a key: nothing inherited, nothing polluted', () => {
    const text = `{"__proto__":{"annotations":{"io.kubernetes.cri.container-name":"evil"},"Name":"/evil","Config":{"Image":"evil"}},${JSON.stringify(make('__proto__', 'evil')).slice(1)}`;
    const p = parse(text);
    expect(JSON.stringify(ok(p))).not.toContain('evil');
    expect(({} as Record<string, unknown>)['annotations']).toBeUndefined();
    expect(({} as Record<string, unknown>)['Name']).toBeUndefined();
    // Only in "__proto__": read as nothing.
    const only = parse(
      '{"__proto__":{"annotations":{"io.kubernetes.cri.container-name":"evil","io.container.manager":"evil"},"ID":"evil","Name":"/evil","Config":{"Image":"evil"}}}',
    );
    expect(JSON.stringify(only)).not.toContain('evil');
    // An object where a string belongs is refused, like any other non-string value.
    expect(err(parse(JSON.stringify(make('__proto__', { 'io.kubernetes.cri.container-name': 'evil' }))))).toMatch(/"__proto__" is not a string/);
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify({ annotations: v, Config: v, State: v, Name: v, ID: v })),
        ),
        (text) => {
          const p = parse(text);
          expect(typeof p.ok).toBe('boolean');
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** The containerd app fixture with its annotations changed. */
function containerd(rel: string, change: Record<string, string | undefined>): string {
  const spec = fixtureJson(`containerd/k8s.io/${rel}/config.json`);
  const ann = spec['annotations'] as Record<string, string>;
  for (const [k, v] of Object.entries(change)) {
    if (v === undefined) delete ann[k];
    else ann[k] = v;
  }
  return JSON.stringify(spec);
}

describe('parseContainerdConfig', () => {
  it('takes the pod from the annotations, checked against the sandbox log directory', () => {
    expect(err(parseContainerdConfig(containerd('sandbox', { 'io.kubernetes.cri.sandbox-name': 'bar' })))).toBe(
      'pod name differs: io.kubernetes.cri.sandbox-name says "bar", log directory says "foo"',
    );
    expect(err(parseContainerdConfig(containerd('sandbox', { 'io.kubernetes.cri.sandbox-log-directory': `/var/log/pods/kube-system_foo_${UID}` })))).toMatch(
      /^pod namespace differs/,
    );
    expect(err(parseContainerdConfig(containerd('sandbox', { 'io.kubernetes.cri.sandbox-uid': STATIC })))).toMatch(/^pod uid differs/);
    // A log directory not in the kubelet's form (crictl's choice) says nothing.
    const crictl = ok(
      parseContainerdConfig(containerd('sandbox', { 'io.kubernetes.cri.sandbox-name': 'bar', 'io.kubernetes.cri.sandbox-log-directory': '/tmp/logs' })),
    );
    expect(crictl.pod).toStrictEqual({ uid: UID, name: 'bar', namespace: 'default' });
    // The kubelet's pod log root may be moved (podLogsDir); the directory name is what counts.
    expect(
      ok(parseContainerdConfig(containerd('sandbox', { 'io.kubernetes.cri.sandbox-log-directory': `/data/pod-logs/default_foo_${UID}` }))).pod,
    ).toStrictEqual(POD);
  });

  it('gives what containerd before 1.7 wrote: no sandbox-uid, no podsandbox.image-name', () => {
    const old = containerd('sandbox', { 'io.kubernetes.cri.sandbox-uid': undefined, 'io.kubernetes.cri.podsandbox.image-name': undefined });
    // The uid still comes from the log directory.
    expect(ok(parseContainerdConfig(old))).toStrictEqual({ runtime: 'containerd', id: CD.sandbox, kind: 'sandbox', sandboxId: CD.sandbox, pod: POD });
    const app = containerd('app', { 'io.kubernetes.cri.sandbox-uid': undefined });
    expect(ok(parseContainerdConfig(app)).pod).toStrictEqual({ name: 'foo', namespace: 'default' });
  });

  it('takes empty annotations as absent', () => {
    const facts = ok(parseContainerdConfig(containerd('app', { 'io.kubernetes.cri.sandbox-uid': '', 'io.kubernetes.cri.image-name': '' })));
    expect(facts.pod).toStrictEqual({ name: 'foo', namespace: 'default' });
    expect(facts.image).toBeUndefined();
  });

  it('refuses an unknown container type', () => {
    expect(err(parseContainerdConfig(containerd('app', { 'io.kubernetes.cri.container-type': 'vm' })))).toBe('unknown io.kubernetes.cri.container-type "vm"');
  });

  it('gives no name for a sandbox, and no id for a container (the bundle directory has it)', () => {
    const sb = ok(parseContainerdConfig(containerd('sandbox', { 'io.kubernetes.cri.container-name': 'POD' })));
    expect(sb.containerName).toBeUndefined();
    expect(ok(parseContainerdConfig(fixture('containerd/k8s.io/app/config.json'))).id).toBeUndefined();
  });

  it('returns strings as the file has them, control characters and all', () => {
    const name = 'ap\u0000p\u001b[31m\n';
    expect(ok(parseContainerdConfig(containerd('app', { 'io.kubernetes.cri.container-name': name }))).containerName).toBe(name);
    const nerd = JSON.stringify({ annotations: { 'nerdctl/name': 'web\u0007' } });
    expect(ok(parseContainerdConfig(nerd))).toStrictEqual({ runtime: 'containerd', containerName: 'web\u0007' });
  });

  it('refuses a value over 1,000 characters', () => {
    expect(ok(parseContainerdConfig(containerd('app', { 'io.kubernetes.cri.container-name': 'a'.repeat(1000) }))).containerName).toHaveLength(1000);
    expect(err(parseContainerdConfig(containerd('app', { 'io.kubernetes.cri.container-name': 'a'.repeat(1001) })))).toBe(
      'io.kubernetes.cri.container-name longer than 1000 characters',
    );
    // Annotations nsview does not read may be long (a pod's last-applied-configuration).
    expect(parseContainerdConfig(containerd('app', { 'io.kubernetes.cri.pod-annotations': 'x'.repeat(5000) })).ok).toBe(true);
  });

  it('reads a spec without annotations as a plain container with no name', () => {
    expect(ok(parseContainerdConfig('{"ociVersion":"1.1.0","process":{"args":["sh"]}}'))).toStrictEqual({ runtime: 'containerd' });
    expect(ok(parseContainerdConfig('{"annotations":null}'))).toStrictEqual({ runtime: 'containerd' });
    expect(err(parseContainerdConfig('{"annotations":["a"]}'))).toBe('annotations are not an object');
  });
});

/** A CRI-O fixture with its annotations changed; `Labels` and `Metadata` may be given as objects. */
function crio(rel: string, change: Record<string, unknown>): string {
  const spec = fixtureJson(`cri-o/${rel}/userdata/config.json`);
  const ann = spec['annotations'] as Record<string, unknown>;
  for (const [k, v] of Object.entries(change)) {
    if (v === undefined) delete ann[k];
    else ann[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return JSON.stringify(spec);
}
const APP_LABELS = {
  'io.kubernetes.container.name': 'app',
  'io.kubernetes.pod.name': 'foo',
  'io.kubernetes.pod.namespace': 'default',
  'io.kubernetes.pod.uid': UID,
};

describe('parseCrioConfig', () => {
  it('refuses a file whose names disagree', () => {
    // CRI-O's Name is its own k8s_… name, not the pod's: it must agree with the kubelet's labels.
    expect(err(parseCrioConfig(crio('app', { 'io.kubernetes.cri-o.Name': `k8s_app_bar_default_${UID}_0` })))).toBe(
      'pod name differs: io.kubernetes.cri-o.Labels says "foo", io.kubernetes.cri-o.Name says "bar"',
    );
    expect(err(parseCrioConfig(crio('sandbox', { 'io.kubernetes.cri-o.KubeName': 'bar' })))).toBe(
      'pod name differs: io.kubernetes.cri-o.Labels says "foo", io.kubernetes.cri-o.KubeName says "bar"',
    );
    expect(err(parseCrioConfig(crio('sandbox', { 'io.kubernetes.cri-o.Namespace': 'kube-system' })))).toMatch(/^pod namespace differs/);
    expect(err(parseCrioConfig(crio('app', { 'io.kubernetes.cri-o.Labels': { ...APP_LABELS, 'io.kubernetes.pod.uid': STATIC } })))).toMatch(/^pod uid differs/);
    expect(err(parseCrioConfig(crio('app', { 'io.kubernetes.cri-o.Metadata': { name: 'web' } })))).toBe(
      'container name differs: io.kubernetes.cri-o.Labels says "app", io.kubernetes.cri-o.Metadata says "web"',
    );
    expect(err(parseCrioConfig(crio('sidecar', { 'io.kubernetes.cri-o.Metadata': { name: 'sidecar', attempt: 1 } })))).toBe(
      'attempt differs: io.kubernetes.cri-o.Metadata says 1, io.kubernetes.cri-o.Name says 2',
    );
    expect(err(parseCrioConfig(crio('app', { 'io.kubernetes.cri-o.LogPath': `/var/log/pods/default_foo_${UID}/web/0.log` })))).toMatch(
      /^container name differs/,
    );
    expect(err(parseCrioConfig(crio('app', { 'io.kubernetes.cri-o.SandboxName': `k8s_foo_other_${UID}_0` })))).toMatch(/^pod namespace differs/);
    expect(err(parseCrioConfig(crio('sandbox', { 'io.kubernetes.cri-o.ContainerID': CRIO.app })))).toMatch(/^sandbox id differs/);
    // A sandbox's ContainerName is k8s_POD_…; a container's Name is not.
    expect(err(parseCrioConfig(crio('app', { 'io.kubernetes.cri-o.Name': `k8s_POD_foo_default_${UID}_0` })))).toMatch(/does not name a container/);
  });

  it('takes the names from whichever sources are there', () => {
    // Only the labels.
    const bare = JSON.stringify({
      annotations: {
        'io.container.manager': 'cri-o',
        'io.kubernetes.cri-o.ContainerType': 'container',
        'io.kubernetes.cri-o.Labels': JSON.stringify(APP_LABELS),
      },
    });
    expect(ok(parseCrioConfig(bare))).toStrictEqual({ runtime: 'cri-o', kind: 'container', containerName: 'app', pod: POD });
    // Only CRI-O's name (a container made with crictl has no kubelet labels).
    const named = JSON.stringify({
      annotations: { 'io.kubernetes.cri-o.ContainerType': 'container', 'io.kubernetes.cri-o.Name': `k8s_app_foo_default_${UID}_4` },
    });
    expect(ok(parseCrioConfig(named))).toStrictEqual({ runtime: 'cri-o', kind: 'container', containerName: 'app', pod: POD, attempt: 4 });
  });

  it('prefers ImageName, and takes Image (what the kubelet asked for) when ImageName is empty', () => {
    expect(ok(parseCrioConfig(crio('app', { 'io.kubernetes.cri-o.ImageName': '' }))).image).toBe(IMAGE_ID.httpbin.slice(7));
  });

  it('tells a podman container by io.container.manager, whatever else it carries', () => {
    expect(ok(parseCrioConfig(crio('app', { 'io.container.manager': 'libpod' })))).toStrictEqual({ runtime: 'podman', sandboxId: CRIO.sandbox });
  });

  it('reads an old CRI-O file without io.container.manager', () => {
    expect(ok(parseCrioConfig(crio('app', { 'io.container.manager': undefined }))).runtime).toBe('cri-o');
  });

  it('refuses a file of another manager, or of none it knows', () => {
    expect(err(parseCrioConfig(crio('app', { 'io.container.manager': 'buildah' })))).toBe('io.container.manager is "buildah", neither cri-o nor libpod');
    expect(err(parseCrioConfig('{"annotations":{"org.opencontainers.image.stopSignal":"15"}}'))).toBe('neither io.container.manager nor CRI-O annotations');
    expect(err(parseCrioConfig(crio('app', { 'io.kubernetes.cri-o.ContainerType': 'pod' })))).toBe('unknown io.kubernetes.cri-o.ContainerType "pod"');
  });

  it('refuses Labels and Metadata that are not JSON objects of the right types', () => {
    expect(err(parseCrioConfig(crio('app', { 'io.kubernetes.cri-o.Labels': '{"io.kubernetes.pod.name":' })))).toBe('io.kubernetes.cri-o.Labels is not JSON');
    expect(err(parseCrioConfig(crio('app', { 'io.kubernetes.cri-o.Labels': '["a"]' })))).toBe('io.kubernetes.cri-o.Labels is not a JSON object');
    expect(err(parseCrioConfig(crio('app', { 'io.kubernetes.cri-o.Labels': { 'io.kubernetes.pod.name': 7 } })))).toBe(
      'io.kubernetes.cri-o.Labels key "io.kubernetes.pod.name" is not a string',
    );
    expect(err(parseCrioConfig(crio('app', { 'io.kubernetes.cri-o.Metadata': 'app' })))).toBe('io.kubernetes.cri-o.Metadata is not JSON');
    expect(err(parseCrioConfig(crio('app', { 'io.kubernetes.cri-o.Metadata': { name: 5 } })))).toBe('io.kubernetes.cri-o.Metadata name is not a string');
    expect(err(parseCrioConfig(crio('app', { 'io.kubernetes.cri-o.Metadata': { name: 'app', attempt: -1 } })))).toBe(
      'io.kubernetes.cri-o.Metadata attempt is not a uint32',
    );
    expect(err(parseCrioConfig(crio('app', { 'io.kubernetes.cri-o.Metadata': { name: 'app', attempt: '0' } })))).toBe(
      'io.kubernetes.cri-o.Metadata attempt is not a uint32',
    );
  });

  it('returns strings as the file has them, control characters and all', () => {
    // A pod name no kubelet would send: CRI-O's k8s_… name holding it is not the kubelet's form and says nothing.
    const odd = 'fo\u001b]0;pwned\u0007o';
    const text = JSON.stringify({
      annotations: {
        'io.container.manager': 'cri-o',
        'io.kubernetes.cri-o.ContainerType': 'container',
        'io.kubernetes.cri-o.Labels': JSON.stringify({ ...APP_LABELS, 'io.kubernetes.pod.name': odd }),
        'io.kubernetes.cri-o.Name': `k8s_app_${odd}_default_${UID}_0`,
      },
    });
    // A pod name is a Kubernetes name, whichever file says it: control characters, `/` or blanks refuse the file.
    expect(err(parseCrioConfig(text))).toMatch(/is not a Kubernetes pod name/);
    const slash = JSON.stringify({
      annotations: { 'io.kubernetes.cri.container-type': 'sandbox', 'io.kubernetes.cri.sandbox-name': 'a/b', 'io.kubernetes.cri.sandbox-namespace': 'default' },
    });
    expect(err(parseContainerdConfig(slash))).toMatch(/"a\/b" is not a Kubernetes pod name/);
  });

  it('refuses a label value over 1,000 characters, but not a long Labels annotation', () => {
    const many = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`app.example.com/label-${i}`, 'v'.repeat(30)]));
    expect(ok(parseCrioConfig(crio('app', { 'io.kubernetes.cri-o.Labels': { ...APP_LABELS, ...many } }))).pod).toStrictEqual(POD);
    expect(err(parseCrioConfig(crio('app', { 'io.kubernetes.cri-o.Labels': { ...APP_LABELS, 'io.kubernetes.pod.name': 'f'.repeat(1001) } })))).toBe(
      'io.kubernetes.pod.name longer than 1000 characters',
    );
  });
});

/** A Docker fixture with changes: `Name`, `Config.Labels` entries (undefined deletes), `State`. */
function docker(
  rel: string,
  change: { name?: string; labels?: Record<string, string | undefined>; state?: Record<string, unknown>; top?: Record<string, unknown> },
): string {
  const c = fixtureJson(`docker/${rel}/config.v2.json`);
  if (change.name !== undefined) c['Name'] = change.name;
  const labels = (c['Config'] as Record<string, unknown>)['Labels'] as Record<string, string>;
  for (const [k, v] of Object.entries(change.labels ?? {})) {
    if (v === undefined) delete labels[k];
    else labels[k] = v;
  }
  Object.assign(c['State'] as object, change.state ?? {});
  Object.assign(c, change.top ?? {});
  return JSON.stringify(c);
}

describe('parseDockerConfig', () => {
  it('refuses a cri-dockerd container whose name, labels and log path disagree', () => {
    expect(err(parseDockerConfig(docker('cri-dockerd-app', { name: `/k8s_app_bar_default_${UID}_0` })))).toBe(
      'pod name differs: io.kubernetes.pod.name says "foo", Name says "bar"',
    );
    expect(err(parseDockerConfig(docker('cri-dockerd-app', { labels: { 'io.kubernetes.container.name': 'web' } })))).toBe(
      'container name differs: io.kubernetes.container.name says "web", Name says "app"',
    );
    expect(err(parseDockerConfig(docker('cri-dockerd-app', { labels: { 'io.kubernetes.pod.namespace': 'kube-system' } })))).toMatch(/^pod namespace differs/);
    expect(err(parseDockerConfig(docker('cri-dockerd-app', { labels: { 'io.kubernetes.pod.uid': STATIC } })))).toMatch(/^pod uid differs/);
    expect(
      err(parseDockerConfig(docker('cri-dockerd-app', { labels: { 'io.kubernetes.container.logpath': `/var/log/pods/default_foo_${UID}/app/1.log` } }))),
    ).toBe('attempt differs: Name says 0, io.kubernetes.container.logpath says 1');
    expect(err(parseDockerConfig(docker('cri-dockerd-sandbox', { labels: { 'io.kubernetes.sandbox.id': DOCKER.app } })))).toMatch(/^sandbox id differs/);
    expect(err(parseDockerConfig(docker('cri-dockerd-app', { labels: { 'io.kubernetes.docker.type': 'podsandbox' } })))).toMatch(/does not name a sandbox/);
    expect(err(parseDockerConfig(docker('cri-dockerd-sandbox', { labels: { 'io.kubernetes.docker.type': 'container' } })))).toMatch(
      /does not name a container/,
    );
    expect(err(parseDockerConfig(docker('cri-dockerd-app', { labels: { 'io.kubernetes.docker.type': 'pod' } })))).toBe(
      'unknown io.kubernetes.docker.type "pod"',
    );
  });

  it('reads a name with cri-dockerd’s random suffix', () => {
    expect(ok(parseDockerConfig(docker('cri-dockerd-app', { name: `/k8s_app_foo_default_${UID}_0_0f3c9a21` }))).containerName).toBe('app');
  });

  it('uses the labels alone when the name is not cri-dockerd’s form', () => {
    const facts = ok(parseDockerConfig(docker('cri-dockerd-app', { name: '/renamed' })));
    expect(facts).toMatchObject({ kind: 'container', containerName: 'app', pod: POD, attempt: 0 });
  });

  it('treats a container without cri-dockerd’s type label as plain Docker, whatever its name', () => {
    const facts = ok(
      parseDockerConfig(docker('cri-dockerd-app', { labels: { 'io.kubernetes.docker.type': undefined, 'io.kubernetes.container.logpath': undefined } })),
    );
    expect(facts.containerName).toBe(`k8s_app_foo_default_${UID}_0`);
    expect(facts.kind).toBeUndefined();
    expect(facts.pod).toBeUndefined();
  });

  it('returns the plain name without its "/", as the file has it otherwise', () => {
    const odd = 'we\u0007ird\nname\u001b[0m';
    expect(ok(parseDockerConfig(docker('plain', { name: `/${odd}` }))).containerName).toBe(odd);
    expect(ok(parseDockerConfig(docker('plain', { name: 'no-slash' }))).containerName).toBe('no-slash');
    expect(ok(parseDockerConfig(docker('plain', { name: '/' }))).containerName).toBeUndefined();
    expect(err(parseDockerConfig(docker('plain', { name: `/${'n'.repeat(1000)}` })))).toBe('Name longer than 1000 characters');
  });

  it('gives the pid only while there is a process, and checks the state’s types', () => {
    const stopped = ok(parseDockerConfig(docker('plain', { state: { Running: false, Pid: 0 } })));
    expect(stopped.pid).toBeUndefined();
    expect(stopped.running).toBe(false);
    expect(err(parseDockerConfig(docker('plain', { state: { Pid: '31207' } })))).toBe('State.Pid is not a non-negative integer');
    expect(err(parseDockerConfig(docker('plain', { state: { Pid: -1 } })))).toBe('State.Pid is not a non-negative integer');
    expect(err(parseDockerConfig(docker('plain', { state: { Running: 'yes' } })))).toBe('State.Running is not a boolean');
    expect(err(parseDockerConfig(docker('plain', { top: { State: [] } })))).toBe('State is not an object');
    expect(err(parseDockerConfig(docker('plain', { top: { RestartCount: 1.5 } })))).toBe('RestartCount is not a non-negative integer');
    expect(ok(parseDockerConfig(docker('plain', { top: { RestartCount: 3 } }))).attempt).toBe(3);
  });

  it('checks the types of the fields it reads', () => {
    expect(err(parseDockerConfig(docker('plain', { top: { ID: 42 } })))).toBe('ID is not a string');
    expect(err(parseDockerConfig(docker('plain', { top: { Config: 'x' } })))).toBe('Config is not an object');
    expect(err(parseDockerConfig(docker('plain', { top: { Config: { Image: ['busybox'] } } })))).toBe('Config.Image is not a string');
    expect(err(parseDockerConfig(docker('plain', { top: { Config: { Labels: 'a=b' } } })))).toBe('labels are not an object');
    // Docker writes null for a container created without labels.
    expect(ok(parseDockerConfig(docker('plain', { top: { Config: { Image: 'busybox', Labels: null } } }))).image).toBe('busybox');
  });
});

describe('parseCriDockerdName', () => {
  it.each<[string, ReturnType<typeof parseCriDockerdName>]>([
    [`/k8s_POD_foo_default_${UID}_0`, { container: 'POD', pod: 'foo', namespace: 'default', uid: UID, attempt: 0 }],
    [`k8s_app_foo_default_${UID}_3`, { container: 'app', pod: 'foo', namespace: 'default', uid: UID, attempt: 3 }],
    [`/k8s_sidecar_foo_default_${UID}_1_0f3c9a21`, { container: 'sidecar', pod: 'foo', namespace: 'default', uid: UID, attempt: 1 }],
    [`k8s_etcd_etcd-node-1_kube-system_${STATIC}_2`, { container: 'etcd', pod: 'etcd-node-1', namespace: 'kube-system', uid: STATIC, attempt: 2 }],
    [`k8s_app_foo.example.com_default_${UID}_0`, { container: 'app', pod: 'foo.example.com', namespace: 'default', uid: UID, attempt: 0 }],
    // Go's ParseUint, which cri-dockerd uses, takes leading zeros and the whole uint32 range.
    [`k8s_app_foo_default_${UID}_007`, { container: 'app', pod: 'foo', namespace: 'default', uid: UID, attempt: 7 }],
    [`k8s_app_foo_default_${UID}_4294967295`, { container: 'app', pod: 'foo', namespace: 'default', uid: UID, attempt: 4294967295 }],
    [
      `k8s_${'c'.repeat(63)}_${'p'.repeat(253)}_${'n'.repeat(63)}_${UID}_0`,
      { container: 'c'.repeat(63), pod: 'p'.repeat(253), namespace: 'n'.repeat(63), uid: UID, attempt: 0 },
    ],
  ])('%s', (name, expected) => {
    expect(parseCriDockerdName(name)).toStrictEqual(expected);
  });

  it.each([
    // `_` in a namespace or pod name is not valid Kubernetes: the split does not come out.
    [`k8s_app_foo_my_ns_${UID}_0`, 'namespace with _'],
    [`k8s_app_my_pod_default_${UID}_0`, 'pod with _'],
    [`k8s_app_foo_default_x_${UID}_0`, 'namespace with _ (7 parts)'],
    [`k8s_app_foo_default_${UID}_x`, 'attempt not a number'],
    [`k8s_app_foo_default_${UID}_-1`, 'negative attempt'],
    [`k8s_app_foo_default_${UID}_+1`, 'signed attempt'],
    [`k8s_app_foo_default_${UID}_1.5`, 'fractional attempt'],
    [`k8s_app_foo_default_${UID}_`, 'empty attempt'],
    [`k8s_app_foo_default_${UID}_4294967296`, 'attempt over uint32'],
    [`k8s_app_foo_default_${UID}_0_xyz`, 'suffix not 8 hex'],
    [`k8s_app_foo_default_${UID}_0_0f3c9a21_1`, 'too many parts'],
    [`k8s_app_foo_default_${UID}`, 'too few parts'],
    [`K8S_app_foo_default_${UID}_0`, 'prefix'],
    [`//k8s_app_foo_default_${UID}_0`, 'two slashes'],
    [`k8s__foo_default_${UID}_0`, 'empty container'],
    [`k8s_App_foo_default_${UID}_0`, 'uppercase container'],
    [`k8s_pod_foo_default_${UID}_0`.replace('_pod_', '_Pod_'), 'POD is the only uppercase name'],
    [`k8s_${'c'.repeat(64)}_foo_default_${UID}_0`, 'container over 63'],
    [`k8s_app_${'p'.repeat(254)}_default_${UID}_0`, 'pod over 253'],
    [`k8s_app_foo_${'n'.repeat(64)}_${UID}_0`, 'namespace over 63'],
    [`k8s_app_foo_Default_${UID}_0`, 'uppercase namespace'],
    [`k8s_app_foo_default.svc_${UID}_0`, 'namespace with a dot'],
    [`k8s_app_-foo_default_${UID}_0`, 'pod starting with -'],
    [`k8s_app_foo._default_${UID}_0`, 'pod ending with .'],
    [`k8s_app_foo_default_${UID.toUpperCase()}_0`, 'uppercase uid'],
    [`k8s_app_foo_default_not-a-uid_0`, 'uid'],
    [`k8s_app_fo\u001bo_default_${UID}_0`, 'control character'],
    ['', 'empty'],
  ])('%s is not one (%s)', (name) => {
    expect(parseCriDockerdName(name)).toBeNull();
  });
});

describe('parsePodLogDir', () => {
  it.each<[string, ReturnType<typeof parsePodLogDir>]>([
    [`default_foo_${UID}`, { namespace: 'default', name: 'foo', uid: UID }],
    [`kube-system_etcd-node-1_${STATIC}`, { namespace: 'kube-system', name: 'etcd-node-1', uid: STATIC }],
    [`default_foo.bar-1_${UID}`, { namespace: 'default', name: 'foo.bar-1', uid: UID }],
    [`${'n'.repeat(63)}_${'p'.repeat(253)}_${UID}`, { namespace: 'n'.repeat(63), name: 'p'.repeat(253), uid: UID }],
  ])('%s', (dir, expected) => {
    expect(parsePodLogDir(dir)).toStrictEqual(expected);
  });

  it.each([
    [UID, 'the kubelet’s form before 1.14: uid only'],
    ['default_foo', 'no uid'],
    [`default_foo_bar_${UID}`, 'a part too many'],
    [`default__${UID}`, 'empty name'],
    [`_foo_${UID}`, 'empty namespace'],
    [`Default_foo_${UID}`, 'uppercase namespace'],
    [`default_Foo_${UID}`, 'uppercase name'],
    [`default_foo-_${UID}`, 'name ending with -'],
    [`default_.foo_${UID}`, 'name starting with .'],
    [`default.x_foo_${UID}`, 'namespace with a dot'],
    [`${'n'.repeat(64)}_foo_${UID}`, 'namespace over 63'],
    [`default_${'p'.repeat(254)}_${UID}`, 'name over 253'],
    [`default_foo_${UID}x`, 'uid with a tail'],
    [`default_foo_${UID.toUpperCase()}`, 'uppercase uid'],
    [`default_foo_${STATIC.slice(1)}`, '31 hex'],
    [`default_foo_${UID}/`, 'a path, not a name'],
    [`default_fo\no_${UID}`, 'control character'],
    ['', 'empty'],
  ])('%s is not one (%s)', (dir) => {
    expect(parsePodLogDir(dir)).toBeNull();
  });
});

describe('parseRestartLog', () => {
  it.each([
    ['0.log', 0],
    ['3.log', 3],
    ['12.log', 12],
    ['2147483648.log', 2147483648],
  ])('%s → %d', (file, n) => {
    expect(parseRestartLog(file)).toBe(n);
  });

  it.each([
    '3.log.20240101-000000.gz',
    '3.log.20240101-000000',
    '0.log.tmp',
    '03.log',
    '-1.log',
    '+1.log',
    '1e3.log',
    '1.5.log',
    'a.log',
    '.log',
    '3.LOG',
    '3.log ',
    ' 3.log',
    '3',
    '3.log/',
    '99999999999999999999.log',
    '',
  ])('%j is not one', (file) => {
    expect(parseRestartLog(file)).toBeNull();
  });
});
