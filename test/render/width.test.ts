/**
 * Display width as a terminal counts it (wcwidth): wide characters take two
 * columns, combining marks none. Cutting to a width never goes over it,
 * never splits a character from its marks, and `ls` columns and `tree` lines
 * line up and fit in display columns, with colour on and off.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderColumns } from '../../lib/render/columns.js';
import { renderLs } from '../../lib/render/ls.js';
import { ellipsize as safeEllipsize, safe, width as safeWidth } from '../../lib/render/safe.js';
import { renderTree } from '../../lib/render/tree.js';
import { codePointWidth, ellipsize, ellipsizeStyled, stripSgr, visibleWidth, width } from '../../lib/render/width.js';
import type { Snapshot } from '../../lib/model/types.js';
import { scanSync } from '../../lib/scan.js';
import { specSource } from '../../lib/source/spec.js';
import { loadSpec, scenarioSource } from '../helpers/host.js';

/** Milliseconds `f` takes. */
function timed(f: () => unknown): number {
  const t = performance.now();
  f();
  return performance.now() - t;
}

/** The display column each cell of a laid-out line starts at, given the cells' texts in order. */
function starts(line: string, cells: string[]): number[] {
  const out: number[] = [];
  let from = 0;
  for (const c of cells) {
    const i = line.indexOf(c, from);
    expect(i, `${c} in ${line}`).toBeGreaterThanOrEqual(0);
    out.push(width(line.slice(0, i)));
    from = i + c.length;
  }
  return out;
}

describe('width counts terminal columns', () => {
  it('ASCII and Latin text: one column per character', () => {
    expect(width('')).toBe(0);
    expect(width('/usr/bin/containerd --config x')).toBe(30);
    expect(width('café naïve ÿ')).toBe(12);
  });

  it('East Asian wide and fullwidth characters take two', () => {
    expect(width('漢字')).toBe(4);
    expect(width('a漢b')).toBe(4);
    expect(width('한국어')).toBe(6);
    expect(width('カタカナ')).toBe(8);
    expect(width('ＡＢＣ')).toBe(6); // fullwidth forms
    expect(width('ｱｲｳ')).toBe(3); // halfwidth katakana stay narrow
    expect(width('𠀀')).toBe(2); // plane 2 ideograph (a surrogate pair)
  });

  it('emoji shown as pictures take two', () => {
    expect(width('😀')).toBe(2);
    expect(width('a😀b')).toBe(4);
    expect(width('🚀🦀')).toBe(4);
    expect(width('🫠')).toBe(2); // U+1FAE0, in the U+1FA70–U+1FAFF block
  });

  it('combining marks, zero-width joiners and variation selectors take none', () => {
    expect(width('e\u0301')).toBe(1);
    expect(width('e\u0301\u0323')).toBe(1);
    expect(width('\u0300')).toBe(0);
    expect(width('a\u20dd')).toBe(1); // enclosing mark (Me)
    expect(width('a\u200bb\u200cc\u200dd')).toBe(4);
    expect(width('\u2764\ufe0f')).toBe(1); // text-default heart: the selector adds nothing
    expect(width('漢\u0301')).toBe(2);
  });

  it('per code point', () => {
    expect([0x41, 0x301, 0x4e00, 0x1f600, 0xfe0f, 0x200d, 0xac00, 0xff21, 0xff71].map(codePointWidth)).toEqual([1, 0, 2, 2, 0, 0, 2, 2, 1]);
  });

  it('escapes made by safe() are ASCII, and a lone surrogate takes one column', () => {
    expect(width(safe('\x1b[31m\u202e'))).toBe('\\x1b[31m\\u202e'.length);
    expect(width('a\ud800b')).toBe(3);
  });

  it('safe.ts exports the same functions', () => {
    expect(safeWidth('漢字')).toBe(4);
    expect(safeEllipsize('漢字漢字', 5)).toBe('漢字…');
  });

  it('is linear: 10,000 ASCII rows, and 200,000 wide characters', () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => `/usr/bin/process-${i} --flag value --other ${'x'.repeat(60)}`);
    let total = 0;
    expect(timed(() => rows.forEach((r) => (total += width(r))))).toBeLessThan(500);
    expect(total).toBe(rows.reduce((a, r) => a + r.length, 0));
    const cjk = '漢e\u0301😀'.repeat(50_000);
    expect(timed(() => expect(width(cjk)).toBe(250_000))).toBeLessThan(2000);
    expect(timed(() => expect(width(ellipsize(cjk, 100_001))).toBeLessThanOrEqual(100_001))).toBeLessThan(2000);
  });
});

describe('ellipsize cuts to display columns', () => {
  it('wide characters: never over max, … in the column left', () => {
    expect(ellipsize('漢字漢字', 8)).toBe('漢字漢字');
    expect(ellipsize('漢字漢字', 7)).toBe('漢字漢…');
    expect(ellipsize('漢字漢字', 6)).toBe('漢字…');
    expect(ellipsize('漢字漢字', 5)).toBe('漢字…');
    expect(ellipsize('a漢字', 3)).toBe('a…');
    expect(ellipsize('漢', 1)).toBe('…');
    expect(ellipsize('abc', 0)).toBe('');
  });

  it('never splits a surrogate pair', () => {
    expect(ellipsize('😀😀😀', 4)).toBe('😀…');
    expect(ellipsize('😀😀😀', 5)).toBe('😀😀…');
    expect(ellipsize('a😀bcdef', 4)).toBe('a😀…');
  });

  it('keeps a character and its combining marks together', () => {
    expect(ellipsize('ae\u0301\u0301bc', 2)).toBe('a…');
    expect(ellipsize('ae\u0301bc', 3)).toBe('ae\u0301…');
    expect(ellipsize('ae\u0301b', 3)).toBe('ae\u0301b');
    expect(ellipsize('e\u0301e\u0301e\u0301', 2)).toBe('e\u0301…');
  });

  it('ASCII: as before', () => {
    expect(ellipsize('abcdef', 4)).toBe('abc…');
    expect(ellipsize('abcd', 4)).toBe('abcd');
    expect(ellipsize('x'.repeat(200_000) + 'y', 200_000)).toBe('x'.repeat(199_999) + '…');
  });

  it('for random text: at most max columns, a prefix cut between characters, and as long as fits', () => {
    const piece = fc.constantFrom('a', 'Z', ' ', '漢', '한', 'Ａ', 'ｱ', '😀', '🫠', '\u0301', '\u20dd', '\u200d', '\ufe0f', '\ud800', '\udc80', '𠀀', '\x1b');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), fc.integer({ min: 0, max: 30 }), (parts, max) => {
        const s = parts.join('');
        const r = ellipsize(s, max);
        expect(width(r)).toBeLessThanOrEqual(max);
        if (max === 0) {
          expect(r).toBe('');
          return;
        }
        if (width(s) <= max) {
          expect(r).toBe(s);
          return;
        }
        expect(r.endsWith('…')).toBe(true);
        const kept = r.slice(0, -1);
        expect(s.startsWith(kept)).toBe(true);
        // Cut between characters: not inside a pair, not before a mark.
        const next = s.codePointAt(kept.length) as number;
        expect(next >= 0xdc00 && next <= 0xdfff && /[\ud800-\udbff]$/.test(kept)).toBe(false);
        expect(codePointWidth(next)).toBeGreaterThan(0);
        // As long as fits: the next character with its marks would not leave room for `…`.
        let end = kept.length + (next > 0xffff ? 2 : 1);
        while (end < s.length && codePointWidth(s.codePointAt(end) as number) === 0) end += (s.codePointAt(end) as number) > 0xffff ? 2 : 1;
        expect(width(s.slice(0, end))).toBeGreaterThan(max - 1);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('ellipsizeStyled cuts the visible text and keeps the colour codes', () => {
  it('measures without the codes, cuts inside the style, closes it', () => {
    const s = '\x1b[1mhead\x1b[22m \x1b[36m[docker 漢字]\x1b[39m';
    expect(visibleWidth(s)).toBe(18);
    expect(ellipsizeStyled(s, 18)).toBe(s);
    const cut = ellipsizeStyled(s, 12);
    expect(cut).toBe('\x1b[1mhead\x1b[22m \x1b[36m[docke…\x1b[39m');
    expect(visibleWidth(cut)).toBe(12);
    expect(ellipsizeStyled(s, 3)).toBe('\x1b[1mhe…\x1b[22m\x1b[36m\x1b[39m');
    expect(stripSgr(ellipsizeStyled(s, 11))).toBe(ellipsize(stripSgr(s), 11));
    expect(ellipsizeStyled(s, 0)).toBe('');
  });
});

describe('ls columns line up in display columns', () => {
  const plain = { color: false, width: 0 };
  /** The seed pod with a CJK command line, an accented one (combining marks), and an emoji one, each in its own uts namespace. */
  function wideSnapshot(): Snapshot {
    const spec = loadSpec('k8s-seed-pod');
    const cmds = [
      ['/usr/bin/漢字プロセス', '--名前=テスト'],
      ['cafe\u0301', 'nai\u0308ve', 'e\u0301e\u0301e\u0301'],
      ['🚀', 'launch'],
    ];
    cmds.forEach((cmdline, i) => {
      const ns = {
        cgroup: 4026599001 + 10 * i,
        ipc: 4026599002 + 10 * i,
        mnt: 4026599003 + 10 * i,
        net: 4026599004 + 10 * i,
        pid: 4026599005 + 10 * i,
        uts: 4026599006 + 10 * i,
      };
      spec.processes.push({ pid: 7001 + i, comm: 'wide', cmdline, ns, cgroup: '/user.slice/wide.scope' });
    });
    return scanSync({ source: specSource(spec) });
  }

  it('COMMAND between columns: the next column starts at the same display column on every row', () => {
    const s = wideSnapshot();
    const out = renderLs(s, { columns: ['NS', 'COMMAND', 'PID', 'TYPE'], types: ['uts'] }, plain);
    const lines = out.trimEnd().split('\n');
    expect(lines.some((l) => l.includes('漢字プロセス'))).toBe(true);
    expect(lines.some((l) => l.includes('cafe\u0301'))).toBe(true);
    // TYPE, the last column, starts at the same display column on every row (the header's too).
    const typeCol = new Set(lines.map((l) => width(l.slice(0, l.lastIndexOf(' ') + 1))));
    expect(typeCol.size).toBe(1);
    // PID is right-aligned: every PID (and the header PID) ends at the same display column.
    const pidEnds = new Set(lines.map((l) => width(l.replace(/ +\S+$/, ''))));
    expect(pidEnds.size).toBe(1);
    expect(lines.length).toBeGreaterThan(4);
  });

  it('the default columns, cut to a width, fit it', () => {
    const s = wideSnapshot();
    const out = renderLs(s, {}, { color: false, width: 52 });
    const lines = out.trimEnd().split('\n');
    for (const l of lines) expect(width(l), l).toBeLessThanOrEqual(52);
    expect(lines.some((l) => l.includes('/usr/bin/漢') && l.endsWith('…'))).toBe(true);
    // COMMAND starts at the same display column on every row: after NS TYPE NPROCS PID USER.
    const cmdAt = width(lines[0]!.slice(0, lines[0]!.indexOf('COMMAND')));
    for (const l of lines.slice(1)) expect(width(/^ *\d+ \S+ +\d+ +\d+ \S+ +/.exec(l)![0]), l).toBe(cmdAt);
  });

  it('renderColumns pads CJK and combining cells by display width', () => {
    const out = renderColumns(
      [{ header: 'NAME' }, { header: 'N', right: true }, { header: 'END' }],
      [
        ['漢字漢字', '1', 'x'],
        ['e\u0301e\u0301', '22', 'y'],
        ['ab', '333', 'z'],
      ],
    );
    expect(out.trimEnd().split('\n')).toEqual(['NAME       N END', '漢字漢字   1 x', `e\u0301e\u0301${' '.repeat(8)}22 y`, `ab${' '.repeat(7)}333 z`]);
    for (const l of out.trimEnd().split('\n')) expect(starts(l, [l.slice(-1) === 'D' ? 'END' : l.slice(-1)])[0]).toBe(13);
  });

  it('a truncated CJK column keeps the table aligned', () => {
    const out = renderColumns(
      [
        { header: 'NS', right: true },
        { header: 'COMMAND', trunc: true },
        { header: 'PID', right: true },
      ],
      [
        ['1', '漢字'.repeat(20), '10'],
        ['2', 'short', '200'],
      ],
      { width: 30 },
    );
    const lines = out.trimEnd().split('\n');
    for (const l of lines) expect(width(l)).toBeLessThanOrEqual(30);
    expect(new Set(lines.map((l) => width(l))).size).toBe(1);
    expect(lines[1]).toContain('…');
  });
});

describe('tree lines fit the width in display columns', () => {
  const scenarios = ['k8s-seed-pod', 'k8s-v1-cgroupfs-node', 'k8s-v2-systemd-node', 'docker-host', 'docker-seed-pod'];

  for (const name of scenarios) {
    it(`${name}: every line fits 80 (and 40) columns, colour on and off`, () => {
      const s = scanSync({ source: scenarioSource(name) });
      for (const color of [false, true]) {
        for (const w of [80, 40]) {
          for (const o of [{}, { ns: true }, { all: true, kernel: true }]) {
            const out = renderTree(s, o, { color, width: w });
            for (const l of out.trimEnd().split('\n')) expect(visibleWidth(l), `${color} ${w} ${l}`).toBeLessThanOrEqual(w);
            if (color) expect(out).toContain('\x1b[');
          }
        }
      }
    });
  }

  it('the name is cut, the label kept whole', () => {
    const s = scanSync({ source: scenarioSource('k8s-v2-systemd-node') });
    const wide = renderTree(s, {}, { color: false, width: 0 });
    const label = '[pod besteffort 7191ad4f-ed21-5877-b15a-e387681ec89b]';
    const full = wide.split('\n').find((l) => l.endsWith(label))!;
    expect(width(full)).toBeGreaterThan(80);
    const out = renderTree(s, {}, { color: false, width: 80 });
    const line = out.split('\n').find((l) => l.endsWith(' ' + label))!;
    expect(line).toMatch(/^│ │ ├─kubepods-besteffort[^ ]*… \[pod besteffort /);
    expect(width(line)).toBe(80);
    // With colour the label keeps its style and the line its width.
    const coloured = renderTree(s, {}, { color: true, width: 80 })
      .split('\n')
      .find((l) => stripSgr(l) === line);
    expect(coloured).toBeDefined();
    expect(coloured).toContain('\x1b[35m[pod besteffort');
  });

  it('a CJK cgroup name with a container label, and a label too wide for the line', () => {
    const spec = loadSpec('k8s-seed-pod');
    spec.processes.push({
      pid: 7101,
      comm: 'wide',
      cmdline: ['/bin/漢字'.repeat(30)],
      cgroup: '/system.slice/漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字.service',
    });
    const s = scanSync({ source: specSource(spec) });
    for (const w of [80, 30, 12, 3]) {
      for (const color of [false, true]) {
        const out = renderTree(s, { ns: true }, { color, width: w });
        for (const l of out.trimEnd().split('\n')) expect(visibleWidth(l), `${w} ${l}`).toBeLessThanOrEqual(w);
      }
    }
    const out = renderTree(s, {}, { color: false, width: 40 });
    expect(out).toMatch(/─漢字漢字[^\n]*…\n/);
    expect(out).toMatch(/─7101 \/bin\/漢字[^\n]*…\n/);
  });

  it('the header line fits, with its label', () => {
    const s = scanSync({ source: scenarioSource('k8s-v2-systemd-node') });
    const at = '/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod7191ad4f_ed21_5877_b15a_e387681ec89b.slice';
    const full = renderTree(s, { cgroup: at }, { color: false, width: 0 }).split('\n')[0]!;
    expect(full).toBe(`Control group ${at}: [pod besteffort 7191ad4f-ed21-5877-b15a-e387681ec89b]`);
    const head = renderTree(s, { cgroup: at }, { color: false, width: 80 }).split('\n')[0]!;
    expect(width(head)).toBe(80);
    expect(head).toMatch(/^Control group \/kube[^ ]*… \[pod besteffort 7191ad4f-ed21-5877-b15a-e387681ec89b\]$/);
    const narrow = renderTree(s, { cgroup: at }, { color: true, width: 30 }).split('\n')[0]!;
    expect(visibleWidth(narrow)).toBe(30);
    expect(narrow.startsWith('\x1b[1mControl group')).toBe(true);
  });

  it('width 0 (-l) cuts nothing', () => {
    const s = scanSync({ source: scenarioSource('k8s-v2-systemd-node') });
    const out = renderTree(s, { full: true }, { color: false, width: 80 });
    expect(out).not.toContain('…');
    expect(out.split('\n').some((l) => width(l) > 80)).toBe(true);
  });
});
