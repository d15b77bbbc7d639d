import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ApiError, plainWords } from '../src/api.js';
import { ErrorText } from '../src/components/ErrorText.js';
import { ShowOnce } from '../src/components/ShowOnce.js';

describe('dashboard components', () => {
  it('the show-once dialog shows the key, a copy button and the warning that it is shown once', () => {
    const html = renderToStaticMarkup(<ShowOnce secret="kw_sk_live_example" onClose={() => {}} />);
    expect(html).toContain('value="kw_sk_live_example"');
    expect(html).toMatch(/<button[^>]*>Copy<\/button>/);
    expect(html).toContain('This is the only time it is shown.');
    expect(html).toMatch(/<label for="new-secret">Key<\/label>/);
  });

  it('a problem+json error reads in plain words, with the fields it names', () => {
    const err = new ApiError({ code: 'VALIDATION_FAILED', title: 'The request does not match the schema', status: 400, errors: [{ pointer: '/body/name', message: 'must NOT have fewer than 1 characters' }] });
    expect(plainWords(err)).toBe('Some fields are not valid. Name: must NOT have fewer than 1 characters.');
    expect(plainWords(new ApiError({ code: 'INSUFFICIENT_PERMISSION', title: 't', status: 403 }))).toBe('Your root key does not have the permission for this.');
    // A code without plain words of its own still reads as a sentence naming the code, with the server's title and detail for context.
    expect(plainWords(new ApiError({ code: 'UPSTREAM_TIMEOUT', title: 'The upstream API did not answer in time', status: 504, detail: 'after 30 s' }))).toBe('The server refused this (UPSTREAM_TIMEOUT): The upstream API did not answer in time. (The server says: after 30 s.)');
    expect(plainWords(new TypeError('fetch failed'))).toMatch(/could not be reached/);
  });

  it('an error is announced as an alert; no error renders nothing', () => {
    expect(renderToStaticMarkup(<ErrorText error={new ApiError({ code: 'CONFLICT', title: 't', status: 409 })} />)).toMatch(/^<p class="error" role="alert">Someone changed this/);
    expect(renderToStaticMarkup(<ErrorText error={undefined} />)).toBe('');
  });
});
