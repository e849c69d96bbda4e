import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** This package's version, from its package.json (one level above src/ and dist/). */
export const WEFT_SDK_VERSION: string = (require('../package.json') as { version: string }).version;
