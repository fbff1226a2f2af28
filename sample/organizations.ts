import { Authorized, CurrentUser, Get, JsonController, Param } from 'routing-controllers';
import { Auth0User, inOrganization } from 'routing-controllers-auth0';
import type { LocalTenant } from 'routing-controllers-auth0/testing';

/** The B2B side of the sample: routes of the Auth0 Organization the path names. */
@JsonController('/orgs')
export class OrganizationApi {
  /** `read:blabla` in the organization `:orgId` names (its id, `org_…`): 403 for a token of another organization, or of none. */
  @Get('/:orgId/blabla')
  @Authorized(['read:blabla', inOrganization({ param: 'orgId' })])
  getBlabla(@Param('orgId') _orgId: string, @CurrentUser() user: Auth0User): Auth0User {
    return user;
  }
}

/** The banner's lines about the local tenant's organizations: who is in each, and how to sign in to one. */
export function organizationLines(tenant: LocalTenant, url: string, docsUrl: string): string[] {
  if (tenant.organizations.length === 0) return [];
  const width = Math.max(...tenant.organizations.map((o) => o.name.length));
  const rows = tenant.organizations.map((organization) => {
    const members = organization.members.map((m) => (m.roles.length === 0 ? m.email : `${m.email} (${m.roles.join(', ')})`));
    const machines = organization.clients.map((clientId) => `${clientId} (M2M)`);
    return `${organization.name.padEnd(width)}  ${organization.id}  ${[...members, ...machines].join(', ') || 'no members'}`;
  });
  const [first] = tenant.organizations;
  return [
    `  Organizations: ${rows.join('\n                 ')}`,
    `  Sign in to one on ${docsUrl}/?organization=${first.name}, then GET ${url}/orgs/${first.id}/blabla`,
  ];
}
