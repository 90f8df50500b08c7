// Live updates for the host stand: GET /admin/v1/merchants/:merchantId/events is a stream of
// server-sent events, authenticated and scoped like every admin route (the session cookie, as
// EventSource cannot send headers, or a bearer token). It sends `ready` once the server watches the
// merchant's changes (load the data then), `changed` after each committed change of the merchant's
// data by anyone (load it again through the admin API), and a comment every 15 s so that proxies
// keep the connection open. EventSource reconnects by itself (`retry` below); a reconnecting client
// gets `ready` again and reloads, so nothing is missed across a reconnect.
import type { ServerResponse } from 'node:http';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { MerchantService } from '../merchants/service.js';
import type { ChangeFeed } from '../store/changes.js';

const HEARTBEAT_MS = 15_000;

export const eventRoutes =
  (feed: ChangeFeed, merchants: MerchantService): FastifyPluginAsyncTypebox =>
  async (app) => {
    const open = new Set<ServerResponse>();
    // Streams never end by themselves: close them when the server shuts down.
    app.addHook('preClose', async () => {
      for (const raw of open) raw.end();
    });

    app.get(
      '/merchants/:merchantId/events',
      {
        schema: {
          summary: "Server-sent events: 'ready', then 'changed' after each change of the merchant's data",
          params: Type.Object({ merchantId: Type.String() }),
          produces: ['text/event-stream'],
        },
      },
      async (request, reply) => {
        const { merchantId } = request.params;
        // An unknown merchant is a 404 like on every other merchant route, not an empty stream.
        await merchants.get(merchantId);
        await feed.ready();
        reply.hijack();
        const raw = reply.raw;
        raw.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        open.add(raw);
        raw.write(`retry: 2000\nevent: ready\ndata: {"merchant_id":${JSON.stringify(merchantId)}}\n\n`);
        const unsubscribe = feed.subscribe(merchantId, ({ seq }) => {
          raw.write(`id: ${seq}\nevent: changed\ndata: {"merchant_id":${JSON.stringify(merchantId)}}\n\n`);
        });
        const heartbeat = setInterval(() => raw.write(': ping\n\n'), HEARTBEAT_MS);
        heartbeat.unref();
        const end = (): void => {
          clearInterval(heartbeat);
          unsubscribe();
          open.delete(raw);
        };
        raw.on('close', end);
        raw.on('error', end);
      },
    );
  };
