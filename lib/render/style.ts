import { Chalk, type ChalkInstance } from 'chalk';

/** How to render: colour on or off, and the terminal width (0 = unlimited). */
export interface RenderOptions {
  color: boolean;
  width: number;
}

/** The styles views use; plain identity functions when colour is off. */
export interface Styles {
  header: (s: string) => string;
  container: (s: string) => string;
  pod: (s: string) => string;
  sandbox: (s: string) => string;
  shared: (s: string) => string;
  distinct: (s: string) => string;
  warn: (s: string) => string;
}

const MODE_LABELS = new Map<unknown, string>([
  ['pod', 'pod'],
  ['container', 'ctr'],
  ['node', 'node'],
  ['mixed', 'mixed'],
  ['unknown', '?'],
]);

/** How a namespace mode is shown in tables and tree marks; `?` for anything else (a Map: `constructor` is no mode). */
export function modeLabel(mode: unknown): string {
  return MODE_LABELS.get(mode) ?? '?';
}

/** Styles for the given options. */
export function styles(o: Pick<RenderOptions, 'color'>): Styles {
  const c: ChalkInstance = new Chalk({ level: o.color ? 1 : 0 });
  return {
    header: (s) => c.bold(s),
    container: (s) => c.cyan(s),
    pod: (s) => c.magenta(s),
    sandbox: (s) => c.yellow(s),
    shared: (s) => c.green(s),
    distinct: (s) => c.red(s),
    warn: (s) => c.yellow(s),
  };
}
