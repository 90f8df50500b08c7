// Pieces the host stand's screens share: a screen's frame, the one-tap action buttons, and the
// fields of the short forms that add a party (a walk-in, a booking made from the screen).
import type { ComponentChildren } from 'preact';
import type { Service } from './api';
import type { MessageKey } from './i18n';
import type { T } from './main';

/**
 * A screen: its heading line (title, then `head`: a picker, a count), what it lists or a line
 * saying it is loading or empty, and a side column (forms) beside it, below it on a phone.
 */
export function Screen<I>({
  t,
  kind,
  title,
  head,
  items,
  empty,
  children,
  side,
}: {
  t: T;
  /** The main part's class (its layout). */
  kind: string;
  title: string;
  head?: ComponentChildren;
  /** What the screen lists: null while loading. */
  items: I[] | null;
  empty: string;
  children: (items: I[]) => ComponentChildren;
  side?: ComponentChildren;
}) {
  return (
    <div class="queue-screen">
      <main class={kind}>
        <div class="queue-head">
          <h2>{title}</h2>
          {head}
        </div>
        {items === null ? <p>{t('loading')}</p> : items.length === 0 ? <p class="empty">{empty}</p> : children(items)}
      </main>
      {side}
    </div>
  );
}

/** A service to pick (labelled "Service"): controlled with `value`, or a form field with `name`. */
export function ServiceField({
  t,
  services,
  value,
  onChange,
  name,
}: {
  t: T;
  services: Service[];
  value?: string;
  onChange?: (id: string) => void;
  name?: string;
}) {
  return (
    <label>
      {t('queue.service')}
      <select name={name} value={value} onChange={onChange && ((e) => onChange((e.currentTarget as HTMLSelectElement).value))}>
        {services.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
      </select>
    </label>
  );
}

/*
 * The one-tap action buttons of the waitlist and the bookings: the visible text is the action,
 * the accessible name adds whose it is ("Seat: Gia Rossi"), as a screen reader lists many rows'
 * buttons side by side. The look says what kind of action it is: the main step forward, a step
 * that ends the party's visit, or neither.
 */
export type Tone = 'primary' | 'danger' | 'plain';

/** The tone of a waitlist action the server allows (`allowed_actions`). */
export function toneOf(action: string): Tone {
  if (action === 'seat') return 'primary';
  return action === 'cancel' || action === 'no-show' || action === 'decline' ? 'danger' : 'plain';
}

export function ActionButton({
  t,
  label,
  values,
  name,
  tone = 'plain',
  expanded,
  onClick,
}: {
  t: T;
  label: MessageKey;
  values?: Record<string, string | number>;
  /** The guest's name the action is for. */
  name: string;
  tone?: Tone;
  /** For a button that opens or closes a part of the row. */
  expanded?: boolean;
  onClick: () => void;
}) {
  const text = t(label, values);
  return (
    <button
      type="button"
      class={tone === 'plain' ? undefined : tone}
      aria-label={t('action.for', { action: text, name })}
      aria-expanded={expanded}
      onClick={onClick}
    >
      {text}
    </button>
  );
}

/** The trimmed value of a form's field. */
export const fieldOf = (form: HTMLFormElement, name: string): string => (form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement).value.trim();

/** Name, party size and an optional phone number. */
export function GuestFields({ t }: { t: T }) {
  return (
    <>
      <label>
        {t('walkin.name')}
        <input name="given_name" required maxLength={100} autocomplete="off" />
      </label>
      <PartySizeField t={t} value={2} />
      <label>
        {t('walkin.phone')}
        <input name="telephone" type="tel" autocomplete="off" dir="ltr" />
      </label>
    </>
  );
}

export function PartySizeField({ t, value }: { t: T; value: number }) {
  return (
    <label>
      {t('walkin.party')}
      <input name="party_size" type="number" min={1} max={1000} required defaultValue={String(value)} inputMode="numeric" dir="ltr" />
    </label>
  );
}

/** The request body's guest fields from a form with GuestFields (no telephone when left empty). */
export function guestOf(form: HTMLFormElement): { given_name: string; party_size: number; telephone?: string } {
  const phone = fieldOf(form, 'telephone');
  return { given_name: fieldOf(form, 'given_name'), party_size: Number(fieldOf(form, 'party_size')), ...(phone ? { telephone: phone } : {}) };
}
