/**
 * Call metadata that may arrive beside a recording as `<key>.json` (contract §4): who took the call,
 * when, and which stereo channel is whom.
 */
import { z } from 'zod';
import { BadInputError } from './errors.js';
import { describeIssues, parseJsonInput } from './json-input.js';

/** Metadata sidecar content. Unknown extra fields are kept and ignored. */
export interface CallMetadata {
  callId?: string;
  agentId?: string;
  /** ISO 8601 with offset. */
  startedAt?: string;
  /** Channel indexes (0-based) of agent and caller in a stereo recording. */
  channels?: { agent: number; customer: number };
  /** Phone line or department, for statistics. */
  line?: string;
}

const metadataSchema = z
  .object({
    callId: z.string().min(1).max(200).optional(),
    agentId: z.string().max(100).optional(),
    startedAt: z.string().datetime({ offset: true }).optional(),
    channels: z
      .object({ agent: z.number().int().min(0).max(7), customer: z.number().int().min(0).max(7) })
      .refine((c) => c.agent !== c.customer, { message: 'agent and customer must be different channels' })
      .optional(),
    line: z.string().max(100).optional(),
  })
  .loose();

/**
 * Parses a metadata sidecar.
 *
 * @param text the sidecar's UTF-8 JSON text
 * @param source object key or file name, named in errors
 * @throws {BadInputError} code `invalid_metadata`
 */
export function parseCallMetadata(text: string, source: string): CallMetadata {
  const result = metadataSchema.safeParse(parseJsonInput(text, source, 'invalid_metadata'));
  if (!result.success) {
    throw new BadInputError('invalid_metadata', `${source}: invalid call metadata: ${describeIssues(result.error.issues)}`);
  }
  return result.data;
}
