/**
 * Make text from a process (command lines, names, cgroup names) safe to
 * print: control bytes and invisible direction overrides become `\xNN` /
 * `\uNNNN` escapes, so nothing from a hostile process reaches the terminal raw.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** `text` with control bytes and direction overrides escaped (`\x1b`, `\u202e`), safe to print. */
export function safe(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** A process's command line as lsns shows it: arguments joined by spaces, or the kernel name (raw text). */
export function commandLine(p: { cmdline: string[]; comm: string }): string {
  return p.cmdline.length ? p.cmdline.join(' ') : p.comm;
}

/** {@link commandLine}, made safe to print. */
export function commandOf(p: { cmdline: string[]; comm: string }): string {
  return safe(commandLine(p));
}

/** Display width of a string, counting each code point as one column. */
export function width(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Cut a string to `max` columns, ending in `…` when cut. */
export function ellipsize(s: string, max: number): string {
  if (max <= 0) return '';
  if (s.length <= max) return s;
  if (width(s) <= max) return s;
  const chars = [...s];
  return chars.slice(0, Math.max(0, max - 1)).join('') + '…';
}
