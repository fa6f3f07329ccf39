/**
 * Roo Code (VS Code extension `rooveterinaryinc.roo-cline`), a fork of Cline
 * writing the same task files (./vscode-tasks.ts). A custom storage folder
 * chosen in its settings is not known here: name it as a path.
 */
import type { DialectModule } from './module.js';
import { isTaskDocument, locateExtensionTasks, readTaskMessages, TASK_FILE_NAMES } from './vscode-tasks.js';

export const rooCode: DialectModule<'roo-code'> = {
  name: 'roo-code',
  agent: 'roo-code',
  title: 'Roo Code',
  description: 'Roo Code task files (ui_messages.json): api_req_started messages with tokens, cache reads/writes and cost',
  reader: 'document',
  fileNames: TASK_FILE_NAMES,
  locations: (environment) => locateExtensionTasks(environment, 'rooveterinaryinc.roo-cline', 'Roo Code'),
  markers: [],
  detect: (value) => isTaskDocument(value),
  readDocument: (document, file) => readTaskMessages('roo-code', document, file),
  docs: 'record.md#cline-roo-code-and-kilo-code',
  fixture: 'fixtures/logs/roo-code',
};
