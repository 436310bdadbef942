/**
 * Where the tool writes. stdout carries the command's output and nothing else; logs, progress
 * and errors go to stderr. Progress is drawn only when stderr is a terminal.
 */
import { createLogger, type Logger, type LogLevel } from '../lambda/log';
import { printable } from '../lambda/printable';

export interface Io {
  /** The command's output: a table, a report or one JSON document. */
  readonly out: (text: string) => void;
  /** Logs, progress, errors. */
  readonly err: (text: string) => void;
  /** Whether stderr is a terminal (progress is drawn only then). */
  readonly errIsTty: boolean;
  /** The process environment, read by `settings.ts` only. */
  readonly env: NodeJS.ProcessEnv;
  /**
   * The tool's own terminal controls (the progress line) to stderr, unescaped: the one way to
   * write a control character. Absent, progress is not drawn.
   */
  readonly draw?: (text: string) => void;
}

/**
 * `io` with every control character in what `out` and `err` write escaped (`printable`): what
 * the tool prints holds names and messages from AWS and Datadog, and one ESC sequence in a
 * budget name could clear the screen or print a fake verdict. Only `draw` writes controls.
 */
export function terminalSafe(io: Io): Io {
  return {
    out: (text) => io.out(printable(text)),
    err: (text) => io.err(printable(text)),
    errIsTty: io.errIsTty,
    env: io.env,
    draw: io.err,
  };
}

export function processIo(): Io {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    errIsTty: process.stderr.isTTY === true,
    env: process.env,
  };
}

/** One status line on stderr, redrawn in place; silent when stderr is not a terminal. */
export class Progress {
  private shown = false;

  constructor(private readonly io: Io) {}

  public step(text: string): void {
    if (!this.io.errIsTty || this.io.draw === undefined) return;
    this.io.draw(`\r\x1b[K${printable(text)}…`);
    this.shown = true;
  }

  /** Removes the status line, before anything else is written to stderr, and at the end. */
  public clear(): void {
    if (!this.shown) return;
    this.io.draw?.('\r\x1b[K');
    this.shown = false;
  }
}

/**
 * The collector's logger, writing to stderr. With `--json` the lines stay JSON, for machines;
 * otherwise each becomes `warning: message (field=value, ...)`.
 */
export function stderrLogger(io: Io, level: LogLevel, json: boolean, progress: Progress): Logger {
  return createLogger(level, (line) => {
    progress.clear();
    io.err(`${json ? line : humanLogLine(line)}\n`);
  });
}

const LEVEL_WORD: Readonly<Record<string, string>> = { DEBUG: 'debug', INFO: 'info', WARN: 'warning', ERROR: 'error' };

/** `{"level":"WARN","message":"m","budgetName":"b"}` as `warning: m (budgetName=b)`. */
export function humanLogLine(line: string): string {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { level, message, ...fields } = parsed;
  // The terminal shows the time well enough; the rest of the fields say what the line is about.
  delete fields.timestamp;
  const extra = Object.entries(fields).map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const word = LEVEL_WORD[String(level)] ?? String(level).toLowerCase();
  return `${word}: ${String(message)}${extra.length === 0 ? '' : ` (${extra.join(', ')})`}`;
}
