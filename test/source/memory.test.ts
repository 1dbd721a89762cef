/**
 * The in-memory source (`--demo`, `createMemorySource`) against the real reader: every
 * scenario read both ways gives the same snapshot, and errors come with the codes the
 * file system would give.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scanSync } from '../../lib/scan.js';
import { createMemorySource } from '../../lib/source/memory.js';
import { errorCode } from '../../lib/source/source.js';
import { specSource, type HostSpec } from '../../lib/source/spec.js';
import { loadSpec } from '../helpers/host.js';
import { volumeSource } from '../helpers/volume.js';

const names = readdirSync(fileURLToPath(new URL('../../fixtures/scenarios/', import.meta.url)))
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -5));

const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (err) {
    return errorCode(err);
  }
  return undefined;
};

describe('createMemorySource', () => {
  it.each(names)('%s: the same snapshot as the real reader over a memfs volume', (name) => {
    const spec = loadSpec(name) as HostSpec;
    const viaMemory = scanSync({ source: specSource(spec, '/') });
    const viaFs = scanSync({ source: volumeSource(spec) });
    expect({ ...viaMemory, scannedAt: '' }).toEqual({ ...viaFs, scannedAt: '' });
    expect(viaMemory.processes.length).toBeGreaterThan(0);
  });

  it('lists directories implied by paths, reads files and links, and fails as a file system does', () => {
    const src = createMemorySource(
      { files: { '/proc/1/stat': '1 (init) S', '/etc/passwd': 'root:x:0:0::/:/bin/sh\n' }, links: { '/proc/1/ns/net': 'net:[4026531840]' } },
      'test',
    );
    expect(src.root).toBe('test');
    expect(src.readNames('/').sort()).toEqual(['etc', 'proc']);
    expect(src.readDir('/proc/1').sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'ns', isDirectory: true },
      { name: 'stat', isDirectory: false },
    ]);
    expect(src.readText('/proc/1/stat')).toBe('1 (init) S');
    expect(new TextDecoder().decode(src.readBytes('/etc/passwd'))).toContain('root');
    expect(src.readLink('/proc/1/ns/net')).toBe('net:[4026531840]');
    expect(src.exists('/proc/1/ns')).toBe(true);
    expect(src.exists('/proc/2')).toBe(false);
    expect(code(() => src.readText('/proc/2/stat'))).toBe('ENOENT');
    expect(code(() => src.readText('/proc/1/stat/x'))).toBe('ENOTDIR');
    expect(code(() => src.readText('/proc/1'))).toBe('EISDIR');
    expect(code(() => src.readLink('/proc/1/stat'))).toBe('EINVAL');
    expect(code(() => src.readNames('/etc/passwd'))).toBe('ENOTDIR');
    expect(code(() => src.readNames('/nope'))).toBe('ENOENT');
  });

  it('hands out copies: a caller cannot change the host', () => {
    const src = createMemorySource({ files: { '/a': 'x' }, links: {} });
    src.readBytes('/a')[0] = 0x79;
    expect(src.readText('/a')).toBe('x');
  });
});
