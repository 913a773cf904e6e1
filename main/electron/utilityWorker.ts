/**
 * Runs the scoring worker as an Electron utilityProcess: a Node process Electron supervises (its
 * crash does not take the window down, and it dies with the app). utilityProcess.fork is injected
 * by main.ts, so this module only needs Electron's types.
 */
import type { utilityProcess } from 'electron';
import type { WorkerMessage } from '../../native-worker/protocol.js';
import type { WorkerLauncher } from '../worker/scoringWorkerClient.js';

export type ForkUtilityProcess = (typeof utilityProcess)['fork'];

export function utilityProcessLauncher(forkUtility: ForkUtilityProcess): WorkerLauncher {
  return (entry, events) => {
    if (entry.endsWith('.ts')) throw new Error(`the app runs the built worker (worker.js), not ${entry}`);
    const child = forkUtility(entry, [], { serviceName: 'CAC scoring worker', stdio: 'inherit' });
    let exited = false;
    child.on('message', (message: unknown) => events.onMessage(message as WorkerMessage));
    child.on('exit', (code: number) => {
      exited = true;
      events.onExit(code, null);
    });
    return {
      // Volumes going in are small requests; volumes coming out are cloned by Electron's IPC.
      post: (request) => {
        if (exited) throw new Error('the scoring worker has exited');
        child.postMessage(request);
      },
      kill: () => {
        if (!exited) child.kill();
      },
      get pid() {
        return child.pid;
      },
    };
  };
}
