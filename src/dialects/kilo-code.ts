/**
 * Kilo Code (VS Code extension `kilocode.kilo-code`), a fork of Roo Code
 * writing the same task files (./vscode-tasks.ts).
 */
import type { DialectModule } from './module.js';
import { isTaskDocument, locateExtensionTasks, readTaskMessages, TASK_FILE_NAMES } from './vscode-tasks.js';

export const kiloCode: DialectModule<'kilo-code'> = {
  name: 'kilo-code',
  agent: 'kilo-code',
  title: 'Kilo Code',
  description: 'Kilo Code task files (ui_messages.json): api_req_started messages with tokens, cache reads/writes and cost',
  reader: 'document',
  fileNames: TASK_FILE_NAMES,
  locations: (environment) => locateExtensionTasks(environment, 'kilocode.kilo-code', 'Kilo Code'),
  markers: [],
  detect: (value) => isTaskDocument(value),
  readDocument: (document, file) => readTaskMessages('kilo-code', document, file),
  docs: 'record.md#cline-roo-code-and-kilo-code',
  fixture: 'fixtures/logs/kilo-code',
};
