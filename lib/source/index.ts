export * from './source.js';
export * from './fs-source.js';
