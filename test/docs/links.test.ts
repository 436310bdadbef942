/**
 * Every relative link and anchor in README.md, CONTRIBUTING.md and docs/*.md resolves: the file
 * (or folder) exists in the repository, and an anchor names a heading of its file, slugged as
 * GitHub slugs headings. A section renamed or a file moved fails here, not in a reader's browser.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');

/** The documents whose links are checked, relative to `root`. */
function documents(root: string): string[] {
  const docs = existsSync(join(root, 'docs'))
    ? readdirSync(join(root, 'docs'))
        .filter((name) => name.endsWith('.md'))
        .map((name) => `docs/${name}`)
    : [];
  return ['README.md', 'CONTRIBUTING.md', ...docs].filter((file) => existsSync(join(root, file)));
}

/** The lines of a Markdown text outside fenced code blocks (others become empty). */
function proseLines(text: string): string[] {
  let fence: string | undefined;
  return text.split('\n').map((line) => {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && marker !== undefined) {
      fence = marker;
      return '';
    }
    if (fence !== undefined) {
      if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = undefined;
      return '';
    }
    return line;
  });
}

/** GitHub's anchor for a heading's text: lowercase, punctuation dropped but `-` and `_`, each space a hyphen. */
function slug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a document defines: its headings' slugs (a repeated one gets -1, -2, ...) and HTML ids. */
function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(text)) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading !== undefined) {
      const base = slug(heading);
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      anchors.add(count === 0 ? base : `${base}-${count}`);
    }
    for (const match of line.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(match[1]);
  }
  return anchors;
}

/** The link targets of a document, outside code: inline links and images, and reference definitions. */
function linksOf(text: string): { line: number; target: string }[] {
  return proseLines(text).flatMap((line, index) => {
    const prose = line.replace(/(`+)[^`]*?\1/g, '');
    const inline = [...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1]);
    const reference = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(prose)?.[1];
    return [...inline, ...(reference === undefined ? [] : [reference])].map((target) => ({ line: index + 1, target }));
  });
}

/** The links of `file` (relative to `root`) that do not resolve, as `file:line target (why)`. */
function brokenLinks(root: string, file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const broken: string[] = [];
  for (const { line, target } of linksOf(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue;
    const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
    const path = pathPart === '' ? join(root, file) : resolve(dirname(join(root, file)), decodeURIComponent(pathPart));
    const where = `${file}:${line} ${target}`;
    if (relative(root, path).startsWith('..')) broken.push(`${where} (outside the repository)`);
    else if (!existsSync(path)) broken.push(`${where} (no such file)`);
    else if (
      anchor !== undefined &&
      path.endsWith('.md') &&
      statSync(path).isFile() &&
      !anchorsOf(readFileSync(path, 'utf8')).has(anchor)
    ) {
      broken.push(`${where} (no heading with this anchor)`);
    }
  }
  return broken;
}

describe('slug, as GitHub makes a heading anchor', () => {
  it.each([
    ['Quick start', 'quick-start'],
    ["The collector's switches", 'the-collectors-switches'],
    ['`billing_scope` and its tags', 'billing_scope-and-its-tags'],
    ['Apply them (creates, or updates)', 'apply-them-creates-or-updates'],
    ['Runs: 1 & 2', 'runs-1--2'],
    ['End-to-end tier', 'end-to-end-tier'],
    ['See [the docs](docs/cli.md)', 'see-the-docs'],
  ])('slugs "%s" as %s', (heading, anchor) => {
    expect(slug(heading)).toBe(anchor);
  });

  it('numbers repeated headings -1, -2 and ignores headings inside code blocks', () => {
    expect([...anchorsOf('# Notes\n## Notes\n```sh\n# Notes\n```\n### Notes\n')]).toEqual(['notes', 'notes-1', 'notes-2']);
  });
});

describe('brokenLinks', () => {
  const root = mkdtempSync(join(tmpdir(), 'links-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('finds a missing file, a missing anchor and a link out of the repository, and passes the good ones', () => {
    writeFileSync(join(root, 'other.md'), '# Other\n## Known section\n');
    writeFileSync(
      join(root, 'README.md'),
      [
        '# Title',
        '## Here',
        '[ok](other.md#known-section) [ok](#here) [ok](other.md) [web](https://example.com/#x) `[code](gone.md)`',
        '[gone](gone.md) [stale](other.md#renamed) [self](#nowhere) [out](../outside.md)',
        '```md',
        '[in a code block](gone.md)',
        '```',
      ].join('\n'),
    );
    expect(brokenLinks(root, 'README.md')).toEqual([
      'README.md:4 gone.md (no such file)',
      'README.md:4 other.md#renamed (no heading with this anchor)',
      'README.md:4 #nowhere (no heading with this anchor)',
      'README.md:4 ../outside.md (outside the repository)',
    ]);
  });
});

describe('the links of the docs', () => {
  it.each(documents(ROOT))('%s: every relative link and anchor resolves', (file) => {
    expect(brokenLinks(ROOT, file)).toEqual([]);
  });
});
