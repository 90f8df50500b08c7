// How good the quotes were: for the parties that joined in a period, the quote each was shown at
// join (stored with the entry) against the time it was really seated.
import type { HistoryParty } from '../waitlist/model.js';

export interface AccuracyRow {
  /** Seated parties with a stored quote. */
  readonly seated: number;
  /** Mean |quoted seat time - actual seat time|, minutes; null without any. */
  readonly meanAbsoluteErrorMinutes: number | null;
  /** Share seated inside the quoted range; null without any. */
  readonly insideRangeShare: number | null;
  /** Mean (quoted - actual), minutes: positive when quotes were too long. */
  readonly biasMinutes: number | null;
}

export interface QuoteAccuracy extends AccuracyRow {
  /** Parties that joined with a quote (seated or not). */
  readonly quoted: number;
  /** Of the quoted parties, those that left without a table (walk-aways, no-shows). */
  readonly walkedAway: number;
  readonly byPartySize: readonly (AccuracyRow & { readonly partySize: number })[];
}

function row(parties: readonly HistoryParty[]): AccuracyRow {
  let abs = 0;
  let sum = 0;
  let inside = 0;
  for (const p of parties) {
    const error = (p.quote!.seatAt - p.seatedAt!) / 60;
    abs += Math.abs(error);
    sum += error;
    if (p.seatedAt! >= p.quote!.rangeStart && p.seatedAt! <= p.quote!.rangeEnd) inside += 1;
  }
  const n = parties.length;
  const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;
  return {
    seated: n,
    meanAbsoluteErrorMinutes: n === 0 ? null : round(abs / n, 1),
    insideRangeShare: n === 0 ? null : round(inside / n, 3),
    biasMinutes: n === 0 ? null : round(sum / n, 1),
  };
}

export function quoteAccuracy(parties: readonly HistoryParty[]): QuoteAccuracy {
  const quoted = parties.filter((p) => p.quote !== null);
  const seated = quoted.filter((p) => p.seatedAt !== null);
  const sizes = [...new Set(seated.map((p) => p.partySize))].sort((a, b) => a - b);
  return {
    quoted: quoted.length,
    walkedAway: quoted.filter((p) => p.seatedAt === null && (p.canceledAt !== null || p.noShowAt !== null)).length,
    ...row(seated),
    byPartySize: sizes.map((partySize) => ({ partySize, ...row(seated.filter((p) => p.partySize === partySize)) })),
  };
}
