/**
 * The CLI's fast path (bin/nsview.ts: `--version` and plain `tree`/`ls` flags run without
 * building yargs) prints what yargs's path prints: the same stdout, stderr and status for
 * every argument set it takes, and it leaves every other set to yargs.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../dist/bin/nsview.js', import.meta.url));
const run = (args: string[], slow: boolean) => {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '', FORCE_COLOR: '0', COLUMNS: '' };
  if (slow) env.NSVIEW_NO_FAST_PATH = '1';
  else delete env.NSVIEW_NO_FAST_PATH;
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env });
  return { out: r.stdout, err: r.stderr, code: r.status };
};

describe('the fast path and yargs agree', () => {
  it.each([
    ['--version'],
    ['-V'],
    ['tree', '--demo'],
    ['tree', '-a', '-k', '--demo'],
    ['tree', '--ns', '-l', '--demo', '--color'],
    ['tree', '--demo', '--no-pager', '-v', '-J'],
    ['ls', '--demo'],
    ['ls', '-J', '--demo'],
    ['ls', '-n', '-r', '--demo', '-q'],
    ['ls', '-u', '-W', '-l', '--demo', '--no-color'],
    // Sets the fast path leaves to yargs: a repeated flag, a value, help, an unknown flag.
    ['ls', '-J', '-J', '--demo'],
    ['ls', '-t', 'net', '--demo'],
    ['tree', '--help'],
    ['ls', '--bogus', '--demo'],
  ])('nsview %s …', (...args) => {
    const fast = run(args, false);
    const slow = run(args, true);
    expect(fast.out.length + fast.err.length).toBeGreaterThan(0);
    expect(fast).toEqual(slow);
  });
});
