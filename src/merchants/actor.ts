// Who acted, one vocabulary for every capability: `google`, the guest through Google (Google's
// calls to /v3), or `merchant`, the merchant's staff (the admin API, the host stand). A booking's
// or a waitlist entry's source, who cancelled a booking, who changed it, which rules a waitlist
// join must pass. Pure.
//
// Older stored values differ per table; each repository maps its columns at its edge, and the
// admin API keeps its own words (docs/ARCHITECTURE.md, "Who acted").
export type Actor = 'google' | 'merchant';
