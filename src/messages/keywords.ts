// What a guest's text means. Pure. Digits carry the commands (the market's convention: 1 = on my
// way, 9 = cancel) because carriers and Twilio take CANCEL, STOP and the like as opt-outs: those
// are recorded as opt-outs, never as a cancellation of the entry.
import type { ReplyKind } from './repository.js';

/** Twilio's default opt-out words, and those other providers add (AWS End User Messaging). */
export const OPT_OUT_WORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'END', 'QUIT', 'REVOKE', 'OPTOUT', 'CANCEL', 'ARRET', 'REMOVE', 'TD', 'OPT-OUT'] as const;
export const OPT_IN_WORDS = ['START', 'YES', 'UNSTOP'] as const;
export const HELP_WORDS = ['HELP', 'INFO'] as const;

export interface Classified {
  readonly kind: ReplyKind;
  readonly minutes: number | null;
}

export function classifyReply(body: string): Classified {
  // Carriers match the keyword as the whole message, ignoring case, spaces and punctuation around it.
  const word = body
    .normalize('NFKC')
    .trim()
    .replace(/^[\s.!,;:]+|[\s.!,;:]+$/g, '')
    .toUpperCase();
  if ((OPT_OUT_WORDS as readonly string[]).includes(word)) return { kind: 'opt_out', minutes: null };
  if ((OPT_IN_WORDS as readonly string[]).includes(word)) return { kind: 'opt_in', minutes: null };
  if ((HELP_WORDS as readonly string[]).includes(word)) return { kind: 'help', minutes: null };
  if (word === '1') return { kind: 'on_my_way', minutes: null };
  if (word === '9') return { kind: 'cancel', minutes: null };
  const more = /^\+\s*(\d{1,2})(?:\s*(?:MIN|MINS|MINUTES|M))?$/.exec(word);
  if (more) {
    const minutes = Number(more[1]);
    if (minutes >= 1 && minutes <= 60) return { kind: 'extra_time', minutes };
  }
  return { kind: 'text', minutes: null };
}
