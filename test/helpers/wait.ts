/** Waiting on a condition instead of sleeping a fixed time: fast when the machine is, patient when it is loaded. */

export interface WaitOptions {
  /** The deadline (default 30 s): then the wait fails naming what it waited for. */
  timeoutMs?: number;
  everyMs?: number;
  /** Treat an error of the probe as "not yet" (a server still starting), not as a failure. */
  retryErrors?: boolean;
}

/** Polls `probe` until it returns something other than undefined, null or false, and returns that. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  options: WaitOptions = {},
): Promise<T> {
  const { timeoutMs = 30_000, everyMs = 20, retryErrors = false } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (error) {
      if (!retryErrors) throw error;
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const why = lastError ? ` (last error: ${(lastError as Error).message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
