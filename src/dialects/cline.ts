/**
 * Cline (VS Code extension `saoudrizwan.claude-dev`): task files in the
 * editor's global storage, read with the mapping shared by its forks
 * (./vscode-tasks.ts). Cline's own CLI keeps tasks in `~/.cline/data/tasks`
 * (`CLINE_DIR` moves `~/.cline`).
 */
import { join } from 'node:path';
import type { DialectModule } from './module.js';
import { isTaskDocument, locateExtensionTasks, readTaskMessages, TASK_FILE_NAMES } from './vscode-tasks.js';

export const cline: DialectModule<'cline'> = {
  name: 'cline',
  agent: 'cline',
  title: 'Cline',
  description: 'Cline task files (ui_messages.json): api_req_started messages with tokens in/out, cache reads/writes and cost',
  reader: 'document',
  fileNames: TASK_FILE_NAMES,
  locations: (environment) => [
    ...locateExtensionTasks(environment, 'saoudrizwan.claude-dev', 'Cline'),
    {
      path: join(environment.variables['CLINE_DIR'] || join(environment.home, '.cline'), 'data', 'tasks'),
      description: 'Cline CLI',
    },
  ],
  markers: [],
  detect: (value) => isTaskDocument(value),
  readDocument: (document, file) => readTaskMessages('cline', document, file),
  docs: 'record.md#cline-roo-code-and-kilo-code',
  fixture: 'fixtures/logs/cline',
};
