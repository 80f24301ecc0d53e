/**
 * Go `encoding/json` string output: HTML-safe escapes (<, >, & as \u003c…), U+2028/9 escaped,
 * control characters as \u00XX except \n \r \t, everything else raw.
 *
 * @module
 */

const hex = (c: number) => "\\u" + c.toString(16).padStart(4, "0");

export function goJsonString(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | null = null;
    if (c < 0x20) {
      esc = c === 0x0a ? "\\n" : c === 0x0d ? "\\r" : c === 0x09 ? "\\t" : hex(c);
    } else if (c === 0x22) esc = '\\"';
    else if (c === 0x5c) esc = "\\\\";
    else if (c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) esc = hex(c);
    else if (c >= 0xd800 && c <= 0xdfff) {
      // A lone surrogate cannot come from UTF-8 input; Go would print U+FFFD for such bytes.
      const paired =
        c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
      if (paired) {
        i++;
        continue;
      }
      esc = "\ufffd";
    }
    if (esc !== null) {
      out += s.slice(start, i) + esc;
      start = i + 1;
    }
  }
  return out + s.slice(start) + '"';
}
