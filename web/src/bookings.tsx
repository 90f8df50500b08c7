// The day's bookings of a merchant (every service), in the merchant's time zone; cancel one.
import { useEffect, useState } from 'preact/hooks';
import { api, type Booking } from './api';
import type { MessageKey } from './i18n';
import type { ScreenProps } from './main';
import { guestName } from './tables';

/** YYYY-MM-DD of an instant in a time zone. */
const dayIn = (timeZone: string, ms: number): string => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);

export function BookingsScreen({ t, lang, merchant, version, announce, fail }: ScreenProps) {
  const [day, setDay] = useState(dayIn(merchant.time_zone, Date.now()));
  const [bookings, setBookings] = useState<Booking[] | null>(null);
  const mid = encodeURIComponent(merchant.id);
  useEffect(() => {
    // The day in the merchant's zone lies within 14 hours either side of the UTC day.
    const utcStart = Date.parse(`${day}T00:00:00Z`) / 1000;
    api<{ bookings: Booking[] }>('GET', `/merchants/${mid}/bookings?from=${utcStart - 14 * 3600}&to=${utcStart + 38 * 3600}&limit=1000`).then(
      (r) => setBookings(r.bookings.filter((b) => dayIn(merchant.time_zone, b.start_sec * 1000) === day).sort((a, b) => a.start_sec - b.start_sec)),
      fail,
    );
  }, [mid, day, version, merchant.time_zone, fail]);
  const time = new Intl.DateTimeFormat(lang, { hour: 'numeric', minute: '2-digit', timeZone: merchant.time_zone });
  const cancel = async (booking: Booking): Promise<void> => {
    try {
      const updated = await api<Booking>('POST', `/merchants/${mid}/bookings/${encodeURIComponent(booking.id)}/cancel`, {});
      setBookings((list) => (list ?? []).map((b) => (b.id === updated.id ? updated : b)));
      announce(t('bookings.canceled', { name: guestName(updated) }));
    } catch (e) {
      fail(e);
    }
  };
  return (
    <main class="bookings-screen">
      <div class="queue-head">
        <h2>{t('bookings.title')}</h2>
        <label>
          {t('bookings.day')}{' '}
          <input type="date" value={day} onChange={(e) => setDay((e.currentTarget as HTMLInputElement).value || day)} dir="ltr" />
        </label>
      </div>
      {bookings === null ? (
        <p>{t('loading')}</p>
      ) : bookings.length === 0 ? (
        <p class="empty">{t('bookings.empty')}</p>
      ) : (
        <table class="bookings">
          <thead>
            <tr>
              <th scope="col">{t('bookings.time')}</th>
              <th scope="col">{t('queue.name')}</th>
              <th scope="col">{t('queue.party')}</th>
              <th scope="col">{t('bookings.status')}</th>
              <th scope="col">{t('queue.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {bookings.map((b) => (
              <tr key={b.id}>
                <td>{time.format(b.start_sec * 1000)}</td>
                <td>
                  <bdi>{guestName(b)}</bdi>
                </td>
                <td>{t('party.size', { n: b.party_size })}</td>
                <td>{t(`booking.${b.status}` as MessageKey)}</td>
                <td>
                  {(b.status === 'CONFIRMED' || b.status === 'PENDING_MERCHANT_CONFIRMATION') && (
                    <button type="button" class="danger" aria-label={`${t('bookings.cancel')}: ${guestName(b)}`} onClick={() => cancel(b)}>
                      {t('bookings.cancel')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
