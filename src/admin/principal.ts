// Who is calling the admin API: the bootstrap token (every merchant) or a token scoped to one.
import { DomainError } from '../errors.js';

export type Principal = { readonly kind: 'root' } | { readonly kind: 'merchant'; readonly merchantId: string; readonly tokenId: string };

/** Refuses access to another merchant's data. */
export function assertMerchantAccess(principal: Principal, merchantId: string): void {
  if (principal.kind === 'merchant' && principal.merchantId !== merchantId) {
    throw new DomainError('FORBIDDEN', 'this token is scoped to another merchant');
  }
}

export function assertRoot(principal: Principal): void {
  if (principal.kind !== 'root') throw new DomainError('FORBIDDEN', 'this action needs the bootstrap admin token');
}

/** The merchant a listing is limited to, or null for all. */
export function merchantScope(principal: Principal): string | null {
  return principal.kind === 'merchant' ? principal.merchantId : null;
}
