// Carries out the DNS steps of a plan in order. Each step is checked against Cloudflare's
// answer; a create the SDK retried into a duplicate, or a delete retried into "not found",
// counts as done. A failure stops the run:
// everything before it stays, and the next run's plan starts from there.
import type { CloudflareGateway } from './cloudflare-gateway.js';
import { AppError } from '../errors.js';
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
      case 'delete': {
        const id = (step.existing as NonNullable<PlanStep['existing']>).id;
        try {
          await gateway.deleteRecord(step.zone, id);
          progress(`deleted ${what}`);
        } catch (err) {
          // A retried DELETE whose first answer was lost finds the record gone: done.
          if (!(err instanceof AppError && err.code === 'cloudflare_not_found')) throw err;
          if ((await gateway.listRecords(step.zone, step.record.name)).some((r) => r.id === id)) throw err;
          progress(`already gone ${what}`);
        }
        break;
      }
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
