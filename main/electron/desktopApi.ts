/**
 * The API as the desktop app runs it: the services for the data directory, their handler table and
 * event hub, with the scoring worker started as an Electron utilityProcess. The one place main.ts
 * meets main/api, so the shell itself stays independent of how the services are built.
 */
import { createServices } from '../api/createServices.js';
import { createApiHandlers } from '../api/handlers.js';
import type { WorkerLauncher } from '../worker/scoringWorkerClient.js';
import { API_CHANNEL_NAMES } from './apiChannels.js';
import type { ApiEventSource, HandlerTable } from './ipcApi.js';

export interface DesktopApiOptions {
  dataDirectory: string;
  /** The built worker entry (dist/native-worker/worker.js). */
  workerEntry: string;
  workerLauncher: WorkerLauncher;
}

export interface DesktopApi {
  handlers: HandlerTable;
  events: ApiEventSource;
  close(): Promise<void>;
}

export async function openDesktopApi(options: DesktopApiOptions): Promise<DesktopApi> {
  const services = await createServices(options.dataDirectory, { worker: { entry: options.workerEntry, launcher: options.workerLauncher } });
  const apiHandlers = createApiHandlers(services);
  // Only the contract's channels: the table also carries its own housekeeping (readings, shutdown).
  const handlers: HandlerTable = {};
  for (const channel of API_CHANNEL_NAMES.invoke) handlers[channel] = apiHandlers[channel];
  return {
    handlers,
    // The hub is typed by event name; the transport forwards whitelisted names without reading payloads.
    events: services.events as unknown as ApiEventSource,
    async close() {
      await apiHandlers.shutdown();
      await services.close();
    },
  };
}
