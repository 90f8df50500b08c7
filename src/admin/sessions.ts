// Browser sessions of the host stand (/app). Signing in with a token (bootstrap, a merchant's admin
// token or a staff token) gives an HttpOnly, SameSite=Strict cookie holding a random secret; the
// database keeps only its SHA-256 digest, plus a per-session CSRF token that the page sends in a
// header on every state-changing request (compared in constant time). Sessions expire after the
// configured time without use (sliding), and end at sign-out or when their token is revoked.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { sha256 } from '../config.js';
import type { Db } from '../store/database.js';
import type { Principal } from './principal.js';
import { STAFF_LANGUAGES, type StaffLanguage } from './staff.js';
import type { AdminTokens } from './tokens.js';

export const SESSION_COOKIE = 'bs_session';
export const CSRF_HEADER = 'x-csrf-token';

export interface WebSession {
  readonly principal: Principal;
  /** The merchant the screens show: fixed for merchant and staff sessions, chosen for the bootstrap token. */
  readonly merchantId: string | null;
  readonly staff: { readonly id: string; readonly name: string } | null;
  readonly language: StaffLanguage;
  readonly csrfToken: string;
  readonly expiresAt: number;
}

function asLanguage(value: string | null | undefined): StaffLanguage {
  return (STAFF_LANGUAGES as readonly string[]).includes(value ?? '') ? (value as StaffLanguage) : 'en';
}

const secretDigest = (secret: string): string => sha256(secret).toString('hex');

/** Constant-time comparison of the CSRF header with the session's token. */
export function csrfMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export class WebSessions {
  constructor(
    private readonly db: Db,
    private readonly tokens: AdminTokens,
    private readonly ttlSeconds: number,
  ) {}

  /** Opens a session for a principal that has just proven a token; returns the cookie's secret. */
  async open(principal: Principal, now: number, language: StaffLanguage | null): Promise<{ secret: string; session: WebSession }> {
    // Expired sessions are removed here, so the table stays as small as the staff signed in.
    await this.db.deleteFrom('web_sessions').where('expires_at', '<=', now).execute();
    const secret = randomBytes(32).toString('base64url');
    const csrf = randomBytes(32).toString('base64url');
    await this.db
      .insertInto('web_sessions')
      .values({
        id_hash: secretDigest(secret),
        csrf_token: csrf,
        kind: principal.kind === 'root' ? 'root' : principal.staffId !== null ? 'staff' : 'merchant',
        merchant_id: principal.kind === 'merchant' ? principal.merchantId : null,
        admin_token_id: principal.kind === 'merchant' && principal.staffId === null ? principal.tokenId : null,
        staff_id: principal.kind === 'merchant' ? principal.staffId : null,
        language,
        created_at: now,
        expires_at: now + this.ttlSeconds,
      })
      .execute();
    const session = await this.find(secret, now);
    if (session === null) throw new Error('a session just opened was not found');
    return { secret, session };
  }

  /** The live session for a cookie secret, or null (unknown, expired, or its token revoked). */
  async find(secret: string, now: number): Promise<WebSession | null> {
    const idHash = secretDigest(secret);
    const row = await this.db
      .selectFrom('web_sessions')
      .leftJoin('staff', 'staff.id', 'web_sessions.staff_id')
      .select([
        'web_sessions.csrf_token',
        'web_sessions.kind',
        'web_sessions.merchant_id',
        'web_sessions.admin_token_id',
        'web_sessions.staff_id',
        'web_sessions.language',
        'web_sessions.expires_at',
        'staff.name as staff_name',
        'staff.role as staff_role',
        'staff.language as staff_language',
        'staff.revoked_at as staff_revoked_at',
      ])
      .where('web_sessions.id_hash', '=', idHash)
      .executeTakeFirst();
    if (!row || Number(row.expires_at) <= now) return null;
    let principal: Principal;
    let staff: WebSession['staff'] = null;
    let language = asLanguage(row.language);
    if (row.kind === 'root') {
      principal = { kind: 'root' };
    } else if (row.kind === 'staff') {
      if (row.staff_id === null || row.staff_name === null || row.staff_role === null || row.staff_revoked_at !== null || row.merchant_id === null) return null;
      principal = {
        kind: 'merchant',
        merchantId: row.merchant_id,
        tokenId: row.staff_id,
        role: row.staff_role,
        staffId: row.staff_id,
      };
      staff = { id: row.staff_id, name: row.staff_name };
      language = asLanguage(row.staff_language);
    } else {
      if (row.admin_token_id === null || row.merchant_id === null || !(await this.tokens.isActive(row.admin_token_id))) return null;
      principal = {
        kind: 'merchant',
        merchantId: row.merchant_id,
        tokenId: row.admin_token_id,
        role: 'manager',
        staffId: null,
      };
    }
    let expiresAt = Number(row.expires_at);
    // Sliding expiry, written at most once per half lifetime.
    if (expiresAt - now < this.ttlSeconds / 2) {
      expiresAt = now + this.ttlSeconds;
      await this.db.updateTable('web_sessions').set({ expires_at: expiresAt }).where('id_hash', '=', idHash).execute();
    }
    return {
      principal,
      merchantId: row.merchant_id,
      staff,
      language,
      csrfToken: row.csrf_token,
      expiresAt,
    };
  }

  /** Sets the merchant a bootstrap session shows, and the language (the staff member's own when staff). */
  async update(secret: string, changes: { merchantId?: string; language?: StaffLanguage }, staffId: string | null): Promise<void> {
    const idHash = secretDigest(secret);
    if (changes.merchantId !== undefined) {
      await this.db.updateTable('web_sessions').set({ merchant_id: changes.merchantId }).where('id_hash', '=', idHash).where('kind', '=', 'root').execute();
    }
    if (changes.language !== undefined) {
      if (staffId !== null) await this.db.updateTable('staff').set({ language: changes.language }).where('id', '=', staffId).execute();
      else await this.db.updateTable('web_sessions').set({ language: changes.language }).where('id_hash', '=', idHash).execute();
    }
  }

  async close(secret: string): Promise<void> {
    await this.db.deleteFrom('web_sessions').where('id_hash', '=', secretDigest(secret)).execute();
  }
}
