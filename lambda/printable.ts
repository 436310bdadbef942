/**
 * The one rule for text from AWS or Datadog that reaches a terminal or a log read raw: a budget
 * name may hold ESC sequences (AWS allows them) that retitle the window, clear the screen or
 * draw a fake "All checks passed". No imports: the function, its logs and the tool all use it.
 */

/**
 * C0 controls but newline and tab, DEL, C1 controls (U+009B is a one-character CSI on some
 * terminals), line and paragraph separators, and the bidi controls that reorder what is shown.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with every control character written as its `\uXXXX` escape: visible, inert, and the
 * same escape JSON uses, so a JSON document stays valid and means the same.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
