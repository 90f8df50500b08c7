// The routes an app serves, read from Fastify's route tree, so that checks over "every route"
// (the fuzz suite, the error-contract test) cover routes added later without being told.
import type { FastifyInstance } from 'fastify';

export interface RouteInfo {
  readonly method: string;
  /** With `:param` placeholders, as registered (lower case where the router folds case). */
  readonly path: string;
}

export function routesOf(app: FastifyInstance): RouteInfo[] {
  const tree = app.printRoutes({ commonPrefix: false });
  const stack: string[] = [];
  const routes: RouteInfo[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([^)]*)\))?/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    stack.push(match[2]!);
    const path = stack.join('');
    for (const method of (match[3] ?? '').split(',').map((m) => m.trim())) {
      if (method !== '' && method !== 'HEAD' && method !== 'OPTIONS') routes.push({ method, path });
    }
  }
  return routes;
}
