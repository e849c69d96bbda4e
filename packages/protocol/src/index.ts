export * from './calls.js';
export * from './calls-query.js';
export * from './datetime.js';
export * from './digest.js';
export * from './errors.js';
export * from './refs.js';
export * from './schema-helpers.js';
export * from './service.js';
