/**
 * The repository's Markdown as the docs tests read it: which files make the documentation, their
 * fenced code blocks, and the lines outside them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');

/** The README, the guides in docs/ and CONTRIBUTING.md, relative to the repository's root. */
export function documentationFiles(): string[] {
  const guides = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...guides, 'CONTRIBUTING.md'];
}

/** A fenced code block. */
export interface CodeBlock {
  /** The file, relative to the root. */
  file: string;
  /** The 1-based line of the block's first code line (the one after the opening fence). */
  line: number;
  /** The info string's first word (`ts`, `sh`, …), lower-cased; '' when none. */
  language: string;
  /** The info string's other words (`fragment`). */
  flags: string[];
  /** The code, with the fence's indentation removed. */
  code: string;
}

/** A Markdown file split into its fenced code blocks and the lines outside them. */
export interface ParsedMarkdown {
  blocks: CodeBlock[];
  /** Lines outside code blocks, with their 1-based numbers. */
  prose: Array<{ line: number; text: string }>;
}

const FENCE = /^( *)(`{3,}|~{3,})\s*([^`]*)$/;

/** Splits `file` (relative to the root) into code blocks and prose (CommonMark fences, indented ones included). */
export function parseMarkdown(file: string): ParsedMarkdown {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  const prose: ParsedMarkdown['prose'] = [];
  let open: { indent: number; fence: string; language: string; flags: string[]; start: number; code: string[] } | undefined;
  lines.forEach((text, index) => {
    const fence = FENCE.exec(text);
    if (open === undefined) {
      if (fence === null) {
        prose.push({ line: index + 1, text });
        return;
      }
      const [language = '', ...flags] = (fence[3] ?? '').trim().split(/\s+/).filter(Boolean);
      open = { indent: fence[1]!.length, fence: fence[2]!, language: language.toLowerCase(), flags, start: index + 2, code: [] };
      return;
    }
    const closes =
      fence !== null && fence[3]!.trim() === '' && fence[2]!.startsWith(open.fence[0]!) && fence[2]!.length >= open.fence.length;
    if (closes) {
      blocks.push({ file, line: open.start, language: open.language, flags: open.flags, code: open.code.join('\n') });
      open = undefined;
      return;
    }
    const indent = open.indent;
    open.code.push(text.slice(Math.min(indent, text.length - text.trimStart().length)));
  });
  if (open !== undefined) throw new Error(`${file}:${open.start - 1}: a code fence is never closed`);
  return { blocks, prose };
}
