import { expect } from 'chai';
import { normaliseHttpUrl, requestUrl } from '../../src/core/request';

const code = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    return [(error as { status: number }).status, (error as { code: string }).code];
  }
  return 'no error';
};

describe('the request URL a DPoP proof names (RFC 9449 §4.3, RFC 3986 §6.2.2–6.2.3)', () => {
  it('normalises case, default port, percent-encoding and dot segments; drops query and fragment', () => {
    const same = [
      'https://api.example.com/secure',
      'HTTPS://API.Example.COM/secure',
      'https://api.example.com:443/secure',
      'https://api.example.com/%73ecure',
      'https://api.example.com/a/../secure',
      'https://api.example.com/./a/%2E%2E/secure',
      'https://api.example.com/secure?x=1#f',
    ];
    for (const url of same) expect(normaliseHttpUrl(url), url).to.equal('https://api.example.com/secure');
    expect(normaliseHttpUrl('http://h/a%2fb')).to.equal('http://h/a%2Fb');
    expect(normaliseHttpUrl('http://h:8080/x')).to.equal('http://h:8080/x');
  });

  it('does not equate different resources', () => {
    expect(normaliseHttpUrl('https://api.example.com/Secure')).not.to.equal(normaliseHttpUrl('https://api.example.com/secure'));
    expect(normaliseHttpUrl('https://api.example.com/a%2Fsecure')).not.to.equal(normaliseHttpUrl('https://api.example.com/a/secure'));
    expect(normaliseHttpUrl('http://api.example.com/secure')).not.to.equal(normaliseHttpUrl('https://api.example.com/secure'));
    expect(normaliseHttpUrl('https://api.example.com:8443/secure')).not.to.equal(normaliseHttpUrl('https://api.example.com/secure'));
  });

  it('is undefined for what is not an absolute http(s) URL without credentials', () => {
    for (const url of ['not a url', '/secure', 'ftp://h/x', 'https://u:p@h/x', 'javascript:alert(1)']) {
      expect(normaliseHttpUrl(url), url).to.equal(undefined);
    }
  });

  it('takes the path from the request target and the authority from a valid Host', () => {
    expect(requestUrl({ protocol: 'http', host: 'LOCALHOST:3000', target: '/d/secure?page=2' }, undefined)).to.equal(
      'http://localhost:3000/d/secure',
    );
    expect(requestUrl({ protocol: 'https', host: '[::1]:8443', target: '/x' }, undefined)).to.equal('https://[::1]:8443/x');
    expect(requestUrl({ protocol: 'http', host: 'h', target: 'http://other.example.com/p?q' }, undefined)).to.equal('http://h/p');
    expect(requestUrl({ protocol: 'http', host: 'h', target: 'http://other.example.com' }, undefined)).to.equal('http://h/');
  });

  it('a Host that is not host[:port] is 400 invalid_request', () => {
    for (const host of ['127.0.0.1:3000/public?', '127.0.0.1:3000/public#', 'a b', 'h:p', 'u@h', '', undefined, 'h:123456']) {
      expect(
        code(() => requestUrl({ protocol: 'http', host, target: '/secure' }, undefined)),
        String(host),
      ).to.deep.equal([400, 'invalid_request']);
    }
    expect(code(() => requestUrl({ protocol: 'http', host: 'h', target: '*' }, undefined))).to.deep.equal([400, 'invalid_request']);
    expect(code(() => requestUrl(undefined, undefined))).to.deep.equal([400, 'invalid_request']);
  });

  it('a request path that only names the resource after normalisation is 400 (a router would see another path)', () => {
    for (const target of [
      '/h/x/../secure',
      '/h/x/%2e%2E/secure',
      '/h/./secure',
      '/h/%73ecure',
      '/h\\secure',
      '/h/..',
      'http://h/h/x/../secure',
    ]) {
      expect(
        code(() => requestUrl({ protocol: 'http', host: 'h', target }, undefined)),
        target,
      ).to.deep.equal([400, 'invalid_request']);
    }
    for (const target of ['/h/a%2Fb', '/h/a%20b', '/h/..a/b.', '/h/.well-known/x']) {
      expect(
        code(() => requestUrl({ protocol: 'http', host: 'h', target }, undefined)),
        target,
      ).to.equal('no error');
    }
  });

  it('a configured origin pins scheme, host and port; the Host is then not read', () => {
    const smuggled = { protocol: 'http', host: '127.0.0.1:3000/public?', target: '/d/secure' };
    expect(requestUrl(smuggled, 'https://api.example.com')).to.equal('https://api.example.com/d/secure');
  });
});
