// The host stand's client at /app: static files built by Vite into dist/client (`npm run build`),
// sent brotli- or gzip-compressed when the browser accepts it (copies compressed at build time),
// served with a Content-Security-Policy that allows nothing but this origin (no inline script, no
// third-party host). The client changes data only through /admin/v1.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { DomainError } from '../errors.js';

// From src/web (tsx) and from dist/web (compiled) alike: <repository>/dist/client.
export const CLIENT_DIR = fileURLToPath(new URL('../../dist/client', import.meta.url));

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function secure(reply: FastifyReply): void {
  reply.header('content-security-policy', CSP);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('x-frame-options', 'DENY');
}

export function webPlugin(dir: string = CLIENT_DIR) {
  return async function web(app: FastifyInstance): Promise<void> {
    if (!existsSync(`${dir}/index.html`)) {
      app.get('/app', async () => {
        throw new DomainError('UNAVAILABLE', 'the host stand is not built: run npm run build');
      });
      return;
    }
    await app.register(fastifyStatic, {
      root: dir,
      prefix: '/app/',
      index: false,
      wildcard: true,
      // Hashed file names under assets/ never change; index.html is checked each time.
      immutable: true,
      // The .br and .gz copies `npm run build` writes beside the script and styles
      // (scripts/compress-client.ts), to a browser that accepts them; `Vary: Accept-Encoding`.
      preCompressed: true,
      maxAge: '365d',
      setHeaders: (reply) => secure(reply),
    });
    app.get('/app', async (_request, reply) => {
      secure(reply);
      reply.header('cache-control', 'no-cache');
      // Without cacheControl: false, send would replace the header with "public, max-age=0".
      return reply.sendFile('index.html', dir, { cacheControl: false });
    });
  };
}
