// The host stand's main screen: the live queue of a service, a walk-in form, Google joins paused
// or open, and one tap for each action the server allows from an entry's state.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, type Entry, type EntryMessaging, type ExtraTime, type Reply, replaceById, type Service } from './api';
import type { MessageKey } from './i18n';
import type { ScreenProps } from './main';
import { ActionButton, GuestFields, guestOf, Screen, ServiceField, toneOf } from './parts';
import { floorState, guestName, useFloor } from './tables';

export function QueueScreen({ t, lang, merchant, version, announce, fail }: ScreenProps) {
  const [services, setServices] = useState<Service[]>([]);
  const [serviceId, setServiceId] = useState<string | null>(null);
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const [now, setNow] = useState(Math.floor(Date.now() / 1000));
  const [seating, setSeating] = useState<Entry | null>(null);
  const floor = useFloor(merchant, version, fail);
  const reread = useFallbackReread();
  const replies = useReplies(merchant.id, version, reread);
  const [extra, setExtra] = useExtraTime(merchant.id, entries, replies, version, reread);
  const mid = encodeURIComponent(merchant.id);

  useEffect(() => {
    api<{ services: Service[] }>('GET', `/merchants/${mid}/services`).then((r) => {
      const waitlists = r.services.filter((s) => s.waitlist.enabled);
      setServices(waitlists);
      setServiceId((current) => current ?? waitlists[0]?.id ?? null);
    }, fail);
  }, [mid, version, fail]);

  useEffect(() => {
    if (serviceId === null) return;
    api<{ entries: Entry[] }>('GET', `/merchants/${mid}/services/${encodeURIComponent(serviceId)}/queue`).then((r) => setEntries(r.entries), fail);
  }, [mid, serviceId, version, fail]);

  useEffect(() => {
    const timer = setInterval(() => setNow(Math.floor(Date.now() / 1000)), 15_000);
    return () => clearInterval(timer);
  }, []);

  const service = services.find((s) => s.id === serviceId) ?? null;
  const time = new Intl.DateTimeFormat(lang, { hour: 'numeric', minute: '2-digit', timeZone: merchant.time_zone });

  const act = async (entry: Entry, action: string, body?: unknown): Promise<void> => {
    try {
      const updated = await api<Entry>('POST', `/merchants/${mid}/waitlist-entries/${encodeURIComponent(entry.id)}/${action}`, body ?? {});
      // The result shows at once; the event stream brings everyone else's view in step.
      setEntries((list) =>
        replaceById(list, updated).filter((e) => ['WAITING', 'PENDING_MERCHANT_CONFIRMATION', 'SERVICE_READY', 'CHECKED_IN'].includes(e.state)),
      );
      announce({ key: 'action.done', values: { name: guestName(updated), state: { key: `state.${updated.state}` as MessageKey } } });
    } catch (e) {
      fail(e);
    }
  };

  const answerExtraTime = async (entry: Entry, accept: boolean): Promise<void> => {
    try {
      const answered = await api<EntryMessaging>('POST', `/merchants/${mid}/waitlist-entries/${encodeURIComponent(entry.id)}/extra-time`, { accept });
      setExtra(entry.id, answered.extra_time);
      const minutes = answered.extra_time?.minutes ?? 0;
      announce({ key: accept ? 'extra.accepted.done' : 'extra.refused.done', values: { name: guestName(entry), minutes } });
    } catch (e) {
      // Answered meanwhile on another tablet (409): show the answer given there.
      if (e instanceof ApiError && e.status === 409) setExtra(entry.id, undefined);
      fail(e);
    }
  };

  const addWalkIn = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (serviceId === null) return;
    const form = event.currentTarget as HTMLFormElement;
    try {
      const entry = await api<Entry>('POST', `/merchants/${mid}/services/${encodeURIComponent(serviceId)}/walk-ins`, guestOf(form), {
        'idempotency-key': crypto.randomUUID(),
      });
      setEntries((list) => [...(list ?? []).filter((e) => e.id !== entry.id), entry]);
      announce({ key: 'walkin.added', values: { name: guestName(entry) } });
      form.reset();
      (form.elements.namedItem('given_name') as HTMLInputElement).focus();
    } catch (e) {
      fail(e);
    }
  };

  const togglePause = async (): Promise<void> => {
    if (!service) return;
    try {
      const updated = await api<Service>('PATCH', `/merchants/${mid}/services/${encodeURIComponent(service.id)}`, {
        waitlist: { paused: !service.waitlist.paused },
      });
      setServices((list) => replaceById(list, updated));
      announce({ key: updated.waitlist.paused ? 'google.paused' : 'google.open' });
    } catch (e) {
      fail(e);
    }
  };

  return (
    <Screen
      t={t}
      kind="queue"
      title={t('nav.queue')}
      head={
        <>
          {services.length > 1 && <ServiceField t={t} services={services} value={serviceId ?? ''} onChange={setServiceId} />}
          {entries && <p class="count">{t('queue.count', { n: entries.length })}</p>}
        </>
      }
      items={entries}
      empty={t('queue.empty')}
      side={
        <>
          <aside class="side">
            <form class="walk-in" onSubmit={addWalkIn}>
              <h2>{t('walkin.title')}</h2>
              <GuestFields t={t} />
              <button type="submit" class="primary">
                {t('walkin.submit')}
              </button>
            </form>
            {service && (
              <section class="google">
                <p>{service.waitlist.paused ? t('google.paused') : t('google.open')}</p>
                <button type="button" onClick={togglePause}>
                  {service.waitlist.paused ? t('google.resume') : t('google.pause')}
                </button>
              </section>
            )}
          </aside>
          {seating && (
            <SeatDialog
              t={t}
              entry={seating}
              floor={floorState(merchant, floor.tables, floor.seated, now)}
              onClose={() => setSeating(null)}
              onSeat={async (tableId) => {
                const entry = seating;
                setSeating(null);
                await act(entry, 'seat', { table_id: tableId });
              }}
            />
          )}
        </>
      }
    >
      {(entries) => (
        <ol class="entries" aria-label={t('nav.queue')}>
          {entries.map((entry, index) => {
            const name = guestName(entry);
            const waited = Math.max(0, Math.floor((now - entry.times.created_at) / 60));
            // Past the quoted range: red; inside it: amber (each with a text and an icon, not colour only).
            const est = entry.quoted ?? entry.estimate;
            const late = est != null && now > est.range_end;
            const near = est != null && !late && now > est.range_start && est.range_start > entry.times.created_at;
            return (
              <li key={entry.id} class={`entry ${entry.state.toLowerCase()}`} aria-label={name}>
                <span class="pos" title={t('queue.position')}>
                  {new Intl.NumberFormat(lang).format(index + 1)}
                </span>
                <div class="who">
                  <span class="name">
                    <bdi>{name}</bdi>
                  </span>
                  <span class="party">{t('party.size', { n: entry.party_size })}</span>
                  <span class={`badge badge-${entry.source}`}>{t(`source.${entry.source}` as MessageKey)}</span>
                  <span class="state-label">{t(`state.${entry.state}` as MessageKey)}</span>
                </div>
                <div class={late ? 'wait late' : near ? 'wait near' : 'wait'}>
                  {est != null && <span>{t('wait.quoted', { from: time.format(est.range_start * 1000), to: time.format(est.range_end * 1000) })}</span>}
                  <span>
                    {late && <span aria-hidden="true">⚠ </span>}
                    {t('wait.waited', { n: waited })}
                    {late && <span class="flag"> · {t('wait.late')}</span>}
                    {near && <span class="flag"> · {t('wait.near')}</span>}
                  </span>
                </div>
                <div class="actions">
                  {entry.allowed_actions.map((action) => (
                    <ActionButton
                      key={action}
                      t={t}
                      label={`action.${action}` as MessageKey}
                      name={name}
                      tone={toneOf(action)}
                      onClick={() => (action === 'seat' ? setSeating(entry) : act(entry, action))}
                    />
                  ))}
                </div>
                {extra.get(entry.id) && (
                  <ExtraTimeRequest t={t} name={name} extra={extra.get(entry.id) as ExtraTime} onAnswer={(accept) => answerExtraTime(entry, accept)} />
                )}
                {(replies.get(entry.id)?.length ?? 0) > 0 && (
                  <ul class="replies" aria-label={t('queue.replies')}>
                    {(replies.get(entry.id) ?? []).slice(-3).map((r) => (
                      <li key={r.id}>
                        <span aria-hidden="true">💬 </span>
                        {r.kind === 'text' ? <bdi>{r.body}</bdi> : t(`reply.${r.kind}` as MessageKey, { minutes: r.minutes ?? 0 })}{' '}
                        <span class="when">{time.format(r.received_at * 1000)}</span>
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            );
          })}
        </ol>
      )}
    </Screen>
  );
}

function SeatDialog({
  t,
  entry,
  floor,
  onClose,
  onSeat,
}: {
  t: ScreenProps['t'];
  entry: Entry;
  floor: ReturnType<typeof floorState>;
  onClose: () => void;
  onSeat: (tableId: string | null) => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const fits = (min: number, max: number): boolean => entry.party_size >= min && entry.party_size <= max;
  const options = [...floor].sort((a, b) => {
    const score = (s: (typeof floor)[number]): number => (fits(s.table.min_seats, s.table.seats) ? 0 : 2) + (s.party === null ? 0 : 1);
    return score(a) - score(b);
  });
  const first = options.find((o) => o.party === null && fits(o.table.min_seats, o.table.seats)) ?? options[0];
  const [choice, setChoice] = useState<string | null>(first?.table.id ?? null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  const name = guestName(entry);
  return (
    <dialog ref={ref} class="seat" aria-labelledby="seat-title" onClose={onClose}>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          onSeat(choice);
        }}
      >
        <h2 id="seat-title">{t('seat.title', { name })}</h2>
        <fieldset>
          <legend>{t('seat.table')}</legend>
          {options.map(({ table, party }) => {
            const ok = fits(table.min_seats, table.seats);
            return (
              <label key={table.id} class={`option ${ok ? 'fits' : 'nofit'} ${party ? 'busy' : 'free'}`}>
                <input type="radio" name="table" value={table.id} checked={choice === table.id} onChange={() => setChoice(table.id)} />
                <bdi class="tname">{table.name}</bdi>
                <span>{t('seat.seats', { min: table.min_seats, max: table.seats })}</span>
                <span>{ok ? `✓ ${t('seat.fits')}` : `✗ ${t('seat.nofit')}`}</span>
                <span>{party ? t('seat.busy') : t('seat.free')}</span>
              </label>
            );
          })}
        </fieldset>
        <div class="dialog-actions">
          <button type="submit" class="primary">
            {t('seat.submit')}
          </button>
          <button type="button" onClick={() => onSeat(null)}>
            {t('seat.none')}
          </button>
          <button type="button" onClick={() => ref.current?.close()}>
            {t('dialog.close')}
          </button>
        </div>
      </form>
    </dialog>
  );
}

/**
 * A guest's request for more minutes and its answer: while it is open, one tap gives the minutes
 * (the grace timer before a no-show counts them) and one refuses; the guest is texted either way.
 */
function ExtraTimeRequest({ t, name, extra, onAnswer }: { t: ScreenProps['t']; name: string; extra: ExtraTime; onAnswer: (accept: boolean) => void }) {
  const minutes = extra.minutes;
  if (extra.status !== 'pending') {
    return (
      <p class="extra decided">
        <span aria-hidden="true">{extra.status === 'accepted' ? '✓ ' : '✗ '}</span>
        {t(extra.status === 'accepted' ? 'extra.accepted' : 'extra.refused', { minutes })}
      </p>
    );
  }
  return (
    <div class="extra pending">
      <p class="extra-text">
        <strong>{t('extra.asks', { minutes })}</strong>
      </p>
      <ActionButton t={t} label="extra.accept" values={{ minutes }} name={name} tone="primary" onClick={() => onAnswer(true)} />
      <ActionButton t={t} label="extra.refuse" name={name} tone="danger" onClick={() => onAnswer(false)} />
    </div>
  );
}

/**
 * The request for more time of each waiting party that texted one ("+10"), read from the entry's
 * guest messages when the reply feed shows such a text, and again on every change the server
 * signals and every 15 s (a refusal changes no entry), so every tablet shows the open requests.
 * `set` records an answer at once (`undefined`: none known) and reads again.
 */
/**
 * Guest replies and "+10" answers arrive on the live stream like any other change (the database
 * logs them: migrations 0010 and 0013), so they are read again on each `changed`; this slow tick
 * only re-reads them as a fallback, should a change ever miss the stream.
 */
function useFallbackReread(): number {
  const [n, setN] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setN((k) => k + 1), 60_000);
    return () => clearInterval(timer);
  }, []);
  return n;
}

function useExtraTime(
  merchantId: string,
  entries: Entry[] | null,
  replies: Map<string, Reply[]>,
  version: number,
  tick: number,
): [Map<string, ExtraTime>, (entryId: string, extra: ExtraTime | null | undefined) => void] {
  const [byEntry, setByEntry] = useState<Map<string, ExtraTime>>(new Map());
  const [reread, setReread] = useState(0);
  // The entries in the queue that asked, with the id of their latest request: a new one reads again.
  const asked = (entries ?? [])
    .map((e) => [e.id, (replies.get(e.id) ?? []).filter((r) => r.kind === 'extra_time').at(-1)?.id] as const)
    .filter((pair): pair is readonly [string, number] => pair[1] !== undefined);
  const key = asked.map(([id, reply]) => `${id}:${reply}`).join(',');
  useEffect(() => {
    let cancelled = false;
    const ids = key === '' ? [] : key.split(',').map((pair) => pair.slice(0, pair.lastIndexOf(':')));
    Promise.all(
      ids.map((id) =>
        api<EntryMessaging>('GET', `/merchants/${encodeURIComponent(merchantId)}/waitlist-entries/${encodeURIComponent(id)}/guest-messages`).then(
          (m) => [id, m.extra_time] as const,
          () => [id, null] as const,
        ),
      ),
    ).then((found) => {
      if (cancelled) return;
      const next = new Map<string, ExtraTime>();
      for (const [id, extra] of found) if (extra !== null) next.set(id, extra);
      setByEntry(next);
    });
    return () => {
      cancelled = true;
    };
  }, [merchantId, key, version, tick, reread]);
  const set = (entryId: string, extra: ExtraTime | null | undefined): void => {
    if (extra !== undefined) {
      setByEntry((current) => {
        const next = new Map(current);
        if (extra === null) next.delete(entryId);
        else next.set(entryId, extra);
        return next;
      });
    }
    // Read again, which also drops a read begun before the answer (it would show the request open).
    setReread((n) => n + 1);
  };
  return [byEntry, set];
}

/**
 * Guests' texts per entry, from the reply feed (read on from the last id seen): on every change
 * the server signals, and every 15 s, as a text alone changes no entry. Empty when the server has
 * no guest messages.
 */
function useReplies(merchantId: string, version: number, tick: number): Map<string, Reply[]> {
  const [byEntry, setByEntry] = useState<Map<string, Reply[]>>(new Map());
  const last = useRef(0);
  const off = useRef(false);
  useEffect(() => {
    last.current = 0;
    off.current = false;
    setByEntry(new Map());
  }, [merchantId]);
  useEffect(() => {
    if (off.current) return;
    let cancelled = false;
    (async () => {
      const fresh: Reply[] = [];
      for (let page = 0; page < 10; page++) {
        const r = await api<{ replies: Reply[] }>('GET', `/merchants/${encodeURIComponent(merchantId)}/guest-replies?after=${last.current}&limit=500`);
        fresh.push(...r.replies);
        const end = r.replies.at(-1);
        if (end) last.current = end.id;
        if (r.replies.length < 500) break;
      }
      if (cancelled || fresh.length === 0) return;
      setByEntry((current) => {
        const next = new Map(current);
        for (const reply of fresh) {
          if (reply.entry_id === null) continue;
          next.set(reply.entry_id, [...(next.get(reply.entry_id) ?? []), reply]);
        }
        return next;
      });
    })().catch((error) => {
      if (error instanceof ApiError && error.status === 404) off.current = true;
    });
    return () => {
      cancelled = true;
    };
  }, [merchantId, version, tick]);
  return byEntry;
}
