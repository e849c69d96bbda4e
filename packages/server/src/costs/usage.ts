/**
 * Token counts read from one model's entry in `summary.usage` (docs/protocol.md §17.3). Clients
 * record whatever their provider reported, so every count is optional and several spellings add up.
 */

export interface TokenCounts {
  requests: number;
  /** Every prompt token, cached or not. */
  prompt: number;
  /** `completion_tokens` + `output_tokens`. */
  completion: number;
  /** As reported; prompt + completion when the client reported none. */
  total: number;
  /** Prompt tokens read from the provider's cache (part of `prompt`). */
  cacheRead: number;
  /** Prompt tokens written to the provider's cache (part of `prompt`). */
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
 * The counts of one usage entry, or undefined when it is not an object. Providers count cached
 * prompt tokens two ways, and both are read as they mean it: Anthropic's
 * `cache_read_input_tokens` and `cache_creation_input_tokens` are beside `input_tokens` (not in
 * it), while OpenAI's `prompt_tokens_details.cached_tokens` and `input_tokens_details.cached_tokens`
 * are part of `prompt_tokens` / `input_tokens`.
 */
export function tokenCounts(usage: unknown): TokenCounts | undefined {
  if (!isRecord(usage)) return undefined;
  const counted = (count(usage.prompt_tokens) ?? 0) + (count(usage.input_tokens) ?? 0);
  const cachedInside =
    (cachedDetail(usage.prompt_tokens_details) ?? 0) + (cachedDetail(usage.input_tokens_details) ?? 0);
  const readBeside = count(usage.cache_read_input_tokens) ?? 0;
  const createdBeside = count(usage.cache_creation_input_tokens) ?? 0;
  const prompt = counted + readBeside + createdBeside;
  const completion = (count(usage.completion_tokens) ?? 0) + (count(usage.output_tokens) ?? 0);
  return {
    requests: count(usage.requests) ?? 0,
    prompt,
    completion,
    total: count(usage.total_tokens) ?? prompt + completion,
    cacheRead: readBeside + Math.min(cachedInside, counted),
    cacheCreation: createdBeside,
  };
}
