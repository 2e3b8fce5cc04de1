// The server's logger: pino (fastify's own logger) behind the small `logger.info(msg, fields)`
// interface the rest of the code calls. One JSON object a line for journald and log shippers,
// or one readable line on a terminal. Errors keep their type and stack; anything that looks
// like a credential is replaced by "[redacted]" even if a caller passes it by mistake.
import { pino, stdSerializers, type Logger as Pino } from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFields = Readonly<Record<string, unknown>>;
/** "auto": text when stderr is a terminal, JSON otherwise. */
export type LogFormat = 'json' | 'text' | 'auto';

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** The same logger with these fields on every line (a request id and client address). */
  child(fields: LogFields): Logger;
}

/** Field names whose values are never written, at the top level and one level down. (Not
 * "key": TSIG key names and key file paths are logged on purpose.) */
export const redactedFields = [
  'password',
  'passwd',
  'apikey',
  'api_key',
  'x-api-key',
  'secret',
  'tsig_secret',
  'private_key',
  'token',
  'admin_token',
  'authorization',
  'cookie',
  'credentials',
];

const redactPaths = redactedFields.flatMap((f) => [`["${f}"]`, `*["${f}"]`, `headers["${f}"]`, `req.headers["${f}"]`]);

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** Where lines go (without their newline); default stderr. */
  readonly write?: (line: string) => void;
  /** For "auto": whether the output is a terminal; default stderr's. */
  readonly isTty?: boolean;
}

export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const text = options.format === 'text' || (options.format === 'auto' && (options.isTty ?? process.stderr.isTTY === true));
  const destination = {
    write(chunk: string): void {
      const line = chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk;
      write(text ? formatText(line) : line);
    },
  };
  const base = pino(
    {
      level: options.level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { error: stdSerializers.err, err: stdSerializers.err },
      redact: { paths: redactPaths, censor: '[redacted]' },
    },
    destination,
  );
  return adapt(base);
}

function adapt(p: Pino): Logger {
  return {
    debug: (msg, fields) => p.debug(fields ?? {}, msg),
    info: (msg, fields) => p.info(fields ?? {}, msg),
    warn: (msg, fields) => p.warn(fields ?? {}, msg),
    error: (msg, fields) => p.error(fields ?? {}, msg),
    child: (fields) => adapt(p.child(fields)),
  };
}

/**
 * One JSON line as "TIME LEVEL msg key=value ...", with an error's stack on the lines after.
 * Our own few lines instead of pino-pretty: that package pulls in a dozen more dependencies
 * for colours and options a server log does not need.
 */
export function formatText(jsonLine: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return jsonLine;
  }
  const { time, level, msg, ...fields } = entry;
  let stack = '';
  const extra = Object.entries(fields)
    .map(([k, v]) => {
      if (isSerializedError(v)) {
        if (v.stack) stack = '\n' + indent(v.stack);
        return `${k}=${v.type}: ${v.message}`;
      }
      return `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`;
    })
    .join(' ');
  return `${String(time)} ${String(level).toUpperCase()} ${String(msg ?? '')}${extra ? ' ' + extra : ''}${stack}`;
}

function isSerializedError(v: unknown): v is { type: string; message: string; stack?: string } {
  return typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string' && 'message' in v;
}

function indent(stack: string): string {
  // The first line repeats "Type: message", already on the log line.
  return stack
    .split('\n')
    .slice(1)
    .map((l) => '    ' + l.trim())
    .join('\n');
}

/** For tests and library use: drops everything. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};
