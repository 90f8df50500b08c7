// Offers: the promotions a merchant lists (replaced as a whole through the admin API) and Google
// may name in CreateBooking (offer_id).
import { DomainError, invalid } from '../errors.js';
import * as merchants from '../merchants/read-model.js';
import type { Store, Tx } from '../store/database.js';
import type { BookingFailure, Offer } from './model.js';
import * as repo from './repository.js';

export async function listOffers(store: Store, merchantId: string): Promise<Offer[]> {
  if ((await merchants.findMerchant(store.db, merchantId)) === null) throw new DomainError('NOT_FOUND', `unknown merchant "${merchantId}"`);
  return repo.listOffers(store.db, merchantId);
}

/** Replaces the merchant's offers with `offers` (ids 1-100 URL-safe characters, each once); the offers now listed. */
export async function replaceOffers(store: Store, merchantId: string, offers: readonly Offer[]): Promise<Offer[]> {
  const seen = new Set<string>();
  for (const [i, o] of offers.entries()) {
    if (!/^[A-Za-z0-9._~:-]{1,100}$/.test(o.id)) throw invalid(`offers[${i}].id must be 1-100 characters of letters, digits and . _ ~ : -`);
    if (seen.has(o.id)) throw invalid(`offers[${i}].id "${o.id}" appears twice`);
    seen.add(o.id);
    if (o.validFromSec !== null && o.validUntilSec !== null && o.validUntilSec <= o.validFromSec)
      throw invalid(`offers[${i}]: valid_until_sec must be after valid_from_sec`);
  }
  await store.transaction(async (trx) => {
    if ((await merchants.findMerchant(trx, merchantId)) === null) throw new DomainError('NOT_FOUND', `unknown merchant "${merchantId}"`);
    await repo.replaceOffers(trx, merchantId, offers);
  });
  return repo.listOffers(store.db, merchantId);
}

/**
 * Why the merchant's offer `offerId` does not apply to a booking of `serviceId` starting at
 * `startSec` (unknown, inactive, for another service, outside its validity window), or null.
 */
export async function offerRefusal(trx: Tx, merchantId: string, offerId: string, serviceId: string, startSec: number): Promise<BookingFailure | null> {
  const offer = await repo.findOffer(trx, merchantId, offerId);
  const applies =
    offer?.active === true &&
    (offer.serviceId === null || offer.serviceId === serviceId) &&
    (offer.validFromSec === null || startSec >= offer.validFromSec) &&
    (offer.validUntilSec === null || startSec < offer.validUntilSec);
  return applies ? null : { cause: 'OFFER_UNAVAILABLE', description: `offer "${offerId}" does not apply to this slot` };
}
