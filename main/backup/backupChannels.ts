/** The backup channels' implementations (filled in by the backup work). */
import type { ApiServices } from '../api/handlers.js';

export function createBackupChannels(services: ApiServices) {
  void services;
  return {};
}
