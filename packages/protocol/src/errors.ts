/**
 * Protocol errors: what went wrong, in terms a client can act on. The HTTP layer maps each kind to
 * one status code (docs/protocol.md §1.4); nothing else in the stack picks status codes.
 */
export type ProtocolErrorType =
  | 'InvalidRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'Conflict'
  | 'RequestTooLarge'
  | 'InvalidFieldError'
  | 'QueryTimeout'
  | 'InsufficientStorage'
  | 'TooManyRequests'
  | 'ServiceUnavailable'
  | 'NotImplemented';

export class ProtocolError extends Error {
  readonly errorType: ProtocolErrorType;
  /** Extra fields for the error body, e.g. `deleted_at` for a deleted object (docs/protocol.md §8.5). */
  details: Record<string, unknown> | undefined;

  constructor(errorType: ProtocolErrorType, message: string) {
    super(message);
    this.name = errorType;
    this.errorType = errorType;
  }
}

export class InvalidRequest extends ProtocolError {
  constructor(message: string) {
    super('InvalidRequest', message);
  }
}

/** The request carries no API key, or one the server does not know (docs/protocol.md §19). */
export class Unauthorized extends ProtocolError {
  constructor(message: string) {
    super('Unauthorized', message);
  }
}

/**
 * The key is valid but may not do this: another project, or a write with a read-only key. Said
 * the same way whether the project exists or not.
 */
export class Forbidden extends ProtocolError {
  constructor(message: string) {
    super('Forbidden', message);
  }
}

export class NotFound extends ProtocolError {
  constructor(message: string) {
    super('NotFound', message);
  }
}

export class Conflict extends ProtocolError {
  constructor(message: string) {
    super('Conflict', message);
  }
}

export class RequestTooLarge extends ProtocolError {
  constructor(message: string) {
    super('RequestTooLarge', message);
  }
}

/** A field named in a filter, sort or projection that the calls table does not have. */
export class InvalidFieldError extends ProtocolError {
  constructor(message: string) {
    super('InvalidFieldError', message);
  }
}

/** A query ran longer than the server allows; a narrower filter or an index may help. */
export class QueryTimeout extends ProtocolError {
  constructor(message: string) {
    super('QueryTimeout', message);
  }
}

/**
 * The database cannot grow (the disk is full, or `--max-db-size` is reached): writes are refused
 * until space is freed; reads go on.
 */
export class InsufficientStorage extends ProtocolError {
  constructor(message: string) {
    super('InsufficientStorage', message);
  }
}

/** The key sent more requests than its rate allows; `retry_after` says when to try again. */
export class TooManyRequests extends ProtocolError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('TooManyRequests', message);
  }
}

/** The server cannot take the request now (too busy); trying again later may work. */
export class ServiceUnavailable extends ProtocolError {
  constructor(message: string) {
    super('ServiceUnavailable', message);
  }
}

/** A feature of the protocol that this server does not offer yet; the message says which. */
export class NotImplemented extends ProtocolError {
  constructor(message: string) {
    super('NotImplemented', message);
  }
}

/** The body every error response carries. */
export interface ErrorBody {
  reason: string;
  error_type: ProtocolErrorType | string;
}
