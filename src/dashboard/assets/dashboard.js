// The dashboard's only script: asks for the admin token, then reads and acts through
// /admin/v1/ with it as a Bearer header. Everything shown is written with textContent, never
// parsed as HTML (labels come from clients). The token stays in this tab's sessionStorage.
/* global document, fetch, sessionStorage, window, URLSearchParams */

const tokenKey = 'acme-delegate-admin-token';
const $ = (id) => document.getElementById(id);

class Refused extends Error {}

async function api(method, path) {
  const token = sessionStorage.getItem(tokenKey);
  if (!token) throw new Refused('not signed in');
  const reply = await fetch(`/admin/v1${path}`, { method, headers: { authorization: `Bearer ${token}` }, cache: 'no-store' });
  if (reply.status === 401) throw new Refused('The token was refused.');
  const body = reply.status === 204 ? null : await reply.json();
  if (!reply.ok) throw new Error(body?.message ?? body?.error ?? `HTTP ${reply.status}`);
  return body;
}

function element(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

function cell(...lines) {
  const td = document.createElement('td');
  lines.forEach((line, i) => td.append(i === 0 ? document.createTextNode(line) : element('small', line)));
  return td;
}

const when = (iso) => (iso ? `${iso.slice(0, 19).replace('T', ' ')} UTC` : null);

function say(message, isError = false) {
  $('status').textContent = message;
  $('status').classList.toggle('error', isError);
}

function showSignedIn(signedIn) {
  $('sign-in').hidden = signedIn;
  $('sign-out').hidden = !signedIn;
  $('accounts-section').hidden = !signedIn;
  $('audit-section').hidden = !signedIn;
  if (!signedIn) {
    $('accounts').tBodies[0].replaceChildren();
    $('audit').tBodies[0].replaceChildren();
    hideCredentials();
  }
}

function signOut(message, isError = false) {
  sessionStorage.removeItem(tokenKey);
  showSignedIn(false);
  say(message, isError);
  $('token').focus();
}

function staleDays() {
  const days = Number($('stale-days').value);
  return Number.isInteger(days) && days >= 1 ? days : 30;
}

function healthText(account, stale) {
  if (account.state !== 'active') return `revoked ${when(account.revoked) ?? ''}`.trim();
  const days = account.days_since_update;
  const since = account.last_update ? 'updated' : 'created, never updated,';
  return stale ? `STALE: ${since} ${days} days ago` : `OK: ${since} ${days} days ago`;
}

function accountRow(account, stale) {
  const row = document.createElement('tr');
  row.dataset.username = account.username;
  if (stale) row.classList.add('stale');
  if (account.state !== 'active') row.classList.add('revoked');
  const name = account.label ?? '(no label)';
  row.append(
    cell(name, account.fulldomain, account.username),
    cell(account.kind === 'ddns' ? 'ddns (A/AAAA)' : 'acme (TXT)'),
    cell(account.state),
    cell(account.allowfrom.length ? account.allowfrom.join(', ') : 'anywhere'),
    cell(when(account.last_update) ?? 'never'),
    cell(when(account.last_query) ?? 'not seen'),
  );
  const health = cell(healthText(account, stale));
  health.className = 'health';
  row.append(health);
  const actions = document.createElement('td');
  if (account.state === 'active') {
    const revoke = element('button', 'Revoke', { type: 'button', 'aria-label': `Revoke ${name} (${account.username})` });
    revoke.addEventListener('click', () => act('revoke', account, name));
    const rotate = element('button', 'Rotate password', { type: 'button', 'aria-label': `Rotate the password of ${name} (${account.username})` });
    rotate.addEventListener('click', () => act('rotate', account, name));
    actions.append(revoke, rotate);
  }
  row.append(actions);
  return row;
}

function renderAccounts(accounts, staleNames) {
  const stale = new Set(staleNames);
  const order = (a) => (stale.has(a.username) ? 0 : a.state === 'active' ? 1 : 2);
  const sorted = [...accounts].sort((a, b) => order(a) - order(b) || b.days_since_update - a.days_since_update);
  $('accounts').tBodies[0].replaceChildren(...sorted.map((a) => accountRow(a, stale.has(a.username))));
  const active = accounts.filter((a) => a.state === 'active').length;
  $('summary').textContent = `${accounts.length} accounts: ${active} active, ${accounts.length - active} revoked; ${stale.size} stale (no update for more than ${staleDays()} days).`;
}

function renderAudit(events) {
  const rows = events.map((e) => {
    const row = document.createElement('tr');
    row.append(cell(when(e.at)), cell(e.kind), cell(e.username ?? ''), cell(e.subdomain ?? ''), cell(e.remote ?? ''), cell(e.detail ?? ''));
    return row;
  });
  $('audit').tBodies[0].replaceChildren(...rows);
}

async function load() {
  const days = staleDays();
  const [accounts, stale, audit] = await Promise.all([api('GET', '/accounts'), api('GET', `/accounts?${new URLSearchParams({ stale: String(days) })}`), api('GET', '/audit?limit=50')]);
  renderAccounts(accounts, stale.map((a) => a.username));
  renderAudit(audit);
}

function showCredentials(credentials) {
  const list = $('credentials-list');
  list.replaceChildren();
  for (const key of ['username', 'password', 'fulldomain', 'subdomain', 'server_url']) {
    if (credentials[key] === undefined) continue;
    list.append(element('dt', key), element('dd', credentials[key]));
  }
  $('credentials').hidden = false;
  $('credentials').focus();
}

function hideCredentials() {
  $('credentials-list').replaceChildren();
  $('credentials').hidden = true;
}

async function act(action, account, name) {
  const question =
    action === 'revoke'
      ? `Revoke ${name} (${account.username})? Its client can no longer update, and its TXT leaves DNS.`
      : `Rotate the password of ${name} (${account.username})? The client's current password stops working now.`;
  if (!window.confirm(question)) return;
  try {
    const result = await api('POST', `/accounts/${encodeURIComponent(account.username)}/${action}`);
    if (action === 'rotate') showCredentials(result);
    say(action === 'revoke' ? `Revoked ${name}.` : `New password for ${name}: shown below, once.`);
    await load();
  } catch (error) {
    failed(error);
  }
}

function failed(error) {
  if (error instanceof Refused) signOut(error.message, true);
  else say(`Failed: ${error.message}`, true);
}

async function refresh() {
  try {
    await load();
    showSignedIn(true);
    say(`Loaded at ${when(new Date().toISOString())}.`);
  } catch (error) {
    failed(error);
  }
}

function start() {
  $('sign-in').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(tokenKey, $('token').value);
    $('token').value = '';
    void refresh();
  });
  $('sign-out').addEventListener('click', () => signOut('Signed out.'));
  $('stale-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void refresh();
  });
  $('refresh').addEventListener('click', () => void refresh());
  $('credentials-done').addEventListener('click', hideCredentials);
  if (sessionStorage.getItem(tokenKey)) void refresh();
  else showSignedIn(false);
}

start();
