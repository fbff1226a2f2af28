/**
 * Options of the library and their checked, resolved form. Every mistake is found at construction,
 * with a message that names the option and says what to set; nothing here touches the network.
 */
export { optionsWithEnv } from './env';
export type { Auth0Options, AuthorizeWith, DpopOptions, MtlsOptions, UserClass } from './options';
export { resolveConfig, type ResolvedConfig } from './resolve';
