import { ellipsize, width } from './safe.js';

/** A column of a table: its header and whether it is right-aligned (numbers). */
export interface ColumnSpec {
  header: string;
  right?: boolean;
  /** May be cut with `…` so the line fits the width (lsns truncates COMMAND this way). */
  trunc?: boolean;
}

/** Options for {@link renderColumns}. */
export interface ColumnsOptions {
  /** Omit the header line (lsns -n). */
  noHeadings?: boolean;
  /** Raw output: cells separated by one space, no alignment (lsns -r). */
  raw?: boolean;
  /** Total width in display columns; the truncatable column, then the line, is cut to fit (0 = never cut). */
  width?: number;
  /** Style applied to the header line. */
  header?: (s: string) => string;
}

/**
 * Lay out rows of plain cells in aligned columns, as lsns does: numbers
 * right-aligned, text left-aligned, the last column unpadded and cut with `…`
 * to the terminal width. Widths, padding and cuts count display columns
 * ({@link width}: a CJK character takes two, a combining mark none), so a
 * column after a wide command line still starts where the others do.
 */
export function renderColumns(cols: ColumnSpec[], rows: string[][], o: ColumnsOptions = {}): string {
  let all = o.noHeadings ? rows : [cols.map((c) => c.header), ...rows];
  if (o.raw) return all.map((r) => r.map((c) => c.replace(/ /g, '\\x20')).join(' ')).join('\n') + (all.length ? '\n' : '');
  let widths = cols.map(() => 0);
  // A loop, not Math.max(...rows): a spread of 125,000+ rows overflows the stack.
  for (const r of all) for (let i = 0; i < cols.length; i++) widths[i] = Math.max(widths[i] as number, width(r[i] ?? ''));
  const t = cols.findIndex((c) => c.trunc);
  const total = widths.reduce((a, b) => a + b, 0) + cols.length - 1;
  if (o.width && o.width > 0 && t >= 0 && total > o.width) {
    // Cut the truncatable column (not below its header or 10 columns) so the rest fits.
    const keep = Math.max((widths[t] as number) - (total - o.width), 10, width(cols[t]!.header));
    all = all.map((r) => r.map((c, i) => (i === t ? ellipsize(c, keep) : c)));
    widths = widths.map((w, i) => (i === t ? Math.min(w, keep) : w));
  }
  const lines = all.map((r, ri) => {
    const cells = cols.map((c, i) => {
      const v = r[i] ?? '';
      if (i === cols.length - 1 && !c.right) return v;
      const pad = ' '.repeat((widths[i] as number) - width(v));
      return c.right ? pad + v : v + pad;
    });
    let line = cells.join(' ');
    if (o.width && o.width > 0) line = ellipsize(line, o.width);
    // trimEnd, not replace(/\s+$/): the regular expression is quadratic on a long padded line.
    line = line.trimEnd();
    return ri === 0 && !o.noHeadings && o.header ? o.header(line) : line;
  });
  return lines.join('\n') + (lines.length ? '\n' : '');
}
