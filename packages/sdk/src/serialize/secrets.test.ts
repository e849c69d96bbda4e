import { describe, expect, it } from 'vitest';
import { isSecretKey, REDACTED } from './secrets.js';
import { serialize, serializeInputs } from './serialize.js';

describe('isSecretKey', () => {
  it('knows the names credentials go by, in any spelling', () => {
    for (const key of [
      'apiKey',
      'api_key',
      'OPENAI_API_KEY',
      'x-api-key',
      'Authorization',
      'proxy-authorization',
      'token',
      'access_token',
      'refreshToken',
      'password',
      'db_password',
      'secret',
      'client_secret',
      'aws_secret_access_key',
      'private_key',
      'Cookie',
      'credentials',
    ]) {
      expect(isSecretKey(key), key).toBe(true);
    }
  });

  it('leaves token counts, tokenizer settings and ordinary keys alone', () => {
    for (const key of [
      'max_tokens',
      'prompt_tokens',
      'total_tokens',
      'cache_read_input_tokens',
      'eos_token',
      'token_count',
      'keyword',
      'monkey',
      'passage',
      'author',
      'model',
      'messages',
    ]) {
      expect(isSecretKey(key), key).toBe(false);
    }
  });
});

describe('serializing secrets', () => {
  it('masks values under secret keys at any depth, and in Maps', () => {
    const value = {
      model: 'gpt-4o',
      config: { api_key: 'sk-live-123', nested: [{ Authorization: 'Bearer sk-live-123' }] },
      headers: new Map([['x-api-key', 'sk-live-123']]),
      usage: { total_tokens: 5 },
    };
    const { value: recorded } = serialize(value);
    expect(JSON.stringify(recorded)).not.toContain('sk-live-123');
    expect(recorded).toEqual({
      model: 'gpt-4o',
      config: { api_key: REDACTED, nested: [{ Authorization: REDACTED }] },
      headers: { _type: 'Map', entries: [['x-api-key', REDACTED]] },
      usage: { total_tokens: 5 },
    });
  });

  it('records an object that holds a key (a provider client) as its class name only', () => {
    class ProviderClient {
      apiKey = 'sk-live-123';
      baseURL = 'https://api.example.com';
      options = { defaultHeaders: { 'X-Custom': 'sk-live-123' } };
    }
    expect(serialize({ client: new ProviderClient() }).value).toEqual({
      client: { _type: 'ProviderClient' },
    });
  });

  it('masks an op argument named like a secret, on the fast path for primitives too', () => {
    const names = ['user', 'password'];
    expect(serializeInputs(['ada', 'hunter2'], names).value).toEqual({ user: 'ada', password: REDACTED });
    expect(serializeInputs([{ a: 1 }, 'hunter2'], names).value).toEqual({
      user: { a: 1 },
      password: REDACTED,
    });
    // Absent stays absent: a missing password is not a secret to hide.
    expect(serializeInputs(['ada'], names).value).toEqual({ user: 'ada' });
  });
});
