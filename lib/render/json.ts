import { INVISIBLE } from './safe.js';

/**
 * JSON for stdout (see {@link renderJson}). JSON.stringify escapes C0 control bytes and lone
 * surrogates but leaves DEL, C1 controls (U+0080–U+009F, which some terminals read as CSI)
 * and invisible direction marks raw; they are escaped here as `\uNNNN`, the same value
 * to any JSON reader.
 */
const UNSAFE_JSON = new RegExp(`[\\u007f-\\u009f${INVISIBLE}]`, 'g');

/** `value` as JSON text with a final newline, DEL, C1 and direction controls escaped as `\uNNNN`. */
export function renderJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent || undefined).replace(UNSAFE_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) + '\n';
}
