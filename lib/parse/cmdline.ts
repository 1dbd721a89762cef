/** Split `/proc/<pid>/cmdline` (NUL-separated, NUL-terminated) into arguments. */
export function parseCmdline(text: string): string[] {
  if (text === '') return [];
  const args = text.split('\0');
  if (args[args.length - 1] === '') args.pop();
  return args;
}
