/**
 * The examples of the README, the guides in docs/ and CONTRIBUTING.md, as a reader copies them:
 * every ```ts block is written to a temporary folder as a module of its own and type-checked, all
 * in one TypeScript program, with this repository's compiler flags (those the README asks for),
 * against the package as users import it (`routing-controllers-auth0` and its `/openapi`,
 * `/testing` and `/redis` entries, mapped to src/ by tsconfig.json's `paths`). The README's Koa
 * and Express quick starts also run, against a local tenant.
 *
 * A block marked ```ts fragment is skipped: a deliberate piece of a larger file that cannot stand
 * as a module. Examples import what they use and `declare` what the reader brings, so fragments
 * stay rare (the test allows three).
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { LocalTenant } from 'routing-controllers-auth0/testing';
import ts from 'typescript';
import { type CodeBlock, documentationFiles, parseMarkdown, ROOT } from '../support/markdown';

const TYPESCRIPT = new Set(['ts', 'typescript']);

/** Every TypeScript block of the documentation, fragments included. */
function typescriptBlocks(): CodeBlock[] {
  return documentationFiles()
    .flatMap((file) => parseMarkdown(file).blocks)
    .filter((block) => TYPESCRIPT.has(block.language));
}

const isFragment = (block: CodeBlock): boolean => block.flags.includes('fragment');

/** The repository's compiler options (tsconfig.json), for a user's module that emits nothing. */
function compilerOptions(overrides: ts.CompilerOptions = {}): ts.CompilerOptions {
  const { config, error } = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  if (error !== undefined) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);
  return {
    ...options,
    // An example may declare a variable only to show it; an unused local is no mistake of the reader's.
    noUnusedLocals: false,
    noEmit: true,
    declaration: false,
    sourceMap: false,
    rootDir: undefined,
    outDir: undefined,
    // Node's types and mocha's globals (the testing guide's examples are mocha suites).
    types: ['node', 'mocha'],
    typeRoots: [join(ROOT, 'node_modules', '@types')],
    ...overrides,
  };
}

/** A compiler host that parses each file once, for several programs over the same files. */
function cachingHost(options: ts.CompilerOptions): ts.CompilerHost {
  const host = ts.createCompilerHost(options);
  const parse = host.getSourceFile.bind(host);
  const parsed = new Map<string, ts.SourceFile | undefined>();
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    if (!parsed.has(fileName)) parsed.set(fileName, parse(fileName, languageVersion, onError, shouldCreate));
    return parsed.get(fileName);
  };
  return host;
}

/** `file:line: TS1234 message`, the line being the Markdown file's. */
function located(diagnostic: ts.Diagnostic, blockOf: Map<string, CodeBlock>): string {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
  const file = diagnostic.file;
  const block = file === undefined ? undefined : blockOf.get(file.fileName);
  if (file === undefined || block === undefined || diagnostic.start === undefined) return `TS${diagnostic.code} ${message}`;
  const { line } = file.getLineAndCharacterOfPosition(diagnostic.start);
  return `${block.file}:${block.line + line}: TS${diagnostic.code} ${message}`;
}

describe('docs: every TypeScript example compiles', function () {
  this.timeout(120_000);

  const blocks = typescriptBlocks();
  const examples = blocks.filter((block) => !isFragment(block));
  let folder: string;
  const blockOf = new Map<string, CodeBlock>();
  let host: ts.CompilerHost;
  let program: ts.Program;

  before(() => {
    folder = mkdtempSync(join(tmpdir(), 'rc-auth0-docs-'));
    // Third-party packages resolve as from a project of the reader's, through its node_modules.
    symlinkSync(join(ROOT, 'node_modules'), join(folder, 'node_modules'), 'junction');
    for (const block of examples) {
      const fileName = join(folder, `${block.file.replace(/[/.]/g, '_')}_L${block.line}.ts`);
      writeFileSync(fileName, `${block.code}\n`);
      blockOf.set(fileName, block);
    }
    const options = compilerOptions();
    host = cachingHost(options);
    program = ts.createProgram({ rootNames: [...blockOf.keys()], options, host });
  });

  after(() => {
    if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
  });

  it('finds the examples of the README and of the guides, and few fragments', () => {
    const files = new Set(examples.map((block) => block.file));
    expect([...files]).to.include.members(['README.md', 'docs/testing.md', 'docs/options.md']);
    expect(examples.length).to.be.greaterThan(15);
    expect(blocks.filter(isFragment).length, 'fragments (mark only what cannot stand as a module)').to.be.at.most(3);
  });

  it('type-checks each as a module of its own, importing the package by its name', () => {
    const diagnostics = [
      ...program.getOptionsDiagnostics(),
      ...program.getGlobalDiagnostics(),
      ...[...blockOf.keys()].flatMap((fileName) => {
        const source = program.getSourceFile(fileName)!;
        return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
      }),
    ];
    expect(diagnostics.map((diagnostic) => located(diagnostic, blockOf))).to.deep.equal([]);
    // The package resolved to its sources, not to a build or a copy in node_modules.
    const resolved = program.getSourceFiles().map((source) => source.fileName);
    expect(resolved).to.include(join(ROOT, 'src', 'index.ts'));
  });

  it('without experimentalDecorators, TypeScript says TS1206 (as the README warns)', () => {
    const [koa] = [...blockOf].find(([, block]) => block.file === 'README.md' && block.code.includes('createKoaServer(')) ?? [];
    expect(koa, "the README's Koa example").to.be.a('string');
    const options = compilerOptions({ experimentalDecorators: false });
    const without = ts.createProgram({ rootNames: [koa!], options, host, oldProgram: program });
    const codes = without.getSemanticDiagnostics(without.getSourceFile(koa!)).map((diagnostic) => diagnostic.code);
    expect(codes).to.include(1206);
  });
});

/** Node's module internals used to run a compiled example as a module of this repository. */
interface RunnableModule {
  exports: unknown;
  filename: string;
  paths: string[];
  _compile(code: string, filename: string): void;
}

/**
 * Runs `code` (TypeScript) as a CommonJS module placed in test/docs/: it imports the package by its
 * name and its dependencies as this repository's own files do. Resolves with its `module.exports`.
 */
function runModule(code: string, name: string): unknown {
  const { outputText } = ts.transpileModule(code, {
    compilerOptions: compilerOptions({ noEmit: false, module: ts.ModuleKind.CommonJS }),
    fileName: `${name}.ts`,
  });
  const filename = join(__dirname, `${name}.example.js`);
  const loaded = new Module(filename, module) as unknown as RunnableModule;
  loaded.filename = filename;
  loaded.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(filename));
  loaded._compile(outputText, filename);
  return loaded.exports;
}

/** `code` with each `[from, to]` replaced, each found exactly once (so that an edit of the README cannot skip one). */
function substituted(code: string, substitutions: [string, string][]): string {
  let result = code;
  for (const [from, to] of substitutions) {
    expect(result.split(from).length - 1, `"${from}" in the example`).to.equal(1);
    result = result.replace(from, to);
  }
  return result;
}

describe("docs: the README's Koa and Express examples run", function () {
  this.timeout(60_000);

  let tenant: LocalTenant;
  const servers: Server[] = [];

  before(async () => {
    tenant = await LocalTenant.start();
  });

  after(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await tenant?.close();
  });

  /** Runs the README's example that contains `marker` against the local tenant, on a free port. */
  async function start(marker: string, name: string): Promise<string> {
    const block = parseMarkdown('README.md').blocks.find((b) => TYPESCRIPT.has(b.language) && b.code.includes(marker));
    expect(block, `the README's example with ${marker}`).not.to.equal(undefined);
    const code = substituted(block!.code, [
      ["'your-tenant.auth0.com'", JSON.stringify(tenant.issuer)],
      ["'https://api.example.com'", JSON.stringify(tenant.audience)],
      ['app.listen(3000);', "module.exports = app.listen(0, '127.0.0.1');"],
    ]);
    const server = runModule(code, name) as Server;
    servers.push(server);
    if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the example does not listen on a port');
    return `http://127.0.0.1:${address.port}`;
  }

  const get = (url: string, token?: string): Promise<Response> =>
    fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

  it('Koa: 200 with a token, 401 with a WWW-Authenticate challenge without, 403 without the scope', async () => {
    const base = await start('createKoaServer(', 'readme-koa');
    const machine = await tenant.machineToken();
    const secure = await get(`${base}/secure`, machine);
    expect(secure.status).to.equal(200);
    expect(((await secure.json()) as { id: string }).id).to.equal(`${tenant.m2mClient.clientId}@clients`);
    const anonymous = await get(`${base}/secure`);
    expect(anonymous.status).to.equal(401);
    expect(anonymous.headers.get('www-authenticate')).to.match(/^Bearer realm="/);
    expect((await get(`${base}/secure/blabla`, await tenant.userToken('admin@example.com'))).status).to.equal(200);
    expect((await get(`${base}/secure/blabla`, await tenant.userToken('user@example.com'))).status).to.equal(403);
    expect((await get(`${base}/public`)).status).to.equal(200);
  });

  it('Express: 200 with a token, 401 with a WWW-Authenticate challenge without', async () => {
    const base = await start('useExpressServer(', 'readme-express');
    const secure = await get(`${base}/secure`, await tenant.machineToken());
    expect(secure.status).to.equal(200);
    const anonymous = await get(`${base}/secure`);
    expect(anonymous.status).to.equal(401);
    expect(anonymous.headers.get('www-authenticate')).to.match(/^Bearer realm="/);
    // expressRefusalHandler ended the chain: the connection still answers.
    expect((await get(`${base}/secure`)).status).to.equal(401);
  });
});
