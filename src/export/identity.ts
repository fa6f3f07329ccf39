/**
 * Record identity: a stable hash that is the same for the same record
 * wherever and however often it is exported, and differs between distinct
 * records. Two sources of uniqueness, in order:
 *
 * 1. A provider request id (Claude's `requestId`, an OpenAI response `id`,
 *    OTel `gen_ai.response.id`): the API assigned it to exactly one call, so
 *    dialect + session + model + request id names the call even when a later
 *    copy of the line carries larger counts (a streamed message written
 *    again); readers of exports keep the copy with the largest total.
 * 2. Otherwise the record's whole content: every canonical field except
 *    `machine`. The file path, line number and the machine that exported it
 *    are left out on purpose: the same log synced to two machines, or
 *    exported twice, must collide; two distinct calls differ in at least their
 *    time (milliseconds), session or counts.
 *
 * SHA-256 of a JSON array (unambiguous field boundaries), truncated to 128
 * bits (32 hex digits): collisions are out of reach at any realistic volume.
 * The version prefix lets a future rule coexist with old exports.
 */
import { createHash } from 'node:crypto';
import { RECORD_FIELDS } from '../core/fields.js';
import type { UsageRecord } from '../core/record.js';

const IDENTITY_VERSION = 'usage-record-1';

/** Fields of the content identity: everything the log said, not who exported it. */
const CONTENT_FIELDS = RECORD_FIELDS.map((field) => field.name).filter((name) => name !== 'machine');

export function computeRecordId(record: UsageRecord): string {
  const parts: unknown[] =
    record.requestId !== null
      ? [IDENTITY_VERSION, 'request', record.dialect, record.session, record.model, record.requestId]
      : [IDENTITY_VERSION, 'content', ...CONTENT_FIELDS.map((name) => record[name])];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

/** A record id as written: 32 lowercase hex digits. */
export const RECORD_ID_PATTERN = /^[0-9a-f]{32}$/;
