// The plan as the operator reads it: one aligned row per account and per record.
import type { AccountDecision } from './accounts.js';
import type { PlanStep } from './plan.js';
import { planCounts } from './plan.js';

/**
 * Record contents, names and notes come from Cloudflare, where anyone with edit rights on the
 * zone can put anything in a TXT: control characters (terminal escapes that could move the
 * cursor and paint over a "delete" row before the operator confirms, or a newline that fakes a
 * row) are shown escaped, never sent to the terminal.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function table(rows: readonly (readonly string[])[]): string {
  const safe = rows.map((row) => row.map(printable));
  const widths: number[] = [];
  for (const row of safe) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return safe.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

export function renderAccountTable(decisions: readonly AccountDecision[], requested: ReadonlyMap<string, readonly string[]>): string {
  const rows: string[][] = [['ACCOUNT', 'NAME', 'SLOT', 'NOTE']];
  for (const d of decisions) {
    const names = (requested.get(d.bare) ?? [d.bare]).join(', ');
    if (d.kind === 'register') rows.push(['register', names, '(new)', 'new account, password written to --out']);
    else if (d.kind === 'reuse') rows.push(['keep', names, d.subdomain, 'password from --out still valid']);
    else if (d.kind === 'skip') rows.push(['skip', names, '-', `no account change: ${d.reason}; --replace resolves it`]);
    else rows.push(['rotate', names, d.subdomain, `new password: ${d.reason}; servers using the old one must get the new files`]);
  }
  return table(rows);
}

export function renderPlanTable(steps: readonly PlanStep[]): string {
  const rows: string[][] = [['ACTION', 'ZONE', 'TYPE', 'NAME', 'CONTENT', 'TTL', 'NOTE']];
  for (const s of steps) {
    const ttl = s.record.ttl === 1 ? 'auto' : String(s.record.ttl);
    const proxied = s.record.proxied ? ' (proxied)' : '';
    const note = [s.purpose, s.note].filter(Boolean).join(': ');
    rows.push([s.action, s.zone.name, s.record.type, s.record.name, s.record.content + proxied, ttl, note]);
  }
  return table(rows);
}

export function renderPlanSummary(steps: readonly PlanStep[]): string {
  const c = planCounts(steps);
  return `records: ${c.create} to create, ${c.update} to update, ${c.delete} to delete, ${c.keep} to keep, ${c.conflict} in conflict`;
}
