// Waiting for something in a test: poll until it holds, with a deadline, never a fixed sleep (a loaded
// machine makes any fixed wait too short sometimes and always too long).

/** Resolves once `check` returns true; fails with `what` after `ms` (10 s by default). */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() >= deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
