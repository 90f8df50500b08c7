// The day's bookings of a merchant (every service), in the merchant's time zone: cancel,
// reschedule, change the party size, confirm or decline (merchants who confirm), no-show (from the
// start on), and a booking made from the screen. Every change goes through the admin API, which
// sends Google its update.
import { useEffect, useState } from 'preact/hooks';
import { ActionButton, fieldOf, GuestFields, guestOf, PartySizeField, Screen, ServiceField } from './parts';
import { api, type Booking, replaceById, type Service } from './api';
import type { MessageKey } from './i18n';
import type { ScreenProps } from './main';
import { guestName } from './tables';

/** YYYY-MM-DD of an instant in a time zone. */
export const dayIn = (timeZone: string, ms: number): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);

/** HH:MM of an instant in a time zone. */
const timeIn = (timeZone: string, ms: number): string =>
  new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);

/** Epoch seconds of a wall-clock day and time in a time zone (the later one in a DST overlap). */
export function zonedToEpoch(timeZone: string, day: string, time: string): number {
  const [y, m, d] = day.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  const wall = Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1, hh ?? 0, mm ?? 0);
  const offsetAt = (ms: number): number => {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      })
        .formatToParts(ms)
        .map((p) => [p.type, Number(p.value)]),
    );
    const part = (name: string): number => parts[name] ?? 0;
    return Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second')) - ms;
  };
  let guess = wall - offsetAt(wall);
  guess = wall - offsetAt(guess);
  return Math.round(guess / 1000);
}

const ACTIVE = ['CONFIRMED', 'PENDING_MERCHANT_CONFIRMATION'];

export function BookingsScreen({ t, lang, merchant, version, announce, fail }: ScreenProps) {
  const zone = merchant.time_zone;
  const [day, setDay] = useState(dayIn(zone, Date.now()));
  const [bookings, setBookings] = useState<Booking[] | null>(null);
  const [services, setServices] = useState<Service[]>([]);
  const [editing, setEditing] = useState<string | null>(null);
  const mid = encodeURIComponent(merchant.id);
  useEffect(() => {
    // The day in the merchant's zone lies within 14 hours either side of the UTC day.
    const utcStart = Date.parse(`${day}T00:00:00Z`) / 1000;
    api<{ bookings: Booking[] }>('GET', `/merchants/${mid}/bookings?from=${utcStart - 14 * 3600}&to=${utcStart + 38 * 3600}&limit=1000`).then(
      (r) => setBookings(r.bookings.filter((b) => dayIn(zone, b.start_sec * 1000) === day).sort((a, b) => a.start_sec - b.start_sec)),
      fail,
    );
    api<{ services: Service[] }>('GET', `/merchants/${mid}/services`).then((r) => setServices(r.services.filter((s) => s.booking.enabled)), fail);
  }, [mid, day, version, zone, fail]);
  const time = new Intl.DateTimeFormat(lang, { hour: 'numeric', minute: '2-digit', timeZone: zone });
  const now = Date.now() / 1000;

  const change = async (booking: Booking, path: string, body: unknown, done: MessageKey): Promise<void> => {
    try {
      const updated = await api<Booking>('POST', `/merchants/${mid}/bookings/${encodeURIComponent(booking.id)}/${path}`, body);
      setBookings((list) => replaceById(list, updated));
      setEditing(null);
      announce({ key: done, values: { name: guestName(updated) } });
    } catch (e) {
      fail(e);
    }
  };

  const create = async (event: Event): Promise<void> => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    try {
      const booking = await api<Booking>(
        'POST',
        `/merchants/${mid}/bookings`,
        { service_id: fieldOf(form, 'service_id'), start_sec: zonedToEpoch(zone, day, fieldOf(form, 'time')), ...guestOf(form) },
        { 'idempotency-key': crypto.randomUUID() },
      );
      setBookings((list) => [...(list ?? []).filter((b) => b.id !== booking.id), booking].sort((a, b) => a.start_sec - b.start_sec));
      announce({ key: 'bookings.made', values: { name: guestName(booking) } });
      form.reset();
    } catch (e) {
      fail(e);
    }
  };

  return (
    <Screen
      t={t}
      kind="bookings-screen"
      title={t('bookings.title')}
      head={
        <label>
          {t('bookings.day')}
          <input type="date" value={day} onChange={(e) => setDay((e.currentTarget as HTMLInputElement).value || day)} dir="ltr" />
        </label>
      }
      items={bookings}
      empty={t('bookings.empty')}
      side={
        services.length > 0 && (
          <aside class="side">
            <form class="walk-in" onSubmit={create}>
              <h2>{t('bookings.new')}</h2>
              {services.length > 1 ? (
                <ServiceField t={t} services={services} name="service_id" />
              ) : (
                <input type="hidden" name="service_id" value={services[0]?.id} />
              )}
              <label>
                {t('bookings.time')}
                <input name="time" type="time" required dir="ltr" />
              </label>
              <GuestFields t={t} />
              <button type="submit" class="primary">
                {t('bookings.book')}
              </button>
            </form>
          </aside>
        )
      }
    >
      {(bookings) => (
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
            {bookings.map((b) => {
              const name = guestName(b);
              const active = ACTIVE.includes(b.status);
              return (
                <tr key={b.id}>
                  <td>{time.format(b.start_sec * 1000)}</td>
                  <td>
                    <bdi>{name}</bdi>
                    {b.source === 'google' && <span class="badge badge-google">{t('source.google')}</span>}
                  </td>
                  <td>{t('party.size', { n: b.party_size })}</td>
                  <td>{t(`booking.${b.status}` as MessageKey)}</td>
                  <td>
                    <div class="actions booking-actions">
                      {b.status === 'PENDING_MERCHANT_CONFIRMATION' && (
                        <>
                          <ActionButton t={t} label="action.confirm" name={name} tone="primary" onClick={() => change(b, 'confirm', {}, 'bookings.changed')} />
                          <ActionButton t={t} label="action.decline" name={name} tone="danger" onClick={() => change(b, 'decline', {}, 'bookings.changed')} />
                        </>
                      )}
                      {b.status === 'CONFIRMED' && now >= b.start_sec && (
                        <ActionButton t={t} label="action.no-show" name={name} tone="danger" onClick={() => change(b, 'no-show', {}, 'bookings.changed')} />
                      )}
                      {active && (
                        <>
                          <ActionButton
                            t={t}
                            label="bookings.change"
                            name={name}
                            expanded={editing === b.id}
                            onClick={() => setEditing(editing === b.id ? null : b.id)}
                          />
                          <ActionButton t={t} label="bookings.cancel" name={name} tone="danger" onClick={() => change(b, 'cancel', {}, 'bookings.canceled')} />
                        </>
                      )}
                      {editing === b.id && (
                        <div class="edit">
                          <form
                            onSubmit={(e) => {
                              e.preventDefault();
                              change(
                                b,
                                'reschedule',
                                { start_sec: zonedToEpoch(zone, day, fieldOf(e.currentTarget as HTMLFormElement, 'time')) },
                                'bookings.changed',
                              );
                            }}
                          >
                            <label>
                              {t('bookings.newTime')}
                              <input name="time" type="time" required defaultValue={timeIn(zone, b.start_sec * 1000)} dir="ltr" />
                            </label>
                            <button type="submit">{t('bookings.reschedule')}</button>
                          </form>
                          <form
                            onSubmit={(e) => {
                              e.preventDefault();
                              change(b, 'party-size', { party_size: Number(fieldOf(e.currentTarget as HTMLFormElement, 'party_size')) }, 'bookings.changed');
                            }}
                          >
                            <PartySizeField t={t} value={b.party_size} />
                            <button type="submit">{t('bookings.setParty')}</button>
                          </form>
                        </div>
                      )}
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Screen>
  );
}
