#!/usr/bin/env node
/** The `weft` command. The only module allowed to end the process. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ProtocolError } from '@weft/protocol';
import { DEFAULT_RATE_LIMIT_PER_MINUTE } from '../http/app.js';
import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, startServer, UnsafeServeRefused } from '../server.js';
import { DEFAULT_ENTITY } from '../service/projects-service.js';
import { redact } from '../storage/clickhouse/store-url.js';
import { WEFT_VERSION } from '../version.js';
import { INDEX_USAGE, IndexUsageError, runIndexCommand } from './index-command.js';
import { KEYS_USAGE, KeysUsageError, runKeysCommand } from './keys-command.js';
import { MIGRATE_USAGE, MigrateUsageError, runMigrateCommand } from './migrate-command.js';
import {
  RETENTION_USAGE,
  RetentionUsageError,
  runPruneCommand,
  runRetentionCommand,
} from './retention-command.js';
import { parseByteSize } from './sizes.js';

const USAGE = `Usage: weft serve [--host ${DEFAULT_HOST}] [--port ${DEFAULT_PORT}] [--data ${DEFAULT_DATA_DIR}] [--log-level warn] [--query-timeout 30] [--default-entity ${DEFAULT_ENTITY}] [--ui-dir DIR]
                  [--insecure-no-auth] [--rate-limit ${DEFAULT_RATE_LIMIT_PER_MINUTE}] [--cors-origin ORIGIN ...] [--max-db-size SIZE]
                  [--write-timeout 30] [--store URL] [--clickhouse-cluster NAME]

Starts the weft trace server over an embedded SQLite database in the data folder.
--store keeps the data elsewhere: clickhouse://user:password@host:8123/database (clickhouses://
for TLS), or chdb:FOLDER for ClickHouse inside this process (needs the chdb package:
npm install chdb). --clickhouse-cluster makes the schema for a ClickHouse cluster of that name.
weft keys, retention and prune take --store too; weft index is for SQLite only. weft migrate
copies everything from one store to another.
--query-timeout is in seconds: a query that spends longer producing one page of results fails
with 504 QueryTimeout (a narrower filter or an indexed field makes it fast).
--default-entity is the entity of project names given without one (weave.init("my-project")).
--ui-dir serves the web UI built into that folder instead of the one installed with weft.
API keys (weft keys): once one exists, every request needs one. Bound to an address other than
127.0.0.1, weft serve refuses to start without a key unless given --insecure-no-auth.
--rate-limit is requests per minute per API key (0: no limit); --cors-origin lets pages of that
origin call the API from a browser (none may by default).
--write-timeout is in seconds: a client that takes no bytes of a streamed answer for that long is
cut off, so that it cannot hold the server's memory.
--max-db-size (such as 500MB or 20GB; binary units) caps the database file: past it, writes get
507 InsufficientStorage, as on a full disk, and reads go on.
Environment: WEFT_HOST, WEFT_PORT, WEFT_DATA, WEFT_QUERY_TIMEOUT, WEFT_WRITE_TIMEOUT,
WEFT_DEFAULT_ENTITY, WEFT_UI_DIR, WEFT_MAX_DB_SIZE, WEFT_STORE_URL, WEFT_CLICKHOUSE_CLUSTER override
the defaults.

${KEYS_USAGE}

${RETENTION_USAGE}

${INDEX_USAGE}

${MIGRATE_USAGE}`;

async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      host: { type: 'string', default: process.env.WEFT_HOST ?? DEFAULT_HOST },
      port: { type: 'string', default: process.env.WEFT_PORT ?? String(DEFAULT_PORT) },
      data: { type: 'string', default: process.env.WEFT_DATA ?? DEFAULT_DATA_DIR },
      'log-level': { type: 'string', default: 'warn' },
      'query-timeout': { type: 'string', ...optionalDefault(process.env.WEFT_QUERY_TIMEOUT) },
      'default-entity': { type: 'string', ...optionalDefault(process.env.WEFT_DEFAULT_ENTITY) },
      'ui-dir': { type: 'string', ...optionalDefault(process.env.WEFT_UI_DIR) },
      'insecure-no-auth': { type: 'boolean', default: false },
      'rate-limit': { type: 'string', default: String(DEFAULT_RATE_LIMIT_PER_MINUTE) },
      'cors-origin': { type: 'string', multiple: true },
      'max-db-size': { type: 'string', ...optionalDefault(process.env.WEFT_MAX_DB_SIZE) },
      'write-timeout': { type: 'string', ...optionalDefault(process.env.WEFT_WRITE_TIMEOUT) },
      store: { type: 'string', ...optionalDefault(process.env.WEFT_STORE_URL) },
      'clickhouse-cluster': { type: 'string', ...optionalDefault(process.env.WEFT_CLICKHOUSE_CLUSTER) },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be an integer from 0 to 65535, got ${values.port}`);
  }
  const queryTimeoutMs = parseSeconds('--query-timeout', values['query-timeout']);
  const writeTimeoutMs = parseSeconds('--write-timeout', values['write-timeout']);
  const rateLimitPerMinute = Number(values['rate-limit']);
  if (!Number.isInteger(rateLimitPerMinute) || rateLimitPerMinute < 0) {
    throw new UsageError(
      `--rate-limit must be a whole number of requests per minute, got ${values['rate-limit']}`,
    );
  }
  const server = await startServer({
    host: values.host,
    port,
    dataDir: values.data,
    logLevel: values['log-level'],
    ...(queryTimeoutMs !== undefined ? { queryTimeoutMs } : {}),
    ...(writeTimeoutMs !== undefined ? { writeTimeoutMs } : {}),
    ...(values['default-entity'] !== undefined ? { defaultEntity: values['default-entity'] } : {}),
    ...(values['ui-dir'] !== undefined ? { uiDir: resolve(values['ui-dir']) } : {}),
    insecureNoAuth: values['insecure-no-auth'],
    rateLimitPerMinute,
    ...(values['max-db-size'] !== undefined
      ? { maxDatabaseBytes: parseMaxDbSize(values['max-db-size']) }
      : {}),
    ...(values['cors-origin'] ? { corsOrigins: values['cors-origin'] } : {}),
    ...(values.store !== undefined ? { storeUrl: values.store } : {}),
    ...(values['clickhouse-cluster'] !== undefined
      ? { clickhouseCluster: values['clickhouse-cluster'] }
      : {}),
  });
  if (values['insecure-no-auth']) {
    console.error('weft: --insecure-no-auth: every request is served without an API key');
  }
  const where = values.store === undefined ? `data: ${server.dataDir}` : `store: ${redact(values.store)}`;
  console.log(`weft ${WEFT_VERSION} listening on ${server.url} (${where})`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      console.error(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    server.close().then(
      () => {
        console.log('weft stopped');
        process.exit(0);
      },
      (error: unknown) => {
        console.error('weft: error while stopping:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** An empty environment variable counts as unset. */
function optionalDefault(value: string | undefined): { default?: string } {
  return value ? { default: value } : {};
}

/** Timeouts are given in seconds (fractions allowed); the server takes milliseconds. */
function parseSeconds(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`${flag} must be a positive number of seconds, got ${JSON.stringify(text)}`);
  }
  return seconds * 1000;
}

function parseMaxDbSize(text: string): number {
  const bytes = parseByteSize(text);
  if (bytes === undefined || bytes < 2 ** 20) {
    throw new UsageError(
      `--max-db-size must be a size of at least 1MB (such as 500MB or 20GB), got ${JSON.stringify(text)}`,
    );
  }
  return bytes;
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'index':
      console.log(await runIndexCommand(rest));
      return;
    case 'prune':
      console.log(await runPruneCommand(rest));
      return;
    case 'retention':
      console.log(await runRetentionCommand(rest));
      return;
    case 'keys': {
      const output = await runKeysCommand(rest);
      if (output.stderr) console.error(output.stderr);
      console.log(output.stdout);
      return;
    }
    case 'migrate': {
      const output = await runMigrateCommand(rest);
      console.log(output.stdout);
      if (output.failure) throw new Error(output.failure);
      return;
    }
    case '--version':
    case '-v':
      console.log(WEFT_VERSION);
      return;
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      console.log(USAGE);
      return;
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (
    error instanceof UsageError ||
    error instanceof IndexUsageError ||
    error instanceof KeysUsageError ||
    error instanceof MigrateUsageError ||
    error instanceof RetentionUsageError ||
    error instanceof UnsafeServeRefused ||
    error instanceof ProtocolError ||
    (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
  ) {
    console.error(`weft: ${(error as Error).message}`);
    process.exit(2);
  }
  console.error('weft:', error instanceof Error ? error.message : error);
  process.exit(1);
});
