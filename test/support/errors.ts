import { expect } from 'chai';

/** The error a promise rejects with (of the given class, by default any Error); fails the test when it resolves. */
export async function rejectionOf<E extends Error = Error>(
  promise: Promise<unknown>,
  errorClass: abstract new (...args: never[]) => E = Error as unknown as new (
    ...args: never[]
  ) => E,
): Promise<E & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(errorClass);
    return error as E & Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}
