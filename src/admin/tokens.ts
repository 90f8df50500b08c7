// Admin API tokens: random, shown once, stored as SHA-256 digests (high-entropy tokens need no
// slow hash), looked up by digest; the bootstrap token is compared in constant time. Staff
// members' tokens (src/admin/staff.ts) are looked up the same way.
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { sha256 } from '../config.js';
import type { Db } from '../store/database.js';
import type { Principal } from './principal.js';

export interface AdminTokenInfo {
  readonly id: string;
  readonly merchantId: string | null;
  readonly label: string;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

export function newTokenSecret(): string {
  return `bsa_${randomBytes(24).toString('base64url')}`;
}

export class AdminTokens {
  constructor(
    private readonly db: Db,
    private readonly bootstrapDigest: Buffer | null,
  ) {}

  async authenticate(secret: string): Promise<Principal | null> {
    const digest = sha256(secret);
    if (this.bootstrapDigest !== null && timingSafeEqual(digest, this.bootstrapDigest)) return { kind: 'root' };
    const row = await this.db
      .selectFrom('admin_tokens')
      .select(['id', 'merchant_id'])
      .where('token_hash', '=', digest.toString('hex'))
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (row) {
      return row.merchant_id === null ? { kind: 'root' } : { kind: 'merchant', merchantId: row.merchant_id, tokenId: row.id, role: 'manager', staffId: null };
    }
    // A staff member's own token (src/admin/staff.ts).
    const staff = await this.db
      .selectFrom('staff')
      .select(['id', 'merchant_id', 'role'])
      .where('token_hash', '=', digest.toString('hex'))
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return staff ? { kind: 'merchant', merchantId: staff.merchant_id, tokenId: staff.id, role: staff.role, staffId: staff.id } : null;
  }

  async create(merchantId: string | null, label: string, now: number): Promise<{ secret: string; info: AdminTokenInfo }> {
    const secret = newTokenSecret();
    const info: AdminTokenInfo = { id: randomUUID(), merchantId, label, createdAt: now, revokedAt: null };
    await this.db
      .insertInto('admin_tokens')
      .values({ id: info.id, token_hash: sha256(secret).toString('hex'), merchant_id: merchantId, label, created_at: now, revoked_at: null })
      .execute();
    return { secret, info };
  }

  /** Whether an admin token is still valid (not revoked), for sessions opened with it. */
  async isActive(id: string): Promise<boolean> {
    const row = await this.db.selectFrom('admin_tokens').select('id').where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return row !== undefined;
  }

  async list(merchantId: string | null): Promise<AdminTokenInfo[]> {
    let query = this.db.selectFrom('admin_tokens').select(['id', 'merchant_id', 'label', 'created_at', 'revoked_at']).orderBy('created_at');
    if (merchantId !== null) query = query.where('merchant_id', '=', merchantId);
    const rows = await query.execute();
    return rows.map((r) => ({
      id: r.id,
      merchantId: r.merchant_id,
      label: r.label,
      createdAt: Number(r.created_at),
      revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
    }));
  }

  async revoke(id: string, now: number): Promise<boolean> {
    const result = await this.db.updateTable('admin_tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
