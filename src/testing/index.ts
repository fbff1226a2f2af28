export { TestTenant, type TenantMode, type TokenOptions } from './test-tenant';
export {
  LocalTenant,
  LocalTenantError,
  type LocalTenantHttpsOptions,
  type LocalTenantOptions,
  type TokenRequestOptions,
  type TokenResponse,
} from './local-tenant';
export type { AccessTokenProfile } from './local-tenant/provider';
export type { LocalTenantCertificateAuthority } from './local-tenant/certificates';
export {
  LOCAL_TENANT_DEFAULTS,
  SAMPLE_CALLBACK_URLS,
  SAMPLE_LOGOUT_URLS,
  SAMPLE_WEB_CALLBACK_URLS,
  type LocalTenantClient,
  type LocalTenantMember,
  type LocalTenantOrganization,
  type LocalTenantUser,
  type SeededOrganization,
  type SeededUser,
} from './local-tenant/seed';
export { DpopKey, type DpopProofOptions } from './dpop-key';
export { certificateThumbprint } from '../core/binding/certificate';
