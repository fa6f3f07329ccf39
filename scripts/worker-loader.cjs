// dist/bundle/worker.js (copied there by scripts/bundle.mjs): the file the ingest pool starts
// in each worker thread. It compiles worker-body.cjs with the V8 code cache beside it, as
// bin/usage.js compiles the CLI bundle, so a worker neither parses nor compiles the functions
// a scan calls.
'use strict';
const { readFileSync } = require('node:fs');
const { Script } = require('node:vm');

const file = `${__dirname}/worker-body.cjs`;
let cachedData;
try {
  cachedData = readFileSync(`${__dirname}/worker.cache`);
} catch {
  // No cache: compile from source.
}
// ASCII (scripts/bundle.mjs escapes the rest): latin1 makes the string without UTF-8 decoding.
const script = new Script(readFileSync(file, 'latin1'), { filename: file, cachedData });
const target = process.env.USAGE_WORKER_CODE_CACHE_OUT;
if (target) writeCodeCacheWhenDone(target, cachedData !== undefined);
script.runInThisContext()(exports, require, module, file, __dirname);

/**
 * For scripts/code-cache.mjs: the cache, with every function this worker compiled, written to
 * `target` when the worker reports that it is done (the pool then ends it with terminate(),
 * which runs no exit handler). Written under a name of its own, then renamed: every worker of
 * the run writes the same file.
 */
function writeCodeCacheWhenDone(target, given) {
  if (given && script.cachedDataRejected) {
    process.stderr.write('usage: V8 refused the worker code cache\n');
    return;
  }
  const { writeFileSync, renameSync } = require('node:fs');
  const { parentPort, threadId } = require('node:worker_threads');
  const post = parentPort.postMessage.bind(parentPort);
  parentPort.postMessage = (reply, transfer) => {
    if (reply.type === 'done') {
      writeFileSync(`${target}.${threadId}`, script.createCachedData());
      renameSync(`${target}.${threadId}`, target);
    }
    post(reply, transfer);
  };
}
