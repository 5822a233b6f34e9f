/** Checks shared by the model routes. */
import { InvalidRequestError, NotFoundError } from '../../errors.ts';
import type { ModelService } from '../../model/model-service.ts';

export function requireServedModel(service: ModelService, name: string): void {
  if (name !== service.modelName) {
    throw new NotFoundError(`Model "${name}" is not served here; this scorer serves model "${service.modelName}".`);
  }
}

export function requireBatchSize(field: string, rows: number, maxBatchSize: number): void {
  if (rows === 0) {
    throw new InvalidRequestError(`${field} must contain at least one row.`, [{ field, message: 'must not be empty' }]);
  }
  if (rows > maxBatchSize) {
    throw new InvalidRequestError(`${field} has ${rows} rows; the limit is ${maxBatchSize} per request (server.maxBatchSize).`, [
      { field, message: `must have at most ${maxBatchSize} rows` },
    ]);
  }
}
