// A small structured logger: one JSON object a line (journald, log shippers) or plain text.
// Callers pass fields, never secrets: passwords and API keys are not logged anywhere.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export function createLogger(options: { level: LogLevel; format: 'json' | 'text'; write?: (line: string) => void }): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const emit = (level: Exclude<LogLevel, 'silent'>, msg: string, fields: LogFields = {}): void => {
    if (rank[level] < rank[options.level]) return;
    const time = new Date().toISOString();
    if (options.format === 'json') {
      write(JSON.stringify({ time, level, msg, ...fields }, (_k, v: unknown) => (v instanceof Error ? v.message : v)));
    } else {
      const extra = Object.entries(fields)
        .map(([k, v]) => `${k}=${v instanceof Error ? v.message : typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      write(`${time} ${level.toUpperCase()} ${msg}${extra ? ' ' + extra : ''}`);
    }
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
  };
}

/** For tests and library use: drops everything. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
