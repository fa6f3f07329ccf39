/**
 * OpenClaw: one folder per agent, its transcripts in
 * `~/.openclaw/agents/<agent id>/sessions/<session id>.jsonl`, written by pi's
 * session manager, so the lines are pi's and so is the mapping
 * (./pi-sessions.ts). `OPENCLAW_STATE_DIR` moves the state folder; before the
 * rename OpenClaw lived in `~/.clawdbot`. Soft-deleted (`*.jsonl.deleted.*`)
 * and repair backups (`*.bak-*`) do not end in `.jsonl` and are not read.
 */
import { join } from 'node:path';
import type { DialectModule } from './module.js';
import { createPiParser, isPiSessionLine, PI_MARKERS } from './pi-sessions.js';

export const openclaw: DialectModule<'openclaw'> = {
  name: 'openclaw',
  agent: 'openclaw',
  title: 'OpenClaw',
  description: 'OpenClaw agent transcripts (pi session lines): assistant messages with usage and cost',
  reader: 'jsonl',
  locations: (environment) => {
    const custom = environment.variables['OPENCLAW_STATE_DIR'];
    if (custom) return [{ path: join(custom, 'agents'), description: 'OpenClaw ($OPENCLAW_STATE_DIR)' }];
    return [
      { path: join(environment.home, '.openclaw', 'agents'), description: 'OpenClaw' },
      { path: join(environment.home, '.clawdbot', 'agents'), description: 'OpenClaw (legacy ~/.clawdbot)' },
    ];
  },
  markers: PI_MARKERS,
  // The lines cannot be told from pi's: which of the two reads a file is decided by where it was found.
  detect: isPiSessionLine,
  createParser: (file, savedState) => createPiParser('openclaw', file, savedState),
  docs: 'record.md#openclaw',
  fixture: 'fixtures/logs/openclaw',
};
