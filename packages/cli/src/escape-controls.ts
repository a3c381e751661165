/**
 * C0 controls (U+0000–U+001F), DEL (U+007F) and C1 controls (U+0080–U+009F): ESC and CSI start
 * terminal escape sequences, and the others move the cursor, erase or ring the bell.
 */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g

/**
 * Makes text safe to write to a terminal: every control character becomes a visible escape
 * (`\x1b`, `\x07`, `\x9b`), so a receiver's response body, an error message or a handler name
 * cannot move the cursor, rewrite the screen, set the window title or hide what is printed after
 * it. Text that is to stay on one line should have its line breaks replaced first (tables make
 * them spaces); every line break left is escaped too. `--json` output needs none of this:
 * `JSON.stringify` escapes C0 controls already.
 * @param text - text from outside: stored data, an answer from a server, an error message
 * @returns `text` with each control character written as `\xNN`
 * @example
 * ```ts
 * escapeControls('ok\x1b]0;pwned\x07') // 'ok\\x1b]0;pwned\\x07'
 * ```
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROLS, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}
