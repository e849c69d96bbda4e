export * from './ast.js';
export * from './call-fields.js';
export * from './field-path.js';
export * from './parse.js';
export * from './typing.js';
export * from './values.js';
