/**
 * Under c8 (`NODE_V8_COVERAGE` set), each mocha worker writes its coverage after every test file
 * (`v8.takeCoverage()`, Node's public API), so that a worker the pool stops at the end of a
 * parallel run cannot take its unwritten coverage with it.
 */
import { takeCoverage } from 'node:v8';

export const mochaHooks = {
  afterAll(): void {
    if (process.env.NODE_V8_COVERAGE) takeCoverage();
  },
};
