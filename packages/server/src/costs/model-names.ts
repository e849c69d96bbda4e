/**
 * Which price a recorded model name is priced under (docs/protocol.md §17.4). Clients record what
 * the provider answered (`gpt-4o-mini-2024-07-18`), what the user wrote (`openai/gpt-4o`), or a
 * name of their own (`my_model`); prices are kept under one name per model.
 */
import { calcPrice, findProvider } from '@pydantic/genai-prices';
import { LRUCache } from 'lru-cache';

/** A model of the default price dataset. */
export interface DatasetModel {
  provider_id: string;
  llm_id: string;
}

export interface PriceNames {
  /** Names a project price may be kept under, most specific first. */
  projectNames: string[];
  /** The dataset's model for this name, whose default prices apply; null when it has none. */
  datasetModel: DatasetModel | null;
}

/**
 * `-2024-07-18`, `-20241022` or `@20240620` at the end of a name: a dated snapshot of a model.
 * Names come from logged usage, so the pattern must be linear in the name (model-names.test.ts).
 */
export const DATE_SUFFIX = /[-@](?:\d{4}-\d{2}-\d{2}|\d{8})$/;
/**
 * Longer names are priced under themselves only: no model's name is this long, and the dataset's
 * matching runs its own patterns over the name, which logged data must not be able to slow down.
 */
export const MAX_MATCHED_NAME_CHARS = 256;
const NO_USAGE = {};

function datasetModelOf(name: string, providerId?: string): DatasetModel | null {
  const provider = providerId === undefined ? undefined : findProvider({ providerId });
  if (providerId !== undefined && !provider) return null;
  const match = calcPrice(NO_USAGE, name, provider ? { provider } : {});
  return match ? { provider_id: match.provider.id, llm_id: match.model.id } : null;
}

function resolve(name: string): PriceNames {
  const slash = name.indexOf('/');
  const prefix = slash > 0 ? name.slice(0, slash) : undefined;
  const bare = prefix === undefined ? name : name.slice(slash + 1);
  // `openai/gpt-4o` is OpenAI's gpt-4o; a prefix that names no provider is part of the name.
  const datasetModel =
    datasetModelOf(name) ??
    (prefix !== undefined ? (datasetModelOf(bare, prefix) ?? datasetModelOf(bare)) : null);
  const candidates = [
    name,
    bare,
    datasetModel?.llm_id,
    name.replace(DATE_SUFFIX, ''),
    bare.replace(DATE_SUFFIX, ''),
  ];
  const projectNames = [...new Set(candidates.filter((value): value is string => !!value))];
  return { projectNames, datasetModel };
}

/** Matching a name against the dataset costs up to a millisecond; a query meets few names. */
const resolved = new LRUCache<string, PriceNames>({ max: 10_000 });

export function priceNames(name: string): PriceNames {
  // Before the cache too: it counts entries, and must not hold ten thousand huge logged names.
  if (name.length > MAX_MATCHED_NAME_CHARS) return { projectNames: [name], datasetModel: null };
  let names = resolved.get(name);
  if (!names) {
    names = resolve(name);
    resolved.set(name, names);
  }
  return names;
}
