/**
 * nsview as npm users get it: `npm pack`, the tarball installed into a temporary
 * prefix (outside the source tree, so nothing resolves from the repository's
 * node_modules), the installed CLI run, and a consumer project typechecked and
 * run against the installed package. The suite builds dist/ first (`npm test`'s
 * pretest); run alone, this file builds it if it is missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const HOOK_MS = 240_000;

let tmp = '';
let pkgDir = '';
let bin = '';
let files: string[] = [];

const run = (cmd: string, args: string[], cwd: string) =>
  spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NODE_PATH: '', FORCE_COLOR: '0', NO_COLOR: '1' } });

beforeAll(() => {
  if (!fs.existsSync(nodePath.join(repo, 'dist/bin/nsview.js'))) execFileSync(npm, ['run', 'build'], { cwd: repo, stdio: 'ignore' });
  tmp = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'nsview-pack-'));
  // --ignore-scripts: pack the dist/ that was just built instead of building again.
  const packed = JSON.parse(execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], { cwd: repo, encoding: 'utf8' })) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  files = packed[0]!.files.map((f) => f.path);
  const tarball = nodePath.join(tmp, nodePath.basename(packed[0]!.filename));
  const prefix = nodePath.join(tmp, 'prefix');
  // Runtime dependencies come from npm's cache (filled by `npm ci`) or the registry.
  const install = run(npm, ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], tmp);
  if (install.status !== 0) throw new Error(`npm install of the tarball failed:\n${install.stderr}`);
  pkgDir = nodePath.join(prefix, 'lib/node_modules/nsview');
  bin = nodePath.join(prefix, 'bin/nsview');
}, HOOK_MS);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('holds the build, docs, README and LICENSE, and no sources, tests or fixtures', () => {
    expect(files).toContain('dist/bin/nsview.js');
    expect(files).toContain('dist/lib/index.js');
    expect(files).toContain('dist/lib/index.d.ts');
    expect(files).toContain('dist/lib/demo/k8s-node.json');
    expect(files).toContain('LICENSE');
    expect(files).toContain('README.md');
    expect(files).toContain('docs/cli.md');
    expect(files.filter((f) => /^(lib|bin|test|fixtures|bench)\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).toEqual([]);
  });

  it('installs only runtime dependencies: no dev tool is reachable from the installed package', () => {
    const manifest = JSON.parse(fs.readFileSync(nodePath.join(pkgDir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const reachable = (name: string): boolean => [nodePath.join(pkgDir, 'node_modules', name), nodePath.join(pkgDir, '..', name)].some((p) => fs.existsSync(p));
    for (const dep of Object.keys(manifest.dependencies)) expect(reachable(dep), dep).toBe(true);
    for (const dev of ['memfs', 'vitest', 'typescript', 'fast-check']) expect(reachable(dev), dev).toBe(false);
  });
});

describe('the installed CLI', () => {
  it('prints its version', () => {
    const r = run(bin, ['--version'], tmp);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(JSON.parse(fs.readFileSync(nodePath.join(repo, 'package.json'), 'utf8')).version);
  });

  it.each([['pods'], ['tree'], ['ls'], ['diff', '1070', '1090'], ['inspect', '1040']])('%s --demo prints what the source tree prints', (...args) => {
    const installed = run(bin, [...args, '--demo', '--width', '120'], tmp);
    const inTree = run(process.execPath, [nodePath.join(repo, 'dist/bin/nsview.js'), ...args, '--demo', '--width', '120'], repo);
    expect(installed.stderr).toBe('');
    expect(installed.status).toBe(0);
    expect(installed.stdout.length).toBeGreaterThan(100);
    expect(installed.stdout).toBe(inTree.stdout);
  });

  it('pods --demo names the demo pods', () => {
    const r = run(bin, ['pods', '--demo', '--json'], tmp);
    const pods = (JSON.parse(r.stdout) as { pods: Array<{ uid: string; sandbox: { pid: number } | null }> }).pods;
    expect(pods.map((p) => p.sandbox?.pid).sort()).toEqual([1010, 1040, 1100, 1120, 1140]);
  });
});

describe('a consumer project', () => {
  let consumer = '';
  beforeAll(() => {
    consumer = nodePath.join(tmp, 'consumer');
    fs.mkdirSync(nodePath.join(consumer, 'node_modules/@types'), { recursive: true });
    fs.symlinkSync(pkgDir, nodePath.join(consumer, 'node_modules/nsview'));
    fs.symlinkSync(nodePath.join(repo, 'node_modules/@types/node'), nodePath.join(consumer, 'node_modules/@types/node'));
    fs.writeFileSync(nodePath.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    fs.writeFileSync(
      nodePath.join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
        },
        files: ['index.ts'],
      }),
    );
    fs.writeFileSync(
      nodePath.join(consumer, 'index.ts'),
      [
        "import { scan, scanSync, diff, isNsviewError, createMemorySource, type Snapshot, type DiffResult } from 'nsview';",
        'const snap: Snapshot = await scan({ root: process.argv[2] ?? "/" });',
        'const d: DiffResult = diff(snap, snap.processes[0]!.pid, snap.processes[0]!.pid);',
        'const empty = createMemorySource({ files: {}, links: {} });',
        'try { scanSync({ source: empty }); } catch (e) { if (!isNsviewError(e)) throw e; }',
        'console.log(d.verdict);',
        '',
      ].join('\n'),
    );
  });

  it('typechecks under moduleResolution nodenext with strict settings', () => {
    const r = run(process.execPath, [nodePath.join(repo, 'node_modules/typescript/bin/tsc'), '-p', consumer], consumer);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('a type error in the consumer is reported (the check above can fail)', () => {
    fs.writeFileSync(nodePath.join(consumer, 'bad.ts'), "import { diff } from 'nsview';\nconst n: number = diff;\n");
    const tsconfig = JSON.parse(fs.readFileSync(nodePath.join(consumer, 'tsconfig.json'), 'utf8')) as { files: string[] };
    fs.writeFileSync(nodePath.join(consumer, 'tsconfig.bad.json'), JSON.stringify({ ...tsconfig, extends: './tsconfig.json', files: ['bad.ts'] }));
    const r = run(process.execPath, [nodePath.join(repo, 'node_modules/typescript/bin/tsc'), '-p', nodePath.join(consumer, 'tsconfig.bad.json')], consumer);
    expect(r.status).not.toBe(0);
    expect(r.stdout).toMatch(/TS2322/);
  });

  it('require() of the package works where Node can require ES modules', () => {
    const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
    const canRequireEsm = major > 22 || (major === 22 && minor >= 12) || (major === 20 && minor >= 19);
    if (!canRequireEsm) {
      console.log(`skipped: Node ${process.versions.node} cannot require() ES modules without a flag`);
      return;
    }
    fs.writeFileSync(nodePath.join(consumer, 'req.cjs'), "const n = require('nsview');\nconsole.log(typeof n.scan, typeof n.diff, typeof n.parseSnapshot);\n");
    const r = run(process.execPath, ['--no-warnings', nodePath.join(consumer, 'req.cjs')], consumer);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('function function function');
  });
});
