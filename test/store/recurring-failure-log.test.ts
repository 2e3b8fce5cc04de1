// A task on a timer that fails during a storage fault logs when the failures start, a summary a
// minute while they go on, and when it works again: not one line per tick.
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { silentLogger, type LogFields } from '../../src/log.js';
import { createRecurringFailureLog, startRecurringTask } from '../../src/store/recurring-failure-log.js';

function capture() {
  const lines: { level: string; msg: string; fields: LogFields | undefined }[] = [];
  const at = (level: string) => (msg: string, fields?: LogFields) => void lines.push({ level, msg, fields });
  return { lines, logger: { ...silentLogger, info: at('info'), warn: at('warn'), error: at('error') } };
}

t.test('an hour of failures once a second: one line to start, one a minute, one on recovery', async (t) => {
  const { lines, logger } = capture();
  let now = 1_000_000;
  const log = createRecurringFailureLog(logger, 'reading external changes', { now: () => now });
  log.succeeded();
  t.equal(lines.length, 0, 'nothing while it works');
  const fault = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
  for (let second = 0; second < 3600; second++) {
    log.failed(fault);
    now += 1000;
  }
  t.equal(lines[0]?.level, 'error');
  t.match(lines[0]?.msg, /^reading external changes failed/);
  t.equal(lines[0]?.fields?.error, fault, 'the first failure carries its error');
  const summaries = lines.filter((l) => l.msg === 'reading external changes still failing');
  t.equal(summaries.length, 59, 'one summary a minute');
  t.equal(summaries[0]?.fields?.failures, 60, 'with the failures since the line before');
  t.equal(summaries.at(-1)?.fields?.failing_for_seconds, 3540);
  log.succeeded();
  log.succeeded();
  const last = lines.at(-1);
  t.equal(last?.msg, 'reading external changes works again');
  t.same(last?.fields, { failures: 3600, failed_for_seconds: 3600 });
  t.equal(lines.length, 61, '61 lines for an hour, not 3,600');
  log.failed(fault);
  t.match(lines.at(-1)?.msg, /failed; retrying/, 'a new fault starts a new run');
});

t.test('a recurring task runs on its timer, logs its failures as a run, and stops when told', async (t) => {
  const { lines, logger } = capture();
  let runs = 0;
  const stop = startRecurringTask(logger, 'purging expired TXT values', 2, () => {
    runs++;
    if (runs <= 3) throw new Error('database is locked');
  });
  t.teardown(stop);
  for (let waited = 0; runs < 5 && waited < 2000; waited += 5) await sleep(5);
  stop();
  const stoppedAt = runs;
  t.ok(stoppedAt >= 5, 'the task ran again after it failed');
  t.same(
    lines.map((l) => [l.level, l.msg]),
    [
      ['error', 'purging expired TXT values failed; retrying, a summary follows every 60 s while it fails'],
      ['info', 'purging expired TXT values works again'],
    ],
    'three failures are one line, the recovery another',
  );
  t.equal(lines[1]?.fields?.failures, 3);
  await sleep(20);
  t.equal(runs, stoppedAt, 'not run after it was stopped');
});
