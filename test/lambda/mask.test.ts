import { describe, expect, it } from 'vitest';
import { describeError } from '../../lambda/errors';
import { createLogger } from '../../lambda/log';
import { masked, rememberKey } from '../../lambda/mask';

const API_KEY = 'c0ffee00c0ffee00c0ffee00c0ffee00';
const APP_KEY = `${API_KEY}12345678`;

describe('the masking step', () => {
  rememberKey(API_KEY, 'API key');
  rememberKey(APP_KEY, 'application key');

  it('replaces every remembered key wherever it appears, the longer key first', () => {
    expect(masked(`a=${API_KEY}, b=${APP_KEY}; again ${API_KEY}`)).toBe('a=[API key], b=[application key]; again [API key]');
  });

  it('leaves text without a key, and values too short to be keys, alone', () => {
    rememberKey('short', 'API key');
    expect(masked('a short text')).toBe('a short text');
  });

  it('is applied by describeError, to the summaries and thrown messages', () => {
    expect(describeError(new Error(`proxy said: DD-API-KEY ${API_KEY}`))).toBe('Error: proxy said: DD-API-KEY [API key]');
  });

  it('is applied by the logger, to every line and field', () => {
    const lines: string[] = [];
    createLogger('DEBUG', (line) => lines.push(line)).warn(`echo ${API_KEY}`, { reason: `HTTP 500: ${APP_KEY}` });
    expect(lines.join('\n')).not.toMatch(/c0ffee00c0ffee00/);
    expect(JSON.parse(lines[0])).toMatchObject({ message: 'echo [API key]', reason: 'HTTP 500: [application key]' });
  });
});
