#!/usr/bin/env node
/** The `weft` command. The only module allowed to end the process. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ProtocolError } from '@weft/protocol';
import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, startServer } from '../server.js';
import { DEFAULT_ENTITY } from '../service/projects-service.js';
import { WEFT_VERSION } from '../version.js';
import { INDEX_USAGE, IndexUsageError, runIndexCommand } from './index-command.js';

const USAGE = `Usage: weft serve [--host ${DEFAULT_HOST}] [--port ${DEFAULT_PORT}] [--data ${DEFAULT_DATA_DIR}] [--log-level warn] [--query-timeout 30] [--default-entity ${DEFAULT_ENTITY}] [--ui-dir DIR]

Starts the weft trace server over an embedded SQLite database in the data folder.
--query-timeout is in seconds: a query that spends longer producing one batch of results fails
with 504 QueryTimeout (a narrower filter or an indexed field makes it fast).
--default-entity is the entity of project names given without one (weave.init("my-project")).
--ui-dir serves the web UI built into that folder instead of the one installed with weft.
Environment: WEFT_HOST, WEFT_PORT, WEFT_DATA, WEFT_QUERY_TIMEOUT, WEFT_DEFAULT_ENTITY, WEFT_UI_DIR
override the defaults.

${INDEX_USAGE}`;

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
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be an integer from 0 to 65535, got ${values.port}`);
  }
  const queryTimeoutMs = parseQueryTimeout(values['query-timeout']);
  const server = await startServer({
    host: values.host,
    port,
    dataDir: values.data,
    logLevel: values['log-level'],
    ...(queryTimeoutMs !== undefined ? { queryTimeoutMs } : {}),
    ...(values['default-entity'] !== undefined ? { defaultEntity: values['default-entity'] } : {}),
    ...(values['ui-dir'] !== undefined ? { uiDir: resolve(values['ui-dir']) } : {}),
  });
  console.log(`weft ${WEFT_VERSION} listening on ${server.url} (data: ${server.dataDir})`);

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

/** `--query-timeout` is in seconds (fractions allowed); the store takes milliseconds. */
function parseQueryTimeout(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`--query-timeout must be a positive number of seconds, got ${JSON.stringify(text)}`);
  }
  return seconds * 1000;
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
    error instanceof ProtocolError ||
    (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
  ) {
    console.error(`weft: ${(error as Error).message}`);
    process.exit(2);
  }
  console.error('weft:', error instanceof Error ? error.message : error);
  process.exit(1);
});
