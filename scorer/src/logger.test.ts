import { describe, expect, it } from 'vitest';
import { BatchedDestination, createLogger } from './logger.ts';

/** Creates a destination that records each write it receives. */
function recordingTarget(): { writes: string[]; write: (chunk: string) => void } {
  const writes: string[] = [];
  return { writes, write: (chunk) => writes.push(chunk) };
}

describe('BatchedDestination', () => {
  it('holds lines until flushed, then writes them in order', () => {
    const target = recordingTarget();
    const destination = new BatchedDestination(target);

    destination.write('{"n":1}\n');
    destination.write('{"n":2}\n');
    expect(target.writes).toEqual([]);

    destination.flush();
    expect(target.writes).toEqual(['{"n":1}\n{"n":2}\n']);
  });

  it('writes at the end of the turn', async () => {
    const target = recordingTarget();
    const destination = new BatchedDestination(target);

    destination.write('{"n":1}\n');
    destination.write('{"n":2}\n');
    expect(target.writes).toEqual([]);

    await new Promise((resolve) => setImmediate(resolve));
    expect(target.writes).toEqual(['{"n":1}\n{"n":2}\n']);
  });

  it('skips the turn-end write after a flush', async () => {
    const target = recordingTarget();
    const destination = new BatchedDestination(target);

    destination.write('{"n":1}\n');
    destination.flush();
    await new Promise((resolve) => setImmediate(resolve));
    expect(target.writes).toEqual(['{"n":1}\n']);

    destination.write('{"n":2}\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(target.writes).toEqual(['{"n":1}\n', '{"n":2}\n']);
  });

  it('writes by itself once 16 KiB are collected', () => {
    const target = recordingTarget();
    const destination = new BatchedDestination(target);
    const line = `${'x'.repeat(1023)}\n`;

    for (let i = 0; i < 15; i++) {
      destination.write(line);
    }
    expect(target.writes).toHaveLength(0);

    destination.write(line);
    expect(target.writes).toEqual([line.repeat(16)]);
  });

  it('writes nothing when nothing is collected', () => {
    const target = recordingTarget();
    const destination = new BatchedDestination(target);

    destination.flush();
    destination.write('{"n":1}\n');
    destination.flush();
    destination.flush();

    expect(target.writes).toEqual(['{"n":1}\n']);
  });

  it('calls back when pino flushes it', () => {
    const target = recordingTarget();
    const destination = new BatchedDestination(target);
    const logger = createLogger(destination);
    let flushed = false;

    logger.info('ready');
    logger.flush(() => (flushed = true));

    expect(flushed).toBe(true);
    expect(target.writes).toHaveLength(1);
  });

  it('receives whole pino lines', () => {
    const target = recordingTarget();
    const destination = new BatchedDestination(target);
    const logger = createLogger(destination);

    logger.info({ route: '/healthz' }, 'request completed');
    logger.warn('slow');
    destination.flush();

    const lines = target.writes.join('').trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toMatchObject([
      { level: 30, route: '/healthz', msg: 'request completed', service: 'engagetrack-scorer' },
      { level: 40, msg: 'slow' },
    ]);
  });
});

describe('createLogger', () => {
  it('nests the cause of an error', () => {
    const target = recordingTarget();
    const destination = new BatchedDestination(target);
    const cause = new Error('ENOENT: no such file or directory');
    const error = new Error(`model.json: cannot read it: ${cause.message}`, { cause });

    createLogger(destination).error({ err: error }, 'model load failed');
    destination.flush();

    const line = JSON.parse(target.writes[0]!) as { err: { message: string; cause: { message: string } } };
    expect(line.err.message).toBe('model.json: cannot read it: ENOENT: no such file or directory');
    expect(line.err.cause.message).toBe('ENOENT: no such file or directory');
  });
});
