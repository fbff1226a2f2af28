/**
 * The end of the Express error chain for this library's refusals. routing-controllers' Express
 * driver answers an error and then passes it on with `next(error)`; Express's final handler, given
 * an error after the answer was sent, prints its stack to stderr and destroys the socket. Every
 * 401 would then fill the logs (anyone can send one) and drop the requests pipelined behind it.
 */
import { Auth0HttpError } from './http-error';

/**
 * This library's refusal, or routing-controllers' own 401 for a required `@CurrentUser()` without
 * a token (its class is not exported by routing-controllers' entry: known by its name and status).
 */
function isRefusal(error: unknown): boolean {
  if (error instanceof Auth0HttpError) return true;
  return error instanceof Error && error.name === 'AuthorizationRequiredError' && (error as { httpCode?: unknown }).httpCode === 401;
}

/**
 * An Express error middleware that ends the chain for a refusal of this library that is already
 * answered (an {@link Auth0HttpError}, or routing-controllers' `AuthorizationRequiredError` of a
 * required `@CurrentUser()` without a token, once `res.headersSent`): nothing is printed, the connection
 * stays open. Any other error, and a refusal not answered yet (routing-controllers'
 * `defaultErrorHandler: false`, where the app answers it), goes on with `next(error)`. Register it
 * after routing-controllers' routes, before any error middleware of your own.
 *
 * @example
 * ```ts
 * const app = express();
 * useExpressServer(app, { controllers: [Api], authorizationChecker: auth.authorizationChecker,
 *   currentUserChecker: auth.currentUserChecker });
 * app.use(expressRefusalHandler());
 * ```
 */
export function expressRefusalHandler(): (
  error: unknown,
  request: unknown,
  response: { readonly headersSent: boolean },
  next: (error?: unknown) => void,
) => void {
  // Typed without Express, so that the main entry never loads it. Four parameters: Express takes a
  // middleware for an error handler by its arity.
  return function refusalHandler(error, _request, response, next) {
    if (isRefusal(error) && response.headersSent) return;
    next(error);
  };
}
