/** The model's types live at the bottom of the house (lib/types.ts); this path is kept for importers. */
export * from '../types.js';
