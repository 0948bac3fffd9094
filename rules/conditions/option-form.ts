/** `{ option: centreNames }`: one of the centre names passed in `AnalyzeOptions.centreNames` occurs. */
import { z } from 'zod';
import { soundKey } from '../../text/normalize.js';
import { MATCH_QUALITY, soundOf } from './match.js';
import { check, type FormCompiler } from './form.js';

const optionSchema = z.strictObject({ option: z.literal('centreNames') });

/**
 * Compiles `{ option: centreNames }`: an exact hit on the first centre name (`MatchContext.centreNames`, in
 * order) found as written, else a `homophone` hit on one found by sound (names of two or more characters).
 */
export const compileOption: FormCompiler = (raw, path) => {
  check(optionSchema, raw, path);
  return (t, ctx) => {
    for (const name of ctx.centreNames) {
      const i = name ? t.norm.indexOf(name) : -1;
      if (i >= 0) return { start: i, end: i + name.length, match: 'exact', quality: MATCH_QUALITY.exact };
    }
    // By sound: an ASR homophone in the name (县婚因登记处).
    for (const name of ctx.centreNames) {
      const i = name.length >= 2 ? soundOf(t).indexOf(soundKey(name)) : -1;
      if (i >= 0) return { start: i, end: i + name.length, match: 'homophone', quality: MATCH_QUALITY.homophone };
    }
    return null;
  };
};
