import { expect } from 'chai';
import { certificateFromHeader } from '../../src/core/binding/certificate';
import { checkCertificateBinding } from '../../src/core/binding/certificate';

describe('certificate-bound tokens (RFC 8705 §3)', () => {
  it('refuses what is not a certificate in a proxy header', () => {
    expect(certificateFromHeader('%E0%A4%A')).to.equal(undefined);
    expect(certificateFromHeader('not base64 !')).to.equal(undefined);
    expect(certificateFromHeader(Buffer.from('hello world, not DER').toString('base64'))).to.equal(undefined);
  });

  it('a bound token needs its certificate; required refuses unbound tokens', () => {
    const bound = { cnf: { 'x5t#S256': 'abc' } };
    const code = (f: () => void) => {
      try {
        f();
        return 'accepted';
      } catch (error) {
        return (error as { code: string }).code;
      }
    };
    expect(code(() => checkCertificateBinding(bound, undefined, { required: false }))).to.equal('invalid_token');
    expect(code(() => checkCertificateBinding(bound, new Uint8Array([1, 2]), { required: false }))).to.equal('invalid_token');
    expect(code(() => checkCertificateBinding({}, undefined, { required: false }))).to.equal('accepted');
    expect(code(() => checkCertificateBinding({}, undefined, { required: true }))).to.equal('invalid_token');
  });
});
