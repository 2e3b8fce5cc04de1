// Carries out the DNS steps of a plan in order. Each step is checked against Cloudflare's
// answer; a create the SDK retried into a duplicate counts as done. A failure stops the run:
// everything before it stays, and the next run's plan starts from there.
import type { CloudflareGateway } from './cloudflare-gateway.js';
import { isDuplicateRecordError } from './cloudflare-errors.js';
import type { PlanStep } from './plan.js';

export interface ApplyProgress {
  (line: string): void;
}

export async function applyPlan(steps: readonly PlanStep[], gateway: CloudflareGateway, progress: ApplyProgress): Promise<number> {
  let changed = 0;
  for (const step of steps) {
    const what = `${step.record.type} ${step.record.name} -> ${step.record.content}`;
    switch (step.action) {
      case 'keep':
      case 'conflict':
        continue;
      case 'delete':
        await gateway.deleteRecord(step.zone, (step.existing as NonNullable<PlanStep['existing']>).id);
        progress(`deleted ${what}`);
        break;
      case 'update':
        await gateway.updateRecord(step.zone, (step.existing as NonNullable<PlanStep['existing']>).id, step.record);
        progress(`updated ${what}`);
        break;
      case 'create':
        try {
          await gateway.createRecord(step.zone, step.record);
          progress(`created ${what}`);
        } catch (err) {
          if (!isDuplicateRecordError(err)) throw err;
          // A retried POST can land twice; if the record is there, the step is done.
          const there = await gateway.listRecords(step.zone, step.record.name);
          if (!there.some((r) => r.type === step.record.type && r.content === step.record.content)) throw err;
          progress(`already there ${what}`);
        }
        break;
    }
    changed++;
  }
  return changed;
}
