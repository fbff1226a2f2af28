import { expect } from 'chai';
import { extractBearerToken, InvalidRequestError, InvalidTokenError } from '../../src';

describe('bearer token extraction (RFC 6750 §2.1)', () => {
  it('returns the token of "Bearer <token>", scheme case-insensitive', () => {
    expect(extractBearerToken({ authorization: 'Bearer a.b.c' })).to.equal('a.b.c');
    expect(extractBearerToken({ authorization: 'bearer a.b.c' })).to.equal('a.b.c');
    expect(extractBearerToken({ authorization: 'BEARER   a-b_c.d~e+f/g==' })).to.equal('a-b_c.d~e+f/g==');
  });

  it('no header or another scheme: no credentials', () => {
    expect(extractBearerToken({ authorization: undefined })).to.equal(undefined);
    expect(extractBearerToken({ authorization: '' })).to.equal(undefined);
    expect(extractBearerToken({ authorization: 'Basic dXNlcjpwYXNz' })).to.equal(undefined);
    expect(extractBearerToken({ authorization: 'BearerX a.b.c' })).to.equal(undefined);
  });

  it('malformed or ambiguous requests are invalid_request', () => {
    for (const authorization of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer a,b', 'Bearer ünicode', 'Bearer =abc']) {
      expect(() => extractBearerToken({ authorization }), authorization).to.throw(InvalidRequestError);
    }
    expect(() => extractBearerToken({ authorization: 'Bearer a', authorizationCount: 2 })).to.throw(InvalidRequestError, /exactly one/);
    expect(() => extractBearerToken({ authorization: ['Bearer a', 'Bearer b'] })).to.throw(InvalidRequestError, /exactly one/);
    expect(() => extractBearerToken({ authorization: undefined, queryToken: true })).to.throw(InvalidRequestError, /not in the URL/);
    expect(() => extractBearerToken({ authorization: 'Bearer a', queryToken: true })).to.throw(InvalidRequestError, /one place only/);
  });

  it('refuses tokens over the size bound', () => {
    expect(() => extractBearerToken({ authorization: `Bearer ${'a'.repeat(101)}` }, 100)).to.throw(InvalidTokenError, /Token too large/);
    expect(extractBearerToken({ authorization: `Bearer ${'a'.repeat(100)}` }, 100)).to.have.length(100);
  });
});
