/**
 * A structured logger: one JSON object per line on stdout.
 *
 * Lambda's JSON log format filters application logs by the `level` field of a JSON line, so
 * writing whole JSON lines ourselves keeps filtering working and keeps every field searchable
 * in CloudWatch Logs Insights, without a logging library in the bundle.
 */
import { masked } from './mask';
import { printable } from './printable';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

const LEVEL_RANK: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Where log lines go; a test passes its own to capture them. */
export type LogSink = (line: string) => void;

const stdoutSink: LogSink = (line) => {
  process.stdout.write(`${line}\n`);
};

/** Lambda's level names, plus TRACE and FATAL folded onto the nearest of ours. */
export function parseLogLevel(value: string): LogLevel | undefined {
  const upper = value.trim().toUpperCase();
  if (upper === 'TRACE') return 'DEBUG';
  if (upper === 'FATAL') return 'ERROR';
  return upper in LEVEL_RANK ? (upper as LogLevel) : undefined;
}

/**
 * @param minimumLevel lines below this level are dropped.
 * @param sink receives each serialized line. @default stdout
 */
export function createLogger(minimumLevel: LogLevel, sink: LogSink = stdoutSink): Logger {
  const write = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (LEVEL_RANK[level] < LEVEL_RANK[minimumLevel]) return;
    // Masked as a whole: a field may quote an answer that echoed a Datadog key. Escaped too: JSON
    // escapes C0 controls but not C1 or bidi controls, and a line read raw must carry none.
    sink(printable(masked(JSON.stringify({ timestamp: new Date().toISOString(), level, message, ...fields }))));
  };
  return {
    debug: (message, fields) => write('DEBUG', message, fields),
    info: (message, fields) => write('INFO', message, fields),
    warn: (message, fields) => write('WARN', message, fields),
    error: (message, fields) => write('ERROR', message, fields),
  };
}
