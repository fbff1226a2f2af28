import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The core's imports point one way: no file, and no folder of `src/core`, imports itself back
 * through others, type-only imports included. A folder (`binding/`, `config/`, `token/`) counts as
 * one node; a file directly in `src/core` as one of its own.
 */
const CORE = resolve(__dirname, '../../src/core');

function filesOf(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesOf(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** The `src/core` files a file imports (`import`, `import type`, `export … from`). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const targets: string[] = [];
  for (const match of text.matchAll(/^\s*(?:import|export)\b[^'";]*?from\s+'(\.[^']+)'/gm)) {
    const base = resolve(dirname(file), match[1]);
    const candidates = [`${base}.ts`, join(base, 'index.ts')];
    const found = candidates.find((candidate) => files.includes(candidate));
    if (found !== undefined) targets.push(found);
  }
  return targets;
}

const files = filesOf(CORE);

/** A cycle in the graph, as a list of nodes, or `undefined`. */
function cycleOf(edges: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...path.slice(path.indexOf(node)), node];
    state.set(node, 'open');
    path.push(node);
    for (const next of edges.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle !== undefined) return cycle;
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of edges.keys()) {
    const cycle = visit(node);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

function graph(nodeOf: (file: string) => string): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const file of files) {
    const from = nodeOf(file);
    const targets = edges.get(from) ?? new Set<string>();
    for (const target of importsOf(file)) if (nodeOf(target) !== from) targets.add(nodeOf(target));
    edges.set(from, targets);
  }
  return edges;
}

describe('src/core imports', () => {
  it('finds the imports it reads (the check can fail)', () => {
    const pipeline = importsOf(join(CORE, 'pipeline.ts')).map((file) => relative(CORE, file));
    expect(pipeline).to.include.members(['binding/sender-binding.ts', 'config/index.ts', 'token/verify-token.ts', 'errors.ts']);
    const loop = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['a'])],
    ]);
    expect(cycleOf(loop)).to.deep.equal(['a', 'b', 'a']);
  });

  it('no file imports itself back, type-only imports included', () => {
    expect(cycleOf(graph((file) => relative(CORE, file)))).to.equal(undefined);
  });

  it('no folder imports itself back, type-only imports included', () => {
    const folderOf = (file: string) => {
      const path = relative(CORE, file);
      return path.includes('/') ? `${path.split('/')[0]}/` : path;
    };
    expect(cycleOf(graph(folderOf))).to.equal(undefined);
  });
});
