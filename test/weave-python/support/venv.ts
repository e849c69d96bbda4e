/**
 * The Python virtual environment that holds the official `weave` SDK for test/weave-python.
 *
 * `ensureVenv()` creates `test/weave-python/.venv` with `python3 -m venv` and installs
 * requirements.txt into it with pip, or reuses it when it is already there for the same
 * requirements and the same Python: a marker file in the venv holds a hash of both and is written
 * last, so an install that was cut short is redone. A fresh clone therefore needs nothing but
 * `npm ci && npm test` (and python3 with venv, and the PyPI registry, on the machine).
 *
 * A missing python3 or venv module is an error, never a skip: this suite is what shows that the
 * official Python client still works against weft.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const SUITE_DIR = resolve(import.meta.dirname, '..');
export const VENV_DIR = join(SUITE_DIR, '.venv');
export const REQUIREMENTS_PATH = join(SUITE_DIR, 'requirements.txt');
export const VENV_PYTHON = join(VENV_DIR, 'bin', 'python');
const MARKER_PATH = join(VENV_DIR, '.weft-requirements.sha256');
const LOCK_DIR = `${VENV_DIR}.lock`;
/** A lock older than this is taken to be left over from a run that was killed. */
const STALE_LOCK_MS = 20 * 60_000;

/** The interpreter the venv is made from: WEFT_TEST_PYTHON, else python3 on the PATH. */
export const BASE_PYTHON = process.env.WEFT_TEST_PYTHON ?? 'python3';

interface Ran {
  code: number | null;
  output: string;
}

function run(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<Ran> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, {
      cwd: SUITE_DIR,
      env: env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolveRun({ code, output }));
  });
}

const tail = (text: string, lines = 40) => text.trimEnd().split('\n').slice(-lines).join('\n');

/** The base interpreter's version and location, or a loud error when there is none. */
async function describeBasePython(): Promise<string> {
  let ran: Ran;
  try {
    ran = await run(BASE_PYTHON, ['-c', 'import sys, venv; print(sys.version); print(sys.executable)']);
  } catch (error) {
    throw new Error(
      `test/weave-python needs ${BASE_PYTHON} (Python >= 3.10 with the venv module) to run the official ` +
        `weave SDK, and it could not be started: ${String(error)}. Install python3 and python3-venv ` +
        '(or set WEFT_TEST_PYTHON to an interpreter).',
    );
  }
  if (ran.code !== 0) {
    throw new Error(
      `${BASE_PYTHON} cannot run this suite (is the venv module installed?):\n${tail(ran.output)}`,
    );
  }
  return ran.output.trim();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

/** A directory lock, so two test runs on one checkout do not build the venv at the same time. */
async function withLock<T>(work: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let age = 0;
      try {
        age = Date.now() - statSync(LOCK_DIR).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      if (age > STALE_LOCK_MS) rmSync(LOCK_DIR, { recursive: true, force: true });
      else await sleep(1000);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

export interface VenvInfo {
  python: string;
  /** Whether this call created the venv (false: an up-to-date one was reused). */
  created: boolean;
}

/** Makes sure .venv holds exactly what requirements.txt asks for; returns its interpreter. */
export async function ensureVenv(): Promise<VenvInfo> {
  const base = await describeBasePython();
  const wanted = createHash('sha256')
    .update(readFileSync(REQUIREMENTS_PATH))
    .update('\0')
    .update(base)
    .digest('hex');
  const current = () =>
    existsSync(VENV_PYTHON) && existsSync(MARKER_PATH) && readFileSync(MARKER_PATH, 'utf8').trim() === wanted;
  if (current()) return { python: VENV_PYTHON, created: false };
  return withLock(async () => {
    if (current()) return { python: VENV_PYTHON, created: false };
    rmSync(VENV_DIR, { recursive: true, force: true });
    const made = await run(BASE_PYTHON, ['-m', 'venv', VENV_DIR]);
    if (made.code !== 0) {
      throw new Error(
        `\`${BASE_PYTHON} -m venv ${VENV_DIR}\` failed (on Debian, apt-get install python3-venv):\n${tail(made.output)}`,
      );
    }
    const installed = await run(VENV_PYTHON, [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--no-input',
      '--quiet',
      '-r',
      REQUIREMENTS_PATH,
    ]);
    if (installed.code !== 0) {
      throw new Error(`pip install -r ${REQUIREMENTS_PATH} failed:\n${tail(installed.output)}`);
    }
    writeFileSync(MARKER_PATH, `${wanted}\n`);
    return { python: VENV_PYTHON, created: true };
  });
}
