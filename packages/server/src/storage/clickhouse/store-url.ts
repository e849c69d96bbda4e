/**
 * Where a ClickHouse store lives, from its URL (docs/architecture.md, "ClickHouse"):
 * `clickhouse://user:password@host:8123/database` (or `clickhouses://` for TLS) for a server or a
 * cluster, and `chdb:<folder>` for the ClickHouse engine the `chdb` package runs inside this
 * process. `?database=NAME` picks the database of a chdb folder (default `weft`).
 */

export type ClickHouseLocation =
  | { kind: 'server'; url: string; username: string; password: string; database: string }
  | { kind: 'chdb'; path: string; database: string };

const DEFAULT_DATABASE = 'weft';
/** Database names are written into DDL, so they are held to identifier characters. */
const DATABASE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export function parseClickHouseUrl(url: string): ClickHouseLocation {
  if (url.startsWith('chdb:')) {
    const [path = '', query = ''] = url.slice('chdb:'.length).split('?', 2);
    if (path === '') throw new Error('a chdb store URL needs a folder: chdb:./weft-clickhouse');
    return { kind: 'chdb', path, database: checkedDatabase(new URLSearchParams(query).get('database')) };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`not a store URL: ${JSON.stringify(redact(url))}`);
  }
  if (parsed.protocol !== 'clickhouse:' && parsed.protocol !== 'clickhouses:') {
    throw new Error(`not a ClickHouse URL: ${JSON.stringify(redact(url))}`);
  }
  const scheme = parsed.protocol === 'clickhouses:' ? 'https' : 'http';
  const port = parsed.port || (scheme === 'https' ? '8443' : '8123');
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || null;
  return {
    kind: 'server',
    url: `${scheme}://${parsed.hostname}:${port}`,
    username: decodeURIComponent(parsed.username) || 'default',
    password: decodeURIComponent(parsed.password),
    database: checkedDatabase(database),
  };
}

function checkedDatabase(name: string | null): string {
  const database = name ?? DEFAULT_DATABASE;
  if (!DATABASE_NAME.test(database)) {
    throw new Error(
      `a ClickHouse database name is letters, digits and _ (at most 64): got ${JSON.stringify(database)}`,
    );
  }
  return database;
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}
