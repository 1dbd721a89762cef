/**
 * Live oracles: with lab pods up, what nsview reads from the real kernel
 * agrees with util-linux `lsns` (namespaces) and `systemd-cgls` (which cgroup
 * holds each pid), in the hybrid view of this host and in a v2-only view made
 * in a private mount namespace; and so does the CLI (`nsview ls -J`, `nsview tree`).
 *
 * Processes come and go between two reads (other users of the host, the tools
 * themselves), so each comparison takes nsview's reads around the oracle's and
 * is retried up to 3 times before it fails; the lab's own processes must always
 * be in both, in the right place.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanSync } from '../../lib/index.js';
import type { CgroupHierarchy, Pod, Warning } from '../../lib/model/types.js';
import { cgroupHierarchies, Lab, liveStatus, uptimeTicks, type LabPod } from '../helpers/lab.js';
import {
  comparePlacement,
  compareNamespaces,
  hierarchyPlacement,
  lsnsSummaries,
  ownNamespaces,
  parseCgls,
  privateBuild,
  runCgls,
  runLsnsJson,
  snapshotSummaries,
  unexplained,
  withProcess,
  labPlacement,
  expectAgreement,
  compareLs,
  compareTree,
  closeLabAndBuild,
} from './oracles.js';

const live = liveStatus(['lsns', 'systemd-cgls']);
const repo = fileURLToPath(new URL('../../', import.meta.url));

if (!live.ok) {
  console.warn(`live tests skipped: live tests need Linux as root: ${live.reason}`);
  describe('live: nsview against lsns and systemd-cgls', () => {
    it.skip(`live tests need Linux as root: ${live.reason}`, () => undefined);
  });
}

describe.skipIf(!live.ok)('live: nsview against lsns and systemd-cgls', () => {
  let lab: Lab;
  const pods: LabPod[] = [];
  let build: { lib: string; cli: string };
  let buildDir: string;

  beforeAll(async () => {
    buildDir = fs.mkdtempSync('/tmp/nsview-live-build-');
    build = privateBuild(repo, buildDir);
    lab = await Lab.open();
    pods.push(await lab.pod({ layout: 'cgroupfs', qos: 'besteffort', containers: [{}, { procs: 3 }] }));
    pods.push(await lab.pod({ layout: 'crio', sandbox: 'sleep', shareProcessNamespace: true }));
    pods.push(await lab.pod({ layout: 'docker' }));
    pods.push(await lab.pod({ layout: 'containerd', qos: 'guaranteed', hostNetwork: true }));
  }, 300_000);

  afterAll(() => closeLabAndBuild(lab, buildDir), 60_000);

  it('scanSync() lists the namespaces lsns -J -l lists: same ns, type, nprocs and lowest pid', async () => {
    const own = ownNamespaces();
    const labNs = new Set<string>();
    await expectAgreement('lsns vs scanSync', () => {
      const before = scanSync({ hierarchies: 'none' });
      const lsns = runLsnsJson();
      const after = scanSync({ hierarchies: 'none' });
      // lsns counts itself: add it to nsview's reads, in the namespaces it inherited from us.
      const problems = compareNamespaces(
        lsnsSummaries(lsns.rows),
        withProcess(snapshotSummaries(before), lsns.pid, own),
        withProcess(snapshotSummaries(after), lsns.pid, own),
      );
      // The lab's own namespaces, with exactly the lab's processes, are in lsns.
      for (const pod of pods) {
        for (const type of ['net', 'ipc', 'uts', 'pid', 'mnt'] as const) {
          const members = pod.pids.filter(
            (pid) => before.processes.find((p) => p.pid === pid)?.ns[type] === before.processes.find((p) => p.pid === pod.sandbox.mainPid)?.ns[type],
          );
          const inode = before.processes.find((p) => p.pid === pod.sandbox.mainPid)?.ns[type];
          if (inode === undefined || inode === own[type]) continue;
          labNs.add(`${type}:${inode}`);
          const row = lsns.rows.find((r) => r.type === type && r.ns === inode);
          if (!row) problems.push(`lab ${pod.name}: lsns lacks its ${type}:${inode}`);
          else if (row.nprocs !== members.length || row.pid !== Math.min(...members)) {
            problems.push(`lab ${pod.name}: lsns ${type}:${inode} nprocs ${row.nprocs} pid ${row.pid}, lab ${members.length} from ${Math.min(...members)}`);
          }
        }
      }
      return problems;
    });
    expect(labNs.size).toBeGreaterThanOrEqual(pods.length * 3);
  });

  it('systemd-cgls without arguments shows the v2 (unified) tree on this host', async (ctx) => {
    const keys = lab.hierarchies.map((h) => h.key);
    if (!keys.includes('unified')) return ctx.skip('no v2 hierarchy mounted here');
    const marker = lab.markerCgroup(['unified']);
    const other = lab.hierarchies.some((h) => h.version === 1) ? lab.markerCgroup(lab.hierarchies.filter((h) => h.version === 1).map((h) => h.key)) : undefined;
    const tree = parseCgls(runCgls().text);
    expect(tree.header).toBe('Control group /:');
    expect(tree.cgroups.has(marker), `${marker} (made only in the v2 tree) shown`).toBe(true);
    if (other) expect(tree.cgroups.has(other), `${other} (made only in v1 trees) not shown`).toBe(false);
    await expectAgreement('systemd-cgls (default) vs scanSync unified', () => {
      const since = uptimeTicks();
      const before = scanSync({ hierarchies: ['unified'] });
      const cgls = runCgls();
      const unified = before.hierarchies.find((h) => h.key === 'unified') as CgroupHierarchy;
      const t = parseCgls(cgls.text);
      const mine = hierarchyPlacement(unified);
      const cmp = comparePlacement(t.placement, mine.placement, labPlacement(pods));
      const missingCgroups = [...t.cgroups].filter((c) => !mine.cgroups.has(c)).map((c) => `cgroup ${c}: shown by systemd-cgls, not by nsview`);
      return [...cmp.mismatches, ...cmp.missing, ...missingCgroups, ...unexplained(cmp, since)];
    });
  });

  it('every hierarchy (v2 and each v1 controller): each pid is in the cgroup systemd-cgls <mount point> shows', async () => {
    const required = labPlacement(pods);
    const figures = new Map<string, string>();
    const snap0 = scanSync({ limits: false });
    expect(snap0.hierarchies.map((h) => h.key).sort()).toEqual(lab.hierarchies.map((h) => h.key).sort());
    for (const h0 of snap0.hierarchies) {
      await expectAgreement(`systemd-cgls ${h0.mountPoint} vs scanSync ${h0.key}`, () => {
        const since = uptimeTicks();
        const snap = scanSync({ hierarchies: [h0.key], limits: false });
        const cgls = runCgls([h0.mountPoint]);
        const t = parseCgls(cgls.text);
        const h = snap.hierarchies.find((x) => x.key === h0.key);
        if (!h) return [`nsview lost hierarchy ${h0.key}`];
        const mine = hierarchyPlacement(h);
        const cmp = comparePlacement(t.placement, mine.placement, required);
        figures.set(h0.key, `${h0.key}: ${cmp.common} pids agree, only systemd-cgls ${cmp.onlyOracle.length}, only nsview ${cmp.onlyNsview.length}`);
        const cgroupsDiffer = [...t.cgroups].filter((c) => !mine.cgroups.has(c)).map((c) => `${h0.key} cgroup ${c}: shown by systemd-cgls, not by nsview`);
        const header = t.header === `Directory ${h0.mountPoint}:` ? [] : [`unexpected header ${JSON.stringify(t.header)}`];
        // A pid seen by one side only must have started or exited in between (the tools themselves, another user's commands).
        return [...header, ...cmp.mismatches, ...cmp.missing, ...cgroupsDiffer, ...unexplained(cmp, since)];
      });
    }
    console.log(`systemd-cgls per hierarchy:\n  ${[...figures.values()].join('\n  ')}`);
  });

  it('a v1 controller named as systemd-cgls names it (`systemd-cgls memory`) agrees too', async () => {
    const memory = lab.hierarchies.find((h) => h.key === 'memory');
    if (!memory) return;
    await expectAgreement('systemd-cgls memory vs scanSync memory', () => {
      const since = uptimeTicks();
      const snap = scanSync({ hierarchies: ['memory'], limits: false });
      const t = parseCgls(runCgls(['memory']).text);
      if (t.header !== 'Controller memory; Control group /:') return [`unexpected header ${JSON.stringify(t.header)}`];
      const cmp = comparePlacement(t.placement, hierarchyPlacement(snap.hierarchies[0] as CgroupHierarchy).placement, labPlacement(pods));
      return [...cmp.mismatches, ...cmp.missing, ...unexplained(cmp, since)];
    });
  });

  /** Scan with the built library and run systemd-cgls, both in a private mount namespace where /sys/fs/cgroup is a cgroup2 mount. */
  function v2Only(mode: 'clean' | 'overmount'): { hierarchies: CgroupHierarchy[]; warnings: Warning[]; pods: Pod[]; cgls: string; scanPid: number } {
    const scanOut = nodePath.join(lab.tmp, `v2-${mode}-scan.json`);
    const cglsOut = nodePath.join(lab.tmp, `v2-${mode}-cgls.txt`);
    const code = [
      `const m = await import(${JSON.stringify(pathToFileURL(build.lib).href)});`,
      'const s = m.scanSync({ limits: false });',
      'process.stdout.write(JSON.stringify({ pid: process.pid, hierarchies: s.hierarchies, warnings: s.warnings, pods: s.pods }));',
    ].join('\n');
    // clean: only a cgroup2 at /sys/fs/cgroup. overmount: cgroup2 mounted over the hybrid tmpfs, whose mounts stay in mountinfo, hidden.
    const prep = mode === 'clean' ? 'umount -R /sys/fs/cgroup && ' : '';
    const script = `${prep}mount -t cgroup2 none /sys/fs/cgroup && "$0" --input-type=module -e "$1" > "$2" && systemd-cgls --no-pager --full -a -k > "$3"`;
    const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, process.execPath, code, scanOut, cglsOut], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, COLUMNS: '4000', SYSTEMD_COLORS: '0' },
    });
    if (r.status !== 0) throw new Error(`v2-only run (${mode}) failed (${r.status ?? r.signal}): ${r.stderr}`);
    const scan = JSON.parse(fs.readFileSync(scanOut, 'utf8')) as { pid: number; hierarchies: CgroupHierarchy[]; warnings: Warning[]; pods: Pod[] };
    return { ...scan, cgls: fs.readFileSync(cglsOut, 'utf8'), scanPid: scan.pid };
  }

  function checkV2Only(mode: 'clean' | 'overmount'): string[] {
    const since = uptimeTicks();
    const v = v2Only(mode);
    const problems: string[] = [];
    const shape = v.hierarchies.map((h) => `${h.key} v${h.version} at ${h.mountPoint} root ${h.mountRoot}`);
    if (shape.join() !== 'unified v2 at /sys/fs/cgroup root /')
      problems.push(`hierarchies: ${JSON.stringify(shape)}, expected only the v2 tree at /sys/fs/cgroup`);
    const unreadable = v.warnings.filter((w) => w.code === 'unreadable');
    if (unreadable.length) problems.push(`unreadable warnings: ${unreadable.map((w) => w.path ?? w.message).join(', ')}`);
    const t = parseCgls(v.cgls);
    if (t.header !== 'Control group /:') problems.push(`systemd-cgls header ${JSON.stringify(t.header)}`);
    const unified = v.hierarchies.find((h) => h.key === 'unified');
    if (unified) {
      const cmp = comparePlacement(t.placement, hierarchyPlacement(unified).placement, labPlacement(pods));
      problems.push(...cmp.mismatches, ...cmp.missing, ...unexplained(cmp, since));
    }
    for (const pod of pods) {
      const found = v.pods.find((p) => p.key === pod.key);
      const want = [pod.sandbox.id, ...pod.containers.map((c) => c.id).sort()].join();
      if (!found) problems.push(`pod ${pod.key} not found in the v2-only view`);
      else if (found.containers.join() !== want) problems.push(`pod ${pod.key}: containers ${found.containers.join()} in the v2-only view, expected ${want}`);
    }
    return problems;
  }

  it('v2-only view (private mount namespace, only a cgroup2 at /sys/fs/cgroup): built library agrees with systemd-cgls there', async () => {
    await expectAgreement('v2-only (clean) scan vs systemd-cgls', () => checkV2Only('clean'));
  });

  // A cgroup2 mounted over the hybrid /sys/fs/cgroup leaves the hidden v1 and v2 mounts in
  // mountinfo; nsview must ignore them (lib/parse/mountinfo.ts). Only where something is hidden.
  const hides = live.ok && cgroupHierarchies().some((h) => h.mountPoint.startsWith('/sys/fs/cgroup/'));
  (hides ? it : it.skip)(
    'v2-only view made by mounting cgroup2 over /sys/fs/cgroup (hybrid mounts hidden below): built library agrees with systemd-cgls there',
    async () => {
      await expectAgreement('v2-only (over-mounted) scan vs systemd-cgls', () => checkV2Only('overmount'));
    },
  );

  describe('CLI (nsview from a private build of bin/nsview.ts)', () => {
    const cli = (...args: string[]): string[] => [process.execPath, build.cli, ...args];

    it('nsview ls -J lists the namespaces lsns -J -l lists', async () => {
      expect(fs.existsSync(build.cli), `${build.cli} built`).toBe(true);
      const own = ownNamespaces();
      await expectAgreement('nsview ls -J vs lsns -J -l', () => compareLs(cli('ls', '-J'), own));
      // Same columns as lsns -J -l, and the same user and command for the same pid.
      const mine = runLsnsJson(cli('ls', '-J'));
      const lsns = runLsnsJson();
      expect(Object.keys(mine.rows[0] ?? {}).sort()).toEqual(Object.keys(lsns.rows[0] ?? {}).sort());
      for (const pod of pods) {
        const row = mine.rows.find((r) => r.type === 'net' && r.pid === pod.sandbox.mainPid);
        if (pod.spec.hostNetwork) continue;
        expect(row, `nsview ls -J lists the net namespace of ${pod.name}'s sandbox`).toBeDefined();
        const theirs = lsns.rows.find((r) => r.type === 'net' && r.ns === row?.ns);
        expect({ user: row?.user, command: row?.command }).toEqual({ user: theirs?.user, command: theirs?.command });
      }
    });

    it('nsview pods --json and nsview diff --json show the lab pods as built', () => {
      const run = (...args: string[]): unknown => {
        const r = spawnSync(process.execPath, [build.cli, ...args], { encoding: 'utf8', maxBuffer: 256 << 20 });
        if (r.status !== 0) throw new Error(`nsview ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
        return JSON.parse(r.stdout);
      };
      interface PodJson {
        uid: string | null;
        name: string | null;
        qos: string | null;
        cgroup: string | null;
        sandbox: { id: string; pid: number | null } | null;
        containers: Array<{ id: string; role: string; cgroup: string; pids: number[] }>;
        namespaces: Record<string, string>;
      }
      const listed = (run('pods', '--json') as { pods: PodJson[] }).pods;
      for (const lp of pods) {
        const pod = listed.find((p) => (lp.uid ? p.uid === lp.uid : p.name === lp.name));
        expect(pod, `pod ${lp.key} in nsview pods --json`).toBeDefined();
        expect({
          qos: pod?.qos,
          cgroup: pod?.cgroup,
          sandbox: pod?.sandbox,
          containers: pod?.containers.map((c) => ({ id: c.id, role: c.role, cgroup: c.cgroup, pids: c.pids })),
          namespaces: pod?.namespaces,
        }).toEqual({
          qos: lp.qos,
          cgroup: lp.cgroup,
          sandbox: { id: lp.sandbox.id, pid: lp.sandbox.mainPid },
          containers: [lp.sandbox, ...[...lp.containers].sort((a, b) => (a.id < b.id ? -1 : 1))].map((c) => ({
            id: c.id,
            role: c.role,
            cgroup: c.cgroup,
            pids: c.pids,
          })),
          namespaces: lp.modes,
        });
      }
      const [a, b] = pods[0]!.containers;
      const same = run('diff', String(a!.mainPid), String(b!.mainPid), '--json') as { relation: string; shared: string[]; distinct: string[] };
      expect(same.relation).toBe('same-pod');
      expect(same.shared).toEqual(expect.arrayContaining(['net', 'ipc', 'uts']));
      expect(same.distinct).toEqual(expect.arrayContaining(['mnt', 'pid']));
      const across = run('diff', String(a!.mainPid), String(pods[1]!.containers[0]!.mainPid), '--json') as { relation: string };
      expect(across.relation).toBe('different-pods');
    });

    it('nsview tree puts each pid where systemd-cgls does (v2 tree, and a v1 controller with -c)', async () => {
      for (const [label, args, cglsArgs] of [
        ['v2', ['tree', '-a', '-k', '-l'], []],
        ['memory', ['tree', '-c', 'memory', '-a', '-k', '-l'], ['memory']],
        ['pids', ['tree', '-c', 'pids', '-a', '-k', '-l'], ['pids']],
      ] as Array<[string, string[], string[]]>) {
        if (label !== 'v2' && !lab.hierarchies.some((h) => h.key === label)) continue;
        await expectAgreement(`nsview ${args.join(' ')} vs systemd-cgls ${cglsArgs.join(' ')}`, () => compareTree(cli(...args), cglsArgs, labPlacement(pods)));
      }
    });
  });
});
