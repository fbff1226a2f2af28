import { Authorized, CurrentUser, Get, JsonController, Post } from 'routing-controllers';
import { OpenAPI } from 'routing-controllers-openapi';
import { Auth0User } from '../../src';

/** Every way a route can ask for a token, for the OpenAPI tests. */
@JsonController('/docs-api')
export class DocsApi {
  @Get('/public')
  open() {
    return { message: 'Anonymous user' };
  }

  @Get('/any-token')
  @Authorized()
  anyToken() {
    return { ok: true };
  }

  @Get('/items/:id')
  @Authorized(['read:items', 'write:items'])
  item(@CurrentUser() user: Auth0User) {
    return user;
  }

  @Get('/me')
  me(@CurrentUser({ required: true }) user: Auth0User) {
    return user;
  }

  @Get('/maybe')
  maybe(@CurrentUser() user?: Auth0User) {
    return user ?? { message: 'guest' };
  }

  @Post('/custom')
  @Authorized('write:items')
  @OpenAPI({ security: [{ BearerToken: [] }], responses: { '401': { description: 'Custom 401' } } })
  custom() {
    return { ok: true };
  }
}

/** Class-level @Authorized, combined with method-level scopes. */
@JsonController('/docs-admin')
@Authorized('admin:all')
export class DocsAdminApi {
  @Get('/stats')
  stats() {
    return { ok: true };
  }

  @Get('/audit')
  @Authorized('read:audit')
  audit() {
    return { ok: true };
  }
}

/** A base class whose action a controller inherits. */
export abstract class DocsBase {
  @Get('/inherited')
  inherited() {
    return { ok: true };
  }
}

@JsonController('/docs-child')
@Authorized('read:child')
export class DocsChildApi extends DocsBase {}
