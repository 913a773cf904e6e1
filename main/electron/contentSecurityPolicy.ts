/**
 * The Content-Security-Policy of the app's pages. No remote content at all: scripts, styles, images
 * and connections come from the app's own origin only; no inline script, no eval, no plugins, no
 * frames, no form posts. blob: is allowed for images and workers because vtk.js and canvas exports
 * make them from in-memory volumes, never from the network. Inline styles are allowed, as in the
 * browser-mode host's policy: the same renderer runs under both, and a style the UI library injects
 * must not break the desktop window only (where the e2e tests do not run). Styles cannot run code.
 */
export interface CspOptions {
  /**
   * Extra origins the page may connect to. The browser-mode host adds its own
   * http://127.0.0.1:<port> and ws://127.0.0.1:<port>; the Electron window adds nothing (IPC only).
   */
  connectSources?: readonly string[];
}

export function contentSecurityPolicy(options: CspOptions = {}): string {
  for (const source of options.connectSources ?? []) {
    // A source list entry with a space or ';' would smuggle in another directive.
    if (!/^(https?|wss?):\/\/(127\.0\.0\.1|localhost|\[::1\]):\d{1,5}$/.test(source)) {
      throw new Error(`connect source ${JSON.stringify(source)} is not a loopback origin`);
    }
  }
  const directives: Array<[string, string[]]> = [
    ['default-src', ["'none'"]],
    ['script-src', ["'self'"]],
    ['style-src', ["'self'", "'unsafe-inline'"]],
    ['img-src', ["'self'", 'data:', 'blob:']],
    ['font-src', ["'self'"]],
    ['connect-src', ["'self'", ...(options.connectSources ?? [])]],
    ['worker-src', ["'self'", 'blob:']],
    ['object-src', ["'none'"]],
    ['frame-src', ["'none'"]],
    ['frame-ancestors', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'none'"]],
  ];
  return directives.map(([name, sources]) => `${name} ${sources.join(' ')}`).join('; ');
}
