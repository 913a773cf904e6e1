/** The audit channels' implementations (filled in by the audit work). */
import type { ApiServices } from '../api/handlers.js';

export function createAuditChannels(services: ApiServices) {
  void services;
  return {};
}
