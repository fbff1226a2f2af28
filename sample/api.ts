import { Authorized, CurrentUser, Get, JsonController } from 'routing-controllers';
import { Auth0User } from 'routing-controllers-auth0';

/** fastapi-auth0's example API as a routing-controllers controller. */
@JsonController()
export class SampleApi {
  @Get('/public')
  getPublic(): { message: string } {
    return { message: 'Anonymous user' };
  }

  /** Any valid token. */
  @Get('/secure')
  @Authorized()
  getSecure(@CurrentUser() user: Auth0User): Auth0User {
    return user;
  }

  /** A token with the `read:blabla` scope. */
  @Get('/secure/blabla')
  @Authorized('read:blabla')
  getBlabla(@CurrentUser() user: Auth0User): Auth0User {
    return user;
  }

  /** The user when a token is sent, a guest otherwise. */
  @Get('/guest')
  getGuest(@CurrentUser({ required: false }) user?: Auth0User): Auth0User | { message: string } {
    return user ?? { message: 'guest' };
  }
}
