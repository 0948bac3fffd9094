/**
 * The review queue's filter as it travels in query strings and forms: read and checked with zod (a bad value
 * is left out and named), and carried from the queue to the call page and back (`back` form field), so an
 * officer who opens a call from a filtered queue returns to the same filtered queue and goes on to the next
 * call of it.
 */
import { z } from 'zod';
import { STATUS_FILTERS, type QueueFilter } from '../infra/db/reviews-repository.js';
import { sentField } from './routes/common.js';

/** A calendar date `yyyy-mm-dd`, years 1000–2999, that exists (not 2026-02-30), so PostgreSQL accepts it too. */
const dateString = z
  .string()
  .regex(/^[12]\d{3}-\d{2}-\d{2}$/)
  .refine((s) => {
    const [y, m, d] = s.split('-').map(Number) as [number, number, number];
    const date = new Date(Date.UTC(y, m - 1, d));
    return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
  });
const queryField = {
  from: dateString,
  to: dateString,
  agent: z.string().max(100),
  line: z.string().max(100),
  rule: z.string().regex(/^([a-z_]{3,40}|B\d{2})$/),
  status: z.enum(STATUS_FILTERS),
  minScore: z.coerce.number().int().min(0).max(100),
  maxScore: z.coerce.number().int().min(0).max(100),
  q: z.string().trim().max(100),
  assigned: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
};

/** Chinese names of the queue filters, for the notice about ignored ones. */
const FILTER_NAMES: Record<keyof typeof queryField, string> = {
  from: '开始日期',
  to: '结束日期',
  agent: '坐席',
  line: '线路',
  rule: '规则',
  status: '状态',
  minScore: '最低分',
  maxScore: '最高分',
  q: '文本',
  assigned: '分配',
};

/** The queue filter's parameters of a query string, as sent (the schema of routes that take a filter). */
export const queueFilterFields = Object.fromEntries(Object.keys(queryField).map((k) => [k, sentField])) as Record<
  keyof typeof queryField,
  typeof sentField
>;

/** The queue filter's parameters as routes receive them (see {@link queueFilterFields}). */
export type QueueFilterQuery = { [K in keyof typeof queryField]?: string | string[] };

/**
 * Reads the queue filter from a query string; invalid or empty values (a repeated parameter too) are left
 * out, and the names of the invalid ones (Chinese, {@link FILTER_NAMES}) are pushed to `invalid` when given.
 */
export function parseQueueFilter(query: QueueFilterQuery, invalid?: string[]): QueueFilter {
  const f: Record<string, unknown> = {};
  for (const [k, schema] of Object.entries(queryField)) {
    const v = query[k as keyof typeof queryField];
    if (v === undefined || v === '') continue;
    const parsed = typeof v === 'string' ? (schema as z.ZodType).safeParse(v) : undefined;
    if (parsed?.success && parsed.data !== '') f[k] = parsed.data;
    else if (!parsed?.success) invalid?.push(FILTER_NAMES[k as keyof typeof queryField]);
  }
  // Each key of `f` is one of queryField's, holding what its schema parsed: a QueueFilter.
  return f;
}

/**
 * The queue filter a form carried in its `back` field (a query string written by the call page, at most
 * 2,000 characters), checked like a query.
 */
export function backFilter(back: string | undefined): QueueFilter {
  return parseQueueFilter(back !== undefined && back.length <= 2000 ? Object.fromEntries(new URLSearchParams(back)) : {});
}
