import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { expect } from 'chai';
import { oidcProviderLines, UNSUPPORTED_RUNTIME_WARNING } from './oidc-provider-output';

/** Resolves with the output once `marker` has been printed; rejects if the process exits first. */
function printed(child: ChildProcess, marker: string, output: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (output().includes(marker)) {
        child.stdout?.off('data', check);
        child.off('exit', exited);
        resolve(output());
      }
    };
    const exited = (code: number | null): void => reject(new Error(`npm start exited (${code}) before printing "${marker}": ${output()}`));
    child.stdout?.on('data', check);
    child.once('exit', exited);
    check();
  });
}

function sh(script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', script], { timeout: 15_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

/** `npm start` as a newcomer runs it: no AUTH0_DOMAIN, so a local tenant and the sample. */
describe('npm start without AUTH0_DOMAIN (a real process, free ports)', function () {
  this.timeout(60_000);
  let child: ChildProcess;
  let output = '';

  before(async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', AUTH0_LOCAL_TENANT_PORT: '0' };
    for (const name of ['AUTH0_DOMAIN', 'AUTH0_API_AUDIENCE', 'AUTH0_CLIENT_ID', 'AUTH0_EMAIL_CLAIM', 'HOST']) delete env[name];
    // Its own process group, so that "Ctrl-C" reaches npm and node together, as in a terminal.
    child = spawn('npm', ['start', '--silent'], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    await printed(child, 'Ctrl-C stops both.', () => output);
  });

  after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
    }
  });

  it('prints the docs URL, the callback URL, the demo users and the curl', () => {
    expect(output).to.match(/Local Auth0 tenant on http:\/\/localhost:\d+\//);
    expect(output).to.match(/Docs: +http:\/\/localhost:\d+\/docs /);
    expect(output).to.match(/Callback URL: +http:\/\/localhost:\d+\/docs\/oauth2-redirect\n/);
    expect(output).to.include('SPA client id: local-spa-client');
    expect(output).to.include('admin@example.com / admin');
    expect(output).to.include('user@example.com / user');
    // Nothing from oidc-provider, but for its runtime warning on a Node release it does not list.
    expect(oidcProviderLines(output), output).to.deep.equal([]);
    expect(output.split(UNSUPPORTED_RUNTIME_WARNING).length, output).to.be.at.most(2);
  });

  it('the printed curl gets an M2M token and 200 from /secure', async () => {
    const lines = output.split('\n').map((line) => line.trim());
    const getToken = lines.find((line) => line.startsWith('TOKEN=$(curl '));
    const callApi = lines.find((line) => line.startsWith('curl ') && line.includes('/secure'));
    expect(getToken, output).to.be.a('string');
    expect(callApi, output).to.be.a('string');
    const body = JSON.parse(
      await sh(`${getToken}\n${callApi} -w '\\n%{http_code}' | tr '\\n' ' ' | sed -E 's/ ([0-9]{3}) ?$/\\n\\1/' | head -1`),
    );
    expect(body).to.deep.equal({ id: 'local-m2m-client@clients', permissions: ['read:blabla'], scopes: ['read:blabla'], isMachine: true });
    const status = await sh(`${getToken}\n${callApi} -o /dev/null -w '%{http_code}'`);
    expect(status).to.equal('200');
  });

  it('Ctrl-C stops the tenant and the sample, and the process exits cleanly', async () => {
    const tenant = /Local Auth0 tenant on (http:\/\/localhost:\d+\/)/.exec(output)![1];
    const api = /Sample API on (http:\/\/localhost:\d+)/.exec(output)![1];
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.once('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
    );
    process.kill(-child.pid!, 'SIGINT');
    const [code, signal] = await exited;
    // npm re-raises the SIGINT it received once the sample has exited; the sample itself exits 0.
    expect(code === 0 || signal === 'SIGINT', `code ${code}, signal ${signal}`).to.equal(true);
    expect(output).to.include('Stopping');
    expect(output).not.to.match(/Error|EADDRINUSE|exited with/);
    for (const url of [`${tenant}.well-known/jwks.json`, `${api}/public`]) {
      const refused = await fetch(url).then(
        () => false,
        () => true,
      );
      expect(refused, `${url} still answers`).to.equal(true);
    }
  });
});
