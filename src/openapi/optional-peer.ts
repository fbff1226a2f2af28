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

/**
 * Throws one {@link Auth0ConfigError} naming every package of `names` that is not installed, and
 * the command that installs them all; `what` is the helper that needs them.
 *
 * @internal
 */
export function requirePeers(what: string, names: readonly string[]): void {
  const missing = names.filter((name) => {
    try {
      require.resolve(`${name}/package.json`);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    const noun = missing.length === 1 ? 'dependency' : 'dependencies';
    throw new Auth0ConfigError(`${what} needs the optional peer ${noun} ${missing.join(', ')}: npm install ${missing.join(' ')}`);
  }
}
