/**
 * The statusline's bundle entry (scripts/bundle.mjs → dist/bundle/statusline.cjs),
 * which bin/usage.js loads for `usage statusline`: the statusline's modules
 * alone, about half the CLI bundle's functions, so the code cache every
 * statusline run loads is half the size (its warm run: 117 M instructions
 * before, 107 M with its own bundle; `node -e 0` is 78 M). The index writer
 * is this bundle's own, the one a statusline scan writes with, for the signal
 * handler. Arguments that need the full CLI (--help) load usage.cjs after it.
 */
export const loadStatuslineProcess = () => import('./statusline-process.js');
export const loadIndexFile = () => import('../store/index-file.js');
