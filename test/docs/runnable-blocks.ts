/**
 * The shell blocks of README.md and docs/*.md that a newcomer runs without AWS, marked by an
 * HTML comment on the line right before the fenced block (GitHub renders nothing for it):
 *
 *     <!-- runs-offline exit=0,1 expect="What Datadog received:" expect='fix: Turn on "Receive Billing Alerts"' -->
 *     ```sh
 *     npm run demo
 *     npm run -s demo -- --scenario billing-alerts-off
 *     ```
 *
 * - Each command line of the block (continuation lines joined; blank and `#` lines left out)
 *   runs on its own, in a fresh copy of the repository.
 * - `exit=` gives the exit code of each command in turn, or one code for all. @default 0
 * - Each `expect=` text must appear in what the block's commands print (stdout and stderr).
 * - `npm ci` is what the copy already has (`node_modules` is linked), so a leading `npm ci &&`
 *   and a line `npm ci` are left out; a block may not hold a slow or recursive command (the
 *   test suites, a deployment), the aws CLI or a placeholder such as `<key>`.
 * - AWS is moto seeded with the demo's sample account, Datadog the loopback intake: a block that
 *   describes the tool against "your account" runs against those.
 *
 * `test/docs/runnable-blocks.test.ts` (unit tier) checks the markers; the end-to-end tier's
 * `test/e2e/doc-blocks.test.ts` runs the blocks.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The marker, alone on its line; its attributes follow the word. */
const MARKER = /^<!--\s*runs-offline\b(.*?)-->\s*$/;
const ATTRIBUTE = /\s*(exit|expect)=(?:"([^"]*)"|'([^']*)'|(\S+))/y;

export interface RunnableBlock {
  /** Where the block's fence opens: `docs/demo.md:7`. */
  readonly where: string;
  /** The commands, in order, as the shell gets them. */
  readonly commands: readonly string[];
  /** The exit code of each command, in order. */
  readonly exits: readonly number[];
  /** Texts the block's output must hold. */
  readonly expects: readonly string[];
}

/** The documents searched for marked blocks, relative to `root`. */
export function documents(root: string): string[] {
  return [
    'README.md',
    'CONTRIBUTING.md',
    ...readdirSync(join(root, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`),
  ];
}

/**
 * Every marked block of one document.
 * @throws Error naming the line of a marker that is not right before a shell block, or whose
 *   attributes do not parse.
 */
export function runnableBlocks(file: string, text: string): RunnableBlock[] {
  const lines = text.split('\n');
  const blocks: RunnableBlock[] = [];
  // A marker shown inside a code block (as in docs/testing.md) is an example, not a marker.
  let fenced = false;
  lines.forEach((line, index) => {
    if (line.startsWith('```')) fenced = !fenced;
    const marker = fenced ? null : MARKER.exec(line);
    if (marker === null) return;
    const where = `${file}:${index + 2}`;
    if (!/^```(sh|bash|shell)\s*$/.test(lines[index + 1] ?? '')) {
      throw new Error(`${file}:${index + 1}: a runs-offline marker must be right before a \`\`\`sh block`);
    }
    const end = lines.findIndex((candidate, at) => at > index + 1 && candidate.startsWith('```'));
    if (end === -1) throw new Error(`${where}: the block is not closed`);
    const commands = commandsOf(lines.slice(index + 2, end));
    const { exits, expects } = attributesOf(marker[1], where);
    const perCommand = exits.length === 0 ? commands.map(() => 0) : exits.length === 1 ? commands.map(() => exits[0]) : exits;
    if (perCommand.length !== commands.length) {
      throw new Error(`${where}: exit= gives ${exits.length} codes for ${commands.length} commands`);
    }
    blocks.push({ where, commands, exits: perCommand, expects });
  });
  return blocks;
}

/** The marked blocks of every document under `root`. */
export function allRunnableBlocks(root: string): RunnableBlock[] {
  return documents(root).flatMap((file) => runnableBlocks(file, readFileSync(join(root, file), 'utf8')));
}

/** A block's lines as commands: continuations joined, blank and comment lines and `npm ci` left out. */
function commandsOf(lines: readonly string[]): string[] {
  const joined: string[] = [];
  let pending = '';
  for (const line of lines) {
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    joined.push(pending + line);
    pending = '';
  }
  return joined
    .map((command) => command.trim().replace(/^npm ci\s*&&\s*/, ''))
    .filter((command) => command !== '' && !command.startsWith('#') && command !== 'npm ci');
}

function attributesOf(text: string, where: string): { exits: number[]; expects: string[] } {
  const exits: number[] = [];
  const expects: string[] = [];
  let at = 0;
  while (text.slice(at).trim() !== '') {
    ATTRIBUTE.lastIndex = at;
    const match = ATTRIBUTE.exec(text);
    if (match === null) throw new Error(`${where}: cannot read the marker's attributes from ${JSON.stringify(text.slice(at).trim())}`);
    const value = match[2] ?? match[3] ?? match[4];
    if (match[1] === 'expect') expects.push(value);
    else if (/^\d+(,\d+)*$/.test(value)) exits.push(...value.split(',').map(Number));
    else throw new Error(`${where}: exit= takes exit codes separated by commas, got ${JSON.stringify(value)}`);
    at = ATTRIBUTE.lastIndex;
  }
  return { exits, expects };
}
