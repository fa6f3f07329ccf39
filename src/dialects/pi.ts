/**
 * pi, the coding agent of badlogic/pi-mono: session files under
 * `~/.pi/agent/sessions/<encoded cwd>/<time>_<session id>.jsonl`
 * (`PI_CODING_AGENT_DIR` moves the agent folder). The mapping is shared with
 * OpenClaw, which writes the same files (./pi-sessions.ts).
 */
import { join } from 'node:path';
import type { DialectModule } from './module.js';
import { createPiParser, isPiSessionLine, PI_MARKERS } from './pi-sessions.js';

export const pi: DialectModule<'pi'> = {
  name: 'pi',
  agent: 'pi',
  title: 'pi',
  description: 'pi coding-agent sessions: assistant messages with pi-ai usage (fresh input, cache reads and writes, cost)',
  reader: 'jsonl',
  locations: (environment) => {
    const custom = environment.variables['PI_CODING_AGENT_DIR'];
    if (custom) return [{ path: join(custom, 'sessions'), description: 'pi ($PI_CODING_AGENT_DIR)' }];
    return [{ path: join(environment.home, '.pi', 'agent', 'sessions'), description: 'pi' }];
  },
  markers: PI_MARKERS,
  detect: isPiSessionLine,
  createParser: (file, savedState) => createPiParser('pi', file, savedState),
  docs: 'record.md#pi',
  fixture: 'fixtures/logs/pi',
};
