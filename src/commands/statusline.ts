/** `usage statusline` through the full CLI (tests, --help); bin/usage.js normally takes the fast path in src/cli/statusline-process.ts. */
export { runStatusline } from '../statusline/run.js';
