// The operator's root logger. Reconcilers log through child loggers bound to
// { controller, kind, namespace, name, reconcileID }.
import { pino } from 'pino';
import type { Logger } from 'pino';

export function createLogger(level = process.env['LOG_LEVEL'] ?? 'info'): Logger {
  return pino({ level, base: { component: 'engagetrack-operator' } });
}
