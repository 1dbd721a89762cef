/**
 * The page `nsview serve` answers `/` with: the node's pods as HTML tables (pods, their
 * containers, volumes, leaks) and the pods' picture ({@link renderPodsSvg}) inline. One
 * self-contained document: no script, no external resource, every snapshot string escaped. Its
 * links are relative, so they hold behind a proxy that serves it under a path
 * (`kubectl proxy`'s `/api/v1/namespaces/…/pods/…:9717/proxy/`).
 */
import { indexSnapshot } from '../model/index-snapshot.js';
import type { LeakReport } from '../model/leaks.js';
import { isKubeletFile } from '../model/volumes.js';
import type { Snapshot } from '../types.js';
import { formatCpu, formatMemory } from './limits.js';
import { POD_TABLE_TYPES, podContainers } from './pods.js';
import { containerName, podText } from './labels.js';
import { esc, renderPodsSvg } from './svg.js';

/** Options of {@link renderPodsPage}. */
export interface PageOptions {
  /** Leak findings to list (absent: the section is left out). */
  leaks?: LeakReport;
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1f2328;background:#fff}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;font-size:.9rem;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right}code{font-family:ui-monospace,monospace}.m-pod{color:#0969da}.m-node{color:#bc4c00}.m-container{color:#1a7f37}
.pic{overflow:auto;border:1px solid #d0d7de}
@media (prefers-color-scheme:dark){body{color:#e6edf3;background:#0d1117}th{background:#161b22}th,td,.pic{border-color:#30363d}}`;

function row(cells: string[], header = false): string {
  const tag = header ? 'th' : 'td';
  return `<tr>${cells.map((c) => (c.startsWith('\0n') ? `<td class="n">${c.slice(2)}</td>` : `<${tag}>${c}</${tag}>`)).join('')}</tr>`;
}

/** A number cell (right-aligned). */
const num = (text: string): string => `\0n${text}`;

function table(header: string[], rows: string[][]): string {
  return `<table><thead>${row(header, true)}</thead><tbody>\n${rows.map((r) => row(r)).join('\n')}\n</tbody></table>`;
}

/** The HTML page of a node's pods. The SVG picture is inlined without its XML declaration. */
export function renderPodsPage(s: Snapshot, o: PageOptions = {}): string {
  const node = s.node ?? 'this node';
  const ix = indexSnapshot(s);
  const parts: string[] = [];
  parts.push(`<h1>nsview: ${esc(node)}</h1>`);
  parts.push(
    `<p>Scanned <code>${esc(s.scannedAt)}</code>: ${s.processes.length} processes, ${s.namespaces.length} namespaces, ${s.containers.length} containers, ${s.pods.length} pods, ${s.warnings.length} warnings. Also: <a href="metrics">/metrics</a>, <a href="pods">/pods</a>, <a href="snapshot">/snapshot</a>.</p>`,
  );
  parts.push(`<h2>Pods (${s.pods.length})</h2>`);
  if (s.pods.length) {
    parts.push(
      table(
        ['Pod', 'QoS', 'Sandbox', ...POD_TABLE_TYPES, 'CPU', 'Memory', 'Containers'],
        s.pods.map((p) => [
          esc(podText(p)) + (p.inferred ? ' (inferred)' : ''),
          esc(p.qos ?? '-'),
          num(p.sandbox?.pid != null ? String(p.sandbox.pid) : '-'),
          ...POD_TABLE_TYPES.map((t) => `<span class="m-${esc(p.namespaces[t])}">${esc(p.namespaces[t])}</span>`),
          num(esc(formatCpu(p.limits?.cpu))),
          num(esc(formatMemory(p.limits?.memory))),
          podContainers(s, p)
            .map((c) => `${esc(containerName(c))}${c.role === 'sandbox' ? ' (sandbox)' : ''}`)
            .join('<br>'),
        ]),
      ),
    );
  } else parts.push('<p>No pods.</p>');
  parts.push(`<h2>Containers (${s.containers.length})</h2>`);
  if (s.containers.length)
    parts.push(
      table(
        ['Container', 'Id', 'Runtime', 'Image', 'Pod', 'Pids'],
        s.containers.map((c) => {
          const pod = c.pod === null ? undefined : ix.pod(c.pod);
          return [
            esc(c.name ?? '-'),
            `<code>${esc(c.id.slice(0, 12))}</code>`,
            esc(c.runtime),
            esc(c.image ?? '-'),
            pod ? esc(podText(pod)) : '-',
            num(`${c.pids.length}${c.pids.length ? ` (${c.pids[0]}…)` : ''}`),
          ];
        }),
      ),
    );
  const volumes = s.pods.flatMap((p) => (p.volumes ?? []).map((v) => ({ p, v }))).filter(({ v }) => !isKubeletFile(v));
  if (volumes.length) {
    parts.push(`<h2>Volumes (${volumes.length})</h2>`);
    parts.push(
      table(
        ['Pod', 'Volume', 'Kind', 'Mounted by'],
        volumes.map(({ p, v }) => [
          esc(podText(p)),
          esc(v.name),
          esc(v.kind),
          v.mounts
            .map((m) => `${esc(ix.container(m.container)?.name ?? m.container.slice(0, 12))}:<code>${esc(m.path)}</code> ${m.readOnly ? 'ro' : 'rw'}`)
            .join('<br>'),
        ]),
      ),
    );
  }
  if (o.leaks) {
    parts.push(`<h2>Leaks (${o.leaks.leaks.length})</h2>`);
    if (o.leaks.leaks.length)
      parts.push(
        table(
          ['Kind', 'What', 'Evidence'],
          o.leaks.leaks.map((l) => [esc(l.kind), esc(l.subject), l.evidence.map((e) => esc(e)).join('<br>')]),
        ),
      );
    else parts.push('<p>Nothing leaked.</p>');
    if (o.leaks.skipped.length) parts.push(`<p>Not checked: ${o.leaks.skipped.map((x) => esc(x)).join('; ')}</p>`);
  }
  if (s.pods.length) {
    parts.push('<h2>Picture</h2>');
    parts.push(`<div class="pic">${renderPodsSvg(s).replace(/^<\?xml[^>]*\?>\s*/, '')}</div>`);
  }
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>nsview: ${esc(node)}</title><style>${STYLE}</style></head>
<body>
${parts.join('\n')}
</body></html>
`;
}
