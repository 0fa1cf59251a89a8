/**
 * Names come from cards and IdPs: they may hold control characters, bidi overrides that reorder
 * the text around them, or be very long. Every screen shows them through this function (and as
 * text, never as HTML).
 */

// C0/C1 controls, zero-width and bidi embedding/override/isolate marks, line/paragraph separators.
// eslint-disable-next-line no-control-regex
const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

export function safeDisplayText(text: string, maxLength = 80): string {
  // Line breaks and tabs separate words: they become spaces before the rest is stripped.
  const clean = text
    .replace(/[\t\n\v\f\r\u0085\u2028\u2029]+/g, ' ')
    .replace(UNSAFE_TEXT, '')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = Array.from(clean);
  return chars.length > maxLength ? `${chars.slice(0, maxLength - 1).join('')}…` : clean;
}
