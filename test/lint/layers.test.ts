/**
 * The layers are enforced by lint (eslint.config.js): each folder of lib/ imports only from
 * the layers below it. Linting made-up files placed in each folder shows the rule bites.
 */
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const eslint = new ESLint({ cwd: root });
const lint = async (file: string, code: string): Promise<string[]> => {
  const [r] = await eslint.lintText(code, { filePath: `${root}${file}` });
  return (r?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
};

describe('layer imports', () => {
  it.each([
    ['lib/parse/x.ts', "import { groupPods } from '../model/pods.js';"],
    ['lib/parse/x.ts', "import { readProcesses } from '../read/processes.js';"],
    ['lib/source/x.ts', "import { parseNsLink } from '../parse/ns-link.js';"],
    ['lib/read/x.ts', "import { groupPods } from '../model/pods.js';"],
    ['lib/model/x.ts', "import { readHolders } from '../read/holders.js';"],
    ['lib/model/x.ts', "import { renderLs } from '../render/ls.js';"],
    ['lib/render/x.ts', "import { scanSync } from '../scan.js';"],
    ['lib/render/x.ts', "import { createFsSource } from '../source/fs-source.js';"],
    ['lib/types.ts', "import { NsviewError } from './errors.js';"],
  ])('%s may not: %s', async (file, code) => {
    expect((await lint(file, `${code}\nexport {};\n`)).join('\n')).toMatch(/is restricted from being used by a pattern. layers: /);
  });

  it.each([
    ['lib/read/x.ts', "import { parseNsLink } from '../parse/ns-link.js';\nimport type { Source } from '../source/source.js';"],
    ['lib/model/x.ts', "import { recogniseCgroupPath } from '../parse/cgroup-path.js';\nimport type { Pod } from '../types.js';"],
    ['lib/render/x.ts', "import { indexSnapshot } from '../model/index-snapshot.js';"],
    ['lib/scan.ts', "import { readHolders } from './read/holders.js';"],
  ])('%s may: %s', async (file, code) => {
    expect(await lint(file, `${code}\nexport {};\n`)).toEqual([]);
  });
});
