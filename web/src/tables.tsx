// The floor: each table free, seated (since when, which party) or soon free. A table is taken for
// the turn time of the party seated at it (the merchant's turn times, as the estimator counts them).
import { useEffect, useState } from 'preact/hooks';
import { api, type Entry, type Merchant, type Table } from './api';
import type { ScreenProps } from './main';

export interface TableState {
  table: Table;
  party: Entry | null;
  /** Minutes until the turn time ends, when seated. */
  minutesLeft: number;
}

const SOON_MINUTES = 10;

export function turnMinutes(merchant: Merchant, partySize: number): number {
  const turns = [...merchant.turn_times].sort((a, b) => a.max_party_size - b.max_party_size);
  return (turns.find((t) => partySize <= t.max_party_size) ?? turns[turns.length - 1])?.minutes ?? 90;
}

export function floorState(merchant: Merchant, tables: Table[], seated: Entry[], nowSec: number): TableState[] {
  return tables.map((table) => {
    let party: Entry | null = null;
    let minutesLeft = 0;
    for (const entry of seated) {
      // A party whose table was cleared (issue 15's "leave") no longer holds it.
      if (entry.table_id !== table.id || entry.times.seated_at === null || (entry.times.left_at ?? null) !== null) continue;
      const left = Math.ceil((entry.times.seated_at + turnMinutes(merchant, entry.party_size) * 60 - nowSec) / 60);
      if (left > 0 && (party === null || (entry.times.seated_at ?? 0) > (party.times.seated_at ?? 0))) {
        party = entry;
        minutesLeft = left;
      }
    }
    return { table, party, minutesLeft };
  });
}

/** The tables and the parties seated in the last hours, reloaded when `version` changes. */
export function useFloor(
  merchant: Merchant,
  version: number,
  fail: (e: unknown) => void,
): { tables: Table[]; seated: Entry[]; setSeatedLocal: (e: Entry) => void } {
  const [tables, setTables] = useState<Table[]>([]);
  const [seated, setSeated] = useState<Entry[]>([]);
  useEffect(() => {
    const id = encodeURIComponent(merchant.id);
    const since = Math.floor(Date.now() / 1000) - 12 * 3600;
    Promise.all([
      api<{ tables: Table[] }>('GET', `/merchants/${id}/tables`),
      api<{ entries: Entry[] }>('GET', `/merchants/${id}/waitlist-entries?state=SEATED&since=${since}`),
    ]).then(([t, s]) => {
      setTables(t.tables);
      setSeated(s.entries);
    }, fail);
  }, [merchant.id, version, fail]);
  const setSeatedLocal = (updated: Entry): void => setSeated((list) => list.map((e) => (e.id === updated.id ? updated : e)));
  return { tables, seated, setSeatedLocal };
}

export const guestName = (e: { guest: { given_name: string; family_name: string } }): string => `${e.guest.given_name} ${e.guest.family_name}`.trim();

export function TablesScreen({ t, lang, merchant, version, announce, fail }: ScreenProps) {
  const { tables, seated, setSeatedLocal } = useFloor(merchant, version, fail);
  const [now, setNow] = useState(Math.floor(Date.now() / 1000));
  useEffect(() => {
    const timer = setInterval(() => setNow(Math.floor(Date.now() / 1000)), 30_000);
    return () => clearInterval(timer);
  }, []);
  const time = new Intl.DateTimeFormat(lang, { hour: 'numeric', minute: '2-digit', timeZone: merchant.time_zone });
  const floor = floorState(merchant, tables, seated, now);
  const clear = async (entry: Entry): Promise<void> => {
    try {
      const updated = await api<Entry>('POST', `/merchants/${encodeURIComponent(merchant.id)}/waitlist-entries/${encodeURIComponent(entry.id)}/leave`, {});
      setSeatedLocal(updated);
      announce({ key: 'tables.cleared', values: { name: guestName(updated) } });
    } catch (e) {
      fail(e);
    }
  };
  return (
    <main class="floor-screen">
      <h2>{t('tables.title')}</h2>
      {floor.length === 0 && <p>{t('tables.empty')}</p>}
      <ul class="floor">
        {floor.map(({ table, party, minutesLeft }) => {
          const soon = party !== null && minutesLeft <= SOON_MINUTES;
          return (
            <li key={table.id} class={party === null ? 'table free' : soon ? 'table soon' : 'table seated'}>
              <h3>
                <bdi>{table.name}</bdi>
              </h3>
              <p class="seats">{t('seat.seats', { min: table.min_seats, max: table.seats })}</p>
              {party === null ? (
                <p class="state">{t('tables.free')}</p>
              ) : (
                <>
                  <p class="state">
                    {t('tables.seated', {
                      time: time.format((party.times.seated_at ?? 0) * 1000),
                      name: guestName(party),
                      party: t('party.size', { n: party.party_size }),
                    })}
                  </p>
                  {soon && <p class="soon-note">{t('tables.soon', { n: minutesLeft })}</p>}
                  {party.allowed_actions.includes('leave') && (
                    <button type="button" aria-label={t('action.for', { action: t('tables.clear'), name: table.name })} onClick={() => clear(party)}>
                      {t('tables.clear')}
                    </button>
                  )}
                </>
              )}
            </li>
          );
        })}
      </ul>
    </main>
  );
}
