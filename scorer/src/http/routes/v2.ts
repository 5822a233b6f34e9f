/**
 * Open Inference Protocol (KServe V2) routes:
 *   GET  /v2/models/{name}         model metadata (inputs from features.json)
 *   GET  /v2/models/{name}/ready   {"name", "ready"}, 503 while not ready
 *   POST /v2/models/{name}/infer   two accepted input forms, see parseInferInputs
 */
import type { RequestHandler } from 'express';
import { InvalidRequestError, type FieldProblem } from '../../errors.ts';
import type { ModelService } from '../../model/model-service.ts';
import type { FeatureRow } from '../../prediction.ts';
import { requireObjectBody } from '../json-body.ts';
import { labelRoute } from '../route-label.ts';
import { sendJson } from '../send-json.ts';
import { requireBatchSize, requireServedModel } from './served-model.ts';
import type { RouteGuards } from './v1.ts';

export const V2_INFER_ROUTE = '/v2/models/:name/infer';
export const V2_READY_ROUTE = '/v2/models/:name/ready';
export const V2_METADATA_ROUTE = '/v2/models/:name';

const OIP_DATATYPES = new Set(['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES', 'JSON']);

interface InferInput {
  name: string;
  data: unknown[];
}

/** Rows decoded from the request, and how to name a row's feature in an error. */
interface DecodedInputs {
  rows: FeatureRow[];
  fieldOf: (row: number, feature: string) => string;
}

export function v2InferHandlers(service: ModelService, maxBatchSize: number, { guards }: RouteGuards): RequestHandler[] {
  const infer: RequestHandler<{ name: string }> = async (req, res) => {
    requireServedModel(service, req.params.name);
    const body = requireObjectBody(req.body);
    const decoded = parseInferInputs(body['inputs'], maxBatchSize);

    const predictions = await service.predict(decoded.rows).catch((error: unknown) => {
      throw error instanceof InvalidRequestError ? renameProblems(error, decoded.fieldOf) : error;
    });

    const id = typeof body['id'] === 'string' ? { id: body['id'] } : {};
    sendJson(res, {
      model_name: service.modelName,
      model_version: service.modelVersion,
      ...id,
      outputs: [
        { name: 'churn_probability', datatype: 'FP32', shape: [predictions.length], data: predictions.map((p) => p.churnProbability) },
        { name: 'risk_band', datatype: 'BYTES', shape: [predictions.length], data: predictions.map((p) => p.riskBand) },
      ],
    });
  };
  return [labelRoute(V2_INFER_ROUTE), ...guards, infer as RequestHandler];
}

export function v2ReadyHandlers(service: ModelService, { guards }: RouteGuards): RequestHandler[] {
  const ready: RequestHandler<{ name: string }> = (req, res) => {
    requireServedModel(service, req.params.name);
    const isReady = service.readiness().ready;
    res.status(isReady ? 200 : 503).json({ name: service.modelName, ready: isReady });
  };
  return [labelRoute(V2_READY_ROUTE), ...guards, ready as RequestHandler];
}

export function v2MetadataHandlers(service: ModelService, { guards }: RouteGuards): RequestHandler[] {
  const metadata: RequestHandler<{ name: string }> = (req, res) => {
    requireServedModel(service, req.params.name);
    const features = service.bundle?.spec.features ?? [];
    res.json({
      name: service.modelName,
      versions: [service.modelVersion],
      platform: 'tensorflowjs',
      inputs: features.map((feature) => ({ name: feature.name, datatype: feature.type === 'numeric' ? 'FP64' : 'BYTES', shape: [-1] })),
      outputs: [
        { name: 'churn_probability', datatype: 'FP32', shape: [-1] },
        { name: 'risk_band', datatype: 'BYTES', shape: [-1] },
      ],
    });
  };
  return [labelRoute(V2_METADATA_ROUTE), ...guards, metadata as RequestHandler];
}

/**
 * Decodes the inputs into rows. Two forms are accepted. The first is one input (any name,
 * datatype BYTES or JSON) whose `data` is an array of row objects. The second is one input
 * tensor per feature, named after the feature, with `shape` [N] or [N, 1] and `data` as a
 * flat (or [N][1] nested) array of N values. In both, null is a missing value.
 */
export function parseInferInputs(raw: unknown, maxBatchSize: number): DecodedInputs {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new InvalidRequestError('The request body must have a non-empty "inputs" array.', [{ field: 'inputs', message: 'must be a non-empty array' }]);
  }

  const inputs = raw.map((input, index) => parseInput(input, index));
  const first = inputs[0] as InferInput;
  if (inputs.length === 1 && first.data.length > 0 && first.data.every(isPlainObject)) {
    requireBatchSize('inputs[0].data', first.data.length, maxBatchSize);
    return { rows: first.data as FeatureRow[], fieldOf: (row, feature) => `inputs[0].data[${row}].${feature}` };
  }
  return rowsFromTensors(inputs, maxBatchSize);
}

function parseInput(input: unknown, index: number): InferInput {
  const field = `inputs[${index}]`;
  if (!isPlainObject(input)) {
    throw new InvalidRequestError(`${field} must be an object.`, [{ field, message: 'must be an object with name, shape, datatype and data' }]);
  }

  const problems: FieldProblem[] = [];
  const { name, shape, datatype, data } = input;
  if (typeof name !== 'string' || name === '') {
    problems.push({ field: `${field}.name`, message: 'must be a non-empty string' });
  }
  if (typeof datatype !== 'string' || !OIP_DATATYPES.has(datatype)) {
    problems.push({ field: `${field}.datatype`, message: `must be one of ${[...OIP_DATATYPES].join(', ')}` });
  }
  if (!Array.isArray(shape) || shape.length === 0 || shape.length > 2 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    problems.push({ field: `${field}.shape`, message: 'must be [N] or [N, 1] with non-negative integers' });
  }
  if (!Array.isArray(data)) {
    problems.push({ field: `${field}.data`, message: 'must be an array' });
  }
  if (problems.length > 0) {
    throw new InvalidRequestError(`${field} is not a valid inference input.`, problems);
  }

  const values = flattenColumn(data as unknown[]);
  const dims = shape as number[];
  const expected = dims.reduce((product, dim) => product * dim, 1);
  if ((dims.length === 2 && dims[1] !== 1) || values.length !== expected) {
    throw new InvalidRequestError(`${field} has ${values.length} values, which does not fit shape ${JSON.stringify(dims)}.`, [
      { field: `${field}.shape`, message: `must be [${values.length}] or [${values.length}, 1] for ${values.length} values` },
    ]);
  }
  return { name: name as string, data: values };
}

function rowsFromTensors(inputs: InferInput[], maxBatchSize: number): DecodedInputs {
  const rowCount = (inputs[0] as InferInput).data.length;
  requireBatchSize('inputs[0].data', rowCount, maxBatchSize);

  const problems: FieldProblem[] = [];
  const indexByName = new Map<string, number>();
  inputs.forEach((input, index) => {
    if (indexByName.has(input.name)) {
      problems.push({ field: `inputs[${index}].name`, message: `duplicates the input named ${JSON.stringify(input.name)}` });
    }
    if (input.data.length !== rowCount) {
      problems.push({ field: `inputs[${index}].data`, message: `has ${input.data.length} values; every input needs ${rowCount}` });
    }
    indexByName.set(input.name, index);
  });
  if (problems.length > 0) {
    throw new InvalidRequestError('The input tensors do not describe one batch of rows.', problems);
  }

  const rows: FeatureRow[] = Array.from({ length: rowCount }, () => ({}));
  for (const input of inputs) {
    input.data.forEach((value, row) => {
      (rows[row] as FeatureRow)[input.name] = value;
    });
  }
  const fieldOf = (row: number, feature: string) => {
    const index = indexByName.get(feature);
    return index === undefined ? `inputs[name=${feature}]` : `inputs[${index}].data[${row}]`;
  };
  return { rows, fieldOf };
}

/** Rewrites `instances[3].tenure` problems into the request's own field paths, merging repeats. */
function renameProblems(error: InvalidRequestError, fieldOf: (row: number, feature: string) => string): InvalidRequestError {
  const seen = new Set<string>();
  const problems: FieldProblem[] = [];
  for (const problem of error.problems) {
    const match = /^instances\[(\d+)\](?:\.(.+))?$/.exec(problem.field);
    let field = problem.field;
    if (match !== null && match[2] === undefined) {
      field = `inputs[0].data[${match[1]}]`;
    } else if (match !== null) {
      field = fieldOf(Number(match[1]), match[2] as string);
    }
    const key = `${field}\u0000${problem.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push({ field, message: problem.message });
    }
  }
  return InvalidRequestError.forProblems(problems);
}

function flattenColumn(data: unknown[]): unknown[] {
  return data.every((value) => Array.isArray(value) && value.length === 1) ? data.map((value) => (value as unknown[])[0]) : data;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
