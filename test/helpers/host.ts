/** Scenario fixtures (fixtures/scenarios/<name>.json) as sources for tests. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { HostSpec } from '../../lib/source/spec.js';
import { volumeSource } from './volume.js';
import type { Source } from '../../lib/source/source.js';

const fixtureDir = fileURLToPath(new URL('../../fixtures/scenarios/', import.meta.url));

/** Load a scenario spec from fixtures/scenarios/<name>.json. */
export function loadSpec<T = Record<string, unknown>>(name: string): HostSpec & { expect?: T } {
  return JSON.parse(readFileSync(`${fixtureDir}${name}.json`, 'utf8')) as HostSpec & { expect?: T };
}

/** The real reader over the scenario fixtures/scenarios/<name>.json, laid out in a memfs volume. */
export function scenarioSource(name: string): Source {
  return volumeSource(loadSpec(name));
}

/** The demo node's spec (lib/demo/k8s-node.json), as `--demo` scans it. */
export const demoSpec = JSON.parse(readFileSync(fileURLToPath(new URL('../../lib/demo/k8s-node.json', import.meta.url)), 'utf8')) as HostSpec;
