/**
 * The API's events (import progress, archive changes, worker crashes, reading changes): one hub
 * that both transports subscribe to, by event name, with typed payloads.
 */
import { EventEmitter } from 'node:events';
import type { CacEventName, CacEvents } from './contract.js';

export type EmitApiEvent = <E extends CacEventName>(name: E, payload: CacEvents[E]) => void;

export class ApiEventHub {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Every window and WebSocket subscribes to every event: more than the default 10 is normal.
    this.emitter.setMaxListeners(0);
  }

  readonly emit: EmitApiEvent = (name, payload) => {
    this.emitter.emit(name, payload);
  };

  on<E extends CacEventName>(name: E, listener: (payload: CacEvents[E]) => void): this {
    this.emitter.on(name, listener as (payload: unknown) => void);
    return this;
  }

  off<E extends CacEventName>(name: E, listener: (payload: CacEvents[E]) => void): this {
    this.emitter.off(name, listener as (payload: unknown) => void);
    return this;
  }
}
