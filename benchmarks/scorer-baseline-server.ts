/**
 * Baseline for the scorer benchmark: a bare Express app whose one route returns a constant
 * JSON body without reading the request. Prints its URL on stderr once listening.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';

const app = express();
const constant = { predictions: [{ churnProbability: 0.5, riskBand: 'medium' }] };
app.post('/constant', (_req, res) => {
  res.json(constant);
});

const server = app.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.error(`listening on http://127.0.0.1:${port}`);
});
