/**
 * Optional peer dependencies, loaded when first used. The main entry re-exports the OpenAPI
 * helpers, so requiring the package must work without routing-controllers-openapi and
 * class-validator-jsonschema; only `auth0Spec` needs them.
 */
import { Auth0ConfigError } from '../core/errors';

function isMissing(error: unknown, name: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  // Only the package itself: a missing module inside an installed package is a different fault.
  return code === 'MODULE_NOT_FOUND' && typeof message === 'string' && message.includes(`'${name}'`);
}

/**
 * `require(name)`, or an {@link Auth0ConfigError} that names the package to install.
 *
 * @internal
 */
export function optionalPeer<T>(name: string): T {
  try {
    return require(name) as T;
  } catch (error) {
    if (isMissing(error, name)) {
      const failure = new Auth0ConfigError(`auth0Spec needs the optional peer dependency ${name}: npm install ${name}`);
      failure.cause = error;
      throw failure;
    }
    throw error;
  }
}
