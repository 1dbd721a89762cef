/** The address `nsview serve` listens on: parsed here, apart from the server, so the library's index loads no HTTP code. */
import { NsviewError, shorten } from '../errors.js';

export const DEFAULT_PORT = 9717;

/** `host:port`, `[v6]:port` or `:port`/`port` (loopback); throws an {@link NsviewError} naming what is wrong. */
export function parseListen(text: string): { host: string; port: number } {
  // The colon is required with a host: `9717` is a port, not host `971` and port 7.
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new NsviewError(
      'bad-argument',
      `--listen must be host:port (e.g. 127.0.0.1:${DEFAULT_PORT}, [::1]:${DEFAULT_PORT}, 0.0.0.0:${DEFAULT_PORT}), got "${shorten(text)}"`,
    );
  // A port alone, or an empty host, is loopback: Node would take an empty host for every address.
  const host = m[1] || m[2] || '127.0.0.1';
  return { host, port };
}
