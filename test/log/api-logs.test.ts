// What the API writes to the log: JSON a line, a request id and the client address on every
// request line, an Error with its type and stack, and never a password or key.
import t from 'tap';
import { createLogger, formatText } from '../../src/log.js';
import { rawRequest, startApi, txtValue } from '../api/server-fixture.js';

function capture(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: 'debug', format: 'json', write: (line) => lines.push(line) }) };
}

function update(port: number, user: string, key: string, body: string): ReturnType<typeof rawRequest> {
  return rawRequest(port, `POST /update HTTP/1.1\nX-Api-User: ${user}\nX-Api-Key: ${key}\nAuthorization: Bearer admin-token-that-must-not-appear`, body);
}

t.test('a session of bad and good updates leaves no secret in the log', async (t) => {
  const { lines, logger } = capture();
  const api = await startApi(t, {}, { logger });
  const reg = await rawRequest(api.port, 'POST /register HTTP/1.1', '{}');
  t.equal(reg.status, 201);
  const account = JSON.parse(reg.body) as { username: string; password: string; subdomain: string };
  const wrongPassword = 'x'.repeat(40);
  const good = JSON.stringify({ subdomain: account.subdomain, txt: txtValue('good') });
  t.equal((await update(api.port, account.username, wrongPassword, good)).status, 401);
  t.equal((await update(api.port, account.username, 'short-but-secret-key', good)).status, 401);
  t.equal((await update(api.port, account.username, account.password, JSON.stringify({ subdomain: 'someone-else', txt: txtValue('x') }))).status, 401);
  t.equal((await update(api.port, account.username, account.password, good)).status, 200);

  const all = lines.join('\n');
  for (const secret of [account.password, wrongPassword, 'short-but-secret-key', 'admin-token-that-must-not-appear']) {
    t.notOk(all.includes(secret), `the log does not hold ${secret.slice(0, 6)}…`);
  }
  const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const refused = entries.filter((e) => String(e.msg).startsWith('update refused'));
  t.equal(refused.length, 3, 'each refusal is logged');
  const requestLines = entries.filter((e) => e.reqId !== undefined);
  t.ok(requestLines.length >= 8, 'register, updates and their http lines carry a request id');
  for (const e of [...refused, ...entries.filter((e) => e.msg === 'txt updated' || e.msg === 'http')]) {
    t.match(e, { reqId: String, remote: '127.0.0.1', level: String, time: String });
  }
  t.ok(entries.some((e) => e.msg === 'txt updated' && e.subdomain === account.subdomain));
});

t.test('an Error thrown in a route is logged with its type and stack, and the client gets none', async (t) => {
  const { lines, logger } = capture();
  const api = await startApi(t, {}, { logger });
  const reg = await rawRequest(api.port, 'POST /register HTTP/1.1', '{}');
  const account = JSON.parse(reg.body) as { username: string; password: string; subdomain: string };
  api.store.submitTxtValue = () => {
    throw new RangeError('the disk is on fire');
  };
  const reply = await update(api.port, account.username, account.password, JSON.stringify({ subdomain: account.subdomain, txt: txtValue('a') }));
  t.equal(reply.status, 500);
  t.notMatch(reply.body, /fire|at /);
  const failed = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.msg === 'request failed');
  t.match(failed, { level: 'error', reqId: String, remote: '127.0.0.1', error: { type: 'RangeError', message: 'the disk is on fire', stack: /RangeError: the disk is on fire\n\s+at / } });
});

t.test('text output is one readable line, with the stack indented below', async (t) => {
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', format: 'text', write: (l) => lines.push(l) });
  logger.child({ reqId: 'req-7' }).error('request failed', { error: new TypeError('bad thing'), password: 'hunter2hunter2' });
  t.match(lines[0], /^\d{4}-\d\d-\d\dT[\d:.]+Z ERROR request failed reqId=req-7 error=TypeError: bad thing password=\[redacted\]\n {4}at /);
  t.equal(formatText('not json'), 'not json');
  const auto = createLogger({ level: 'info', format: 'auto', isTty: false, write: (l) => lines.push(l) });
  auto.info('hello');
  t.match(JSON.parse(lines[1] ?? ''), { msg: 'hello', level: 'info' });
  const debug = createLogger({ level: 'warn', format: 'json', write: (l) => lines.push(l) });
  debug.info('not written');
  t.equal(lines.length, 2, 'below the level is not written');
});
