/**
 * Run from inside a cgroup namespace (as from inside a container that has its
 * own), nsview must say that its cgroup paths are relative — in every view,
 * including `tree`, which takes its paths from the cgroup trees.
 */
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun, plainEnv, run, worldReadableBuild, type Build } from '../helpers/cli.js';
import { cgroupHierarchies, liveStatus } from '../helpers/lab.js';

const live = liveStatus();
const repo = fileURLToPath(new URL('../../', import.meta.url));
if (!live.ok) {
  console.warn(`live tests skipped: live tests need Linux as root: ${live.reason}`);
  describe('live: scans from inside a cgroup namespace', () => {
    it.skip(`live tests need Linux as root: ${live.reason}`, () => undefined);
  });
}

describe.skipIf(!live.ok)('live: scans from inside a cgroup namespace', () => {
  let build: Build | undefined;
  let cgroup = '';
  beforeAll(() => {
    build = worldReadableBuild(repo);
    // A cgroup of our own in the v2 tree (or the first hierarchy) for the namespaced run.
    const h = cgroupHierarchies().find((x) => x.version === 2) ?? cgroupHierarchies()[0]!;
    cgroup = `${h.mountPoint}/nsview-cgns-${process.pid}-${Date.now()}`;
    fs.mkdirSync(cgroup);
  }, 120_000);
  afterAll(() => {
    build?.remove();
    if (cgroup) fs.rmdirSync(cgroup);
  });

  it.each([['tree'], ['ls'], ['pods']])('nsview %s warns that it ran inside a cgroup namespace', async (cmd) => {
    const script = `echo $$ > '${cgroup}/cgroup.procs' && exec unshare --cgroup '${process.execPath}' '${build!.cli}' ${cmd}`;
    const r = await run(['sh', '-c', script], { env: plainEnv(), timeoutMs: 30_000 });
    expect(r.status, describeRun(r)).toBe(0);
    expect(r.stderr, describeRun(r)).toMatch(/inside a cgroup namespace/);
    // And outside one, no such warning.
    const outside = await run([process.execPath, build!.cli, cmd], { env: plainEnv(), timeoutMs: 30_000 });
    expect(outside.stderr, describeRun(outside)).not.toMatch(/cgroup namespace/);
  });
});
