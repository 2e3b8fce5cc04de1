// Names and the out folder can live in the config file's [bootstrap] section; flags win.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { configArgs, readStorageJson, recordSet, runInProcess, startEmulator, tempDir, tokenEnv } from './cli-fixture.js';

t.test('[bootstrap] domains and out from the config file', async (t) => {
  const emulator = await startEmulator(t);
  const dir = tempDir(t);
  const config = join(dir, 'config.toml');
  writeFileSync(config, `[bootstrap]\ndomains = ["www.example.com", "*.example.com"]\nout = "creds"\n`);
  const result = await runInProcess(['--config', config, ...configArgs(dir), '--yes'], tokenEnv(emulator));
  t.equal(result.code, 0, result.stderr);
  t.same(Object.keys(readStorageJson(join(dir, 'creds'))).sort(), ['example.com', 'www.example.com'], 'out resolved against the config folder');
  t.ok(recordSet(emulator).some((r) => r.includes('_acme-challenge.www.example.com CNAME')), 'CNAME for a configured name');

  const flags = await runInProcess(['--config', config, ...configArgs(dir), '-d', 'api.example.com', '--out', join(dir, 'other'), '--yes'], tokenEnv(emulator));
  t.equal(flags.code, 0, flags.stderr);
  t.same(Object.keys(readStorageJson(join(dir, 'other'))), ['api.example.com'], '--domain replaces the configured list');
});
