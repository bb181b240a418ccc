import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * The one logger factory. Secrets never reach it: the redact list is a second line of defence for the
 * field names that could carry one.
 */
export function createLogger(
  options: { level?: string; pretty?: boolean; destination?: DestinationStream } = {},
): Logger {
  const level = options.level ?? process.env['LOG_LEVEL'] ?? 'info';
  const settings: LoggerOptions = {
    level,
    redact: {
      paths: [
        'appsecret',
        'secret',
        'token',
        'access_token',
        'encodingAesKey',
        '*.appsecret',
        '*.secret',
        '*.access_token',
        '*.encodingAesKey',
        'req.headers.authorization',
        'req.headers.cookie',
      ],
      censor: '[redacted]',
    },
    ...(options.pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
  };
  // A destination (tests capture the real output) replaces stdout.
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/**
 * `logger` with those of `bindings` it does not carry yet. pino writes every binding of every child level
 * into the line, so a key bound twice (a module binding `module` under a caller's `module`) would appear
 * twice in one JSON line: the first binding wins.
 */
export function withBindings(logger: Logger, bindings: Record<string, string>): Logger {
  const existing = logger.bindings();
  const missing = Object.fromEntries(Object.entries(bindings).filter(([key]) => !(key in existing)));
  return Object.keys(missing).length === 0 ? logger : logger.child(missing);
}

/** A logger that drops everything: the default for library use and for tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
