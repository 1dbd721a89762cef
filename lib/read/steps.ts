/**
 * Long reads as steps. A reader that walks thousands of processes or cgroups is a generator
 * that yields between chunks of work: {@link finish} runs it through at once (`scanSync`), and
 * `scan` runs it a step per turn of Node's event loop, so a server that scans (`nsview serve`)
 * goes on answering between the steps.
 */

/** A reader in steps: yields between chunks, returns its result. */
export type Steps<T> = Generator<void, T, void>;

/** How many processes a reader reads between two steps. */
export const PROCESSES_PER_STEP = 256;

/** Run `steps` through at once and return the result. */
export function finish<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}
