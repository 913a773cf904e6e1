/** Calling the handler table in tests: the answer of a channel that must succeed, or the typed error of one that must fail. */
import type { ApiError, ApiResult, CacResponse, Channel } from '../../main/api/contract.js';
import type { createApiHandlers } from '../../main/api/handlers.js';

export type Handlers = ReturnType<typeof createApiHandlers>;

export async function call<C extends Channel>(handlers: Handlers, channel: C, request?: unknown): Promise<CacResponse<C>> {
  const result = (await handlers[channel](request)) as ApiResult<CacResponse<C>>;
  if (!result.ok) throw new Error(`${channel} failed: ${result.error.code}: ${result.error.message}`);
  return result.value;
}

export async function failure(handlers: Handlers, channel: Channel, request: unknown): Promise<ApiError> {
  const result = await handlers[channel](request);
  if (result.ok) throw new Error(`${channel} was expected to fail but answered ${JSON.stringify(result.value).slice(0, 200)}`);
  return result.error;
}
