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

/**
 * Authorization header values that passed the check, so that a client sending the same header
 * again (Google sends the same one with every call) is not hashed again: hashing the presented
 * secret was a visible share of a fast read (docs/PERFORMANCE.md, issue 17). A header is compared
 * with every kept one in constant time, as the digests are; only headers that passed are kept
 * (a wrong secret never is), at most `max` of them, and the valid pairs are fixed for the
 * process's life (they come from its configuration), so a kept header stays valid. The header
 * holds the secret as the process's own configuration does (BOOKING_SERVER_CREDENTIALS).
 */
export class VerifiedCredentials {
  readonly #headers: Buffer[] = [];

  constructor(private readonly max = 16) {}

  /** Whether this exact header value passed before. */
  has(header: string): boolean {
    if (this.#headers.length === 0) return false;
    // As UTF-8, not latin1, which would map U+0141 onto "A".
    const presented = Buffer.from(header, 'utf8');
    let found = false;
    for (const known of this.#headers) if (known.length === presented.length) found = timingSafeEqual(known, presented) || found;
    return found;
  }

  /** Records a header value that passed the full check. */
  add(header: string): void {
    if (this.#headers.length < this.max && !this.has(header)) this.#headers.push(Buffer.from(header, 'utf8'));
  }

  get size(): number {
    return this.#headers.length;
  }
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
export async function registerBasicAuth(
  app: FastifyInstance,
  digests: readonly CredentialDigest[],
  throttle: FailureThrottle,
  verified = new VerifiedCredentials(),
): Promise<void> {
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
  // A header that passed before passes again without the plugin's parsing and the hash; any other
  // goes through the plugin (its 401s, WWW-Authenticate and the throttle are unchanged).
  app.addHook('onRequest', (request, reply, done) => {
    const header = request.headers.authorization;
    if (typeof header === 'string' && verified.has(header)) {
      done();
      return;
    }
    void app.basicAuth(request, reply, (error?: Error) => {
      if (error === undefined && typeof header === 'string') verified.add(header);
      done(error);
    });
  });
}
