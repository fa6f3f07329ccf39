/**
 * Build step (`npm run build`): writes the price data of the pinned
 * `@pydantic/genai-prices` version to dist/pricing/builtin-prices.json, so a
 * run reads one small JSON file instead of importing the package. To update
 * prices: bump the package in package.json, `npm install`, `npm run build`.
 */
import { writeFileSync } from 'node:fs';
import { readPackageProviders, SNAPSHOT_FILE } from './database.js';

const snapshot = await readPackageProviders();
writeFileSync(new URL(`./${SNAPSHOT_FILE}`, import.meta.url), JSON.stringify(snapshot));
