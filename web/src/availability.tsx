// A booking service's availability for managers: the next 7 days as stored (slots per day in the
// merchant's time zone), a weekly schedule written through PUT .../availability/weekly-schedule,
// and two exceptions made with Google's replace semantics (PUT .../availability with an empty
// list over a window): close a day, block an evening. The admin API keeps no per-change delivery
// state for the update to Google; after each change the screen follows the merchant's own updates
// (GET /merchants/{m}/rtu/status): "pending" while its availability updates wait, "delivered" once
// none waits and no new one failed for good, "failed" when one did.
import { useEffect, useState } from 'preact/hooks';
import { api, type Service } from './api';
import { dayIn, zonedToEpoch } from './bookings';
import type { MessageKey } from './i18n';
import type { ScreenProps } from './main';
import { ServiceField } from './parts';

interface Slot {
  start_sec: number;
  duration_sec: number;
  spots_total: number;
  spots_open: number;
}

interface RtuStatus {
  pending: number;
  pending_by_kind: Record<string, number>;
  failed: number;
}

type Delivery = { state: 'pending' | 'delivered' | 'failed'; pending: number; dead: number } | null;

const field = (form: HTMLFormElement, name: string): string => (form.elements.namedItem(name) as HTMLInputElement).value.trim();

const DAYS = [1, 2, 3, 4, 5, 6, 7] as const;

export function AvailabilityScreen({ t, lang, merchant, version, announce, fail }: ScreenProps) {
  const zone = merchant.time_zone;
  const mid = encodeURIComponent(merchant.id);
  const today = dayIn(zone, Date.now());
  const [services, setServices] = useState<Service[]>([]);
  const [serviceId, setServiceId] = useState('');
  const [slots, setSlots] = useState<Slot[] | null>(null);
  const [delivery, setDelivery] = useState<Delivery>(null);
  const [watch, setWatch] = useState(0);
  useEffect(() => {
    api<{ services: Service[] }>('GET', `/merchants/${mid}/services`).then((r) => {
      const list = r.services.filter((s) => s.booking.enabled);
      setServices(list);
      setServiceId((current) => (list.some((s) => s.id === current) ? current : (list[0]?.id ?? '')));
    }, fail);
  }, [mid, version, fail]);
  useEffect(() => {
    if (serviceId === '') return;
    const from = zonedToEpoch(zone, today, '00:00');
    const to = zonedToEpoch(zone, dayAfter(today, 7), '00:00');
    api<{ slots: Slot[] }>('GET', `/merchants/${mid}/services/${encodeURIComponent(serviceId)}/availability?from=${from}&to=${to}`).then(
      (r) => setSlots(r.slots),
      fail,
    );
  }, [mid, serviceId, version, watch, zone, today, fail]);
  // After a change: poll the merchant's updates to Google until no availability update waits.
  useEffect(() => {
    if (watch === 0) return;
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let deadBefore: number | null = null;
    const poll = async (tries: number): Promise<void> => {
      try {
        const s = await api<RtuStatus>('GET', `/merchants/${mid}/rtu/status`);
        if (stop) return;
        deadBefore ??= s.failed;
        const waiting = s.pending_by_kind.availability ?? 0;
        const state = s.failed > deadBefore ? 'failed' : waiting > 0 ? 'pending' : 'delivered';
        setDelivery({ state, pending: waiting, dead: s.failed });
        if (state === 'pending' && tries < 60) timer = setTimeout(() => void poll(tries + 1), 1000);
      } catch (e) {
        fail(e);
      }
    };
    void api<RtuStatus>('GET', `/merchants/${mid}/rtu/status`).then((s) => {
      deadBefore = s.failed;
      void poll(0);
    }, fail);
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [mid, watch, fail]);

  const sid = encodeURIComponent(serviceId);
  const changed = (key: MessageKey): void => {
    announce({ key });
    setDelivery({ state: 'pending', pending: 0, dead: 0 });
    setWatch((w) => w + 1);
  };

  const applySchedule = async (event: Event): Promise<void> => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const days = DAYS.filter((d) => (form.elements.namedItem(`day-${d}`) as HTMLInputElement).checked);
    try {
      await api('PUT', `/merchants/${mid}/services/${sid}/availability/weekly-schedule`, {
        from_date: field(form, 'from_date'),
        to_date: field(form, 'to_date'),
        days,
        first_start: field(form, 'first_start'),
        last_start: field(form, 'last_start'),
        repeat_every_minutes: Number(field(form, 'every')),
        duration_sec: Number(field(form, 'duration')) * 60,
        spots_total: Number(field(form, 'spots')),
      });
      changed('avail.scheduleSaved');
    } catch (e) {
      fail(e);
    }
  };

  const clear = async (fromSec: number, toSec: number, key: MessageKey): Promise<void> => {
    try {
      await api('PUT', `/merchants/${mid}/services/${sid}/availability`, { start_time_restrict: fromSec, end_time_restrict: toSec, availability: [] });
      changed(key);
    } catch (e) {
      fail(e);
    }
  };

  const closeDay = (event: Event): void => {
    event.preventDefault();
    const day = field(event.currentTarget as HTMLFormElement, 'close_date');
    void clear(zonedToEpoch(zone, day, '00:00'), zonedToEpoch(zone, dayAfter(day, 1), '00:00'), 'avail.dayClosed');
  };

  const blockEvening = (event: Event): void => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const day = field(form, 'block_date');
    void clear(zonedToEpoch(zone, day, field(form, 'block_from')), zonedToEpoch(zone, day, field(form, 'block_to')), 'avail.blocked');
  };

  const time = new Intl.DateTimeFormat(lang, { hour: 'numeric', minute: '2-digit', timeZone: zone });
  const dateLabel = new Intl.DateTimeFormat(lang, { weekday: 'long', day: 'numeric', month: 'long', timeZone: zone });
  const weekday = new Intl.DateTimeFormat(lang, { weekday: 'short', timeZone: 'UTC' });
  const week = Array.from({ length: 7 }, (_, i) => dayAfter(today, i));
  const byDay = new Map<string, Slot[]>();
  for (const s of slots ?? []) {
    const d = dayIn(zone, s.start_sec * 1000);
    byDay.set(d, [...(byDay.get(d) ?? []), s]);
  }

  return (
    <main class="settings-screen">
      <h2>{t('nav.availability')}</h2>
      {services.length === 0 ? (
        <p>{t('avail.noService')}</p>
      ) : (
        <>
          <ServiceField t={t} services={services} value={serviceId} onChange={setServiceId} />
          <section class="card" aria-labelledby="week-title">
            <h3 id="week-title">{t('avail.week')}</h3>
            <ul class="plain">
              {week.map((d) => {
                const list = byDay.get(d) ?? [];
                const label = dateLabel.format(zonedToEpoch(zone, d, '12:00') * 1000);
                const firstSlot = list[0];
                const lastSlot = list[list.length - 1];
                return (
                  <li key={d} aria-label={label}>
                    {label}:{' '}
                    {firstSlot && lastSlot
                      ? t('avail.slots', { n: list.length, from: time.format(firstSlot.start_sec * 1000), to: time.format(lastSlot.start_sec * 1000) })
                      : t('avail.closed')}
                  </li>
                );
              })}
            </ul>
            {delivery && (
              <p role="status" class={delivery.state === 'failed' ? 'error' : undefined}>
                {t(`avail.google.${delivery.state}` as MessageKey, { pending: delivery.pending, dead: delivery.dead })}
              </p>
            )}
          </section>
          <section class="card" aria-labelledby="schedule-title">
            <h3 id="schedule-title">{t('avail.schedule')}</h3>
            <p>{t('avail.scheduleHelp')}</p>
            <form class="row-form" onSubmit={applySchedule}>
              <label>
                {t('avail.from')}
                <input name="from_date" type="date" required defaultValue={today} dir="ltr" />
              </label>
              <label>
                {t('avail.to')}
                <input name="to_date" type="date" required defaultValue={dayAfter(today, 27)} dir="ltr" />
              </label>
              <fieldset class="checks">
                <legend>{t('avail.days')}</legend>
                {DAYS.map((d) => (
                  <label key={d} class="check">
                    <input type="checkbox" name={`day-${d}`} defaultChecked />
                    {/* 2024-01-01 was a Monday (ISO day 1). */}
                    {weekday.format(Date.UTC(2024, 0, d))}
                  </label>
                ))}
              </fieldset>
              <label>
                {t('avail.firstStart')}
                <input name="first_start" type="time" required defaultValue="18:00" dir="ltr" />
              </label>
              <label>
                {t('avail.lastStart')}
                <input name="last_start" type="time" required defaultValue="21:00" dir="ltr" />
              </label>
              <label>
                {t('avail.every')}
                <input name="every" type="number" min={5} max={1440} required defaultValue="30" dir="ltr" />
              </label>
              <label>
                {t('avail.duration')}
                <input name="duration" type="number" min={5} max={1440} required defaultValue="90" dir="ltr" />
              </label>
              <label>
                {t('avail.spots')}
                <input name="spots" type="number" min={0} required defaultValue="4" dir="ltr" />
              </label>
              <button type="submit" class="primary">
                {t('avail.apply')}
              </button>
            </form>
          </section>
          <section class="card" aria-labelledby="exceptions-title">
            <h3 id="exceptions-title">{t('avail.exceptions')}</h3>
            <form class="row-form" onSubmit={closeDay}>
              <label>
                {t('avail.closeDate')}
                <input name="close_date" type="date" required defaultValue={today} dir="ltr" />
              </label>
              <button type="submit" class="danger">
                {t('avail.closeDay')}
              </button>
            </form>
            <form class="row-form" onSubmit={blockEvening}>
              <label>
                {t('avail.blockDate')}
                <input name="block_date" type="date" required defaultValue={today} dir="ltr" />
              </label>
              <label>
                {t('avail.blockFrom')}
                <input name="block_from" type="time" required defaultValue="19:00" dir="ltr" />
              </label>
              <label>
                {t('avail.blockTo')}
                <input name="block_to" type="time" required defaultValue="23:59" dir="ltr" />
              </label>
              <button type="submit" class="danger">
                {t('avail.block')}
              </button>
            </form>
          </section>
        </>
      )}
    </main>
  );
}

function dayAfter(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}
