// HTTP Basic auth for Google's calls: several valid pairs at once (rotation), compared in
// constant time against SHA-256 digests, with repeated failures from one address throttled.
import { timingSafeEqual } from 'node:crypto';
import basicAuth from '@fastify/basic-auth';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sha256, type CredentialDigest } from '../config.js';
import { DomainError } from '../errors.js';

export function credentialsMatch(digests: readonly CredentialDigest[], username: string, password: string): boolean {
  const candidate = sha256(`${username}:${password}`);
  let match = false;
  // Check every pair, so the time taken does not tell which pair (or whether any) was close.
  for (const digest of digests) match = timingSafeEqual(candidate, digest) || match;
  return match;
}

/** Failed attempts per client address in a fixed window; bounded in memory. */
export class FailureThrottle {
  private readonly failures = new Map<string, { count: number; windowStart: number }>();
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until the address may try again, or 0. */
  blockedFor(address: string): number {
    const entry = this.failures.get(address);
    if (!entry) return 0;
    const elapsed = this.now() - entry.windowStart;
    if (elapsed >= this.windowMs) {
      this.failures.delete(address);
      return 0;
    }
    return entry.count >= this.max ? this.windowMs - elapsed : 0;
  }

  recordFailure(address: string): void {
    const now = this.now();
    const entry = this.failures.get(address);
    if (!entry || now - entry.windowStart >= this.windowMs) {
      if (this.failures.size >= 100_000) this.prune(now);
      this.failures.set(address, { count: 1, windowStart: now });
    } else {
      entry.count += 1;
    }
  }

  private prune(now: number): void {
    for (const [address, entry] of this.failures) if (now - entry.windowStart >= this.windowMs) this.failures.delete(address);
    if (this.failures.size >= 100_000) this.failures.clear();
  }
}

/**
 * Basic auth on every route of the context. Correct credentials always pass: the throttle only
 * refuses further wrong ones from an address that sent too many, so one bad client (or many
 * behind the same proxy, see TRUST_PROXY) cannot lock Google out. Success does not reset the
 * count, or a client could interleave guesses with anyone's good requests.
 */
export async function registerBasicAuth(app: FastifyInstance, digests: readonly CredentialDigest[], throttle: FailureThrottle): Promise<void> {
  await app.register(basicAuth, {
    authenticate: { realm: 'booking-server' },
    validate: async (username: string, password: string, request: FastifyRequest, reply: FastifyReply) => {
      if (credentialsMatch(digests, username, password)) return;
      const wait = throttle.blockedFor(request.ip);
      if (wait > 0) {
        reply.header('retry-after', Math.ceil(wait / 1000));
        throw new DomainError('TOO_MANY_REQUESTS', 'too many failed authentication attempts; try again later');
      }
      throttle.recordFailure(request.ip);
      throw new DomainError('UNAUTHENTICATED', 'invalid credentials');
    },
  });
  app.addHook('onRequest', app.basicAuth);
}
