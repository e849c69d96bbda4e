/**
 * Reactions (`wandb.reaction.1`, docs/protocol.md §18.2): exactly one emoji, given as itself or as
 * a `:name:` alias. The stored payload also carries the emoji's alias and its form without skin
 * tones, as Weave's server adds them, so reactions can be counted whatever the tone. Names come
 * from emojilib (its first keyword per emoji, `thumbs_up`, which is also Unicode's CLDR name).
 */
import { createRequire } from 'node:module';
import { InvalidRequest } from '@weft/protocol';

export interface Reaction {
  emoji: string;
  alias: string;
  detoned: string;
  detoned_alias: string;
}

const keywordsByEmoji = createRequire(import.meta.url)('emojilib') as Record<string, string[]>;

/** `:name:` → emoji: every emoji's first keyword, and any other keyword no other emoji has. */
const emojiByName = (() => {
  const owners = new Map<string, string[]>();
  for (const [emoji, keywords] of Object.entries(keywordsByEmoji)) {
    for (const keyword of keywords) owners.set(keyword, [...(owners.get(keyword) ?? []), emoji]);
  }
  const names = new Map<string, string>();
  for (const [keyword, emojis] of owners) if (emojis.length === 1) names.set(keyword, emojis[0] as string);
  for (const [emoji, keywords] of Object.entries(keywordsByEmoji)) {
    if (keywords[0]) names.set(keywords[0], emoji);
  }
  return names;
})();

// The `v` flag (Unicode sets) reads RGI_Emoji; made at run time, as the compile target predates it.
// biome-ignore lint/complexity/useRegexLiterals: a literal with the `v` flag does not compile for our target
export const SINGLE_EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v');
export const SKIN_TONES = /[\u{1F3FB}-\u{1F3FF}]/gu;
const VARIATION_SELECTOR = '\uFE0F';
const MAX_REACTION_CHARS = 64;

/** CLDR's names of the five skin tones, as aliases end: `:thumbs_up_medium_skin_tone:`. */
const TONE_NAMES: Record<string, string> = {
  '\u{1F3FB}': 'light_skin_tone',
  '\u{1F3FC}': 'medium-light_skin_tone',
  '\u{1F3FD}': 'medium_skin_tone',
  '\u{1F3FE}': 'medium-dark_skin_tone',
  '\u{1F3FF}': 'dark_skin_tone',
};

function nameOf(emoji: string): string | undefined {
  return (keywordsByEmoji[emoji] ?? keywordsByEmoji[emoji.replace(VARIATION_SELECTOR, '')])?.[0];
}

/** The reaction for what a client sent, or a 400 saying why it is not one. */
export function normalizeReaction(given: unknown): Reaction {
  if (typeof given !== 'string' || given.length === 0 || given.length > MAX_REACTION_CHARS) {
    throw new InvalidRequest('a wandb.reaction.1 payload needs "emoji": exactly one emoji, or its :name:');
  }
  let emoji = given;
  const alias = /^:([\w+-]+):$/.exec(given);
  if (alias) {
    const found = emojiByName.get(alias[1] as string);
    if (!found) throw new InvalidRequest(`${given} is not the name of an emoji`);
    emoji = found;
  }
  // Text-style symbols (❤ without its variation selector) are the same emoji.
  if (!SINGLE_EMOJI.test(emoji) && SINGLE_EMOJI.test(emoji + VARIATION_SELECTOR)) emoji += VARIATION_SELECTOR;
  if (!SINGLE_EMOJI.test(emoji)) {
    throw new InvalidRequest(`a reaction is exactly one emoji; ${JSON.stringify(given)} is not`);
  }
  const detoned = emoji.replace(SKIN_TONES, '');
  const detonedName = nameOf(detoned);
  const tones = (emoji.match(SKIN_TONES) ?? []).map((tone) => TONE_NAMES[tone]);
  const name = nameOf(emoji) ?? (detonedName && [detonedName, ...tones].join('_'));
  return {
    emoji,
    alias: name ? `:${name}:` : emoji,
    detoned,
    detoned_alias: detonedName ? `:${detonedName}:` : detoned,
  };
}
