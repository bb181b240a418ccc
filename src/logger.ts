import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The one logger factory. Secrets never reach it: the redact list is a second line of defence for the
 * field names that could carry one.
 */
export function createLogger(options: { level?: string; pretty?: boolean } = {}): Logger {
  const level = options.level ?? process.env['LOG_LEVEL'] ?? 'info';
  return pino({
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
  });
}

/** A logger that drops everything: the default for library use and for tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
