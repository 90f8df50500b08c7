// Settings for managers: staff accounts (the token is shown once), the waitlist rules of each
// service, turn times and tables; and, for the bootstrap token, Google's health from our side:
// the calls Google made to /v3 and their outcomes (since this process started), the backlog of
// real-time updates and their dead letters. Every change goes through the admin API.
import { useEffect, useState } from 'preact/hooks';
import { api, type OpeningInterval, type Service, type Table } from './api';
import { type Language, LANGUAGE_NAMES, LANGUAGES, type MessageKey } from './i18n';
import type { ScreenProps } from './main';

interface Staff {
  id: string;
  name: string;
  role: 'host' | 'manager';
  language: string;
  revoked_at: number | null;
}

interface ServiceRules extends Service {
  waitlist: Service['waitlist'] & { min_party_size: number; max_party_size: number; max_queue_length: number | null; max_quoted_wait_minutes: number | null };
}

/** The guests' text languages (docs/GUEST-MESSAGES.md) and the screen language that names each. */
const GUEST_LANGUAGES: [string, Language][] = [
  ['en', 'en'],
  ['zh-Hans', 'zh-CN'],
  ['ar', 'ar'],
  ['tr', 'tr'],
  ['it', 'it'],
];

/** What GET /merchants/{m}/estimates answers that this screen shows (docs/ADMIN-API.md). */
interface Estimates {
  turn_times: { max_party_size: number; configured_minutes: number; learned_minutes: number | null; observations: number }[];
  accuracy_7d: {
    quoted: number;
    walked_away: number;
    seated: number;
    mean_absolute_error_minutes: number | null;
    inside_range_share: number | null;
    bias_minutes: number | null;
  } | null;
  range_coverage: number;
  history: { range_samples: number } | null;
  turn_times_by_day_and_hour: {
    max_party_size: number;
    day: string;
    hours: string;
    configured_minutes: number;
    learned_minutes: number;
    observations: number;
  }[];
  walk_aways: { no_shows: number; cancellations: number; no_show_rate: number; cancellations_per_waiting_hour: number } | null;
  range: { planned_wait_from_minutes: number; low: number; median: number; high: number }[] | null;
}

const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
/** A planned wait shown as an example of each range bucket (minutes); the pad is the server's 10 minutes. */
const RANGE_EXAMPLES = [0, 10, 20, 45, 90];
const RANGE_PAD_MINUTES = 10;

const field = (form: HTMLFormElement, name: string): string => (form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement).value.trim();
const optionalInt = (value: string): number | null => (value === '' ? null : Number(value));

export function SettingsScreen({ t, lang, merchant, version, announce, fail, root }: ScreenProps & { root: boolean }) {
  const mid = encodeURIComponent(merchant.id);
  const [staff, setStaff] = useState<Staff[]>([]);
  const [newToken, setNewToken] = useState<{ name: string; token: string } | null>(null);
  const [services, setServices] = useState<ServiceRules[]>([]);
  const [tables, setTables] = useState<Table[]>([]);
  const [estimates, setEstimates] = useState<Estimates | null>(null);
  useEffect(() => {
    api<{ staff: Staff[] }>('GET', `/merchants/${mid}/staff`).then((r) => setStaff(r.staff.filter((s) => s.revoked_at === null)), fail);
    api<{ services: ServiceRules[] }>('GET', `/merchants/${mid}/services`).then((r) => setServices(r.services.filter((s) => s.waitlist.enabled)), fail);
    api<{ tables: Table[] }>('GET', `/merchants/${mid}/tables`).then((r) => setTables(r.tables), fail);
    api<Estimates>('GET', `/merchants/${mid}/estimates`).then(setEstimates, fail);
  }, [mid, version, fail]);

  const addStaff = async (event: Event): Promise<void> => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    try {
      const created = await api<Staff & { token: string }>('POST', `/merchants/${mid}/staff`, {
        name: field(form, 'name'),
        role: field(form, 'role'),
        language: field(form, 'language'),
      });
      setStaff((list) => [...list, created]);
      setNewToken({ name: created.name, token: created.token });
      form.reset();
    } catch (e) {
      fail(e);
    }
  };

  const revoke = async (member: Staff): Promise<void> => {
    try {
      await api('DELETE', `/merchants/${mid}/staff/${encodeURIComponent(member.id)}`);
      setStaff((list) => list.filter((s) => s.id !== member.id));
      announce({ key: 'settings.revoked', values: { name: member.name } });
    } catch (e) {
      fail(e);
    }
  };

  const saveRules = async (service: ServiceRules, form: HTMLFormElement): Promise<void> => {
    try {
      const updated = await api<ServiceRules>('PATCH', `/merchants/${mid}/services/${encodeURIComponent(service.id)}`, {
        waitlist: {
          min_party_size: Number(field(form, 'min_party_size')),
          max_party_size: Number(field(form, 'max_party_size')),
          max_queue_length: optionalInt(field(form, 'max_queue_length')),
          max_quoted_wait_minutes: optionalInt(field(form, 'max_quoted_wait_minutes')),
        },
      });
      setServices((list) => list.map((s) => (s.id === updated.id ? updated : s)));
      announce({ key: 'settings.saved' });
    } catch (e) {
      fail(e);
    }
  };

  const saveTurns = async (event: Event): Promise<void> => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const turnTimes = merchant.turn_times.map((turn, i) => ({ max_party_size: turn.max_party_size, minutes: Number(field(form, `turn-${i}`)) }));
    try {
      await api('PATCH', `/merchants/${mid}`, { turn_times: turnTimes });
      announce({ key: 'settings.saved' });
    } catch (e) {
      fail(e);
    }
  };

  const saveHours = async (next: OpeningInterval[]): Promise<void> => {
    try {
      await api('PUT', `/merchants/${mid}/opening-hours`, { opening_hours: next });
      announce({ key: 'settings.saved' });
    } catch (e) {
      fail(e);
    }
  };

  const addHours = (event: Event): void => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const interval = { day: Number(field(form, 'hours_day')), open: field(form, 'hours_open'), close: field(form, 'hours_close') };
    const next = [...merchant.opening_hours, interval].sort((a, b) => a.day - b.day || a.open.localeCompare(b.open));
    void saveHours(next).then(() => form.reset());
  };

  const saveMessages = async (event: Event): Promise<void> => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    try {
      await api('PATCH', `/merchants/${mid}`, {
        guest_messages: {
          language: field(form, 'gm_language'),
          almost_turn_position: optionalInt(field(form, 'gm_almost')),
          grace_minutes: optionalInt(field(form, 'gm_grace')),
        },
      });
      announce({ key: 'settings.saved' });
    } catch (e) {
      fail(e);
    }
  };

  const weekday = new Intl.DateTimeFormat(lang, { weekday: 'long', timeZone: 'UTC' });
  // 2024-01-01 was a Monday (ISO day 1).
  const dayName = (day: number): string => weekday.format(Date.UTC(2024, 0, day));

  const saveTables = async (next: Table[]): Promise<void> => {
    try {
      const r = await api<{ tables: Table[] }>('PUT', `/merchants/${mid}/tables`, { tables: next });
      setTables(r.tables);
      announce({ key: 'settings.saved' });
    } catch (e) {
      fail(e);
    }
  };

  const addTable = (event: Event): void => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const name = field(form, 'table_name');
    const id = name.toLowerCase().replace(/[^a-z0-9]+/g, '-') || `t${tables.length + 1}`;
    void saveTables([...tables, { id, name, min_seats: Number(field(form, 'min_seats')), seats: Number(field(form, 'seats')) }]).then(() => form.reset());
  };

  return (
    <main class="settings-screen">
      <h2>{t('nav.settings')}</h2>
      <section aria-labelledby="staff-title" class="card">
        <h3 id="staff-title">{t('settings.staff')}</h3>
        <ul class="plain">
          {staff.map((member) => (
            <li key={member.id}>
              <bdi>{member.name}</bdi> · {t(`settings.role.${member.role}` as MessageKey)} ·{' '}
              {LANGUAGE_NAMES[member.language as keyof typeof LANGUAGE_NAMES] ?? member.language}{' '}
              <button
                type="button"
                class="danger"
                aria-label={t('action.for', { action: t('settings.revoke'), name: member.name })}
                onClick={() => revoke(member)}
              >
                {t('settings.revoke')}
              </button>
            </li>
          ))}
        </ul>
        {newToken && (
          <div class="token" role="status">
            <p>{t('settings.tokenOnce', { name: newToken.name })}</p>
            <code dir="ltr">{newToken.token}</code>
          </div>
        )}
        <form class="row-form" onSubmit={addStaff}>
          <label>
            {t('walkin.name')}
            <input name="name" required maxLength={100} autocomplete="off" />
          </label>
          <label>
            {t('settings.role')}
            <select name="role">
              <option value="host">{t('settings.role.host')}</option>
              <option value="manager">{t('settings.role.manager')}</option>
            </select>
          </label>
          <label>
            {t('nav.language')}
            <select name="language">
              {LANGUAGES.map((l) => (
                <option key={l} value={l} lang={l}>
                  {LANGUAGE_NAMES[l]}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" class="primary">
            {t('settings.addStaff')}
          </button>
        </form>
      </section>

      {services.map((service) => (
        <section key={service.id} class="card" aria-labelledby={`rules-${service.id}`}>
          <h3 id={`rules-${service.id}`}>
            {t('settings.rules')}: <bdi>{service.name}</bdi>
          </h3>
          <form
            class="row-form"
            onSubmit={(e) => {
              e.preventDefault();
              void saveRules(service, e.currentTarget as HTMLFormElement);
            }}
          >
            <label>
              {t('settings.minParty')}
              <input name="min_party_size" type="number" min={1} required defaultValue={String(service.waitlist.min_party_size)} dir="ltr" />
            </label>
            <label>
              {t('settings.maxParty')}
              <input name="max_party_size" type="number" min={1} required defaultValue={String(service.waitlist.max_party_size)} dir="ltr" />
            </label>
            <label>
              {t('settings.maxQueue')}
              <input
                name="max_queue_length"
                type="number"
                min={1}
                defaultValue={service.waitlist.max_queue_length === null ? '' : String(service.waitlist.max_queue_length)}
                dir="ltr"
              />
            </label>
            <label>
              {t('settings.maxWait')}
              <input
                name="max_quoted_wait_minutes"
                type="number"
                min={1}
                defaultValue={service.waitlist.max_quoted_wait_minutes === null ? '' : String(service.waitlist.max_quoted_wait_minutes)}
                dir="ltr"
              />
            </label>
            <button type="submit">{t('settings.save')}</button>
          </form>
        </section>
      ))}

      <section class="card" aria-labelledby="turns-title">
        <h3 id="turns-title">{t('settings.turns')}</h3>
        <form class="row-form" onSubmit={saveTurns}>
          {merchant.turn_times.map((turn, i) => {
            const learned = estimates?.turn_times.find((x) => x.max_party_size === turn.max_party_size);
            return (
              <label key={turn.max_party_size}>
                {t('settings.turnFor', { n: turn.max_party_size })}
                <input name={`turn-${i}`} type="number" min={1} max={600} required defaultValue={String(turn.minutes)} dir="ltr" />
                <span class="learned">
                  {learned && learned.learned_minutes !== null && learned.observations > 0
                    ? t('settings.learned', { minutes: Math.round(learned.learned_minutes), n: learned.observations })
                    : t('settings.notLearned')}
                </span>
              </label>
            );
          })}
          <button type="submit">{t('settings.save')}</button>
        </form>
        {estimates?.accuracy_7d && (
          <p>
            {t('settings.accuracy', {
              quoted: estimates.accuracy_7d.quoted,
              seated: estimates.accuracy_7d.seated,
              walked: estimates.accuracy_7d.walked_away,
              error: estimates.accuracy_7d.mean_absolute_error_minutes === null ? '–' : Math.round(estimates.accuracy_7d.mean_absolute_error_minutes),
              inside: estimates.accuracy_7d.inside_range_share === null ? '–' : Math.round(estimates.accuracy_7d.inside_range_share * 100),
              bias: estimates.accuracy_7d.bias_minutes === null ? '–' : Math.round(estimates.accuracy_7d.bias_minutes),
            })}
          </p>
        )}
        {estimates?.walk_aways && (
          <p>
            {t('settings.walkAways', {
              noShow: Math.round(estimates.walk_aways.no_show_rate * 100),
              rate: estimates.walk_aways.cancellations_per_waiting_hour.toFixed(2),
              noShows: estimates.walk_aways.no_shows,
              cancellations: estimates.walk_aways.cancellations,
            })}
          </p>
        )}
        {estimates?.range && (
          <div>
            <p>{t('settings.range', { coverage: Math.round(estimates.range_coverage * 100), samples: estimates.history?.range_samples ?? 0 })}</p>
            <ul class="plain">
              {estimates.range.map((q, i) => {
                const wait = RANGE_EXAMPLES[i] ?? q.planned_wait_from_minutes;
                const scale = wait + RANGE_PAD_MINUTES;
                const from = Math.max(0, Math.floor(wait + q.low * scale));
                const to = Math.max(from + 1, Math.ceil(wait + q.high * scale));
                return <li key={q.planned_wait_from_minutes}>{t('settings.rangeExample', { wait, from, to })}</li>;
              })}
            </ul>
          </div>
        )}
        {estimates && estimates.turn_times_by_day_and_hour.length > 0 && (
          <details>
            <summary>{t('settings.byDayHour')}</summary>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('settings.colParty')}</th>
                  <th scope="col">{t('settings.hoursDay')}</th>
                  <th scope="col">{t('settings.colHours')}</th>
                  <th scope="col">{t('settings.colLearned')}</th>
                </tr>
              </thead>
              <tbody>
                {estimates.turn_times_by_day_and_hour.map((c) => (
                  <tr key={`${c.max_party_size}-${c.day}-${c.hours}`}>
                    <td>{t('settings.turnFor', { n: c.max_party_size })}</td>
                    <td>{dayName(DAYS.indexOf(c.day) + 1)}</td>
                    <td dir="ltr">{c.hours}</td>
                    <td>{t('settings.learned', { minutes: Math.round(c.learned_minutes), n: c.observations })}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        )}
      </section>

      <section class="card" aria-labelledby="hours-title">
        <h3 id="hours-title">{t('settings.hours')}</h3>
        <ul class="plain">
          {merchant.opening_hours.map((h, i) => {
            const label = `${dayName(h.day)} ${h.open}–${h.close}`;
            return (
              <li key={`${h.day}-${h.open}-${h.close}`}>
                {dayName(h.day)} <span dir="ltr">{`${h.open}–${h.close}`}</span>{' '}
                <button
                  type="button"
                  class="danger"
                  aria-label={t('action.for', { action: t('settings.remove'), name: label })}
                  onClick={() => saveHours(merchant.opening_hours.filter((_, j) => j !== i))}
                >
                  {t('settings.remove')}
                </button>
              </li>
            );
          })}
        </ul>
        <form class="row-form" onSubmit={addHours}>
          <label>
            {t('settings.hoursDay')}
            <select name="hours_day">
              {[1, 2, 3, 4, 5, 6, 7].map((d) => (
                <option key={d} value={String(d)}>
                  {dayName(d)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('settings.hoursOpen')}
            <input name="hours_open" required pattern="([01][0-9]|2[0-3]):[0-5][0-9]" placeholder="12:00" defaultValue="12:00" dir="ltr" />
          </label>
          <label>
            {t('settings.hoursClose')}
            <input name="hours_close" required pattern="([01][0-9]|2[0-3]):[0-5][0-9]|24:00" placeholder="22:00" defaultValue="22:00" dir="ltr" />
          </label>
          <button type="submit">{t('settings.addHours')}</button>
        </form>
      </section>

      <section class="card" aria-labelledby="messages-title">
        <h3 id="messages-title">{t('settings.messages')}</h3>
        <form class="row-form" onSubmit={saveMessages} key={JSON.stringify(merchant.guest_messages)}>
          <label>
            {t('settings.messagesLanguage')}
            <select name="gm_language" defaultValue={merchant.guest_messages.language}>
              {GUEST_LANGUAGES.map(([code, l]) => (
                <option key={code} value={code} lang={code}>
                  {LANGUAGE_NAMES[l]}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('settings.almostPosition')}
            <input
              name="gm_almost"
              type="number"
              min={1}
              max={50}
              defaultValue={merchant.guest_messages.almost_turn_position === null ? '' : String(merchant.guest_messages.almost_turn_position)}
              dir="ltr"
            />
          </label>
          <label>
            {t('settings.graceMinutes')}
            <input
              name="gm_grace"
              type="number"
              min={1}
              max={240}
              defaultValue={merchant.guest_messages.grace_minutes === null ? '' : String(merchant.guest_messages.grace_minutes)}
              dir="ltr"
            />
          </label>
          <p>{t('settings.offWhenEmpty')}</p>
          <button type="submit">{t('settings.save')}</button>
        </form>
      </section>

      <section class="card" aria-labelledby="tables-title">
        <h3 id="tables-title">{t('nav.tables')}</h3>
        <ul class="plain">
          {tables.map((table) => (
            <li key={table.id}>
              <bdi>{table.name}</bdi> · {t('seat.seats', { min: table.min_seats, max: table.seats })}{' '}
              <button
                type="button"
                class="danger"
                aria-label={t('action.for', { action: t('settings.remove'), name: table.name })}
                onClick={() => saveTables(tables.filter((x) => x.id !== table.id))}
              >
                {t('settings.remove')}
              </button>
            </li>
          ))}
        </ul>
        <form class="row-form" onSubmit={addTable}>
          <label>
            {t('seat.table')}
            <input name="table_name" required maxLength={100} autocomplete="off" />
          </label>
          <label>
            {t('settings.minSeats')}
            <input name="min_seats" type="number" min={1} required defaultValue="1" dir="ltr" />
          </label>
          <label>
            {t('settings.seats')}
            <input name="seats" type="number" min={1} required defaultValue="4" dir="ltr" />
          </label>
          <button type="submit">{t('settings.addTable')}</button>
        </form>
      </section>

      <GoogleHealth t={t} lang={lang} merchant={merchant} version={version} fail={fail} root={root} />
    </main>
  );
}

interface Calls {
  route: string;
  status: string;
  count: number;
}

/** Request counts per /v3 route and status from the Prometheus text format. */
export function googleCalls(metrics: string): Calls[] {
  const out: Calls[] = [];
  for (const line of metrics.split('\n')) {
    const match = /^booking_server_request_duration_seconds_count\{(.*)\} (\d+)/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...(match[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const route = labels.route ?? '';
    if (!route.includes('/v3/')) continue;
    out.push({ route: route.slice(route.indexOf('/v3/') + 4), status: labels.status ?? '', count: Number(match[2]) });
  }
  return out.sort((a, b) => a.route.localeCompare(b.route) || a.status.localeCompare(b.status));
}

interface MerchantRtu {
  pending: number;
  delivered_last_24h: number;
  failed: number;
  last_failure: { status: 'retrying' | 'dead'; attempts: number; error: string } | null;
}

interface FeedRun {
  kind: 'merchants' | 'services' | 'availability';
  finished_at: number;
  outcome: 'ok' | 'failed';
  error: string | null;
  records?: number | null;
  shards?: number | null;
}

function GoogleHealth({ t, lang, merchant, version, fail, root }: Pick<ScreenProps, 't' | 'lang' | 'merchant' | 'version' | 'fail'> & { root: boolean }) {
  const [calls, setCalls] = useState<Calls[]>([]);
  const [rtu, setRtu] = useState<{ pending: number; dead: number; oldest_pending_age_sec: number | null } | null>(null);
  const [dead, setDead] = useState<{ id: number; kind: string; attempts: number; last_error: string | null }[]>([]);
  const [mine, setMine] = useState<MerchantRtu | null>(null);
  const [feeds, setFeeds] = useState<FeedRun[] | null>(null);
  const mid = encodeURIComponent(merchant.id);
  useEffect(() => {
    // This restaurant's updates and the last feed runs (every manager); every merchant's calls and outbox (the operator).
    api<MerchantRtu>('GET', `/merchants/${mid}/rtu/status`).then(setMine, fail);
    api<{ feed_runs: FeedRun[] }>('GET', root ? '/feed-runs' : `/merchants/${mid}/feed-runs`).then((r) => setFeeds(r.feed_runs), fail);
    if (!root) return;
    fetch('/metrics', { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.text() : ''))
      .then((text) => setCalls(googleCalls(text)), fail);
    api<{ pending: number; dead: number; oldest_pending_age_sec: number | null }>('GET', '/rtu/status').then(setRtu, fail);
    api<{ dead_letters: { id: number; kind: string; attempts: number; last_error: string | null }[] }>('GET', '/rtu/dead-letters?limit=20').then(
      (r) => setDead(r.dead_letters),
      fail,
    );
  }, [mid, root, version, fail]);
  const when = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short', timeZone: merchant.time_zone });
  return (
    <section class="card" aria-labelledby="health-title">
      <h3 id="health-title">{t('health.title')}</h3>
      <h4>{t('health.merchantRtu')}</h4>
      {mine && (
        <>
          <p>{t('health.merchantBacklog', { pending: mine.pending, delivered: mine.delivered_last_24h, failed: mine.failed })}</p>
          <p class={mine.last_failure ? 'error' : undefined}>
            {mine.last_failure
              ? t(`health.failure.${mine.last_failure.status}`, { attempts: mine.last_failure.attempts, error: mine.last_failure.error })
              : t('health.noFailure')}
          </p>
        </>
      )}
      <h4>{t('health.feeds')}</h4>
      {feeds !== null && feeds.length === 0 && <p>{t('health.noFeeds')}</p>}
      {feeds !== null && feeds.length > 0 && (
        <table class="bookings">
          <thead>
            <tr>
              <th scope="col">{t('health.feed')}</th>
              <th scope="col">{t('health.feedResult')}</th>
              {root && <th scope="col">{t('health.feedCounts')}</th>}
            </tr>
          </thead>
          <tbody>
            {feeds.map((f) => (
              <tr key={f.kind}>
                <td>{t(`health.feed.${f.kind}`)}</td>
                <td class={f.outcome === 'failed' ? 'error' : undefined}>
                  {f.outcome === 'ok'
                    ? t('health.feedOk', { when: when.format(f.finished_at * 1000) })
                    : t('health.feedFailed', { when: when.format(f.finished_at * 1000), error: f.error ?? '' })}
                </td>
                {root && <td>{f.records ?? ''}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {root && <GoogleCalls t={t} calls={calls} rtu={rtu} dead={dead} />}
    </section>
  );
}

function GoogleCalls({
  t,
  calls,
  rtu,
  dead,
}: {
  t: ScreenProps['t'];
  calls: Calls[];
  rtu: { pending: number; dead: number; oldest_pending_age_sec: number | null } | null;
  dead: { id: number; kind: string; attempts: number; last_error: string | null }[];
}) {
  return (
    <>
      <h4>{t('health.calls')}</h4>
      {calls.length === 0 ? (
        <p>{t('health.noCalls')}</p>
      ) : (
        <table class="bookings">
          <thead>
            <tr>
              <th scope="col">{t('health.method')}</th>
              <th scope="col">{t('health.status')}</th>
              <th scope="col">{t('health.count')}</th>
            </tr>
          </thead>
          <tbody>
            {calls.map((c) => (
              <tr key={`${c.route}-${c.status}`}>
                <td dir="ltr">{c.route}</td>
                <td dir="ltr">{c.status}</td>
                <td>{c.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h4>{t('health.rtu')}</h4>
      {rtu && <p>{t('health.backlog', { pending: rtu.pending, dead: rtu.dead, age: rtu.oldest_pending_age_sec ?? 0 })}</p>}
      {dead.length > 0 && (
        <ul class="plain">
          {dead.map((d) => (
            <li key={d.id} dir="ltr">
              #{d.id} {d.kind} ×{d.attempts}: {d.last_error ?? ''}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
