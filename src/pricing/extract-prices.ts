/**
 * Build step (`npm run build`): writes the price data of the pinned
 * `@pydantic/genai-prices` version, indexed, to dist/pricing/builtin-prices.json, so a
 * run reads one small JSON file instead of importing the package. To update
 * prices: bump the package in package.json, `npm install`, `npm run build`.
 */
import { writeFileSync } from 'node:fs';
import { indexSnapshot, readPackageProviders, SNAPSHOT_FILE, writeSnapshotText } from './database.js';

writeFileSync(new URL(`./${SNAPSHOT_FILE}`, import.meta.url), writeSnapshotText(indexSnapshot(await readPackageProviders())));
