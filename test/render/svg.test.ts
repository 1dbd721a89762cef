/**
 * The SVG picture of pods (lib/render/svg.ts): golden files, well-formed XML (checked by
 * test/helpers/xml.ts, itself tested here on broken samples), escaping of hostile names, and
 * what the picture must show on the demo node.
 *
 * Golden files are fixtures/golden/pods-*.svg, compared byte for byte. After an intended change
 * of the picture, rewrite them with `UPDATE_GOLDEN=1 npx vitest run test/render/svg.test.ts`
 * and look at the diff (and the pictures) before committing.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { HostSpec } from '../../lib/source/spec.js';
import type { Pod, Snapshot, Volume } from '../../lib/model/types.js';
import { renderPodsSvg } from '../../lib/render/svg.js';
import { scanSync } from '../../lib/scan.js';
import { scenarioSource } from '../helpers/host.js';
import { allText, descendants, parseXml, xmlErrors, type XmlElement } from '../helpers/xml.js';

const goldenDir = fileURLToPath(new URL('../../fixtures/golden/', import.meta.url));
const demoSpec = JSON.parse(readFileSync(fileURLToPath(new URL('../../lib/demo/k8s-node.json', import.meta.url)), 'utf8')) as HostSpec;
const { specSource } = await import('../../lib/source/spec.js');

/** A snapshot with no volumes read, whatever the scanner does with volumes: the tests add their own. */
function bare(s: Snapshot): Snapshot {
  return { ...s, pods: s.pods.map(({ volumes: _, ...p }) => p) };
}
const demo = (): Snapshot => bare(scanSync({ source: specSource(demoSpec) }));
const scenario = (name: string): Snapshot => bare(scanSync({ source: scenarioSource(name) }));

/** `s` with `volumes(ids)` given to the pod named `name`; `ids` maps its containers' names to ids. */
function withVolumes(s: Snapshot, name: string, volumes: (ids: Record<string, string>) => Volume[]): Snapshot {
  const pod = s.pods.find((p) => p.name === name) as Pod;
  const ids = Object.fromEntries(s.containers.filter((c) => c.pod === pod.key && c.name).map((c) => [c.name as string, c.id]));
  return { ...s, pods: s.pods.map((p) => (p === pod ? { ...p, volumes: volumes(ids) } : p)) };
}

/** The demo node; its pod default/foo (app and sidecar) has an emptyDir both mount, a configMap, a hostPath and the API token. */
function demoWithVolumes(): Snapshot {
  return withVolumes(demo(), 'foo', (id) => [
    { name: 'app-config', kind: 'configMap', source: null, mounts: [{ container: id.app!, path: '/etc/app', readOnly: true }] },
    {
      name: 'shared-data',
      kind: 'emptyDir',
      source: '/var/lib/kubelet/pods/5ba81f02-faeb-54fe-9018-cf05b6b93b84/volumes/kubernetes.io~empty-dir/shared-data',
      mounts: [
        { container: id.app!, path: '/data', readOnly: false },
        { container: id.sidecar!, path: '/logs', readOnly: true },
      ],
    },
    { name: '/var/log/nodes', kind: 'hostPath', source: '/var/log/nodes', mounts: [{ container: id.sidecar!, path: '/host/log', readOnly: true }] },
    {
      name: 'kube-api-access-7d2xq',
      kind: 'projected',
      source: null,
      mounts: [
        { container: id.app!, path: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
        { container: id.sidecar!, path: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
      ],
    },
  ]);
}

/** The seeds' pod with the files the kubelet gives every container, and a secret. */
function seedWithVolumes(): Snapshot {
  return withVolumes(scenario('k8s-seed-pod'), 'foo', (id) => [
    {
      name: 'etc-hosts',
      kind: 'etc-hosts',
      source: '/var/lib/kubelet/pods/5f1d6b2e-3c55-4d6e-9a8b-1c2d3e4f5a6b/etc-hosts',
      mounts: [
        { container: id.app!, path: '/etc/hosts', readOnly: false },
        { container: id.sidecar!, path: '/etc/hosts', readOnly: false },
      ],
    },
    {
      name: 'kube-api-access-q8vzt',
      kind: 'projected',
      source: null,
      mounts: [
        { container: id.app!, path: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
        { container: id.sidecar!, path: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
      ],
    },
    { name: 'db-credentials', kind: 'secret', source: null, mounts: [{ container: id.app!, path: '/etc/secrets/db', readOnly: true }] },
  ]);
}

const GOLDEN: Array<[string, () => Snapshot]> = [
  ['pods-demo.svg', demoWithVolumes],
  ['pods-seed.svg', seedWithVolumes],
  ['pods-holders.svg', () => scenario('holders')],
];

// eslint-disable-next-line no-control-regex -- control characters are what it finds
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\ud800-\udfff]/u;

/** The `<g class="pod">` of the pod with `key`. */
function podGroup(svg: string, key: string): XmlElement {
  const g = descendants(parseXml(svg)).find((e) => e.name === 'g' && e.attrs.class === 'pod' && e.attrs['data-pod'] === key);
  if (!g) throw new Error(`no group for pod ${key}`);
  return g;
}
/** The namespace chips in `g`: type, mode, inode and the chip's x. */
function chips(g: XmlElement): Array<{ type: string; mode: string; inode: string; x: number }> {
  return descendants(g)
    .filter((e) => e.attrs['data-ns'] !== undefined)
    .map((e) => ({ type: e.attrs['data-ns']!, mode: e.attrs['data-mode']!, inode: e.attrs['data-inode']!, x: Number(e.children[0]?.attrs.x) }));
}

describe('renderPodsSvg golden files', () => {
  for (const [file, snapshot] of GOLDEN) {
    it(`${file} is unchanged and well-formed`, () => {
      const svg = renderPodsSvg(snapshot());
      expect(xmlErrors(svg)).toEqual([]);
      const path = `${goldenDir}${file}`;
      if (process.env.UPDATE_GOLDEN === '1') {
        mkdirSync(goldenDir, { recursive: true });
        writeFileSync(path, svg);
      }
      expect(existsSync(path), `${path} is missing: run with UPDATE_GOLDEN=1`).toBe(true);
      const golden = readFileSync(path, 'utf8');
      expect(xmlErrors(golden)).toEqual([]);
      expect(svg).toBe(golden);
    });
  }
});

describe('renderPodsSvg document', () => {
  it('is one self-contained, deterministic SVG document', () => {
    const svg = renderPodsSvg(demoWithVolumes());
    expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" ')).toBe(true);
    const root = parseXml(svg);
    expect(root.name).toBe('svg');
    const { width, height, viewBox } = root.attrs;
    expect(viewBox).toBe(`0 0 ${width} ${height}`);
    expect(Number(width)).toBeGreaterThan(0);
    // No external resource: the namespace is the only URL; no href, no @import, no url().
    expect(svg.match(/https?:/g)).toEqual(['http:']);
    expect(svg).not.toMatch(/href|@import|url\(|@font-face/i);
    expect(svg).toMatch(/@media \(prefers-color-scheme:dark\)/);
    // Another scan (another scannedAt) draws the same bytes.
    expect(renderPodsSvg(demoWithVolumes())).toBe(svg);
  });

  it('an empty snapshot is still a picture, saying "no pods"', () => {
    const svg = renderPodsSvg({ ...demo(), pods: [] });
    expect(xmlErrors(svg)).toEqual([]);
    expect(allText(parseXml(svg))).toContain('no pods');
    expect(svg).not.toContain('class="pod"');
  });

  it('o.pods draws only those pods', () => {
    const s = demo();
    const proxy = s.pods.find((p) => p.name === 'kube-proxy-7xk2p') as Pod;
    const svg = renderPodsSvg(s, { pods: [proxy.key] });
    expect(xmlErrors(svg)).toEqual([]);
    expect(svg.match(/<g class="pod"/g)).toHaveLength(1);
    expect(svg).toContain('kube-system/kube-proxy-7xk2p');
    expect(svg).not.toContain('shop/web');
    expect(allText(parseXml(renderPodsSvg(s, { pods: ['no-such-pod'] })))).toContain('no pods');
  });
});

describe('renderPodsSvg content on the demo node', () => {
  const s = demoWithVolumes();
  const svg = renderPodsSvg(s);
  const text = allText(parseXml(svg));

  it('names every pod and its sandbox pid, with the shared namespaces inside the pod', () => {
    for (const pod of s.pods) {
      expect(text).toContain(`${pod.namespace}/${pod.name}`);
      expect(text).toContain(`sandbox \u00b7 pid ${pod.sandbox?.pid}`);
      const pause = s.processes.find((p) => p.pid === pod.sandbox?.pid)!;
      const shared = chips(podGroup(svg, pod.key)).filter((c) => c.mode === 'pod');
      const types = Object.entries(pod.namespaces).filter(([, m]) => m === 'pod');
      expect(shared.map((c) => c.type).sort()).toEqual(types.map(([t]) => t).sort());
      for (const c of shared) {
        expect(c.inode).toBe(String(pause.ns[c.type as keyof typeof pause.ns]));
        expect(c.x).toBeGreaterThan(0);
      }
    }
    expect(text).toContain('4026532901'); // web's net
    expect(text).toContain('guaranteed \u00b7 cpu 1 \u00b7 memory 512Mi');
  });

  it('each app container shows its name, main process and own namespaces', () => {
    const web = s.pods.find((p) => p.name === 'web-5c7f9d6b8-x2kqp')!;
    expect(text).toContain('nginx');
    expect(text).toContain('pid 1020 \u00b7 2 pids\nnginx: master process nginx -g daemon off;');
    const own = chips(podGroup(svg, web.key)).filter((c) => c.mode === 'container');
    expect(own).toContainEqual(expect.objectContaining({ type: 'mnt', inode: '4026532908' }));
    expect(own).toContainEqual(expect.objectContaining({ type: 'pid', inode: '4026532907' }));
  });

  it('a hostNetwork pod draws net outside its pod box, in the node lane, with its bus', () => {
    const proxy = s.pods.find((p) => p.name === 'kube-proxy-7xk2p')!;
    const g = podGroup(svg, proxy.key);
    const net = chips(g).filter((c) => c.type === 'net');
    expect(net).toEqual([{ type: 'net', mode: 'node', inode: String(s.nodeNamespaces.net), x: expect.any(Number) }]);
    expect(net[0]!.x).toBeLessThan(0);
    expect(text).toContain('pid 1120');
    expect(allText(g)).toContain('pid 1130');
    // A node bus, joined by a dot at the container.
    expect(descendants(g).filter((e) => e.attrs.class === 'w-node').length).toBe(4);
    // web keeps its net in the pod: no node net there.
    const web = s.pods.find((p) => p.name === 'web-5c7f9d6b8-x2kqp')!;
    expect(chips(podGroup(svg, web.key)).filter((c) => c.type === 'net')).toEqual([expect.objectContaining({ mode: 'pod', inode: '4026532901' })]);
  });

  it('volumes appear with their kinds, mounts with their path and ro/rw, joined by lines', () => {
    const foo = s.pods.find((p) => p.name === 'foo')!;
    const g = podGroup(svg, foo.key);
    const texts = descendants(g).filter((e) => e.name === 'text');
    const t = texts.map((e) => e.text);
    for (const kind of ['configMap', 'emptyDir', 'hostPath', 'projected']) expect(t).toContain(kind);
    expect(t).toContain('shared-data');
    const mark = (path: string): string[] => texts.flatMap((e, i) => (e.text.startsWith(`${path} \u2192`) ? [texts[i + 1]!.text] : []));
    expect(mark('/data')).toEqual(['rw']);
    expect(mark('/logs')).toEqual(['ro']);
    expect(mark('/etc/app')).toEqual(['ro']);
    const wires = descendants(g).filter((e) => e.name === 'path');
    expect(wires.filter((e) => e.attrs.class === 'w-rw')).toHaveLength(1);
    expect(wires.filter((e) => e.attrs.class === 'w-ro')).toHaveLength(5);
    // Pods without volumes read draw none.
    const web = s.pods.find((p) => p.name === 'web-5c7f9d6b8-x2kqp')!;
    expect(descendants(podGroup(svg, web.key)).some((e) => e.attrs.class === 'k-vol')).toBe(false);
  });

  it('a pod without a sandbox draws no sandbox box; one whose containers share draws a dashed box', () => {
    const h = scenario('holders');
    const hs = renderPodsSvg(h);
    const orphan = h.pods.find((p) => p.sandbox === null)!;
    const g = podGroup(hs, orphan.key);
    expect(descendants(g).some((e) => e.attrs.class === 'k-sandbox' || e.attrs.class === 'k-shared')).toBe(false);
    expect(
      chips(g)
        .map((c) => c.mode)
        .sort(),
    ).toEqual([...Array(6).fill('container'), 'node', 'node']);
    const gone = renderPodsSvg({ ...h, pods: h.pods.map((p) => (p.key === orphan.key ? p : { ...p, sandbox: null })) });
    expect(xmlErrors(gone)).toEqual([]);
    expect(gone).toContain('class="k-shared"');
  });
});

describe('renderPodsSvg other pods', () => {
  it('an inferred pod says so', () => {
    const s = scenario('docker-seed-pod');
    expect(s.pods.some((p) => p.inferred)).toBe(true);
    const svg = renderPodsSvg(s);
    expect(xmlErrors(svg)).toEqual([]);
    expect(allText(parseXml(svg))).toContain('(inferred)');
  });

  it('a namespace the containers hold in mixed ways is drawn in each container and named in the header', () => {
    const s = scenario('k8s-seed-pod');
    const pod = s.pods[0]!;
    const svg = renderPodsSvg({ ...s, pods: [{ ...pod, namespaces: { ...pod.namespaces, uts: 'mixed' } }] });
    expect(xmlErrors(svg)).toEqual([]);
    const uts = chips(podGroup(svg, pod.key)).filter((c) => c.type === 'uts');
    expect(uts).toEqual([expect.objectContaining({ mode: 'mixed', inode: '4026532716' }), expect.objectContaining({ mode: 'mixed', inode: '4026532716' })]);
    expect(allText(parseXml(svg))).toContain('besteffort \u00b7 uts mixed');
  });
});

describe('renderPodsSvg escaping', () => {
  it('hostile names render escaped, with no raw control characters, and the document stays well-formed', () => {
    const s = seedWithVolumes();
    const evil = `<script>&"'\x1b[31m\u0085\u202e\ud800\uffff`;
    const hostile: Snapshot = {
      ...s,
      pods: s.pods.map((p) => ({
        ...p,
        key: `key"<&\x1b`,
        name: evil,
        namespace: `ns\x07`,
        qos: `q<\x00` as Pod['qos'],
        volumes: p.volumes?.map((v) => ({ ...v, name: `v${evil}`, kind: `k\x1b&` })),
      })),
      containers: s.containers.map((c) => ({ ...c, name: c.name && `${c.name}${evil}`, image: `img\n\t${evil}` })),
    };
    const svg = renderPodsSvg(hostile);
    expect(xmlErrors(svg)).toEqual([]);
    expect(svg).not.toMatch(RAW);
    expect(svg).not.toContain('<script');
    expect(svg).toContain('ns\\x07/&lt;script&gt;&amp;&quot;&apos;\\x1b[31m\\x85\\u202e\\ud800\\uffff');
    expect(svg).toContain('k\\x1b&amp;');
    expect(svg).toContain('q&lt;\\x00');
    expect(svg).toContain('data-pod="key&quot;&lt;&amp;\\x1b"');
    // Apart from the XML declaration's line, the document has its own newlines only.
    expect(svg).not.toContain('img\n');
  });

  it('long names are cut with an ellipsis at a fixed budget', () => {
    const s = scenario('k8s-seed-pod');
    const svg = renderPodsSvg({ ...s, pods: s.pods.map((p) => ({ ...p, name: 'x'.repeat(500) })) });
    expect(xmlErrors(svg)).toEqual([]);
    const head = descendants(parseXml(svg)).find((e) => e.text.startsWith('default/xxx'))!;
    expect(head.text.endsWith('\u2026')).toBe(true);
    expect(head.text.length).toBeLessThan(200);
  });
});

describe('the XML checker (test/helpers/xml.ts)', () => {
  it('accepts well-formed documents', () => {
    const ok = `<?xml version="1.0" encoding="UTF-8"?>\n<a x="&lt;&amp;" y='q"'><!-- c --><![CDATA[<raw & >]]>&#x1F600;&#65;<b/><c></c>\n</a>\n<!-- after -->\n`;
    expect(xmlErrors(ok)).toEqual([]);
    const a = parseXml(ok);
    expect(a.attrs).toEqual({ x: '<&', y: 'q"' });
    expect(a.text).toBe('<raw & >\u{1F600}A\n');
    expect(a.children.map((c) => c.name)).toEqual(['b', 'c']);
  });

  it.each([
    ['mis-nested tags', '<a><b></a></b>'],
    ['an unclosed tag', '<a><b/>'],
    ['a stray end tag', '<a/></a>'],
    ['an unquoted attribute', '<a x=1/>'],
    ['a repeated attribute', '<a x="1" x="2"/>'],
    ['attributes without space', '<a x="1"y="2"/>'],
    ['a raw < in text', '<a>1 < 2</a>'],
    ['a raw < in an attribute', '<a x="<"/>'],
    ['a raw &', '<a>AT&T</a>'],
    ['an & without ;', '<a>&amp</a>'],
    ['an unknown entity', '<a>&nbsp;</a>'],
    ['a reference to NUL', '<a>&#0;</a>'],
    ['a reference to ESC', '<a>&#x1b;</a>'],
    ['two roots', '<a/><b/>'],
    ['text outside the root', 'hi<a/>'],
    ['no root', '<?xml version="1.0"?>\n'],
    ['a raw ESC', '<a>\x1b[31m</a>'],
    ['a raw C1 control', '<a>\u0085</a>'],
    ['a lone surrogate', '<a>\ud800</a>'],
    ['U+FFFF', '<a>\uffff</a>'],
    [']]> in text', '<a>]]></a>'],
    ['a DOCTYPE', '<!DOCTYPE a><a/>'],
    ['-- in a comment', '<a><!-- a -- b --></a>'],
    ['a late XML declaration', '<a><?xml version="1.0"?></a>'],
  ])('rejects %s', (_, xml) => {
    expect(xmlErrors(xml)).toHaveLength(1);
  });
});
