/**
 * What oidc-provider prints (`oidc-provider WARNING: …` on stderr, `oidc-provider NOTICE: …` on
 * stdout). The local tenant configures everything it would warn about, through its options; the one
 * warning no option turns off is printed when the module loads on a Node release oidc-provider does
 * not list as supported (before the 22 "Jod" LTS line).
 */

/** The warning oidc-provider prints when it loads on a Node release older than it supports. */
export const UNSUPPORTED_RUNTIME_WARNING = 'oidc-provider WARNING: Unsupported runtime.';

/** Whether oidc-provider prints {@link UNSUPPORTED_RUNTIME_WARNING} on this Node (its own test). */
export const UNSUPPORTED_RUNTIME = (() => {
  const lts = process.release.lts;
  return lts === undefined || lts.charCodeAt(0) < 'Jod'.charCodeAt(0);
})();

/** oidc-provider's lines in `output`, but for the runtime warning on a runtime it warns about. */
export function oidcProviderLines(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => /oidc-provider (?:WARNING|NOTICE)/.test(line))
    .filter((line) => !(UNSUPPORTED_RUNTIME && line.includes(UNSUPPORTED_RUNTIME_WARNING)));
}
