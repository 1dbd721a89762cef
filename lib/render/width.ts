/**
 * Terminal display width, as wcwidth(3) counts it: East Asian Wide and
 * Fullwidth characters (CJK ideographs, kana, Hangul syllables, fullwidth
 * forms, emoji shown as pictures) take 2 columns; combining marks (Unicode
 * categories Mn and Me), the zero-width space and joiners (U+200B–U+200D),
 * variation selectors and Hangul medial vowels and final consonants
 * (U+1160–U+11FF) take 0; everything else 1. Text below U+0300 takes the fast
 * path: one column per UTF-16 unit, no table. Every function is linear in the
 * length of the text.
 */

/**
 * East Asian Wide (W) and Fullwidth (F) code points, as sorted inclusive
 * `lo, hi` pairs, less the combining marks among them (U+302A–U+302D,
 * U+3099–U+309A, which are 0). Unassigned code points of the CJK blocks and of
 * planes 2 and 3 are Wide by default, as EastAsianWidth.txt says. Unicode 17.
 */
const WIDE: readonly number[] = [
  0x1100, 0x115f, 0x231a, 0x231b, 0x2329, 0x232a, 0x23e9, 0x23ec, 0x23f0, 0x23f0, 0x23f3, 0x23f3, 0x25fd, 0x25fe, 0x2614, 0x2615, 0x2630, 0x2637, 0x2648,
  0x2653, 0x267f, 0x267f, 0x268a, 0x268f, 0x2693, 0x2693, 0x26a1, 0x26a1, 0x26aa, 0x26ab, 0x26bd, 0x26be, 0x26c4, 0x26c5, 0x26ce, 0x26ce, 0x26d4, 0x26d4,
  0x26ea, 0x26ea, 0x26f2, 0x26f3, 0x26f5, 0x26f5, 0x26fa, 0x26fa, 0x26fd, 0x26fd, 0x2705, 0x2705, 0x270a, 0x270b, 0x2728, 0x2728, 0x274c, 0x274c, 0x274e,
  0x274e, 0x2753, 0x2755, 0x2757, 0x2757, 0x2795, 0x2797, 0x27b0, 0x27b0, 0x27bf, 0x27bf, 0x2b1b, 0x2b1c, 0x2b50, 0x2b50, 0x2b55, 0x2b55, 0x2e80, 0x2e99,
  0x2e9b, 0x2ef3, 0x2f00, 0x2fd5, 0x2ff0, 0x3029, 0x302e, 0x303e, 0x3041, 0x3096, 0x309b, 0x30ff, 0x3105, 0x312f, 0x3131, 0x318e, 0x3190, 0x31e5, 0x31ef,
  0x321e, 0x3220, 0x3247, 0x3250, 0xa48c, 0xa490, 0xa4c6, 0xa960, 0xa97c, 0xac00, 0xd7a3, 0xf900, 0xfaff, 0xfe10, 0xfe19, 0xfe30, 0xfe52, 0xfe54, 0xfe66,
  0xfe68, 0xfe6b, 0xff01, 0xff60, 0xffe0, 0xffe6, 0x16fe0, 0x16fe3, 0x16ff0, 0x16ff6, 0x17000, 0x18cda, 0x18cff, 0x18d20, 0x18d80, 0x18df2, 0x18e00, 0x19191,
  0x191a0, 0x191d2, 0x1aff0, 0x1aff3, 0x1aff5, 0x1affb, 0x1affd, 0x1affe, 0x1b000, 0x1b128, 0x1b132, 0x1b132, 0x1b150, 0x1b152, 0x1b155, 0x1b155, 0x1b164,
  0x1b168, 0x1b170, 0x1b2fb, 0x1d300, 0x1d356, 0x1d360, 0x1d376, 0x1f004, 0x1f004, 0x1f0cf, 0x1f0cf, 0x1f18e, 0x1f18e, 0x1f191, 0x1f19a, 0x1f1ae, 0x1f1ae,
  0x1f200, 0x1f202, 0x1f210, 0x1f23b, 0x1f240, 0x1f248, 0x1f250, 0x1f251, 0x1f260, 0x1f265, 0x1f300, 0x1f320, 0x1f32d, 0x1f335, 0x1f337, 0x1f37c, 0x1f37e,
  0x1f393, 0x1f3a0, 0x1f3ca, 0x1f3cf, 0x1f3d3, 0x1f3e0, 0x1f3f0, 0x1f3f4, 0x1f3f4, 0x1f3f8, 0x1f43e, 0x1f440, 0x1f440, 0x1f442, 0x1f4fc, 0x1f4ff, 0x1f53d,
  0x1f54b, 0x1f54e, 0x1f550, 0x1f567, 0x1f57a, 0x1f57a, 0x1f595, 0x1f596, 0x1f5a4, 0x1f5a4, 0x1f5fb, 0x1f64f, 0x1f680, 0x1f6c5, 0x1f6cc, 0x1f6cc, 0x1f6d0,
  0x1f6d2, 0x1f6d5, 0x1f6d9, 0x1f6dc, 0x1f6df, 0x1f6eb, 0x1f6ec, 0x1f6f4, 0x1f6fc, 0x1f7da, 0x1f7da, 0x1f7e0, 0x1f7eb, 0x1f7f0, 0x1f7f0, 0x1f90c, 0x1f93a,
  0x1f93c, 0x1f945, 0x1f947, 0x1f9ff, 0x1fa70, 0x1fa7c, 0x1fa80, 0x1fac6, 0x1fac8, 0x1fac8, 0x1facc, 0x1fadd, 0x1fadf, 0x1faeb, 0x1faef, 0x1fafa, 0x20000,
  0x2fffd, 0x30000, 0x3fffd,
];

/** Zero-width code points: combining marks (from the runtime's Unicode tables), ZWSP/ZWNJ/ZWJ and Hangul Jamo medial and final letters. Sticky: tested at an index, nothing is sliced. */
const ZERO = /[\p{Mn}\p{Me}\u200b-\u200d\u1160-\u11ff]/uy;

/** The first UTF-16 unit not below U+0300 (surrogates included): up to it every unit is one column. */
const SLOW = /[\u0300-\uffff]/;

/** True if `cp` is in the sorted `lo, hi` pairs of `table` (binary search). */
function inTable(table: readonly number[], cp: number): boolean {
  let lo = 0;
  let hi = table.length / 2 - 1;
  if (cp < (table[0] as number) || cp > (table[table.length - 1] as number)) return false;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < (table[2 * mid] as number)) hi = mid - 1;
    else if (cp > (table[2 * mid + 1] as number)) lo = mid + 1;
    else return true;
  }
  return false;
}

/**
 * Columns the code point at index `i` of `s` takes (`cp` is `s.codePointAt(i)`):
 * 0, 1 or 2. A lone surrogate takes 1 (it is shown escaped, or as a replacement character).
 */
function columnsAt(s: string, i: number, cp: number): number {
  if (cp < 0x300) return 1;
  ZERO.lastIndex = i;
  if (ZERO.test(s)) return 0;
  return cp >= 0x1100 && inTable(WIDE, cp) ? 2 : 1;
}

/** Columns one code point takes in a terminal: 0 (combining marks, zero-width joiners), 1, or 2 (wide and fullwidth characters, emoji). */
export function codePointWidth(cp: number): number {
  return cp < 0 || cp > 0x10ffff ? 1 : columnsAt(String.fromCodePoint(cp), 0, cp);
}

/** Display width of a string in terminal columns, as wcwidth counts them (see the module comment). */
export function width(s: string): number {
  const start = s.search(SLOW);
  if (start < 0) return s.length;
  let n = start;
  for (let i = start; i < s.length;) {
    const cp = s.codePointAt(i) as number;
    n += columnsAt(s, i, cp);
    i += cp > 0xffff ? 2 : 1;
  }
  return n;
}

/**
 * Cut a string to at most `max` display columns, ending in `…` (one column)
 * when cut. Cuts only between characters: never inside a surrogate pair, and
 * never between a character and the combining marks that follow it (they go
 * or stay together).
 */
export function ellipsize(s: string, max: number): string {
  if (max <= 0) return '';
  // Every UTF-16 unit takes at most 2 columns.
  if (s.length * 2 <= max) return s;
  const start = s.search(SLOW);
  if (start < 0 || start > max) return s.length <= max ? s : s.slice(0, max - 1) + '…';
  // Before `start` each unit is a character of one column, so each is a place to cut;
  // `start` itself is one only if no combining mark is there (the loop decides).
  let w = start;
  let cut = Math.max(start - 1, 0);
  for (let i = start; i < s.length;) {
    const cp = s.codePointAt(i) as number;
    const cw = columnsAt(s, i, cp);
    if (cw > 0) {
      // A character starts here: the text before it (with its marks) is a place to cut.
      if (w <= max - 1) cut = i;
      w += cw;
      if (w > max) return s.slice(0, cut) + '…';
    }
    i += cp > 0xffff ? 2 : 1;
  }
  return s;
}

/** An SGR escape (`\x1b[…m`), as chalk writes them around styled text. */
// eslint-disable-next-line no-control-regex -- ESC is what the expression is for
const SGR = /\x1b\[[0-9;]*m/g;

/** `s` without its SGR colour codes: the text a terminal shows. */
export function stripSgr(s: string): string {
  return s.includes('\x1b') ? s.replace(SGR, '') : s;
}

/** Display width of text that may carry SGR colour codes (they take no columns). */
export function visibleWidth(s: string): number {
  return width(stripSgr(s));
}

/**
 * {@link ellipsize} for text that may carry SGR colour codes: the visible text
 * is cut to `max` columns with `…`, and every colour code is kept (those
 * after the cut too, so each style is closed as it was opened). Text made
 * safe by `safe()` holds no other escape.
 */
export function ellipsizeStyled(s: string, max: number): string {
  if (max <= 0) return '';
  if (!s.includes('\x1b')) return ellipsize(s, max);
  if (visibleWidth(s) <= max) return s;
  // Split into visible runs and codes; cut the visible text once, then lay the codes back.
  const parts: Array<{ text: string; code: boolean }> = [];
  let last = 0;
  for (const m of s.matchAll(SGR)) {
    if (m.index > last) parts.push({ text: s.slice(last, m.index), code: false });
    parts.push({ text: m[0], code: true });
    last = m.index + m[0].length;
  }
  if (last < s.length) parts.push({ text: s.slice(last), code: false });
  const plain = parts
    .filter((p) => !p.code)
    .map((p) => p.text)
    .join('');
  // Over max, so cut: a prefix of `plain` and `…`. The `…` goes right after the kept text, inside its style.
  let keep = ellipsize(plain, max).length - 1;
  let out = '';
  let placed = false;
  for (const p of parts) {
    if (p.code) out += p.text;
    else if (placed) continue;
    else if (p.text.length < keep) {
      out += p.text;
      keep -= p.text.length;
    } else {
      out += p.text.slice(0, keep) + '…';
      placed = true;
    }
  }
  return placed ? out : out + '…';
}

/** Every line of `text` cut to `max` display columns ({@link ellipsizeStyled}); `max` 0 cuts nothing. */
export function fitLines(text: string, max: number): string {
  if (max <= 0) return text;
  return text
    .split('\n')
    .map((line) => ellipsizeStyled(line, max))
    .join('\n');
}
