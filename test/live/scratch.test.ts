import { it } from 'vitest';
import { Lab } from '../helpers/lab.js';
import { scanSync } from '../../lib/index.js';
import * as o from './oracles.js';
it('scratch', async () => {
  const lab = await Lab.open();
  try {
    await lab.pod({ layout: 'cgroupfs', qos: 'guaranteed', containers: [{}, { procs: 3 }] });
    await lab.pod({ layout: 'crio', sandbox: 'sleep', shareProcessNamespace: true });
    const before = scanSync();
    const l = o.runLsnsJson();
    const after = scanSync();
    const own = o.ownNamespaces();
    const mm = o.compareNamespaces(o.lsnsSummaries(l.rows), o.snapshotSummaries(before, { pid: l.pid, ns: own }), o.snapshotSummaries(after, { pid: l.pid, ns: own }));
    console.log('lsns rows', l.rows.length, 'nsview', before.namespaces.length, 'mismatch', mm);
    for (const h of before.hierarchies) {
      const c = o.runCgls([h.mountPoint]);
      const t = o.parseCgls(c.text);
      const cmp = o.comparePlacement(t.placement, o.hierarchyPlacement(h).placement);
      console.log(h.key, t.header, t.placement.size, cmp.common, cmp.mismatches.slice(0, 5), cmp.onlyOracle, cmp.onlyNsview, 'cg', t.cgroups.size, o.hierarchyPlacement(h).cgroups.size);
    }
    const c = o.runCgls([]);
    console.log(c.text.split('\n').slice(0, 3).join('\n'));
    console.log(c.text.split('\n').filter(l => l.includes('kubepods')).slice(0, 8).join('\n'));
  } finally {
    await lab.close();
  }
});
