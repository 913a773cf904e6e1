/**
 * Where the app's windows may go. The reading view is a single page: it may reload itself or move
 * between its own app:// pages, and nothing else. Links to the web, file:// URLs and window.open
 * are refused and nothing is opened externally (the workstation is offline; a link in a DICOM
 * description must not become a browser launch).
 */
import { isAppUrl } from './appOrigin.js';

export function isAllowedNavigation(url: string): boolean {
  return isAppUrl(url);
}

/** window.open, target=_blank and middle clicks: always refused, for any URL. */
export function windowOpenDecision(_url: string): { action: 'deny' } {
  return { action: 'deny' };
}
