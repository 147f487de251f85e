/**
 * The protocols as the server's flushbench defines them (GET /api/protocols, its protocol
 * table), learnt once per page before the first view draws: the order protocols are drawn in,
 * their colours, which one is the baseline, which the verdict leads with and which are negative
 * controls come from the table itself, so a protocol added there shows up here, with its colour
 * and its role, with no edit to the dashboard.
 */
import { getProtocols, type ProtocolInfo } from './api.js';

let table: readonly ProtocolInfo[] = [];

/** Fetches the table (once: api.ts keeps the answer); every view awaits it before drawing. */
export async function loadProtocols(): Promise<void> {
  table = await getProtocols();
}

export function isNegativeControl(protocol: string): boolean {
  return table.some((p) => p.name === protocol && p.control !== null);
}

/** What a control breaks, for its tooltip; null for a safe or unknown protocol. */
export function controlOf(protocol: string): ProtocolInfo['control'] {
  return table.find((p) => p.name === protocol)?.control ?? null;
}

/** A comparator in the table's order (the baseline first, the controls last), unknown ones after. */
export function orderOf(names: readonly string[]): (a: string, b: string) => number {
  return (a, b) => {
    const ia = names.indexOf(a);
    const ib = names.indexOf(b);
    if (ia !== ib) return (ia === -1 ? Infinity : ia) - (ib === -1 ? Infinity : ib);
    return a.localeCompare(b);
  };
}

/** Sorts protocol names in the table's order, unknown ones after, alphabetically. */
export function byProtocolOrder(a: string, b: string): number {
  return orderOf(table.map((p) => p.name))(a, b);
}

/** A protocol this flushbench's table lacks (a run stored by another version) is drawn grey. */
const UNKNOWN_COLOR = '#8a94a6';

/** The protocol's colour on every chart and table: its row's. */
export function protocolColor(protocol: string): string {
  return table.find((p) => p.name === protocol)?.color ?? UNKNOWN_COLOR;
}

/** Every speedup is measured against it (the table's baseline row). */
export function baselineProtocol(): string {
  return table.find((p) => p.role === 'baseline')?.name ?? '';
}

/** The protocols a verdict weighs against the baseline: the headline first, then the candidates. */
export function verdictProtocols(): string[] {
  return [
    ...table.filter((p) => p.role === 'headline'),
    ...table.filter((p) => p.role === 'candidate'),
  ].map((p) => p.name);
}
