export { TestTenant, type TenantMode, type TokenOptions } from './test-tenant';
