/**
 * What must not reach a terminal as it is:
 * - C0 controls (U+0000–U+001F), DEL (U+007F) and C1 controls (U+0080–U+009F): ESC and CSI start
 *   escape sequences, and the others move the cursor, erase or ring the bell;
 * - bidirectional formatting characters (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069):
 *   an RLO reverses the rest of the line in a terminal that lays out bidi text (and wherever the
 *   output is pasted), so `evil\u202Egpj.exe` reads as `evilexe.jpg` and a name can appear to
 *   carry another's URL or status;
 * - the line and paragraph separators (U+2028, U+2029), line breaks for some terminals and editors;
 * - invisible characters that make two names look the same: zero-width space (U+200B), word joiner
 *   and invisible operators (U+2060–U+2064) and the byte order mark (U+FEFF);
 * - lone UTF-16 surrogates, which cannot be written as UTF-8 (they would print as U+FFFD).
 *
 * Zero-width joiners and non-joiners (U+200D, U+200C) are kept: emoji sequences and Persian or Indic
 * words need them.
 */
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|\p{Cs}/gu

/**
 * Makes text safe to write to a terminal: every control character becomes a visible escape
 * (`\x1b`, `\x07`, `\x9b`), and every bidi override, invisible character and lone surrogate a
 * `\uXXXX` escape (`\u202e`), so a receiver's response body, an error message or a handler name
 * cannot move the cursor, rewrite the screen, set the window title, reorder or hide what is
 * printed after it, or pass for another name. Text that is to stay on one line should have its
 * line breaks replaced first (tables make them spaces); every line break left is escaped too.
 * `--json` output needs none of this: `JSON.stringify` escapes C0 controls and lone surrogates,
 * and a JSON reader is not a terminal.
 * @param text - text from outside: stored data, an answer from a server, an error message
 * @returns `text` with each such character written as `\xNN` (up to U+00FF) or `\uXXXX`
 * @example
 * ```ts
 * escapeControls('ok\x1b]0;pwned\x07') // 'ok\\x1b]0;pwned\\x07'
 * escapeControls('evil\u202egpj.exe')  // 'evil\\u202egpj.exe'
 * ```
 */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0)
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`
  })
}
