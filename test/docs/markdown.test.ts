/**
 * The documentation's own shape: a README read in five minutes, Markdown readable as plain text
 * (Biome leaves it alone: nothing else checks it), and links that lead somewhere, on GitHub and in
 * the TypeDoc site alike. Source files that name a Markdown file must name one that exists.
 */
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { documentationFiles, parseMarkdown, ROOT } from '../support/markdown';

const README_MAX_BYTES = 15_000;
const MAX_LINE = 200;

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2… */
function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text } of parseMarkdown(file).prose) {
    const heading = /^#{1,6}\s+(.*?)\s*#*$/.exec(text);
    if (heading === null) continue;
    const base = heading[1]!
      .toLowerCase()
      .replace(/<[^>]*>/g, '')
      .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Inline links and images of the prose: `[text](target)`, `![alt](target)`. */
function linksOf(file: string): Array<{ line: number; target: string }> {
  const links: Array<{ line: number; target: string }> = [];
  for (const { line, text } of parseMarkdown(file).prose) {
    // Code spans are not links.
    const plain = text.replace(/`[^`]*`/g, '');
    for (const match of plain.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) links.push({ line, target: match[1]! });
  }
  return links;
}

/** What is wrong with a relative link of `file` (relative to the root), or `undefined`. */
function brokenLink(file: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // https:, mailto:
  const [path = '', anchor] = target.split('#');
  const resolved = path === '' ? file : normalize(join(dirname(file), decodeURI(path)));
  if (resolved.startsWith('..') || !existsSync(join(ROOT, resolved))) return `no file ${resolved}`;
  if (anchor !== undefined && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor)) return `no heading #${anchor} in ${resolved}`;
  return undefined;
}

describe('docs: the Markdown', () => {
  const files = documentationFiles();

  it('the README is a front page of at most 15 KB', () => {
    expect(statSync(join(ROOT, 'README.md')).size).to.be.at.most(README_MAX_BYTES);
  });

  it('has the guides the README links to', () => {
    const guides = files.filter((file) => file.startsWith('docs/'));
    const linked = new Set(linksOf('README.md').map(({ target }) => target.split('#')[0]));
    for (const guide of guides) expect(linked.has(guide), `README.md links to ${guide}`).to.equal(true);
  });

  it(`has no line over ${MAX_LINE} characters outside code`, () => {
    const long = files.flatMap((file) =>
      parseMarkdown(file)
        .prose.filter(({ text }) => [...text].length > MAX_LINE)
        .map(({ line, text }) => `${file}:${line} (${[...text].length} characters)`),
    );
    expect(long).to.deep.equal([]);
  });

  it('has no padded tables (cells aligned with runs of spaces)', () => {
    const padded = files.flatMap((file) =>
      parseMarkdown(file)
        .prose.filter(({ text }) => text.trimStart().startsWith('|') && / {2}/.test(text.trim()))
        .map(({ line }) => `${file}:${line}`),
    );
    expect(padded).to.deep.equal([]);
  });

  it('links to files that exist, and to headings that exist', () => {
    const broken = files.flatMap((file) =>
      linksOf(file).flatMap(({ line, target }) => {
        const problem = brokenLink(file, target);
        return problem === undefined ? [] : [`${file}:${line}: ${target} (${problem})`];
      }),
    );
    expect(broken).to.deep.equal([]);
  });

  it('source files name only Markdown files that exist', () => {
    const missing: string[] = [];
    const walk = (folder: string): string[] =>
      readdirSync(join(ROOT, folder), { withFileTypes: true }).flatMap((entry) => {
        const path = join(folder, entry.name);
        if (entry.isDirectory()) return walk(path);
        return /\.(ts|js|mjs)$/.test(entry.name) ? [path] : [];
      });
    for (const file of ['src', 'test', 'sample', 'scripts', 'bench'].flatMap(walk)) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const match of text.matchAll(/[\w./-]*[\w-]+\.md\b/g)) {
        const name = match[0].replace(/^\.\//, '');
        const candidates = [name, relative(ROOT, join(ROOT, dirname(file), name))];
        if (!candidates.some((candidate) => existsSync(join(ROOT, candidate)))) missing.push(`${file}: ${name}`);
      }
    }
    expect(missing).to.deep.equal([]);
  });
});
