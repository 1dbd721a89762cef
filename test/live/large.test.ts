/**
 * Live: a node the size of a real one. A container of 3,000 processes (its
 * `cgroup.procs` spans several pages, in the v2 tree and in every v1 controller)
 * and a mount namespace whose mountinfo is larger than 64 KiB with the cgroup
 * mount at its end. `tree`, `pods`, `ls`, and `capture` read back with `--root`,
 * agree with `systemd-cgls` and `lsns` there and list every one of the processes.
 * The kernel hands these files out a page per read: a reader that stops at the
 * first short read loses most of them.
 */
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, liveStatus, nsInode, type LabPod } from '../helpers/lab.js';
import { closeLabAndBuild, compareLs, compareTree, expectAgreement, labPlacement, ownNamespaces, privateBuild, runCli } from './oracles.js';

const live = liveStatus(['lsns', 'systemd-cgls']);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const BIG = 3000;
const MOUNTS = 600;

if (!live.ok) {
  console.warn(`live tests skipped: live tests need Linux as root: ${live.reason}`);
  describe('live: a node with a cgroup of thousands of processes and a large mountinfo', () => {
    it.skip(`live tests need Linux as root: ${live.reason}`, () => undefined);
  });
}

interface PodJson {
  uid: string | null;
  containers: Array<{ id: string; pids: number[] }>;
}

describe.skipIf(!live.ok)('live: a node with a cgroup of thousands of processes and a large mountinfo', () => {
  let lab: Lab;
  let pod: LabPod;
  let buildDir: string;
  let build: { lib: string; cli: string };
  let mnt: { pid: number; mountinfoBytes: number };
  const cli = (...args: string[]): string[] => [process.execPath, build.cli, ...args];
  const big = (): LabPod['containers'][number] => pod.containers[0]!;

  beforeAll(async () => {
    buildDir = fs.mkdtempSync('/tmp/nsview-live-build-');
    build = privateBuild(repo, buildDir);
    lab = await Lab.open();
    pod = await lab.pod({ layout: 'containerd', qos: 'burstable', containers: [{ procs: BIG }, {}] });
    mnt = await lab.mountNamespace(MOUNTS, { cgroup2: true });
  }, 400_000);

  afterAll(() => closeLabAndBuild(lab, buildDir), 120_000);

  it('the lab is as large as meant: cgroup.procs of many pages in every hierarchy, mountinfo over 64 KiB', () => {
    expect(big().pids).toHaveLength(BIG);
    for (const h of lab.hierarchies) expect(fs.readFileSync(`${h.mountPoint}${big().cgroup}/cgroup.procs`).length, h.key).toBeGreaterThan(3 * 4096);
    expect(mnt.mountinfoBytes).toBeGreaterThan(64 * 1024);
  });

  it('nsview tree -l shows every pid where systemd-cgls does (v2 tree and the memory controller)', async () => {
    const required = labPlacement([pod]);
    await expectAgreement('nsview tree vs systemd-cgls', () => compareTree(cli('tree', '-a', '-k', '-l'), [], required));
    if (lab.hierarchies.some((h) => h.key === 'memory')) {
      await expectAgreement('nsview tree -c memory vs systemd-cgls memory', () =>
        compareTree(cli('tree', '-c', 'memory', '-a', '-k', '-l'), ['memory'], required),
      );
    }
  });

  it("nsview pods --json lists all the container's processes", () => {
    const pods = (JSON.parse(runCli(cli('pods', '--json')).stdout) as { pods: PodJson[] }).pods;
    const mine = pods.find((p) => p.uid === pod.uid);
    expect(mine?.containers.find((c) => c.id === big().id)?.pids).toEqual(big().pids);
  });

  it('nsview ls -J counts the processes lsns -J -l counts', async () => {
    await expectAgreement('nsview ls -J vs lsns -J -l', () => compareLs(cli('ls', '-J'), ownNamespaces()));
    const rows = (JSON.parse(runCli(cli('ls', '-J')).stdout) as { namespaces: Array<{ ns: number; type: string; nprocs: number }> }).namespaces;
    const own = nsInode(big().mainPid, 'mnt');
    expect(rows.find((r) => r.type === 'mnt' && r.ns === own)?.nprocs).toBe(BIG);
  });

  it('nsview capture copies whole files: tree, pods and ls of the capture (--root) still hold every process', () => {
    const dest = `${buildDir}/capture`;
    runCli(cli('capture', dest));
    const procs = fs.readFileSync(`${dest}${lab.hierarchies[0]!.mountPoint}${big().cgroup}/cgroup.procs`, 'utf8');
    expect(
      procs
        .split('\n')
        .filter(Boolean)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual(big().pids);
    expect(fs.readFileSync(`${dest}/proc/self/mountinfo`, 'utf8')).toBe(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
    for (const args of [
      ['tree', '-a', '-k', '-l'],
      ['tree', '-c', 'memory', '-a', '-k', '-l'],
    ]) {
      const text = runCli(cli(...args, '--root', dest)).stdout;
      const listed = big().pids.filter((pid) => new RegExp(`[─ ]${pid} `).test(text));
      expect(listed.length, `nsview ${args.join(' ')} --root lists the container's pids`).toBe(BIG);
    }
    const pods = (JSON.parse(runCli(cli('pods', '--json', '--root', dest)).stdout) as { pods: PodJson[] }).pods;
    expect(pods.find((p) => p.uid === pod.uid)?.containers.find((c) => c.id === big().id)?.pids).toEqual(big().pids);
    const rows = (JSON.parse(runCli(cli('ls', '-J', '--root', dest)).stdout) as { namespaces: Array<{ ns: number; type: string; nprocs: number }> }).namespaces;
    expect(rows.find((r) => r.type === 'mnt' && r.ns === nsInode(big().mainPid, 'mnt'))?.nprocs).toBe(BIG);
  });

  describe('inside a mount namespace whose mountinfo is over 64 KiB, its cgroup2 mount at the end', () => {
    const wrap = (): string[] => ['nsenter', '-t', String(mnt.pid), '-m'];

    it('nsview tree agrees with systemd-cgls there (the v2-only view)', async () => {
      await expectAgreement('nsview tree vs systemd-cgls in the large mount namespace', () =>
        compareTree(cli('tree', '-a', '-k', '-l'), [], labPlacement([pod]), wrap()),
      );
    });

    it('nsview pods and ls agree with the lab and lsns there', async () => {
      const pods = (JSON.parse(runCli(cli('pods', '--json'), wrap()).stdout) as { pods: PodJson[] }).pods;
      expect(pods.find((p) => p.uid === pod.uid)?.containers.find((c) => c.id === big().id)?.pids).toEqual(big().pids);
      const own = { ...ownNamespaces(), mnt: nsInode(mnt.pid, 'mnt') };
      await expectAgreement('nsview ls -J vs lsns -J -l in the large mount namespace', () => compareLs(cli('ls', '-J'), own, wrap()));
    });
  });
});
