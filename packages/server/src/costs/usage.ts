/**
 * Token counts read from one model's entry in `summary.usage` (docs/protocol.md §17.3). Clients
 * record whatever their provider reported, so every count is optional and several spellings add up.
 */

export interface TokenCounts {
  requests: number;
  /** Every prompt token, cached or not (`prompt_tokens` + `input_tokens`). */
  prompt: number;
  /** `completion_tokens` + `output_tokens`. */
  completion: number;
  /** As reported; prompt + completion when the client reported none. */
  total: number;
  /** Prompt tokens read from the provider's cache: part of `prompt`. */
  cacheRead: number;
  /** Prompt tokens written to the provider's cache: part of `prompt`. */
  cacheCreation: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A count: a finite number that is not negative; anything else counts as absent. */
function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function cachedDetail(details: unknown): number | undefined {
  return isRecord(details) ? count(details.cached_tokens) : undefined;
}

/**
 * The counts of one usage entry, or undefined when it is not an object. Cached tokens are taken
 * from `cache_read_input_tokens` when the client recorded it (weft's integrations and Weave's
 * convention), else from OpenAI's `prompt_tokens_details` / `input_tokens_details.cached_tokens`;
 * either way they are counted inside the prompt tokens, as OpenAI reports them.
 */
export function tokenCounts(usage: unknown): TokenCounts | undefined {
  if (!isRecord(usage)) return undefined;
  const prompt = (count(usage.prompt_tokens) ?? 0) + (count(usage.input_tokens) ?? 0);
  const completion = (count(usage.completion_tokens) ?? 0) + (count(usage.output_tokens) ?? 0);
  const cacheRead =
    count(usage.cache_read_input_tokens) ??
    (cachedDetail(usage.prompt_tokens_details) ?? 0) + (cachedDetail(usage.input_tokens_details) ?? 0);
  return {
    requests: count(usage.requests) ?? 0,
    prompt,
    completion,
    total: count(usage.total_tokens) ?? prompt + completion,
    cacheRead,
    cacheCreation: count(usage.cache_creation_input_tokens) ?? 0,
  };
}
