import { expect } from 'vitest'
import { WebhookVerificationError, type WebhookVerificationReason } from '../../src/index.ts'

/** Runs `attempt` and returns the `WebhookVerificationError` it throws or rejects with; fails otherwise. */
export async function refusal(attempt: () => unknown): Promise<WebhookVerificationError> {
  let thrown: unknown
  try {
    await attempt()
  } catch (error) {
    thrown = error
  }
  expect(thrown, 'expected a WebhookVerificationError').toBeInstanceOf(WebhookVerificationError)
  return thrown as WebhookVerificationError
}

/** Asserts that `attempt` is refused with `reason` (and `header`, when given). */
export async function expectRefused(
  attempt: () => unknown,
  reason: WebhookVerificationReason,
  header?: string,
): Promise<WebhookVerificationError> {
  const error = await refusal(attempt)
  expect({ reason: error.reason, header: error.header }).toEqual({ reason, header })
  return error
}
