import { expect } from 'chai';
import { readCredentials, type CredentialsOptions } from '../../src/core/credentials';
import type { AuthRequest } from '../../src/core/request';

const options: CredentialsOptions = { maxTokenLength: 8192, acceptDpop: true, acceptBearer: true };
const read = (request: AuthRequest, o: CredentialsOptions = options) => readCredentials(request, o);
const failure = (request: AuthRequest, o: CredentialsOptions = options) => {
  try {
    read(request, o);
  } catch (error) {
    const { status, code, message } = error as { status: number; code: string; message: string };
    return { status, code, message };
  }
  throw new Error('expected a refusal');
};

describe('credentials (RFC 6750 §2.1, RFC 9449 §7.1)', () => {
  it('returns the token of "Bearer <token>", scheme case-insensitive', () => {
    expect(read({ authorization: 'Bearer a.b.c' })).to.deep.equal({ scheme: 'Bearer', token: 'a.b.c' });
    expect(read({ authorization: 'bearer a.b.c' })?.token).to.equal('a.b.c');
    expect(read({ authorization: 'BEARER   a-b_c.d~e+f/g==' })?.token).to.equal('a-b_c.d~e+f/g==');
  });

  it('no header or another scheme: no credentials; DPoP counts as none when it is disabled', () => {
    for (const authorization of [undefined, '', 'Basic dXNlcjpwYXNz', 'BearerX a.b.c']) {
      expect(read({ authorization }), String(authorization)).to.equal(undefined);
    }
    expect(read({ authorization: 'DPoP a.b.c', dpop: 'p.r.f' }, { ...options, acceptDpop: false, acceptBearer: true })).to.equal(undefined);
  });

  it('malformed or ambiguous requests are 400 invalid_request', () => {
    for (const authorization of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer a,b', 'Bearer ünicode', 'Bearer =abc']) {
      expect(failure({ authorization }), authorization).to.include({ status: 400, code: 'invalid_request' });
    }
    expect(failure({ authorization: 'Bearer a', authorizationCount: 2 })).to.include({ status: 400, code: 'invalid_request' });
    expect(failure({ authorization: ['Bearer a', 'Bearer b'] })).to.include({ status: 400, code: 'invalid_request' });
    expect(failure({ authorization: undefined, queryToken: true })).to.include({ status: 400, code: 'invalid_request' });
    expect(failure({ authorization: 'Bearer a', queryToken: true })).to.include({ status: 400, code: 'invalid_request' });
  });

  it('refuses tokens over the size bound with 401 invalid_token', () => {
    const small = { maxTokenLength: 100, acceptDpop: false, acceptBearer: true };
    expect(failure({ authorization: `Bearer ${'a'.repeat(101)}` }, small)).to.include({ status: 401, code: 'invalid_token' });
    expect(read({ authorization: `Bearer ${'a'.repeat(100)}` }, small)?.token).to.have.length(100);
  });

  it('a DPoP request carries its single proof', () => {
    expect(read({ authorization: 'DPoP a.b.c', dpop: ' p.r.f ' })).to.deep.equal({ scheme: 'DPoP', token: 'a.b.c', proof: 'p.r.f' });
  });

  it('no proof, two proofs (two fields or comma-joined) or an oversized one: 401 invalid_dpop_proof (RFC 9449 §4.3 check 1)', () => {
    for (const dpop of [undefined, '', ['p.r.f', 'q.r.f'], 'p.r.f, q.r.f', 'p'.repeat(8193)]) {
      expect(failure({ authorization: 'DPoP a.b.c', dpop }), String(dpop).slice(0, 20)).to.include({
        status: 401,
        code: 'invalid_dpop_proof',
      });
    }
  });
});
