import { Authorized, CurrentUser, Get, JsonController } from 'routing-controllers';
import { IsIn, IsString } from 'class-validator';
import { Auth0User, Claim } from '../../src';

/** The shape of the example, plus a controller-level guard. */
@JsonController()
export class Api {
  @Get('/public')
  pub() {
    return { message: 'Anonymous user' };
  }

  @Get('/secure')
  @Authorized()
  secure(@CurrentUser() user: Auth0User) {
    return user;
  }

  @Get('/secure/blabla')
  @Authorized('read:blabla')
  scoped(@CurrentUser() user: Auth0User) {
    return user;
  }

  @Get('/secure/both')
  @Authorized(['read:blabla', 'write:blabla'])
  both(@CurrentUser() user: Auth0User) {
    return user;
  }

  @Get('/guest')
  guest(@CurrentUser({ required: false }) user?: Auth0User) {
    return user ?? { message: 'guest' };
  }

  @Get('/me')
  me(@CurrentUser({ required: true }) user: Auth0User) {
    return user;
  }

  /** A handler that changes the user it was given. */
  @Get('/mutate')
  @Authorized()
  mutate(@CurrentUser() user: Auth0User) {
    user.permissions.push('granted:by-handler');
    user.id = 'changed';
    return { ok: true };
  }

  @Get('/authorized-only')
  @Authorized()
  authorizedOnly() {
    return { ok: true };
  }
}

@JsonController('/admin')
@Authorized('admin:all')
export class AdminApi {
  @Get('/stats')
  stats(@CurrentUser() user: Auth0User) {
    return { id: user.id };
  }
}

/** A custom user class: more claims, validated. */
export class OrgUser extends Auth0User {
  @Claim('org_id')
  @IsString()
  orgId!: string;

  @Claim('gty', (gty) => gty ?? 'authorization_code')
  @IsIn(['authorization_code', 'client-credentials', 'password'])
  grantType!: string;
}

@JsonController('/org')
export class OrgApi {
  @Get('/me')
  @Authorized()
  me(@CurrentUser() user: OrgUser) {
    return { instance: user instanceof OrgUser, ...user };
  }
}
