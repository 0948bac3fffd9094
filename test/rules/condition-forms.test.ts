/**
 * The condition compilers one form at a time, and the matching they share (phrases as written, by sound, within
 * edits, with exceptions; n-gram similarity), called directly rather than through a ruleset.
 */
import { describe, expect, it } from 'vitest';
import { compileCondition } from '../../rules/conditions.js';
import { RulesetPathError, type CompileEnv, type Path } from '../../rules/conditions/form.js';
import { compileAnd, compileNot, compileOr, compileRef } from '../../rules/conditions/logic-forms.js';
import type { Hit, Matcher, MatchText } from '../../rules/conditions/match.js';
import { compileOption } from '../../rules/conditions/option-form.js';
import { compileAll, compileAny, compileAtLeast, compileNone } from '../../rules/conditions/phrase-forms.js';
import { approxFind, covered, exceptionSpans, findPhrase, prepareExcepts, preparePhrases } from '../../rules/conditions/phrase-match.js';
import { compileRegexCondition } from '../../rules/conditions/regex-form.js';
import { compileSimilarTo } from '../../rules/conditions/similar-form.js';
import { bestSimilarity, ngrams, prepareExamples } from '../../rules/conditions/similarity.js';
import { charSoundIds } from '../../text/normalize.js';

const noRefs = (name: string, path: Path): Matcher => {
  throw new RulesetPathError(path, `unknown condition "${name}"`);
};
const env: CompileEnv = { resolveRef: noRefs, meaning: null, compile: (raw, path) => compileCondition(raw, path, noRefs) };
const ctx = { centreNames: [] as string[] };
/** A fresh utterance (its sound caches empty) with normalised text `norm`. */
const text = (norm: string): MatchText => ({ norm });
const hit = (m: Matcher, norm: string, c = ctx): Hit | null => m(text(norm), c);
/** The error a compile throws, as `path: message`. */
const compileError = (compile: () => unknown): string => {
  try {
    compile();
  } catch (error) {
    if (error instanceof RulesetPathError) return `${error.path.join('.')}: ${error.message}`;
    throw error;
  }
  throw new Error('compiled without error');
};

describe('phrase forms', () => {
  it('any: the first listed phrase that occurs, exact, or a homophone with lower quality', () => {
    const m = compileAny({ any: ['再见', '拜拜'] }, ['c'], env);
    expect(hit(m, '好的，拜拜，再见')).toEqual({ start: 6, end: 8, match: 'exact', quality: 1 });
    expect(hit(m, '好，在见')).toEqual({ start: 2, end: 4, match: 'homophone', quality: 0.85 });
    expect(hit(compileAny({ any: ['再见'], pinyin: false }, ['c'], env), '好，在见')).toBeNull();
  });

  it('all and atLeast: enough phrases, the span of the earliest, the quality of the least certain', () => {
    const all = compileAll({ all: ['身份证', '户口本'] }, ['c'], env);
    expect(hit(all, '带上户口本和身份证')).toMatchObject({ start: 2, end: 5, match: 'exact' });
    expect(hit(all, '带上身份证')).toBeNull();
    const two = compileAtLeast({ atLeast: 2, of: ['牌子', '自己', '看'] }, ['c'], env);
    expect(hit(two, '墙上有牌子，自己看')).toMatchObject({ start: 3, end: 5 });
    expect(hit(two, '墙上有牌子')).toBeNull();
    expect(compileError(() => compileAtLeast({ atLeast: 4, of: ['牌子', '自己', '看'] }, ['c'], env))).toBe(
      'c.atLeast: atLeast 4 is more than the 3 phrases listed',
    );
  });

  it('none: an empty hit when no phrase occurs, as written or by sound', () => {
    const m = compileNone({ none: ['再见'] }, ['c'], env);
    expect(hit(m, '好的')).toEqual({ start: 0, end: 0, match: 'exact', quality: 1 });
    expect(hit(m, '在见')).toBeNull();
  });

  it('refuses an empty list and an unknown key at their paths', () => {
    expect(compileError(() => compileAny({ any: [] }, ['c'], env))).toBe('c.any: the phrase list is empty');
    expect(compileError(() => compileAny({ any: ['好'], sound: true }, ['c'], env))).toMatch(/^c: /);
  });
});

describe('regex form', () => {
  it('matches as written, by sound, and is cancelled by unless and by an exception covering the hit', () => {
    const m = compileRegexCondition({ regex: '就这样吧?', unless: '先', except: ['不是就这样'] }, ['c'], env);
    expect(hit(m, '好，就这样吧')).toEqual({ start: 2, end: 6, match: 'exact', quality: 1 });
    expect(hit(m, '好，就这养吧')).toMatchObject({ start: 2, end: 6, match: 'homophone' });
    expect(hit(m, '先就这样吧')).toBeNull();
    expect(hit(m, '也不是就这样')).toBeNull();
    expect(hit(compileRegexCondition({ regex: '就这样', sound: false }, ['c'], env), '就这养')).toBeNull();
  });

  it('names the path of an invalid expression', () => {
    expect(compileError(() => compileRegexCondition({ regex: '(' }, ['rules', 0, 'when'], env))).toMatch(
      /^rules\.0\.when\.regex: invalid regular expression/,
    );
  });
});

describe('similarTo form', () => {
  it('hits the most similar clause or pair of clauses at or above the threshold, quality 0.65 × cosine', () => {
    const m = compileSimilarTo({ similarTo: ['这个不归我们管'], threshold: 0.6 }, ['c'], env);
    const h = hit(m, '嗯，这个事情不归我们管');
    expect(h).toMatchObject({ start: 2, end: 11, match: 'similar' });
    expect(h!.quality).toBeGreaterThan(0.39);
    expect(h!.quality).toBeLessThan(0.65);
    expect(hit(m, '您带上身份证过来办理')).toBeNull();
  });
});

describe('logic and lookup forms', () => {
  const a = { any: ['下班'] };
  const b = { any: ['抱歉'] };
  it('and / or / not over sub-conditions compiled at their paths', () => {
    expect(hit(compileAnd({ and: [a, b] }, ['c'], env), '抱歉，下班了')).toMatchObject({ start: 0, end: 2 });
    expect(hit(compileAnd({ and: [a, b] }, ['c'], env), '下班了')).toBeNull();
    expect(hit(compileOr({ or: [b, a] }, ['c'], env), '下班了')).toMatchObject({ start: 0, end: 2 });
    expect(hit(compileNot({ not: b }, ['c'], env), '下班了')).toEqual({ start: 0, end: 0, match: 'exact', quality: 1 });
    expect(hit(compileNot({ not: a }, ['c'], env), '下班了')).toBeNull();
    expect(compileError(() => compileAnd({ and: [a, { anyy: [] }] }, ['c'], env))).toMatch(/^c\.and\.1: unknown condition/);
    expect(compileError(() => compileOr({ or: [] }, ['c'], env))).toBe('c.or: or needs a non-empty list of conditions');
    expect(compileError(() => compileNot({ not: a, any: ['x'] }, ['c'], env))).toBe('c: not takes no other keys (found not, any)');
  });

  it('ref resolves through the environment; option reads the centre names of the call', () => {
    const named = compileAny(a, ['n'], env);
    expect(compileRef({ ref: 'closing' }, ['c'], { ...env, resolveRef: () => named })).toBe(named);
    expect(compileError(() => compileRef({ ref: 'closing' }, ['c'], env))).toBe('c.ref: unknown condition "closing"');
    const option = compileOption({ option: 'centreNames' }, ['c'], env);
    expect(hit(option, '您好，县婚姻登记处', { centreNames: ['县婚姻登记处'] })).toMatchObject({ start: 3, end: 9, match: 'exact' });
    expect(hit(option, '您好，县婚因登记处', { centreNames: ['县婚姻登记处'] })).toMatchObject({ start: 3, end: 9, match: 'homophone' });
    expect(hit(option, '您好，县婚姻登记处')).toBeNull();
  });

  it('dispatches each form by its key and refuses a mapping without one', () => {
    expect(hit(compileCondition({ atLeast: 1, of: ['下班'] }, ['c'], noRefs), '下班了')).toMatchObject({ start: 0, end: 2 });
    expect(compileError(() => compileCondition({ sometimes: 1 }, ['c'], noRefs))).toMatch(
      /^c: unknown condition \(keys: sometimes\); expected one of any, all, atLeast, none, regex, similarTo, and, or, not, ref, option, meaning$/,
    );
    expect(compileError(() => compileCondition('下班', ['c'], noRefs))).toMatch(/^c: a condition must be a mapping/);
    expect(compileError(() => compileCondition({ meaning: 'B02' }, ['c'], noRefs))).toBe(
      'c.meaning: a meaning condition needs a meaning file (top-level key meaning:)',
    );
  });
});

describe('phrase matching', () => {
  it('prepares phrases once: normal form, sound characters (and their sound classes, every reading) from two characters up, refusing a phrase too short for maxEdits', () => {
    expect(preparePhrases(['再 見', '好'], true, ['p'])).toEqual([
      {
        norm: '再见',
        chars: ['再', '见'],
        sounds: [['zai'], ['jian', 'xian']],
        soundIds: [charSoundIds('再'), charSoundIds('见')],
        maxEdits: 0,
        clipped: false,
      },
      { norm: '好', chars: null, sounds: null, soundIds: null, maxEdits: 0, clipped: false },
    ]);
    // One id per class: 见's two readings are two classes, and 现 shares one of them.
    expect(new Set(charSoundIds('见')).size).toBe(2);
    expect(charSoundIds('现').filter((id) => charSoundIds('见').includes(id))).toHaveLength(1);
    expect(compileError(() => preparePhrases(['有完没完'], true, ['p'], 2))).toBe(
      'p.0: phrase "有完没完" is too short for maxEdits 2 (needs at least 6 characters and no punctuation)',
    );
    expect(compileError(() => preparePhrases(['。'], true, ['p']))).toBe('p.0: phrase "。" has no letters after normalisation');
  });

  it('finds the leftmost best approximate occurrence within the edits, by sound when asked', () => {
    const chars = '你有完没有完啊'.split('');
    // 有完没 (one deletion) ends before 有完没有完 (one insertion) does.
    expect(approxFind(chars, 0, chars.length, '有完没完', false, 1)).toEqual([1, 4, 1]);
    expect(approxFind(chars, 4, chars.length, '有完没完', false, 1)).toBeNull();
    expect(approxFind(chars, 0, chars.length, '有完没完', false, 0)).toBeNull();
    expect(approxFind('有万没完'.split(''), 0, 4, '有完没完', true, 1)).toEqual([0, 4, 0]);
    expect(approxFind('有万没完'.split(''), 0, 4, '有完没完', false, 1)).toEqual([0, 4, 1]);
  });

  it('finds a phrase as written, by sound, then within edits, outside exception spans', () => {
    const [p] = preparePhrases(['有完没完'], true, ['p'], 1);
    expect(findPhrase(text('你有完没完'), p!, [])).toMatchObject({ start: 1, end: 5, match: 'exact' });
    const edit = findPhrase(text('你有完没有完'), p!, []);
    expect(edit).toMatchObject({ start: 1, end: 4, match: 'edit' });
    expect(edit!.quality).toBeCloseTo(0.7);
    expect(findPhrase(text('有完，没完'), p!, [])).toBeNull();
    const [q] = preparePhrases(['不知道'], true, ['p']);
    const except = prepareExcepts(['如果您不知道', '']);
    expect(except).toHaveLength(1);
    expect(findPhrase(text('如果您不知道怎么填'), q!, except)).toBeNull();
    expect(findPhrase(text('如果您不知道，我也不知道'), q!, except)).toMatchObject({ start: 9, end: 12 });
  });

  it('spans every exception occurrence, as written and by sound; covered means inside one', () => {
    const spans = exceptionSpans(text('如果您不知道，如果您不值道'), prepareExcepts(['如果您不知道']));
    expect(spans).toContainEqual([0, 6]);
    expect(spans).toContainEqual([7, 13]);
    expect(covered(3, 6, spans)).toBe(true);
    expect(covered(5, 8, spans)).toBe(false);
  });
});

describe('n-gram similarity', () => {
  it('counts unigrams and bigrams, never across a clause separator', () => {
    expect([...ngrams('好的，好')]).toEqual([
      ['好', 2],
      ['好的', 1],
      ['的', 1],
    ]);
  });

  it('weighs n-grams by inverse document frequency and scores the best cosine, 0 below the threshold', () => {
    const { examples, idf } = prepareExamples(['这个不归我们管', '您去问民政局']);
    expect(idf.get('这')).toBeCloseTo(1 + Math.log(2));
    expect(bestSimilarity(ngrams('这个不归我们管'), examples, idf, 0.5)).toBeCloseTo(1);
    const partial = bestSimilarity(ngrams('这个事情不归我们管'), examples, idf, 0.5);
    expect(partial).toBeGreaterThan(0.6);
    expect(partial).toBeLessThan(1);
    expect(bestSimilarity(ngrams('营业执照'), examples, idf, 0.5)).toBe(0);
  });
});
