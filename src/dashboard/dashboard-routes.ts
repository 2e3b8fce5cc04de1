// The dashboard: three static files on the admin listener, at /admin/. The page holds no data
// and no secret; it asks the operator for the admin token and calls /admin/v1/ with it as a
// Bearer header, so the API's own token check guards every read and action. No cookie is ever
// set, so another site cannot make the browser act on the operator's behalf (no CSRF to defend).
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

const assets = [
  { path: '/admin/', file: 'index.html', type: 'text/html; charset=utf-8' },
  { path: '/admin/dashboard.js', file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  { path: '/admin/dashboard.css', file: 'dashboard.css', type: 'text/css; charset=utf-8' },
] as const;

/** Only our own files, no inline code, fetches to this origin only, never in a frame. */
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

export function dashboardRoutes(app: FastifyInstance): void {
  const folder = new URL('./assets/', import.meta.url);
  for (const asset of assets) {
    const body = readFileSync(new URL(asset.file, folder));
    app.get(asset.path, async (_request, reply) =>
      reply
        .header('Content-Type', asset.type)
        .header('Content-Security-Policy', contentSecurityPolicy)
        .header('X-Content-Type-Options', 'nosniff')
        .header('Referrer-Policy', 'no-referrer')
        .header('Cache-Control', 'no-store')
        .send(body),
    );
  }
  app.get('/admin', async (_request, reply) => reply.redirect('/admin/'));
}
