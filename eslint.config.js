// Lint keeps the layers honest: only lib/source touches the file system,
// only bin/ knows yargs, only lib/render knows chalk and table.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const fs = ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'fast-glob', 'memfs', 'child_process', 'node:child_process'];
const cli = ['yargs', 'yargs/helpers'];
const render = ['chalk', 'table'];
const restrict = (names) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: names.map((name) => ({
        name,
        message: 'layers: fs only in lib/source, yargs only in bin, chalk/table only in lib/render',
      })),
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
  { files: ['lib/parse/**', 'lib/model/**', 'lib/read/**', 'lib/*.ts'], rules: restrict([...fs, ...cli, ...render]) },
  { files: ['lib/render/**'], rules: restrict([...fs, ...cli]) },
  { files: ['lib/source/**'], rules: restrict([...cli, ...render]) },
  { files: ['bin/**'], rules: restrict([...fs, ...render]) },
);
