//! The core's one JSON reader: text to a [`Value`] tree that borrows its
//! strings from the text where they have no escapes, each node with the
//! text it was read from.
//!
//! It accepts and refuses exactly what `serde_json::from_str` does, with
//! the same messages at the same line and column (a port of the parts of
//! serde_json 1.0's `Deserializer<StrRead>` that read text: numbers as its
//! default, not `float_roundtrip`, features read them, the recursion limit
//! of 128), so errors read as before. Tested against serde_json.
//!
//! Why not serde_json itself: every type read through serde's
//! `Deserialize` over it was a copy of serde_json's generic reader in the
//! widget's wasm; one tree read by plain functions is one copy.

mod number;

use std::borrow::Cow;
use std::fmt;

/// A JSON value as read, with `raw`, the text it was read from (without
/// the whitespace around it).
#[derive(Clone, Debug, PartialEq)]
pub struct Value<'a> {
    /// The text of the value.
    pub raw: &'a str,
    /// What the value is.
    pub kind: Kind<'a>,
}

/// The kinds of JSON value, numbers as serde_json classifies them: without
/// `.` or exponent a `U64`, or with a minus an `I64`, else (or when it
/// does not fit) an `F64`.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A non-negative integer.
    U64(u64),
    /// A negative integer.
    I64(i64),
    /// Any other number (`-0` too, as serde_json reads it).
    F64(f64),
    /// A value the reader could read past but not read: a number beyond
    /// `f64` (`1e400`) or a string with a lone surrogate escape
    /// (`"\ud800"`), with serde_json's words for it. serde_json refused
    /// them where it read a value and let them pass where it skipped one;
    /// the core's reader refuses only the field that holds one, so that
    /// one row's odd value does not hide the other rows.
    Invalid(&'static str),
    /// A string, unescaped.
    Str(Cow<'a, str>),
    /// An array.
    Array(Vec<Value<'a>>),
    /// An object's entries in document order, repeated keys included.
    Object(Vec<(Cow<'a, str>, Value<'a>)>),
}

/// Why a text is not JSON: serde_json's message and position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// serde_json's words, e.g. "expected value".
    pub message: &'static str,
    /// 1-based line.
    pub line: usize,
    /// Column: bytes from the start of the line.
    pub column: usize,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at line {} column {}", self.message, self.line, self.column)
    }
}

impl std::error::Error for SyntaxError {}

const EOF_LIST: &str = "EOF while parsing a list";
const EOF_OBJECT: &str = "EOF while parsing an object";
const EOF_STRING: &str = "EOF while parsing a string";
const EOF_VALUE: &str = "EOF while parsing a value";
const EXPECTED_COLON: &str = "expected `:`";
const EXPECTED_LIST_COMMA_OR_END: &str = "expected `,` or `]`";
const EXPECTED_OBJECT_COMMA_OR_END: &str = "expected `,` or `}`";
const EXPECTED_IDENT: &str = "expected ident";
const EXPECTED_VALUE: &str = "expected value";
const INVALID_ESCAPE: &str = "invalid escape";
const INVALID_NUMBER: &str = "invalid number";
const OUT_OF_RANGE: &str = "number out of range";
const CONTROL_CHARACTER: &str = "control character (\\u0000-\\u001F) found while parsing a string";
const KEY_MUST_BE_A_STRING: &str = "key must be a string";
const LONE_SURROGATE: &str = "lone leading surrogate in hex escape";
const TRAILING_COMMA: &str = "trailing comma";
const TRAILING_CHARACTERS: &str = "trailing characters";
const END_OF_HEX_ESCAPE: &str = "unexpected end of hex escape";
const RECURSION_LIMIT: &str = "recursion limit exceeded";

/// Reads `text` as one JSON value (whitespace around it allowed).
///
/// # Errors
/// The first syntax error, as serde_json reports it.
pub fn parse(text: &str) -> std::result::Result<Value<'_>, SyntaxError> {
    read(text, false)
}

/// [`parse`], refusing numbers beyond `f64` and lone surrogate escapes as
/// serde_json does: what `serde_json::Value` reads, exactly (no
/// [`Kind::Invalid`]).
///
/// # Errors
/// The first syntax error, as serde_json reports it.
pub fn parse_strict(text: &str) -> std::result::Result<Value<'_>, SyntaxError> {
    read(text, true)
}

fn read(text: &str, strict: bool) -> std::result::Result<Value<'_>, SyntaxError> {
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        index: 0,
        depth: 128,
        strict,
        items: Vec::new(),
        entries: Vec::new(),
    };
    let value = p.value()?;
    match p.whitespace() {
        Some(_) => Err(p.peek_error(TRAILING_CHARACTERS)),
        None => Ok(value),
    }
}

type Result<T> = std::result::Result<T, SyntaxError>;

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    index: usize,
    /// Containers that may still open (serde_json's recursion limit).
    depth: u32,
    /// What would be [`Kind::Invalid`] is an error.
    strict: bool,
    /// The items and entries of the containers being read, innermost
    /// last: each container takes its own into a vector of exactly its
    /// length when it closes (one allocation, where growing its own
    /// vector reallocated and copied; a 1000-row page reads in about
    /// a fifth less time).
    items: Vec<Value<'a>>,
    entries: Vec<(Cow<'a, str>, Value<'a>)>,
}

/// The index of the first byte at or after `i` that ends a string's plain
/// run: `"`, `\\` or a control character (or the end). Eight bytes at a
/// time (`u64` bit tricks, as serde_json 1.0.1xx skips strings): reading
/// is a third of evaluating a page, and strings most of reading.
fn plain_run_end(bytes: &[u8], mut i: usize) -> usize {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    while let Some(chunk) = bytes.get(i..i + 8) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        // A byte's high bit is set where it is below 0x20, a quote or a
        // backslash; the lowest such is exact (a borrow only runs upward).
        let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
        let found = (x.wrapping_sub(ONES * 0x20) & !x & HIGH)
            | zero(x ^ (ONES * u64::from(b'"')))
            | zero(x ^ (ONES * u64::from(b'\\')));
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while bytes.get(i).is_some_and(|&b| b != b'"' && b != b'\\' && b >= 0x20) {
        i += 1;
    }
    i
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.index).copied()
    }

    fn peek_or_null(&self) -> u8 {
        self.peek().unwrap_or(0)
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.index += 1;
        Some(b)
    }

    fn position_of(&self, i: usize) -> (usize, usize) {
        let before = &self.bytes[..i];
        let start_of_line = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let line = 1 + before[..start_of_line].iter().filter(|&&b| b == b'\n').count();
        (line, i - start_of_line)
    }

    /// An error at the byte just read.
    #[cold]
    fn error(&self, message: &'static str) -> SyntaxError {
        let (line, column) = self.position_of(self.index);
        SyntaxError { message, line, column }
    }

    /// An error at the byte about to be read.
    #[cold]
    fn peek_error(&self, message: &'static str) -> SyntaxError {
        let (line, column) = self.position_of(self.bytes.len().min(self.index + 1));
        SyntaxError { message, line, column }
    }

    fn whitespace(&mut self) -> Option<u8> {
        while let Some(b) = self.peek() {
            if !matches!(b, b' ' | b'\n' | b'\t' | b'\r') {
                return Some(b);
            }
            self.index += 1;
        }
        None
    }

    fn value(&mut self) -> Result<Value<'a>> {
        let Some(peek) = self.whitespace() else {
            return Err(self.peek_error(EOF_VALUE));
        };
        let start = self.index;
        let kind = match peek {
            b'n' => {
                self.index += 1;
                self.ident(b"ull")?;
                Kind::Null
            }
            b't' => {
                self.index += 1;
                self.ident(b"rue")?;
                Kind::Bool(true)
            }
            b'f' => {
                self.index += 1;
                self.ident(b"alse")?;
                Kind::Bool(false)
            }
            b'-' => {
                self.index += 1;
                self.any_number(false)?
            }
            b'0'..=b'9' => self.any_number(true)?,
            b'"' => {
                self.index += 1;
                let mut problem = None;
                let s = self.string(Some(&mut problem).filter(|_| !self.strict))?;
                match problem {
                    Some(message) => Kind::Invalid(message),
                    None => Kind::Str(s),
                }
            }
            b'[' => {
                self.descend()?;
                self.index += 1;
                let items = self.array()?;
                self.depth += 1;
                Kind::Array(items)
            }
            b'{' => {
                self.descend()?;
                self.index += 1;
                let entries = self.object()?;
                self.depth += 1;
                Kind::Object(entries)
            }
            _ => return Err(self.peek_error(EXPECTED_VALUE)),
        };
        Ok(Value { raw: &self.text[start..self.index], kind })
    }

    fn descend(&mut self) -> Result<()> {
        self.depth -= 1;
        if self.depth == 0 {
            return Err(self.peek_error(RECURSION_LIMIT));
        }
        Ok(())
    }

    fn ident(&mut self, ident: &[u8]) -> Result<()> {
        for expected in ident {
            match self.next() {
                None => return Err(self.error(EOF_VALUE)),
                Some(b) if b != *expected => return Err(self.error(EXPECTED_IDENT)),
                Some(_) => {}
            }
        }
        Ok(())
    }

    fn array(&mut self) -> Result<Vec<Value<'a>>> {
        let base = self.items.len();
        loop {
            let Some(peek) = self.whitespace() else {
                return Err(self.peek_error(EOF_LIST));
            };
            if peek == b']' {
                break;
            }
            if self.items.len() > base {
                if peek != b',' {
                    return Err(self.peek_error(EXPECTED_LIST_COMMA_OR_END));
                }
                self.index += 1;
                match self.whitespace() {
                    Some(b']') => return Err(self.peek_error(TRAILING_COMMA)),
                    Some(_) => {}
                    None => return Err(self.peek_error(EOF_VALUE)),
                }
            }
            let item = self.value()?;
            self.items.push(item);
        }
        self.index += 1;
        Ok(self.items.drain(base..).collect())
    }

    fn object(&mut self) -> Result<Vec<(Cow<'a, str>, Value<'a>)>> {
        let base = self.entries.len();
        loop {
            let Some(peek) = self.whitespace() else {
                return Err(self.peek_error(EOF_OBJECT));
            };
            if peek == b'}' {
                break;
            }
            if self.entries.len() == base {
                if peek != b'"' {
                    return Err(self.peek_error(KEY_MUST_BE_A_STRING));
                }
            } else {
                if peek != b',' {
                    return Err(self.peek_error(EXPECTED_OBJECT_COMMA_OR_END));
                }
                self.index += 1;
                match self.whitespace() {
                    Some(b'"') => {}
                    Some(b'}') => return Err(self.peek_error(TRAILING_COMMA)),
                    Some(_) => return Err(self.peek_error(KEY_MUST_BE_A_STRING)),
                    None => return Err(self.peek_error(EOF_VALUE)),
                }
            }
            self.index += 1;
            let key = self.string(None)?;
            match self.whitespace() {
                Some(b':') => self.index += 1,
                Some(_) => return Err(self.peek_error(EXPECTED_COLON)),
                None => return Err(self.peek_error(EOF_OBJECT)),
            }
            let value = self.value()?;
            self.entries.push((key, value));
        }
        self.index += 1;
        Ok(self.entries.drain(base..).collect())
    }

    /// A string's contents, its opening quote read. With `problem`, a
    /// lone surrogate escape is noted there (the first one), not an error.
    fn string(&mut self, mut problem: Option<&mut Option<&'static str>>) -> Result<Cow<'a, str>> {
        let mut start = self.index;
        let mut scratch: Option<String> = None;
        loop {
            self.index = plain_run_end(self.bytes, self.index);
            let Some(b) = self.peek() else {
                return Err(self.error(EOF_STRING));
            };
            // Every stop is at an ASCII byte, so these are whole characters.
            let piece = &self.text[start..self.index];
            match b {
                b'"' => {
                    self.index += 1;
                    return Ok(match scratch {
                        None => Cow::Borrowed(piece),
                        Some(mut s) => {
                            s.push_str(piece);
                            Cow::Owned(s)
                        }
                    });
                }
                b'\\' => {
                    let s = scratch.get_or_insert_with(String::new);
                    s.push_str(piece);
                    self.index += 1;
                    self.escape(s, problem.as_deref_mut())?;
                    start = self.index;
                }
                _ => {
                    self.index += 1;
                    return Err(self.error(CONTROL_CHARACTER));
                }
            }
        }
    }

    fn escape(
        &mut self,
        out: &mut String,
        problem: Option<&mut Option<&'static str>>,
    ) -> Result<()> {
        let Some(b) = self.next() else {
            return Err(self.error(EOF_STRING));
        };
        out.push(match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                return match problem {
                    None => self.unicode_escape(out),
                    Some(problem) => self.lenient_unicode_escape(out, problem),
                }
            }
            _ => return Err(self.error(INVALID_ESCAPE)),
        });
        Ok(())
    }

    fn unicode_escape(&mut self, out: &mut String) -> Result<()> {
        let n = self.hex4()?;
        if (0xDC00..=0xDFFF).contains(&n) {
            return Err(self.error(LONE_SURROGATE));
        }
        if !(0xD800..=0xDBFF).contains(&n) {
            out.extend(char::from_u32(u32::from(n)));
            return Ok(());
        }
        for expected in [b'\\', b'u'] {
            match self.peek() {
                None => return Err(self.error(EOF_STRING)),
                Some(b) => {
                    self.index += 1;
                    if b != expected {
                        return Err(self.error(END_OF_HEX_ESCAPE));
                    }
                }
            }
        }
        let n2 = self.hex4()?;
        if !(0xDC00..=0xDFFF).contains(&n2) {
            return Err(self.error(LONE_SURROGATE));
        }
        let c = ((u32::from(n) - 0xD800) << 10 | (u32::from(n2) - 0xDC00)) + 0x1_0000;
        out.extend(char::from_u32(c));
        Ok(())
    }

    /// A `\u` escape as serde_json skipped one: four hex digits; a
    /// surrogate pair is read as its character, a lone surrogate is noted
    /// in `problem` (with the words reading it would have failed with).
    fn lenient_unicode_escape(
        &mut self,
        out: &mut String,
        problem: &mut Option<&'static str>,
    ) -> Result<()> {
        let n = self.hex4()?;
        let mut note = |message| {
            problem.get_or_insert(message);
            out.push(char::REPLACEMENT_CHARACTER);
        };
        if (0xDC00..=0xDFFF).contains(&n) {
            note(LONE_SURROGATE);
        } else if !(0xD800..=0xDBFF).contains(&n) {
            out.extend(char::from_u32(u32::from(n)));
        } else if self.bytes.get(self.index..self.index + 2) != Some(b"\\u") {
            note(END_OF_HEX_ESCAPE);
        } else {
            let n2 = self.bytes.get(self.index + 2..self.index + 6).and_then(|d| {
                let d = std::str::from_utf8(d).ok()?;
                u16::from_str_radix(d, 16).ok().filter(|_| d.bytes().all(|b| b.is_ascii_hexdigit()))
            });
            match n2 {
                Some(n2) if (0xDC00..=0xDFFF).contains(&n2) => {
                    self.index += 6;
                    let c = ((u32::from(n) - 0xD800) << 10 | (u32::from(n2) - 0xDC00)) + 0x1_0000;
                    out.extend(char::from_u32(c));
                }
                // The next escape is read on its own.
                _ => note(LONE_SURROGATE),
            }
        }
        Ok(())
    }

    fn hex4(&mut self) -> Result<u16> {
        let Some(digits) = self.bytes.get(self.index..self.index + 4) else {
            self.index = self.bytes.len();
            return Err(self.error(EOF_STRING));
        };
        self.index += 4;
        let mut n = 0u16;
        for &d in digits {
            let v = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => return Err(self.error(INVALID_ESCAPE)),
            };
            n = n << 4 | u16::from(v);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::plain_run_end;

    /// The word-at-a-time scan stops where the byte-at-a-time one did:
    /// at each stopping byte in every position of a word, after any
    /// run of plain bytes (non-ASCII bytes included), and at the end.
    #[test]
    fn plain_run_end_stops_at_quote_backslash_and_controls() {
        let byte_at_a_time = |b: &[u8], mut i: usize| {
            while b.get(i).is_some_and(|&c| c != b'"' && c != b'\\' && c >= 0x20) {
                i += 1;
            }
            i
        };
        let plain: &[u8] = b"a~ \x7f\x80\xc3\xa9\xff!#[]";
        for stop in [b'"', b'\\', 0, b'\n', 0x1f] {
            for len in 0..20 {
                for start in 0..3.min(len + 1) {
                    let mut text: Vec<u8> = plain.iter().cycle().take(len).copied().collect();
                    assert_eq!(plain_run_end(&text, start), len, "{text:?} from {start}");
                    text.push(stop);
                    text.extend_from_slice(b"\"\\tail");
                    assert_eq!(plain_run_end(&text, start), len, "{text:?} from {start}");
                    assert_eq!(plain_run_end(&text, start), byte_at_a_time(&text, start));
                }
            }
        }
    }
}
