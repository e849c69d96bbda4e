/** Retrying the requests that save versions and tables: a short outage does not fail a publish. */
import { TraceServerError } from '../transport/trace-server.js';

const SAVE_ATTEMPTS = 5;
const SAVE_RETRY_BASE_MS = 250;

/** Tries again on no answer, 429 and 5xx, waiting a little longer each time. */
export async function withRetries<T>(request: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      const retryable = error instanceof TraceServerError && error.retryable;
      if (!retryable || attempt >= SAVE_ATTEMPTS) throw error;
      const delay = SAVE_RETRY_BASE_MS * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
      // Unref'd: a retry pending at exit must not keep the host process alive.
      await new Promise((resolve) => setTimeout(resolve, delay).unref());
    }
  }
}
