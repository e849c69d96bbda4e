import { describe, expect, it } from 'vitest';
import { parseClickHouseUrl, redact } from './store-url.js';

describe('ClickHouse store URLs', () => {
  it('reads a server URL: host, port, user, password and database', () => {
    expect(parseClickHouseUrl('clickhouse://weft:s%40cret@db.internal:9000/traces')).toEqual({
      kind: 'server',
      url: 'http://db.internal:9000',
      username: 'weft',
      password: 's@cret',
      database: 'traces',
    });
    expect(parseClickHouseUrl('clickhouses://db.internal')).toEqual({
      kind: 'server',
      url: 'https://db.internal:8443',
      username: 'default',
      password: '',
      database: 'weft',
    });
  });

  it('reads a chdb folder, with an optional database', () => {
    expect(parseClickHouseUrl('chdb:./data')).toEqual({ kind: 'chdb', path: './data', database: 'weft' });
    expect(parseClickHouseUrl('chdb:/var/weft?database=team_a')).toEqual({
      kind: 'chdb',
      path: '/var/weft',
      database: 'team_a',
    });
  });

  it('refuses what it cannot use, without showing the password', () => {
    expect(() => parseClickHouseUrl('chdb:')).toThrow(/needs a folder/);
    expect(() => parseClickHouseUrl('chdb:./x?database=a-b')).toThrow(/letters, digits and _/);
    expect(() => parseClickHouseUrl('clickhouse://u:p@h/x;DROP')).toThrow(/letters, digits and _/);
    expect(() => parseClickHouseUrl('postgres://u:hunter2@h/db')).toThrow(
      /^not a ClickHouse URL: "postgres:\/\/u:\*\*\*@h\/db"$/,
    );
    expect(redact('clickhouse://u:hunter2@h:8123/db')).toBe('clickhouse://u:***@h:8123/db');
  });
});
