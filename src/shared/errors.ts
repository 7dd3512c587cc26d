/**
 * Typed errors with stable codes. Every code is listed here once, with its HTTP status and a
 * one-line meaning; docs/errors.md's table is generated from this catalogue (tests check it).
 */
export const ERROR_CODES = {
  IXMETER_ERR_CONFIG_INVALID: {
    status: 500,
    text: 'a configuration value is invalid (the message names the key and value)',
  },
  IXMETER_ERR_STORAGE_LOCKED: {
    status: 503,
    text: 'the embedded ClickHouse data directory is held by another process',
  },
  IXMETER_ERR_STORAGE_UNAVAILABLE: { status: 503, text: 'ClickHouse cannot be reached or refused the credentials' },
  IXMETER_ERR_STORAGE_VERSION: {
    status: 500,
    text: 'the ClickHouse server is older than the minimum supported version',
  },
  IXMETER_ERR_STORAGE_QUERY: { status: 500, text: 'a ClickHouse query failed' },
  IXMETER_ERR_MIGRATION_CHECKSUM: { status: 500, text: 'an already applied migration file was edited' },
  IXMETER_ERR_MIGRATION_INVALID: { status: 500, text: 'a migration file name or content is invalid' },
  IXMETER_ERR_MEMBERS_INVALID: {
    status: 400,
    text: 'a member file (IX-F export) is invalid; the message lists every problem and nothing was changed',
  },
  IXMETER_ERR_FEES_INVALID: {
    status: 400,
    text: 'a fee file is invalid; the message lists every problem by row and nothing was imported',
  },
  IXMETER_ERR_REDIS_UNAVAILABLE: { status: 503, text: 'Redis cannot be reached' },
  IXMETER_ERR_AUTH_MISSING: { status: 401, text: 'no bearer token was sent' },
  IXMETER_ERR_AUTH_INVALID: { status: 401, text: 'the bearer token is unknown or revoked' },
  IXMETER_ERR_FORBIDDEN: { status: 403, text: "the token's role or ASN does not allow this request" },
  IXMETER_ERR_VALIDATION: { status: 400, text: 'the request does not match its schema (the message says where)' },
  IXMETER_ERR_NOT_FOUND: { status: 404, text: 'no such resource' },
  IXMETER_ERR_CONFLICT: {
    status: 409,
    text: 'the object is not in a state that allows this action (e.g. an approved statement)',
  },
  IXMETER_ERR_FOUR_EYES: {
    status: 409,
    text: 'four-eyes rule: the approver must be a different principal than the proposer',
  },
  IXMETER_ERR_DISPUTE_WINDOW_CLOSED: {
    status: 409,
    text: "the statement's dispute window (policy dispute_window, working days after issue) has closed",
  },
  IXMETER_ERR_RATE_LIMITED: { status: 429, text: 'too many requests' },
  IXMETER_ERR_NOT_AVAILABLE: { status: 501, text: 'the feature is not available yet in this version' },
  IXMETER_ERR_SERVICE_UNAVAILABLE: { status: 503, text: 'the service is starting or shutting down' },
  IXMETER_ERR_BACKUP_INVALID: {
    status: 400,
    text: 'a backup directory fails its manifest (missing, edited or damaged files; the message lists them)',
  },
  IXMETER_ERR_BACKUP_TARGET_EXISTS: { status: 409, text: 'the backup target exists and is not an empty directory' },
  IXMETER_ERR_BACKUP_FAILED: {
    status: 500,
    text: 'a backup could not be completed (no manifest was written, so it is not a backup)',
  },
  IXMETER_ERR_RESTORE_TARGET_NOT_EMPTY: { status: 409, text: 'restore needs a stopped, empty data directory' },
  IXMETER_ERR_INTERNAL: { status: 500, text: 'an unexpected error; details are in the server log' },
} as const satisfies Record<string, { status: number; text: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, opts: { cause?: unknown; details?: unknown; status?: number } = {}) {
    super(message, opts.cause !== undefined ? { cause: opts.cause } : undefined);
    this.name = 'AppError';
    this.code = code;
    this.statusCode = opts.status ?? ERROR_CODES[code].status;
    this.details = opts.details;
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** Message of any thrown value, for logs and wrapped errors. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
