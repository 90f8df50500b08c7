// The host stand: sign-in, then the waitlist, the floor and the day's bookings of one merchant.
// Every change goes through the admin API; the server's event stream says when to reload.
import { render } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError, type Merchant, type Session, setCsrf } from './api';
import { format, formatNote, isRtl, LANGUAGE_NAMES, LANGUAGES, type Language, type MessageKey, type Note } from './i18n';
import { AvailabilityScreen } from './availability';
import { BookingsScreen } from './bookings';
import { QueueScreen } from './queue';
import { SettingsScreen } from './settings';
import { TablesScreen } from './tables';

export type T = (key: MessageKey, values?: Record<string, string | number>) => string;

export interface ScreenProps {
  t: T;
  lang: Language;
  merchant: Merchant;
  /** Bumped when the server says the merchant's data changed: screens reload. */
  version: number;
  /** Shows a status line (a Note, so that it follows a change of language). */
  announce: (note: Note) => void;
  fail: (error: unknown) => void;
}

/** "Something went wrong: …" with the error's own text (the server's message, in English). */
const genericError = (e: unknown): Note => ({ key: 'error.generic', values: { message: e instanceof Error ? e.message : String(e) } });

const asLanguage = (value: string | undefined | null): Language => ((LANGUAGES as readonly string[]).includes(value ?? '') ? (value as Language) : 'en');

function useLive(merchantId: string, onGone: () => void): { version: number; connected: boolean } {
  const [version, setVersion] = useState(0);
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let pending: ReturnType<typeof setTimeout> | undefined;
    const bump = (): void => {
      // Changes often come in bursts (a seat writes the entry and the table): reload once.
      clearTimeout(pending);
      pending = setTimeout(() => setVersion((v) => v + 1), 100);
    };
    const open = (): void => {
      source = new EventSource(`/admin/v1/merchants/${encodeURIComponent(merchantId)}/events`);
      source.addEventListener('ready', () => {
        setConnected(true);
        bump();
      });
      source.addEventListener('changed', bump);
      source.onerror = () => {
        setConnected(false);
        // EventSource retries by itself after network errors; an HTTP error (e.g. the session
        // ended) closes it: check the session, then open a new stream.
        if (source?.readyState === EventSource.CLOSED) {
          retry = setTimeout(() => {
            api('GET', '/session').then(open, (error) => (error instanceof ApiError && error.status === 401 ? onGone() : open()));
          }, 3000);
        }
      };
    };
    open();
    return () => {
      clearTimeout(retry);
      clearTimeout(pending);
      source?.close();
    };
  }, [merchantId, onGone]);
  return { version, connected };
}

function SignIn({ t, onSession }: { t: T; onSession: (s: Session) => void }) {
  const [error, setError] = useState('');
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const token = (form.elements.namedItem('token') as HTMLInputElement).value.trim();
    try {
      onSession(await api<Session>('POST', '/session', { token }));
    } catch (e) {
      setError(e instanceof ApiError && e.status === 401 ? t('signin.failed') : t('error.generic', { message: String((e as Error).message) }));
    }
  };
  return (
    <main class="signin">
      <h1>{t('app.title')}</h1>
      <form onSubmit={submit}>
        <h2>{t('signin.title')}</h2>
        <label>
          {t('signin.token')}
          <input name="token" type="password" autocomplete="current-password" required dir="ltr" />
        </label>
        <button type="submit" class="primary">
          {t('signin.submit')}
        </button>
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}

function PickMerchant({ t, onPick }: { t: T; onPick: (id: string) => void }) {
  const [merchants, setMerchants] = useState<Merchant[] | null>(null);
  useEffect(() => {
    api<{ merchants: Merchant[] }>('GET', '/merchants').then((r) => setMerchants(r.merchants));
  }, []);
  return (
    <main class="signin">
      <h1>{t('pick.title')}</h1>
      {merchants === null ? (
        <p>{t('loading')}</p>
      ) : (
        <ul class="pick">
          {merchants.map((m) => (
            <li key={m.id}>
              <button type="button" onClick={() => onPick(m.id)}>
                {m.name}
              </button>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}

type Screen = 'queue' | 'tables' | 'bookings' | 'availability' | 'settings';
const screenFromHash = (): Screen => {
  const h = location.hash.replace('#', '');
  return h === 'tables' || h === 'bookings' || h === 'availability' || h === 'settings' ? h : 'queue';
};

function Shell({
  session,
  t,
  lang,
  onLanguage,
  onSignOut,
}: {
  session: Session;
  t: T;
  lang: Language;
  onLanguage: (l: Language) => void;
  onSignOut: () => void;
}) {
  const merchantId = session.merchant_id as string;
  const [merchant, setMerchant] = useState<Merchant | null>(null);
  const [screen, setScreen] = useState<Screen>(screenFromHash());
  // Notes, not text: written in the language of the moment (the host may switch meanwhile).
  const [message, setMessage] = useState<Note | null>(null);
  const [error, setError] = useState<Note | null>(null);
  const { version, connected } = useLive(merchantId, onSignOut);
  useEffect(() => {
    const onHash = (): void => setScreen(screenFromHash());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    api<Merchant>('GET', `/merchants/${encodeURIComponent(merchantId)}`).then(setMerchant, (e) => setError(genericError(e)));
  }, [merchantId, version]);
  const announce = useCallback((note: Note) => {
    setError(null);
    setMessage(note);
  }, []);
  const fail = useCallback(
    (e: unknown) => {
      if (e instanceof ApiError && e.status === 401) return onSignOut();
      setError(genericError(e));
    },
    [onSignOut],
  );
  const signOut = async (): Promise<void> => {
    await api('DELETE', '/session').catch(() => undefined);
    onSignOut();
  };
  const manager = session.role === 'manager';
  const nav: [Screen, MessageKey][] = [
    ['queue', 'nav.queue'],
    ['tables', 'nav.tables'],
    ['bookings', 'nav.bookings'],
    ...(manager
      ? ([
          ['availability', 'nav.availability'],
          ['settings', 'nav.settings'],
        ] as [Screen, MessageKey][])
      : []),
  ];
  return (
    <div class="shell">
      <header class="bar">
        <h1>
          {t('app.title')}
          {merchant && (
            <span class="merchant">
              {' · '}
              <bdi>{merchant.name}</bdi>
            </span>
          )}
        </h1>
        <nav aria-label={t('nav.main')}>
          {nav.map(([id, key]) => (
            <a key={id} href={`#${id}`} aria-current={screen === id ? 'page' : undefined}>
              {t(key)}
            </a>
          ))}
        </nav>
        <span class={connected ? 'live on' : 'live off'} role="status">
          <span aria-hidden="true">{connected ? '●' : '○'}</span> <span>{connected ? t('live.on') : t('live.off')}</span>
        </span>
        <label class="lang">
          <span>{t('nav.language')}</span>
          <select value={lang} onChange={(e) => onLanguage(asLanguage((e.currentTarget as HTMLSelectElement).value))}>
            {LANGUAGES.map((l) => (
              <option key={l} value={l} lang={l}>
                {LANGUAGE_NAMES[l]}
              </option>
            ))}
          </select>
        </label>
        {session.staff && <span class="who">{session.staff.name}</span>}
        <button type="button" onClick={signOut}>
          {t('nav.signout')}
        </button>
      </header>
      <div class="notices">
        <p class="status" role="status" aria-live="polite">
          {message && formatNote(lang, message)}
        </p>
        {error && (
          <p class="error" role="alert">
            {formatNote(lang, error)}
          </p>
        )}
      </div>
      {merchant === null ? (
        <p>{t('loading')}</p>
      ) : screen === 'tables' ? (
        <TablesScreen t={t} lang={lang} merchant={merchant} version={version} announce={announce} fail={fail} />
      ) : screen === 'availability' && manager ? (
        <AvailabilityScreen t={t} lang={lang} merchant={merchant} version={version} announce={announce} fail={fail} />
      ) : screen === 'settings' && manager ? (
        <SettingsScreen t={t} lang={lang} merchant={merchant} version={version} announce={announce} fail={fail} root={session.kind === 'root'} />
      ) : screen === 'bookings' ? (
        <BookingsScreen t={t} lang={lang} merchant={merchant} version={version} announce={announce} fail={fail} />
      ) : (
        // The waitlist, also for a screen this role has not (a host at #settings).
        <QueueScreen t={t} lang={lang} merchant={merchant} version={version} announce={announce} fail={fail} />
      )}
    </div>
  );
}

function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [lang, setLang] = useState<Language>(asLanguage(navigator.language.startsWith('zh') ? 'zh-CN' : navigator.language.slice(0, 2)));
  const t: T = useMemo(() => (key, values) => format(lang, key, values), [lang]);
  const accept = useCallback((s: Session | null) => {
    if (s) {
      setCsrf(s.csrf_token);
      setLang(asLanguage(s.language));
    }
    setSession(s);
  }, []);
  useEffect(() => {
    api<Session>('GET', '/session').then(accept, () => accept(null));
  }, [accept]);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.documentElement.dir = isRtl(lang) ? 'rtl' : 'ltr';
    document.title = format(lang, 'app.title');
  }, [lang]);
  const signedOut = useCallback(() => accept(null), [accept]);
  // The language asked for last: the answer to an earlier change that arrives after a later one was
  // asked for must not switch the page back to the earlier language.
  const wantedLanguage = useRef<Language | null>(null);
  const changeLanguage = async (l: Language): Promise<void> => {
    wantedLanguage.current = l;
    setLang(l);
    if (!session) return;
    const answer = await api<Session>('PATCH', '/session', { language: l });
    if (wantedLanguage.current === l) accept(answer);
  };
  if (session === undefined) return <p>{t('loading')}</p>;
  if (session === null) return <SignIn t={t} onSession={accept} />;
  if (session.merchant_id === null) {
    return <PickMerchant t={t} onPick={async (id) => accept(await api<Session>('PATCH', '/session', { merchant_id: id }))} />;
  }
  return <Shell session={session} t={t} lang={lang} onLanguage={changeLanguage} onSignOut={signedOut} />;
}

const root = document.getElementById('root');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
