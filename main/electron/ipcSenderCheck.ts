/**
 * Whether an IPC message comes from the app's own page. Electron hands the handler the sender's
 * frame; it must still exist (a frame that navigated away or was destroyed is null), be the
 * top-level frame (no iframe, however it got there) and show an app:// page.
 */
import { isAppUrl } from './appOrigin.js';

/** The part of Electron's WebFrameMain the check reads. */
export interface SenderFrame {
  url: string;
  parent: unknown;
}

export function isTrustedSender(frame: SenderFrame | null | undefined): boolean {
  if (!frame) return false;
  if (frame.parent !== null && frame.parent !== undefined) return false;
  return isAppUrl(frame.url);
}
