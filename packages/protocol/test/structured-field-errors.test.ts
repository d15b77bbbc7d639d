import { describe, expect, it } from 'vitest';
import { isInnerList, parseDictionary, parseItem, parseList, StructuredFieldError } from '../src/structured-fields.js';

/**
 * What each refusal says, and where. The httpwg corpus (structured-field-tests.test.ts) checks
 * that every bad input fails; these messages are what a verifier's MALFORMED_HEADERS reason carries
 * into logs and metrics, so they are pinned too.
 */
const parse = { dict: parseDictionary, list: parseList, item: parseItem } as const;

describe('StructuredFieldError messages', () => {
  it.each([
    ['dict', 'A=1', 'expected a key at offset 0'],
    ['dict', 'a=1;B', 'expected a key at offset 4'],
    ['item', '@', 'expected an item at offset 0'],
    ['item', '-a', 'expected a digit at offset 1'],
    ['item', '1234567890123456', 'integer too long at offset 16'],
    ['item', '1234567890123.1', 'decimal too long at offset 13'],
    ['item', '1.', 'bad decimal fraction at offset 2'],
    ['item', '1.1234', 'bad decimal fraction at offset 6'],
    ['item', '"a\u0001"', 'bad string character at offset 2'],
    ['item', '"\u00e9"', 'bad string character at offset 1'],
    ['item', '"a\\"\u0001"', 'bad string character at offset 5'],
    ['item', '"a\\"\u00e9"', 'bad string character at offset 5'],
    ['item', '"abc', 'unterminated string at offset 4'],
    ['item', '"a\\"bc', 'unterminated string at offset 6'],
    ['item', '"a\\b"', 'bad escape at offset 4'],
    ['item', ':abc', 'unterminated byte sequence at offset 1'],
    ['item', ':abc:', 'bad base64 at offset 1'],
    ['item', ':ab=c:', 'bad base64 at offset 1'],
    ['item', ':a===:', 'bad base64 at offset 1'],
    ['item', ':a!==:', 'bad base64 at offset 6'],
    ['item', '?2', 'bad boolean at offset 2'],
    ['list', '1 2', 'expected , at offset 2'],
    ['list', '1,', 'trailing comma at offset 2'],
    ['list', '1, ', 'trailing comma at offset 3'],
    ['list', '(1,2)', 'expected space or ) in inner list at offset 2'],
    ['dict', 'a=1, a=2', 'duplicate key "a" at offset 6'],
    ['item', '1 x', 'trailing characters at offset 2'],
    ['item', ':====:', 'bad base64 at offset 1'],
    ['item', '"a"\t', 'trailing characters at offset 3'],
  ] as const)('%s %j: %s', (kind, text, message) => {
    expect(() => parse[kind](text)).toThrow(new StructuredFieldError(message));
    expect(() => parse[kind](text)).toThrow(StructuredFieldError);
  });
});

/**
 * canonicalText is a promise that the inner list's text is its canonical serialisation (the
 * signature base then uses it as received). Each way a text can differ clears it.
 */
describe('canonicalText of an inner list', () => {
  const text = (field: string, key = 'a') => {
    const member = parseDictionary(field).find(([k]) => k === key)![1];
    return isInnerList(member) ? member.canonicalText : 'not an inner list';
  };
  it.each([
    'a=("x" "y")',
    'a=()',
    'a=("x");k',
    'a=("x");k;m=1',
    'a=("x";p=1 "y");k="v"',
    'a=(0 10 -1)',
    'a=("\\"~")',
  ])('%s is canonical', (field) => {
    expect(text(field)).toBe(field.slice(2));
  });

  it.each([
    ['a leading space', 'a=( "x")'],
    ['a space before )', 'a=("x" )'],
    ['two spaces between items', 'a=("x"  "y")'],
    ['a space after ;', 'a=("x"); k=1'],
    [';k=?1', 'a=("x");k=?1'],
    ['a repeated parameter', 'a=("x");k=1;k=2'],
    ['a leading zero', 'a=(01)'],
    ['negative zero', 'a=(-0)'],
    ['a decimal', 'a=(1.5)'],
  ])('%s is not canonical', (_name, field) => {
    expect(text(field)).toBeUndefined();
  });

  it('each inner list is judged on its own', () => {
    expect(text('a=( "x"), b=("y")', 'b')).toBe('("y")');
    expect(text('a=("x"), b=( "y")', 'a')).toBe('("x")');
  });
});
