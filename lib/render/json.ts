/**
 * JSON for stdout (see {@link renderJson}). JSON.stringify escapes C0 control bytes but leaves C1
 * controls (U+0080–U+009F, which some terminals read as CSI) and invisible
 * direction overrides raw; they are escaped here as `\uNNNN`, the same value
 * to any JSON reader.
 */
const UNSAFE_JSON = /[\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** `value` as JSON text with a final newline, C1 and direction controls escaped as `\uNNNN`. */
export function renderJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent || undefined).replace(UNSAFE_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) + '\n';
}
