import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** A Web Storage over a Map, as much of it as api-key.ts uses. */
function fakeStorage(): Storage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    get length() {
      return data.size;
    },
    key: (index: number) => [...data.keys()][index] ?? null,
    getItem: (name: string) => data.get(name) ?? null,
    setItem: (name: string, value: string) => void data.set(name, String(value)),
    removeItem: (name: string) => void data.delete(name),
    clear: () => data.clear(),
  };
}

// The module keeps its state (the need for a key, the in-memory fallback) at module level: each
// test gets a fresh copy.
async function freshModule() {
  vi.resetModules();
  return await import('./api-key');
}

let session: ReturnType<typeof fakeStorage>;
let local: ReturnType<typeof fakeStorage>;

beforeEach(() => {
  session = fakeStorage();
  local = fakeStorage();
  vi.stubGlobal('sessionStorage', session);
  vi.stubGlobal('localStorage', local);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('the API key store', () => {
  it('keeps the key in sessionStorage only, and forgetting it asks for a key again', async () => {
    const keys = await freshModule();
    expect(keys.readApiKey()).toBeNull();
    keys.saveApiKey('weft_abc');
    expect(keys.readApiKey()).toBe('weft_abc');
    expect([...session.data.values()]).toEqual(['weft_abc']);
    expect(local.data.size).toBe(0);
    expect(keys.keyNeeded()).toBeNull();

    keys.forgetApiKey();
    expect(keys.readApiKey()).toBeNull();
    expect(session.data.size).toBe(0);
    expect(keys.keyNeeded()).toEqual({ reason: '', refused: false });
  });

  it('a 401 without a key says a key is needed; saving one clears that', async () => {
    const keys = await freshModule();
    const changes = vi.fn();
    const stop = keys.onKeyChange(changes);
    keys.keyRefused(null, 'this server requires an API key');
    expect(keys.keyNeeded()).toEqual({ reason: 'this server requires an API key', refused: false });
    keys.saveApiKey('weft_right');
    expect(keys.keyNeeded()).toBeNull();
    expect(changes).toHaveBeenCalledTimes(2);
    stop();
    keys.forgetApiKey();
    expect(changes).toHaveBeenCalledTimes(2);
  });

  it('a 401 for the key in use drops it, so that a reload does not send it again', async () => {
    const keys = await freshModule();
    keys.saveApiKey('weft_revoked');
    keys.keyRefused('weft_revoked', 'the API key is not valid');
    expect(keys.keyNeeded()).toEqual({ reason: 'the API key is not valid', refused: true });
    expect(keys.readApiKey()).toBeNull();
    expect(session.data.size).toBe(0);
  });

  it('a late 401 for a request sent before the key was entered changes nothing', async () => {
    const keys = await freshModule();
    keys.keyRefused(null, 'this server requires an API key');
    keys.saveApiKey('weft_new');
    const changes = vi.fn();
    keys.onKeyChange(changes);
    // Sent without a key, answered after the new key was saved.
    keys.keyRefused(null, 'this server requires an API key');
    // Sent with an older key.
    keys.keyRefused('weft_old', 'the API key is not valid');
    expect(keys.keyNeeded()).toBeNull();
    expect(keys.readApiKey()).toBe('weft_new');
    expect(changes).not.toHaveBeenCalled();
  });

  it('holds the key in memory when the browser refuses storage', async () => {
    vi.stubGlobal('sessionStorage', {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('SecurityError');
      },
      removeItem: () => {
        throw new Error('SecurityError');
      },
    });
    const keys = await freshModule();
    keys.saveApiKey('weft_memory');
    expect(keys.readApiKey()).toBe('weft_memory');
    keys.forgetApiKey();
    expect(keys.readApiKey()).toBeNull();
  });
});
