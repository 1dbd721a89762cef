// Lint keeps the layers honest: only lib/source touches the file system,
// only bin/ knows yargs, only lib/render knows chalk and table.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const fs = ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'fast-glob', 'memfs', 'child_process', 'node:child_process'];
const cli = ['yargs', 'yargs/helpers'];
const render = ['chalk', 'table'];
/**
 * The house's layers, bottom up: lib/types.ts and lib/errors.ts, source (the file system),
 * parse (pure text → records), read (source + parse → facts and warnings), model (facts →
 * the snapshot, pure), render (snapshot → strings), then lib/scan.ts, lib/cli.ts and
 * lib/index.ts, and bin/. A layer imports only from the ones below it.
 */
const above = {
  source: ['parse', 'read', 'model', 'render'],
  parse: ['source', 'read', 'model', 'render'],
  read: ['model', 'render'],
  model: ['source', 'read', 'render'],
  render: ['source', 'read'],
};
const TOP = ['../scan.js', '../cli.js', '../index.js', '../demo/*', '../serve/*'];
const restrict = (names, layer) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: names.map((name) => ({
        name,
        message: 'layers: fs only in lib/source, yargs only in bin, chalk/table only in lib/render',
      })),
      patterns: layer
        ? [
            {
              group: [...(above[layer] ?? []).map((l) => `../${l}/*`), ...TOP],
              message: `layers: lib/${layer} imports only from the layers below it (types, errors, ${['source', 'parse', 'read', 'model'].slice(0, ['source', 'parse', 'read', 'model', 'render'].indexOf(layer)).join(', ') || 'nothing else'})`,
            },
          ]
        : [],
    },
  ],
});

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['lib/*.ts'], rules: restrict([...fs, ...cli, ...render]) },
  {
    files: ['lib/types.ts', 'lib/errors.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['./*'], message: 'layers: types and errors are the bottom: they import nothing of the project' }] },
      ],
    },
  },
  { files: ['lib/parse/**'], rules: restrict([...fs, ...cli, ...render], 'parse') },
  { files: ['lib/read/**'], rules: restrict([...fs, ...cli, ...render], 'read') },
  { files: ['lib/model/**'], rules: restrict([...fs, ...cli, ...render], 'model') },
  { files: ['lib/render/**'], rules: restrict([...fs, ...cli], 'render') },
  { files: ['lib/source/**'], rules: restrict([...cli, ...render], 'source') },
  // lib/serve (the node agent) sits with lib/scan.ts at the top: it scans and renders, never touches files itself.
  { files: ['lib/serve/**'], rules: restrict([...fs, ...cli, ...render]) },
  { files: ['bin/**'], rules: restrict([...fs, ...render]) },
);
