import type { Limits } from '../types.js';

/** Bytes in binary units: `256Mi`, `1.5Gi`. */
export function formatBytes(n: number): string {
  const units = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)}${units[i]}`;
}

/** CPU bandwidth as cores: quota 50000 / period 100000 → `0.5`. */
export function formatCpu(cpu: Limits['cpu']): string {
  if (!cpu) return '-';
  if (cpu.quota === 'max') return 'max';
  const cores = cpu.quota / cpu.period;
  return String(Math.round(cores * 1000) / 1000);
}

/** Memory limit for a table cell. */
export function formatMemory(m: Limits['memory']): string {
  return m === undefined ? '-' : m === 'max' ? 'max' : formatBytes(m);
}

/** Pids limit for a table cell. */
export function formatPids(p: Limits['pids']): string {
  return p === undefined ? '-' : String(p);
}

/** `cpu 0.5, memory 256Mi, pids 1024`, or `none` */
export function formatLimits(l: Limits | undefined): string {
  if (!l) return 'none';
  const parts: string[] = [];
  if (l.cpu) parts.push(`cpu ${formatCpu(l.cpu)}`);
  if (l.memory !== undefined) parts.push(`memory ${formatMemory(l.memory)}`);
  if (l.pids !== undefined) parts.push(`pids ${formatPids(l.pids)}`);
  return parts.join(', ') || 'none';
}
