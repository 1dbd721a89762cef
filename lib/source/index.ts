export * from './source.js';
export * from './fs-source.js';
export * from './files.js';
