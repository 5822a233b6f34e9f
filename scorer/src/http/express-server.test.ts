import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createExpressServer } from './express-server.ts';

describe('createExpressServer', () => {
  const servers: ReturnType<typeof createExpressServer>[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) {
      server.close();
    }
  });

  async function listen(app: Express): Promise<string> {
    const server = createExpressServer(app);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('builds requests with app prototypes', async () => {
    const app = express();
    app.get('/shape', (req, res) => {
      res.json({
        request: Object.getPrototypeOf(req) === app.request,
        response: Object.getPrototypeOf(res) === app.response,
        header: req.get('x-test'),
      });
    });

    const response = await fetch(`${await listen(app)}/shape`, { headers: { 'x-test': 'yes' } });
    const shape = (await response.json()) as Record<string, unknown>;

    expect(response.status).toBe(200);
    expect(shape['request']).toBe(true);
    expect(shape['response']).toBe(true);
    expect(shape['header']).toBe('yes');
  });

  it('serves errors and unknown paths', async () => {
    const app = express();
    app.get('/fails', () => {
      throw new Error('expected failure');
    });

    const url = await listen(app);

    expect((await fetch(`${url}/fails`)).status).toBe(500);
    expect((await fetch(`${url}/missing`)).status).toBe(404);
  });

  it('rejects an unrelated request prototype', () => {
    const app = express();
    const unrelated = Object.assign(Object.create(app), { request: {} }) as Express;

    expect(() => createExpressServer(unrelated)).toThrow('the prototype for IncomingMessage objects must inherit from IncomingMessage.prototype; pass an application created with express()');
  });
});
