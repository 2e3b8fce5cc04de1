// With api.tls_cert and api.tls_key the API speaks HTTPS; a missing file names the key.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { toolMissing } from '../dns/socket-helpers.js';
import { runCli, startServer } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'acme-delegate-tls-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const noOpenssl = toolMissing('openssl', 'openssl');

t.test('HTTPS API with the configured certificate', { skip: noOpenssl }, async (t) => {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore', timeout: 30_000 });
  const config = join(dir, 'config.toml');
  writeFileSync(config, `[api]\nlisten = "127.0.0.1:0"\ntls_cert = "cert.pem"\ntls_key = "key.pem"\n[dns]\nlisten = ["127.0.0.1:0"]\n[store]\npath = "tls.db"\n`);
  const server = await startServer(t, ['--config', config]);
  const body = await new Promise<string>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.apiPort, path: '/health', ca: readFileSync(cert), timeout: 10_000 }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end();
  });
  t.same(JSON.parse(body), { status: 'ok' }, 'answered over TLS, certificate verified');
});

t.test('a missing certificate file is a startup error naming the key', async (t) => {
  const config = join(dir, 'missing.toml');
  writeFileSync(config, `[api]\ntls_cert = "nope.pem"\ntls_key = "nope.key"\n[store]\npath = "missing.db"\n[dns]\nlisten = ["127.0.0.1:0"]\n`);
  const result = await runCli(['serve', '--config', config]);
  t.equal(result.code, 2);
  t.match(result.stderr, /api\.tls_cert: cannot read .*nope\.pem/);
});
