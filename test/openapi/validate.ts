import { expect } from 'chai';
import { Validator } from '@seriousme/openapi-schema-validator';

/** Asserts that a document is valid OpenAPI 3 (by the official JSON schemas). */
export async function expectValid(spec: unknown): Promise<void> {
  const result = await new Validator().validate(spec as Parameters<Validator['validate']>[0]);
  expect(result.errors, JSON.stringify(result.errors, null, 2)).to.equal(undefined);
  expect(result.valid).to.equal(true);
}
