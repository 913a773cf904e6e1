/**
 * The page that stands in for the renderer where the UI is not needed (tests of the shell and of
 * packaging) or not present. Static markup only: the CSP forbids inline scripts.
 */
export const PLACEHOLDER_RENDERER_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>CAC Workstation</title>
  </head>
  <body>
    <h1 data-testid="placeholder-title">CAC Workstation</h1>
    <p>The reading interface is not part of this build.</p>
  </body>
</html>
`;
