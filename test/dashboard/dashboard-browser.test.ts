// The dashboard in a real headless browser (Debian's chromium driven by playwright-core): the
// page shows nothing without the admin token and refuses a wrong one; signed in, it lists the
// accounts with a stale one flagged in words; revoking it from the keyboard makes its next update
// 401 and takes its TXT out of DNS; rotating shows the new password once; the last CA query
// column shows a TXT query made before. A label is shown as text, never as HTML.
// ACME_DELEGATE_SCREENSHOTS=docs writes the screenshots for the docs.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { chromium, type Browser, type Page } from 'playwright-core';
import t from 'tap';
import { Store } from '../../src/store/store.js';
import { resolverFor } from '../cli/account-checks.js';
import { adminToken, startAdminService } from '../admin/admin-service.js';

const chromiumPath = '/usr/bin/chromium';
const zone = 'auth.example.org';
const day = 86_400_000;
const screenshots = process.env.ACME_DELEGATE_SCREENSHOTS;

interface Seeded {
  readonly username: string;
  readonly password: string;
  readonly subdomain: string;
  readonly label: string;
}

const seeded = (n: number, label: string): Seeded => ({
  username: `10000000-0000-4000-8000-00000000000${n}`,
  password: `password-${n}-${'p'.repeat(30)}`,
  subdomain: `00000000-0000-4000-8000-00000000000${n}`,
  label,
});
const stale = seeded(1, 'old<b>www</b>.example.com');
const fresh = seeded(2, 'api.example.com');
const txt = (c: string): string => c.repeat(43);

/** A database where `stale` was last updated 45 days ago and `fresh` today. */
function seed(db: string): void {
  const real = Date.now();
  let clock = real - 60 * day;
  const store = Store.open({ path: db, valuesPerSlot: 2, maxAgeSeconds: 365 * 86400, now: () => clock });
  for (const account of [stale, fresh]) {
    store.createAccount({ username: account.username, passwordHash: bcrypt.hashSync(account.password, 4), subdomain: account.subdomain, allowfrom: [], label: account.label });
  }
  store.setAllowfrom(fresh.username, ['192.0.2.0/24', '127.0.0.0/8']);
  clock = real - 45 * day;
  store.addTxtValue(stale.subdomain, txt('s'));
  clock = real;
  store.addTxtValue(fresh.subdomain, txt('f'));
  store.close();
}

async function update(apiUrl: string, account: { username: string; password: string; subdomain: string }, value: string): Promise<number> {
  const reply = await fetch(`${apiUrl}/update`, {
    method: 'POST',
    headers: { 'X-Api-User': account.username, 'X-Api-Key': account.password },
    body: JSON.stringify({ subdomain: account.subdomain, txt: value }),
  });
  await reply.arrayBuffer();
  return reply.status;
}

async function served(dnsPort: number, subdomain: string): Promise<string[]> {
  try {
    return (await resolverFor(dnsPort).resolveTxt(`${subdomain}.${zone}`)).map((chunks) => chunks.join(''));
  } catch (error) {
    if (['ENOTFOUND', 'ENODATA'].includes(String((error as { code?: unknown }).code))) return [];
    throw error;
  }
}

const row = (page: Page, username: string) => page.locator(`#accounts tbody tr[data-username="${username}"]`);

async function launch(): Promise<Browser> {
  // As root (CI containers) chromium refuses its sandbox; the page is our own, on loopback.
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  return chromium.launch({ executablePath: chromiumPath, args, timeout: 60_000 });
}

const missing = existsSync(chromiumPath) ? false : 'chromium not installed (Debian: apt-get install chromium)';
if (missing && process.env.CI === 'true') throw new Error('chromium is required on CI');

t.test('dashboard: sign in, a stale account flagged, revoke and rotate', { skip: missing }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dashboard-'));
  const db = join(dir, 'db.sqlite');
  seed(db);
  const { adminUrl, apiUrl, dnsPort } = await startAdminService(t, db, { 'store.txt_max_age_seconds': String(365 * 86400) });
  t.same(await served(dnsPort, stale.subdomain), [txt('s')], 'the stale account still serves its TXT');

  const browser = await launch();
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  // Refused API calls (401) and the favicon (404) are logged as failed loads: not script errors.
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text());
  });

  const response = await page.goto(`${adminUrl}/admin/`);
  t.equal(response?.status(), 200);
  t.match(response?.headers()['content-security-policy'], /default-src 'none'; script-src 'self'/);
  t.notOk(await page.isVisible('#accounts'), 'without the token, no accounts');
  t.equal(await page.locator('#accounts tbody tr').count(), 0);

  // A wrong token is refused, and nothing is shown.
  await page.getByLabel('Admin token').fill('not-the-token');
  await page.keyboard.press('Enter');
  await page.getByText('The token was refused.').waitFor();
  t.notOk(await page.isVisible('#accounts'), 'a wrong token shows no accounts');
  t.equal(await page.locator('#accounts tbody tr').count(), 0);

  // The right one, typed and submitted from the keyboard.
  await page.getByLabel('Admin token').fill(adminToken);
  await page.keyboard.press('Enter');
  await row(page, stale.username).waitFor();
  t.equal(await page.locator('#accounts tbody tr').count(), 2, 'both accounts listed');
  const staleRow = row(page, stale.username);
  t.match(await staleRow.locator('td').nth(0).innerText(), stale.label, 'the label is shown as text');
  t.equal(await staleRow.locator('b').count(), 0, 'a label is never parsed as HTML');
  t.match(await staleRow.innerText(), /STALE: updated 45 days ago/, 'the stale account is flagged in words');
  t.match(await staleRow.innerText(), /anywhere/);
  t.equal(await staleRow.locator('td').nth(1).innerText(), 'acme (TXT)', 'its kind');
  t.match(await staleRow.locator('td').nth(5).innerText(), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/, 'the TXT query above is its last CA query');
  const freshRow = row(page, fresh.username);
  t.match(await freshRow.innerText(), /OK: updated 0 days ago/);
  t.equal(await freshRow.locator('td').nth(5).innerText(), 'not seen', 'never asked');
  t.match(await freshRow.innerText(), /192\.0\.2\.0\/24, 127\.0\.0\.0\/8/);
  t.equal(await page.locator('#accounts tbody tr').first().getAttribute('data-username'), stale.username, 'stale accounts come first');
  t.match(await page.locator('#summary').innerText(), /2 accounts: 2 active, 0 revoked; 1 stale/);
  t.match(await page.locator('#audit').innerText(), /txt\.update/, 'recent audit events');
  if (screenshots) await page.screenshot({ path: join(screenshots, 'dashboard.png'), fullPage: true });

  // A tighter limit makes no difference to the stale one; a looser one clears it.
  await page.getByLabel('Stale after').fill('50');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.getByText(/0 stale/).waitFor();
  t.match(await staleRow.innerText(), /OK: updated 45 days ago/);
  await page.getByLabel('Stale after').fill('30');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.getByText(/1 stale/).waitFor();

  // Revoke the stale account from the keyboard, confirming the question.
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.accept();
  });
  await page.getByRole('button', { name: `Revoke ${stale.label} (${stale.username})` }).focus();
  await page.keyboard.press('Enter');
  await page.getByText(`Revoked ${stale.label}.`).waitFor();
  t.match(dialogs[0], /TXT leaves DNS/);
  await staleRow.getByText('revoked', { exact: true }).waitFor();
  t.match(await page.locator('#summary').innerText(), /1 active, 1 revoked; 0 stale/);
  t.equal(await staleRow.getByRole('button').count(), 0, 'a revoked account has no actions');
  t.match(await page.locator('#audit').innerText(), /account\.revoke/);
  t.equal(await update(apiUrl, stale, txt('n')), 401, "the revoked account's next update is refused");
  t.same(await served(dnsPort, stale.subdomain), [], 'and its TXT left DNS');

  // Rotate: the new password is shown once, works, and the old one does not.
  await page.getByRole('button', { name: `Rotate the password of ${fresh.label} (${fresh.username})` }).click();
  await page.locator('#credentials').waitFor();
  const shown = await page.locator('#credentials dd').allInnerTexts();
  const password = shown[1]!;
  t.equal(shown[0], fresh.username);
  t.not(password, fresh.password);
  if (screenshots) await page.screenshot({ path: join(screenshots, 'dashboard-rotated.png'), fullPage: true });
  t.equal(await update(apiUrl, { ...fresh, password }, txt('r')), 200, 'the new password works');
  t.equal(await update(apiUrl, fresh, txt('o')), 401, 'the old one does not');
  await page.getByRole('button', { name: 'I have copied them' }).click();
  t.notOk(await page.isVisible('#credentials'));
  t.equal(await page.locator('#credentials dd').count(), 0, 'the password is gone from the page');

  // Signing out forgets the token and the data.
  await page.getByRole('button', { name: 'Sign out' }).click();
  t.notOk(await page.isVisible('#accounts'));
  t.equal(await page.evaluate('sessionStorage.length'), 0, 'no token left in the tab');
  await page.reload();
  t.notOk(await page.isVisible('#accounts'), 'and a reload does not sign in again');
  t.same(pageErrors, [], 'no script errors');
});

t.test('dashboard: served only with an admin token configured, never on the public API', async (t) => {
  const db = join(mkdtempSync(join(tmpdir(), 'dashboard-')), 'db.sqlite');
  const { adminUrl, apiUrl } = await startAdminService(t, db);
  for (const file of ['', 'dashboard.js', 'dashboard.css']) {
    const reply = await fetch(`${adminUrl}/admin/${file}`);
    t.equal(reply.status, 200, `/admin/${file}`);
    t.notMatch(await reply.text(), /https?:\/\/|\/\/[a-z]/i, `/admin/${file} names no other server: it works without internet`);
  }
  t.equal((await fetch(`${adminUrl}/admin`, { redirect: 'manual' })).headers.get('location'), '/admin/');
  t.equal((await fetch(`${apiUrl}/admin/`)).status, 404, 'not on the public API');
  t.equal((await fetch(`${adminUrl}/admin/v1/accounts`)).status, 401, 'the data needs the token');

  const without = join(mkdtempSync(join(tmpdir(), 'dashboard-')), 'db.sqlite');
  const plain = await startAdminService(t, without, { 'metrics.admin_token_sha256': '' });
  t.equal((await fetch(`${plain.adminUrl}/admin/`)).status, 404, 'no admin token, no dashboard');
});
