/** Which hierarchy's path identifies a process when hierarchies disagree (hybrid hosts). */
import { describe, expect, it } from 'vitest';
import { identifyProcess } from '../../lib/model/containers.js';
import { emptyProcess } from '../../lib/read/processes.js';

const NODE = '7a8b5c2f8e3d4a6b9c1d0e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b';
const UID = '0b9a4d1c-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const ID = '3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d';

describe('identifyProcess', () => {
  it('a kind node on a hybrid host: v2 names the node container, v1 the pod — the pod wins', () => {
    // As in SPIRE's kind testdata: the 0:: line is the node's containerd.service, the v1 lines the pod.
    const p = emptyProcess(4242);
    p.cgroups = {
      unified: `/docker/${NODE}/system.slice/containerd.service`,
      memory: `/docker/${NODE}/kubepods/besteffort/pod${UID}/${ID}`,
      pids: `/docker/${NODE}/kubepods/besteffort/pod${UID}/${ID}`,
    };
    const ident = identifyProcess(p, new Map());
    expect(ident?.hierarchy).toBe('memory');
    expect(ident?.id.pod?.uid).toBe(UID);
    expect(ident?.id.container?.id).toBe(ID);
  });

  it('without a pod anywhere, the first hierarchy naming a container (v2 before v1)', () => {
    const p = emptyProcess(4243);
    p.cgroups = { unified: `/system.slice/docker-${ID}.scope`, memory: `/docker/${NODE}` };
    const ident = identifyProcess(p, new Map());
    expect(ident?.hierarchy).toBe('unified');
    expect(ident?.id.container?.id).toBe(ID);
  });

  it('a host process has no identity', () => {
    const p = emptyProcess(1);
    p.cgroups = { unified: '/init.scope', memory: '/' };
    expect(identifyProcess(p, new Map())).toBeUndefined();
  });
});
