/**
 * The CLI bundle's one entry (scripts/bundle.mjs → dist/bundle/usage.cjs),
 * which bin/usage.js loads. Each part is imported only when the process needs
 * it, so loading the bundle runs no module's top level; the index writer is
 * only reached by the signal handler (same bundle, same module instance, so
 * it sees the run's temporary files). The statusline has a bundle of its own
 * (./statusline-edge.ts).
 */
export const loadMain = () => import('./main.js');
export const loadIndexFile = () => import('../store/index-file.js');
