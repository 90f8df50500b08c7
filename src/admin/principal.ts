// Who is calling the admin API: the bootstrap token (every merchant) or a token scoped to one
// merchant: a merchant's admin token (a manager) or a staff member's own token (host or manager).
import { DomainError } from '../errors.js';

export type StaffRole = 'host' | 'manager';

export type Principal =
  | { readonly kind: 'root' }
  | {
      readonly kind: 'merchant';
      readonly merchantId: string;
      /** The admin token's id, or the staff member's id when signed in with a staff token. */
      readonly tokenId: string;
      readonly role: StaffRole;
      /** Set when the caller is a staff member (their token or their browser session). */
      readonly staffId: string | null;
    };

/** Refuses access to another merchant's data. */
export function assertMerchantAccess(principal: Principal, merchantId: string): void {
  if (principal.kind === 'merchant' && principal.merchantId !== merchantId) {
    throw new DomainError('FORBIDDEN', 'this token is scoped to another merchant');
  }
}

export function assertRoot(principal: Principal): void {
  if (principal.kind !== 'root') throw new DomainError('FORBIDDEN', 'this action needs the bootstrap admin token');
}

/** Managing staff is for managers: the bootstrap token, a merchant's admin token, or a manager's own token. */
export function assertManager(principal: Principal): void {
  if (principal.kind === 'merchant' && principal.role !== 'manager') {
    throw new DomainError('FORBIDDEN', "this action needs a manager (a host may run the queue, walk-ins, seating, the day's bookings and guests' texts)");
  }
}

/** The merchant a listing is limited to, or null for all. */
export function merchantScope(principal: Principal): string | null {
  return principal.kind === 'merchant' ? principal.merchantId : null;
}
