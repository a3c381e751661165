import { RioClientError } from '../../src/index.ts'

/** The {@link RioClientError} `promise` rejects with; fails the test when it resolves or rejects otherwise. */
export async function rejection(promise: Promise<unknown>): Promise<RioClientError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof RioClientError) return error
    throw error
  }
  throw new Error('expected a rejection')
}
