/**
 * The one escaping function (safe), the message-size cap (brief) and the
 * width helpers: every character that could steer a terminal is escaped,
 * bytes kept as lone surrogates print as the byte, and every transform is
 * linear (timing is a generous bound, never a benchmark).
 */
import { describe, expect, it } from 'vitest';
import { shorten } from '../../lib/errors.js';
import { renderJson } from '../../lib/render/json.js';
import { brief, ellipsize, safe, width } from '../../lib/render/safe.js';

/** Milliseconds `f` takes. */
function timed(f: () => unknown): number {
  const t = performance.now();
  f();
  return performance.now() - t;
}

describe('safe', () => {
  it('escapes C0, DEL and C1 controls as \\xNN', () => {
    expect(safe('a\x00b\x1b[2J\x7f\x80\x9b31m\x9f')).toBe('a\\x00b\\x1b[2J\\x7f\\x80\\x9b31m\\x9f');
  });

  it('escapes every Unicode bidi control, U+061C (Arabic letter mark) included', () => {
    const bidi = ['\u061c', '\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'];
    for (const c of bidi) expect(safe(`x${c}y`), `U+${c.charCodeAt(0).toString(16)}`).toBe(`x\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}y`);
    expect(safe('\u2028\u2029\ufeff')).toBe('\\u2028\\u2029\\ufeff');
  });

  it('shows a byte kept as a lone surrogate (U+DC80–U+DCFF, "surrogateescape") as that byte', () => {
    expect(safe('name\udcff\udc80.slice')).toBe('name\\xff\\x80.slice');
  });

  it('shows other lone surrogates as \\uNNNN and leaves pairs (emoji) alone', () => {
    expect(safe('\ud800x\udc00\udc7f\udbff')).toBe('\\ud800x\\udc00\\udc7f\\udbff');
    expect(safe('pod-😀-\u00e9\u4e2d')).toBe('pod-😀-\u00e9\u4e2d');
    // A high surrogate before U+DCxx is a pair, a real character (U+1F4FF): not a kept byte.
    expect(safe('\ud83d\udcff')).toBe('\u{1f4ff}');
  });

  it('JSON output escapes U+061C like the other direction marks', () => {
    expect(renderJson({ name: 'a\u061cb\u202e' }, 0)).toBe('{"name":"a\\u061cb\\u202e"}\n');
  });

  it('is linear: 200,000 hostile characters in well under a second', () => {
    const text = '\x1b\u061c\udcffa'.repeat(50_000);
    expect(timed(() => safe(text))).toBeLessThan(1000);
  });
});

describe('brief and shorten: the size cap on every value a message echoes', () => {
  it('keeps the start and end of a long value with … between, then escapes', () => {
    const long = '\x1b[2J' + 'v'.repeat(50_000_000) + 'end';
    const b = brief(long);
    expect(b.length).toBeLessThan(300);
    expect(b.startsWith('\\x1b[2J')).toBe(true);
    expect(b.endsWith('vend')).toBe(true);
    expect(b).toContain('…');
  });

  it('never splits a surrogate pair', () => {
    for (let n = 1; n < 8; n++) {
      const s = shorten('😀'.repeat(300), 20 + n);
      expect(safe(s), String(n)).not.toMatch(/\\ud[89a-f]/);
      expect(s.length).toBeLessThanOrEqual(20 + n);
    }
  });

  it('leaves short values alone', () => {
    expect(shorten('kubepods.slice')).toBe('kubepods.slice');
  });
});

describe('width and ellipsize', () => {
  it('count code points, cut with …', () => {
    // An emoji takes two columns of a terminal (lib/render/width.ts).
    expect(width('a😀b')).toBe(4);
    expect(ellipsize('a😀bcdef', 4)).toBe('a😀…');
    expect(ellipsize('a😀b', 3)).toBe('a…');
    expect(ellipsize('abc', 0)).toBe('');
  });

  it('are linear on a 200,000-character line', () => {
    const line = 'x'.repeat(200_000);
    expect(timed(() => ellipsize(line + 'y', 200_000))).toBeLessThan(500);
    expect(timed(() => width(line))).toBeLessThan(500);
  });
});
