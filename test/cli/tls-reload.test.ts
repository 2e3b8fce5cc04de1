// A renewed API certificate is served without a restart: on SIGHUP and when the files change.
// A bad new pair is refused with a log line and the current certificate keeps serving.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { toolMissing } from '../dns/socket-helpers.js';
import { startServer, type StartedServer } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'acme-delegate-tls-reload-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const cert = join(dir, 'cert.pem');
const key = join(dir, 'key.pem');

const noOpenssl = toolMissing('openssl', 'openssl');

function issue(commonName: string): void {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', `/CN=${commonName}`,
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore', timeout: 30_000 });
}

/** The common name of the certificate the API presents now. */
function servedName(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const name = socket.getPeerCertificate().subject?.CN;
      socket.end();
      resolve(String(name));
    });
    socket.on('error', reject);
  });
}

async function logged(server: StartedServer, msg: string, after: number): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const entry = server.logs.slice(after).find((e) => e.msg === msg);
    if (entry) return entry;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no "${msg}" log line`);
}

t.test('SIGHUP and file changes reload the certificate; bad files keep the old one', { skip: noOpenssl }, async (t) => {
  issue('first.test');
  const config = join(dir, 'config.toml');
  writeFileSync(config, `[api]\nlisten = "127.0.0.1:0"\ntls_cert = "cert.pem"\ntls_key = "key.pem"\n[dns]\nlisten = ["127.0.0.1:0"]\n[store]\npath = "reload.db"\n`);
  const server = await startServer(t, ['--config', config]);
  t.equal(await servedName(server.apiPort), 'first.test');

  issue('second.test');
  let mark = server.logs.length;
  server.child.kill('SIGHUP');
  const reloaded = await logged(server, 'tls certificate reloaded', mark);
  t.equal(reloaded.reason, 'SIGHUP');
  t.equal(await servedName(server.apiPort), 'second.test', 'the renewed certificate is served after SIGHUP');

  writeFileSync(key, '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n');
  mark = server.logs.length;
  server.child.kill('SIGHUP');
  const refused = await logged(server, 'tls certificate not reloaded; the current one stays in use', mark);
  t.notMatch(JSON.stringify(refused), /not a key/, 'the key file content is not logged');
  t.equal(await servedName(server.apiPort), 'second.test', 'a bad pair keeps the current certificate');

  issue('third.test');
  mark = server.logs.length;
  const changed = await logged(server, 'tls certificate reloaded', mark);
  t.equal(changed.reason, 'file changed');
  t.equal(await servedName(server.apiPort), 'third.test', 'a changed file is picked up without a signal');
});
