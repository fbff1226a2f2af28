import { HttpError } from 'routing-controllers';
import type { Auth0Error, Auth0ErrorBody, Auth0ErrorCode } from '../core/errors';

/**
 * A core {@link Auth0Error} as routing-controllers' `HttpError`, so that its default error handler
 * answers with the right status and the deliberate body (never a stack or jose internals). Custom
 * error handlers find the core error in `cause` and the answer's headers in `headers`.
 *
 * @example
 * ```ts
 * if (err instanceof Auth0HttpError) console.warn(err.code, err.httpCode);
 * ```
 */
export class Auth0HttpError extends HttpError {
  /** Stable error code. */
  readonly code: Auth0ErrorCode;
  /** The core error. */
  override readonly cause: Auth0Error;
  /** Response headers to send (the `WWW-Authenticate` challenge, `Retry-After`, `DPoP-Nonce`). */
  declare readonly headers: Readonly<Record<string, string>>;

  constructor(error: Auth0Error, headers: Readonly<Record<string, string>> = {}) {
    super(error.status, error.message);
    // routing-controllers' HttpError resets the prototype in its constructor.
    Object.setPrototypeOf(this, Auth0HttpError.prototype);
    this.name = 'Auth0HttpError';
    this.code = error.code;
    this.cause = error;
    // Not enumerable: routing-controllers would copy it into the body otherwise.
    Object.defineProperty(this, 'headers', { value: headers, enumerable: false });
  }

  /** The deliberate JSON body of the core error: `{ error, message, scope? }`. */
  toJSON(): Auth0ErrorBody {
    return this.cause.toJSON();
  }
}
