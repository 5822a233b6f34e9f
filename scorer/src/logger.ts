/**
 * The root pino logger: JSON lines on stdout, level from LOG_LEVEL (default info).
 * Lines are buffered up to 4 KiB and written asynchronously, so under load one request
 * does not cost one write system call. A timer writes the buffer at least every 250 ms,
 * and `flushLogs` writes what is left before exit.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

const FLUSH_INTERVAL_MS = 250;

const stdout = pino.destination({ dest: 1, sync: false, minLength: 4096 });
setInterval(() => stdout.flush(), FLUSH_INTERVAL_MS).unref();

export function createLogger(destination: DestinationStream = stdout): Logger {
  return pino(
    {
      level: process.env['LOG_LEVEL'] ?? 'info',
      base: { service: 'engagetrack-scorer' },
    },
    destination,
  );
}

/** Writes buffered log lines synchronously; call before process.exit. */
export function flushLogs(): void {
  stdout.flushSync();
}
