/**
 * What the route modules of the review workspace share: the zod schemas of path parameters and posted
 * forms (checked by the schema type provider, fastify-type-provider-zod, before a handler runs: a path
 * parameter that does not match answers 400 「请求参数无效。」), HTML replies and number masking by role.
 */
import type { FastifyInstance, FastifyReply, preHandlerHookHandler } from 'fastify';
import { z } from 'zod';
import { maskText } from '../../domain/privacy.js';
import type { Config } from '../../infra/config.js';
import type { User } from '../../domain/user.js';

/** A recording id: 40 lower-case hex digits (the SHA-1 the pipeline gives a recording). */
export const RECORDING_ID = /^[0-9a-f]{40}$/;

/** A database id in a path (findings, appeals, ruleset versions): 1–15 digits, as a number. */
export const rowId = z
  .string()
  .regex(/^[0-9]{1,15}$/)
  .transform(Number);

/** `/calls/:id/…`: the recording id. */
export const callParams = z.object({ id: z.string().regex(RECORDING_ID) });

/** `/calls/:id/findings/:fid/…`: the recording id and the finding id (a number). */
export const findingParams = z.object({ id: z.string().regex(RECORDING_ID), fid: rowId });

/**
 * The CSRF check of @fastify/csrf-protection (registered by web/plugins/security.ts) as the preHandler of a
 * route that takes a posted form: a failed check answers 403 before the handler runs. It calls
 * `app.csrfProtection` through `app` instead of handing over the decorator as an unbound method.
 */
export function csrfCheck(app: FastifyInstance): preHandlerHookHandler {
  return (req, reply, done) => app.csrfProtection(req, reply, done);
}

/**
 * One field of a form or query string as the handlers read it: the string, else absent (a missing field,
 * and a field sent twice, which arrives as an array).
 */
export const field = z.string().optional().catch(undefined);

/**
 * A field or query-string parameter as sent, for routes that answer a repeated one differently from a
 * missing one: a string (sent once), an array of strings (sent several times), or absent.
 */
export const sentField = z.union([z.string(), z.array(z.string())]).optional();

/** A field that may be sent several times (check boxes): its string values, none when missing. */
export const fieldList = z
  .unknown()
  .optional()
  .transform((v) => (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string'));

/**
 * A posted form (application/x-www-form-urlencoded): `shape` and the CSRF token field `_csrf` (read by the
 * security plugin's CSRF check); other fields are dropped. A missing or non-object body reads as an empty
 * form, so the handler (or the CSRF check) answers it as it answers an incomplete form.
 */
export function form<S extends z.ZodRawShape>(shape: S) {
  return z.preprocess((v) => (v && typeof v === 'object' ? v : {}), z.object({ _csrf: field, ...shape }));
}

/** A query string of `shape` (absent query strings read as empty); other parameters are dropped. */
export function query<S extends z.ZodRawShape>(shape: S) {
  return z.preprocess((v) => (v && typeof v === 'object' ? v : {}), z.object(shape));
}

/** Sends an HTML page with `status` (default 200). */
export function sendHtml(reply: FastifyReply, html: string, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(html);
}

/** The number masking for `user`: none for WEB_UNMASKED_ROLES, else `maskText` (domain/privacy.ts). */
export function maskFor(web: Config['web'], user: User): (text: string) => string {
  return (web.unmaskedRoles as string[]).includes(user.role) ? (t: string) => t : maskText;
}
