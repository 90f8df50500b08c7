// Staff accounts of a merchant (host or manager), each with a sign-in token of their own: random,
// shown once at creation, stored as a SHA-256 digest (src/admin/tokens.ts looks it up), and a
// language for the host stand's screens.
import { randomBytes, randomUUID } from 'node:crypto';
import { sha256 } from '../config.js';
import type { Db } from '../store/database.js';
import type { StaffRole } from './principal.js';

/** The languages of the host stand's screens (BCP 47). */
export const STAFF_LANGUAGES = ['en', 'zh-CN', 'ar', 'tr', 'it'] as const;
export type StaffLanguage = (typeof STAFF_LANGUAGES)[number];

export interface StaffMember {
  readonly id: string;
  readonly merchantId: string;
  readonly name: string;
  readonly role: StaffRole;
  readonly language: StaffLanguage;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

export interface StaffChanges {
  readonly name?: string;
  readonly role?: StaffRole;
  readonly language?: StaffLanguage;
}

type StaffRow = {
  id: string;
  merchant_id: string;
  name: string;
  role: StaffRole;
  language: string;
  created_at: number;
  revoked_at: number | null;
};

function toMember(r: StaffRow): StaffMember {
  return {
    id: r.id,
    merchantId: r.merchant_id,
    name: r.name,
    role: r.role,
    language: (STAFF_LANGUAGES as readonly string[]).includes(r.language) ? (r.language as StaffLanguage) : 'en',
    createdAt: Number(r.created_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
  };
}

const COLUMNS = ['id', 'merchant_id', 'name', 'role', 'language', 'created_at', 'revoked_at'] as const;

export class StaffAccounts {
  constructor(private readonly db: Db) {}

  async create(
    merchantId: string,
    input: { name: string; role: StaffRole; language: StaffLanguage },
    now: number,
  ): Promise<{ secret: string; member: StaffMember }> {
    const secret = `bss_${randomBytes(24).toString('base64url')}`;
    const member: StaffMember = {
      id: randomUUID(),
      merchantId,
      ...input,
      createdAt: now,
      revokedAt: null,
    };
    await this.db
      .insertInto('staff')
      .values({
        id: member.id,
        merchant_id: merchantId,
        name: input.name,
        role: input.role,
        language: input.language,
        token_hash: sha256(secret).toString('hex'),
        created_at: now,
        revoked_at: null,
      })
      .execute();
    return { secret, member };
  }

  async list(merchantId: string): Promise<StaffMember[]> {
    const rows = await this.db.selectFrom('staff').select(COLUMNS).where('merchant_id', '=', merchantId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toMember);
  }

  /** An active (not revoked) staff member of the merchant, or null. */
  async get(merchantId: string, id: string): Promise<StaffMember | null> {
    const row = await this.db
      .selectFrom('staff')
      .select(COLUMNS)
      .where('merchant_id', '=', merchantId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return row ? toMember(row) : null;
  }

  async update(merchantId: string, id: string, changes: StaffChanges): Promise<StaffMember | null> {
    if (Object.keys(changes).length > 0) {
      await this.db
        .updateTable('staff')
        .set({ ...changes })
        .where('merchant_id', '=', merchantId)
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .execute();
    }
    return this.get(merchantId, id);
  }

  /** Revokes the member's token and ends their browser sessions. */
  async revoke(merchantId: string, id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('staff')
      .set({ revoked_at: now })
      .where('merchant_id', '=', merchantId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return false;
    await this.db.deleteFrom('web_sessions').where('staff_id', '=', id).execute();
    return true;
  }
}
