/**
 * Tells a missing optional peer dependency from any other failure to load it.
 *
 * @example
 * ```ts
 * try {
 *   require('oidc-provider');
 * } catch (error) {
 *   if (isMissingModule(error, 'oidc-provider')) throw new Error('install oidc-provider');
 *   throw error;
 * }
 * ```
 */
export function isMissingModule(error: unknown, name: string): boolean {
  const e = error as NodeJS.ErrnoException | undefined;
  return (e?.code === 'MODULE_NOT_FOUND' || e?.code === 'ERR_MODULE_NOT_FOUND') && String(e.message).includes(name);
}
