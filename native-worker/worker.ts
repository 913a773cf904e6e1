/**
 * Process entry of the scoring worker. It speaks the protocol over whichever channel it was started
 * with: an Electron utilityProcess (process.parentPort), a Node worker thread (parentPort), or a
 * Node child process (process.send, advanced serialization).
 */
import { isMainThread, parentPort as threadPort } from 'node:worker_threads';
import { PROTOCOL_VERSION, type WorkerMessage, type WorkerRequest } from './protocol.js';
import { WorkerCore, type Send } from './workerCore.js';

interface ElectronParentPort {
  on(event: 'message', listener: (event: { data: WorkerRequest }) => void): void;
  postMessage(message: unknown): void;
}

function channel(): { send: Send; listen: (handler: (request: WorkerRequest) => void) => void } {
  const electronPort = (process as unknown as { parentPort?: ElectronParentPort }).parentPort;
  if (electronPort) {
    return { send: (message) => electronPort.postMessage(message), listen: (handler) => electronPort.on('message', (event) => handler(event.data)) };
  }
  if (!isMainThread && threadPort) {
    const port = threadPort;
    return { send: (message, transfer) => port.postMessage(message, transfer ?? []), listen: (handler) => port.on('message', handler) };
  }
  if (process.send) {
    return {
      send: (message: WorkerMessage) => {
        process.send!(message);
      },
      listen: (handler) => process.on('message', (message) => handler(message as WorkerRequest)),
    };
  }
  throw new Error('the scoring worker must be started as a child process, worker thread or utility process');
}

const { send, listen } = channel();
const core = new WorkerCore(send);
listen((request) => {
  void core.handle(request);
});
send({ type: 'ready', version: PROTOCOL_VERSION, pid: process.pid });

// A child process whose parent is gone has nobody to answer: leave instead of lingering.
if (process.send) process.on('disconnect', () => process.exit(0));
