/**
 * A small reader of the Prometheus text exposition format 0.0.4, written apart from
 * lib/render/metrics.ts so the tests check its output against the format, not against itself:
 * `# HELP` and `# TYPE` lines, other comments, and samples `name{label="value",…} value
 * [timestamp]`, with the format's three escapes in label values (`\\`, `\"`, `\n`). Anything
 * else is an error naming the line; nothing is thrown.
 */

/** One sample line, its label values unescaped. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  /** Label names in the order the line gives them. */
  labelNames: string[];
  value: number;
  /** Line number, from 1. */
  line: number;
}

/** A `# HELP` or `# TYPE` line. */
export interface PromMeta {
  kind: 'HELP' | 'TYPE';
  name: string;
  text: string;
  line: number;
}

/** What a text held. */
export interface PromParse {
  samples: PromSample[];
  meta: PromMeta[];
  /** The metric name of each line that is a sample or HELP/TYPE, in order (for checking families are contiguous). */
  sequence: string[];
  errors: string[];
}

export const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const FLOAT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A sample value as the format writes it: a Go float, `NaN`, `+Inf`, `-Inf`; undefined when it is none. */
export function parsePromValue(text: string): number | undefined {
  if (text === 'NaN') return NaN;
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return FLOAT.test(text) ? Number(text) : undefined;
}

/** Parse `{a="x",b="y"}` from `at` in `line`: the labels and where they end, or an error. */
function parseLabels(line: string, at: number): { labels: Array<[string, string]>; end: number } | string {
  const labels: Array<[string, string]> = [];
  let i = at + 1;
  if (line[i] === '}') return { labels, end: i + 1 };
  for (;;) {
    const name = LABEL_NAME.exec(line.slice(i))?.[0];
    if (!name) return `bad label name at column ${i + 1}`;
    i += name.length;
    if (line[i] !== '=' || line[i + 1] !== '"') return `expected =" after label ${name}`;
    i += 2;
    let value = '';
    for (;;) {
      const c = line[i];
      if (c === undefined) return `label ${name}: value not closed`;
      if (c === '"') break;
      if (c === '\\') {
        const e = line[i + 1];
        if (e === '\\') value += '\\';
        else if (e === '"') value += '"';
        else if (e === 'n') value += '\n';
        else return `label ${name}: invalid escape \\${e ?? ''}`;
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    labels.push([name, value]);
    i++;
    if (line[i] === ',') {
      i++;
      if (line[i] === '}') return { labels, end: i + 1 };
      continue;
    }
    if (line[i] === '}') return { labels, end: i + 1 };
    return `expected , or } after label ${name}`;
  }
}

/** Read an exposition; every line that is not a valid comment, HELP, TYPE or sample is an error. */
export function parseProm(text: string): PromParse {
  const out: PromParse = { samples: [], meta: [], sequence: [], errors: [] };
  if (text !== '' && !text.endsWith('\n')) out.errors.push('the text does not end with a newline');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, index) => {
    const n = index + 1;
    const err = (what: string): void => void out.errors.push(`line ${n}: ${what}: ${JSON.stringify(line)}`);
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
      if (!m) return; // another comment
      const [, kind, name, rest = ''] = m as unknown as [string, 'HELP' | 'TYPE', string, string | undefined];
      if (METRIC_NAME.exec(name)?.[0] !== name) return err('bad metric name');
      if (kind === 'TYPE' && !['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) return err('bad type');
      if (kind === 'HELP' && /\\(?![\\n])/.test(rest)) return err('bad escape in HELP');
      out.meta.push({ kind, name, text: rest, line: n });
      out.sequence.push(name);
      return;
    }
    const name = METRIC_NAME.exec(line)?.[0];
    if (!name) return err('no metric name');
    let at = name.length;
    let labels: Array<[string, string]> = [];
    if (line[at] === '{') {
      const l = parseLabels(line, at);
      if (typeof l === 'string') return err(l);
      labels = l.labels;
      at = l.end;
    }
    const rest = line.slice(at);
    const m = /^ (\S+)(?: (-?\d+))?$/.exec(rest);
    if (!m) return err('expected " value [timestamp]"');
    const value = parsePromValue(m[1] as string);
    if (value === undefined) return err('bad value');
    const names = labels.map(([k]) => k);
    if (new Set(names).size !== names.length) return err('a label given twice');
    out.samples.push({ name, labels: Object.fromEntries(labels), labelNames: names, value, line: n });
    out.sequence.push(name);
  });
  return out;
}

/** A series' identity: its name and its labels, sorted by name. */
export function seriesKey(s: Pick<PromSample, 'name' | 'labels'>): string {
  return JSON.stringify([s.name, Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
}

/** The samples of one metric whose labels include all of `match`. */
export function samplesOf(p: PromParse, name: string, match: Record<string, string> = {}): PromSample[] {
  return p.samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

/**
 * What is wrong with a parsed exposition as a whole, beyond its lines: a family without its
 * HELP or TYPE, or with either twice, or after its samples; a family whose lines are not
 * together; a series given twice; a label name starting with `__` (reserved); a counter
 * whose name does not end in `_total`, or the other way round. Empty when all is well.
 */
export function expositionProblems(p: PromParse): string[] {
  const problems = [...p.errors];
  const meta = new Map<string, PromMeta[]>();
  for (const m of p.meta) meta.set(m.name, [...(meta.get(m.name) ?? []), m]);
  for (const [name, list] of meta) {
    for (const kind of ['HELP', 'TYPE'] as const) {
      const n = list.filter((m) => m.kind === kind).length;
      if (n !== 1) problems.push(`${name}: ${n} ${kind} lines`);
    }
    const type = list.find((m) => m.kind === 'TYPE')?.text;
    if ((type === 'counter') !== name.endsWith('_total')) problems.push(`${name}: type ${type ?? '?'} with that name`);
  }
  const firstSample = new Map<string, number>();
  const seen = new Set<string>();
  for (const s of p.samples) {
    if (!firstSample.has(s.name)) firstSample.set(s.name, s.line);
    if (!meta.has(s.name)) problems.push(`${s.name}: a sample with no HELP or TYPE (line ${s.line})`);
    const key = seriesKey(s);
    if (seen.has(key)) problems.push(`line ${s.line}: series ${key} given twice`);
    seen.add(key);
    for (const l of s.labelNames) if (l.startsWith('__')) problems.push(`line ${s.line}: reserved label name ${l}`);
  }
  for (const m of p.meta) {
    const first = firstSample.get(m.name);
    if (first !== undefined && first < m.line) problems.push(`${m.name}: ${m.kind} on line ${m.line} after its samples`);
  }
  const done = new Set<string>();
  p.sequence.forEach((name, i) => {
    if (i > 0 && p.sequence[i - 1] === name) return;
    if (done.has(name)) problems.push(`${name}: its lines are not together`);
    done.add(name);
  });
  return problems;
}
