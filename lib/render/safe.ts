/**
 * Make text from a process, a capture or a snapshot (command lines, names,
 * cgroup names, keys, messages) safe to print: {@link safe} is the one
 * escaping function every string passes on its way to a terminal. Control
 * characters and invisible direction marks become `\xNN` / `\uNNNN` escapes,
 * so nothing hostile reaches the terminal raw. Every transform here is linear
 * in the length of the text.
 */
import { shorten } from '../errors.js';

/**
 * Invisible characters that reorder or split what a terminal shows: Unicode's
 * bidi controls (U+061C, U+200E/F, U+202A–E, U+2066–9), the line and paragraph
 * separators and the BOM. As a regular-expression class body, shared with JSON output.
 */
export const INVISIBLE = '\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069\\ufeff';

/**
 * What {@link safe} escapes: C0 controls, DEL, C1 controls (U+0080–U+009F, which
 * some terminals take as CSI), {@link INVISIBLE}, and lone surrogates (with the
 * `u` flag the surrogate range matches only a half without its pair).
 */
const UNSAFE = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f${INVISIBLE}\\ud800-\\udfff]`, 'gu');

/** `\x00` … `\xff`, made once. */
const BYTE = Array.from({ length: 256 }, (_, i) => `\\x${i.toString(16).padStart(2, '0')}`);

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  if (code <= 0xff) return BYTE[code] as string;
  // A byte that was not UTF-8, kept as U+DC00 + byte ("surrogateescape"): shown as that byte.
  if (code >= 0xdc80 && code <= 0xdcff) return BYTE[code & 0xff] as string;
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` safe to print: control characters as `\x1b`, direction marks and
 * other lone surrogates as `\u202e`, and bytes that were not UTF-8 (lone
 * U+DC80–U+DCFF) as the byte, `\xff`.
 */
export function safe(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/**
 * A value for a message, as it reaches a terminal: cut to `max` characters
 * with `…` ({@link shorten}), then {@link safe}. Every error, warning and
 * path nsview prints on stderr goes through this.
 */
export function brief(text: string, max?: number): string {
  return safe(shorten(text, max));
}

/** A process's command line as lsns shows it: arguments joined by spaces, or the kernel name (raw text). */
export function commandLine(p: { cmdline: string[]; comm: string }): string {
  return p.cmdline.length ? p.cmdline.join(' ') : p.comm;
}

/** {@link commandLine}, made safe to print. */
export function commandOf(p: { cmdline: string[]; comm: string }): string {
  return safe(commandLine(p));
}

/**
 * Display width in terminal columns (wide characters 2, combining marks 0) and
 * cutting to a width with `…`: see ./width.ts. Escapes made by {@link safe} are ASCII.
 */
export { ellipsize, width } from './width.js';
