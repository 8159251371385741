//! The JSON crisp-core reads and writes: a strict RFC 8259 parser into a small [`Value`] tree, a
//! scanner that checks and measures values without building them, and a writer.
//!
//! Why not serde_json: the browser build's budget is 60 KB gzipped for the whole catalog and all
//! of this, and serde, serde_json and the derived readers and writers took 13.7 KB of the 69.2 KB
//! the build gzipped to with them (the generic parser, a deserializer per typed read, error texts,
//! float formatting). The core needs little of it: the params and options JS hands over (made by
//! `JSON.stringify`), the envelope of an answer, and JSON text out.
//!
//! What it keeps of serde_json's behaviour: objects are sorted by key and a repeated key keeps its
//! last value (serde_json's default map), strings are escaped the same way (`"`, `\`, and control
//! characters; `\b \f \n \r \t` short; the rest as `\u00xx`), and nesting deeper than 128 is
//! refused. What differs on purpose: a number is kept as the text it was written as, so it goes
//! out exactly as it came in (serde_json turns `1e3` into `1000.0` and rounds integers beyond 64
//! bits); `JSON.stringify` writes the shortest form anyway.

use std::collections::BTreeMap;
use std::fmt;

/// A JSON object: keys sorted, each once.
pub type Map = BTreeMap<String, Value>;

/// A JSON value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Value {
    /// `null`.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as its JSON text.
    Number(Number),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object.
    Object(Map),
}

/// A JSON number, kept as the text it was written as (valid JSON number syntax).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number(Box<str>);

impl Number {
    /// The number's JSON text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value, if it is written as a whole number that fits a `u64` (`1.0` and `1e2` are not).
    #[must_use]
    pub fn as_u64(&self) -> Option<u64> {
        let digits = self.0.as_bytes();
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        digits.iter().try_fold(0u64, |n, d| n.checked_mul(10)?.checked_add(u64::from(d - b'0')))
    }

    /// The value, if it is written as a whole number that fits an `i64`.
    #[must_use]
    pub fn as_i64(&self) -> Option<i64> {
        match self.0.strip_prefix('-') {
            Some(rest) => {
                let n = Number(rest.into()).as_u64()?;
                0i64.checked_sub_unsigned(n)
            }
            None => self.as_u64().and_then(|n| i64::try_from(n).ok()),
        }
    }
}

impl From<u64> for Number {
    fn from(n: u64) -> Self {
        Number(u64_text(n).into())
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

static NULL: Value = Value::Null;

impl Value {
    /// The field `key` of an object (`None` for a missing field or a non-object).
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(map) => map.get(key),
            _ => None,
        }
    }

    /// The string, if this is one.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    #[must_use]
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number as a `u64`, if it is a whole one that fits.
    #[must_use]
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    /// The number as an `i64`, if it is a whole one that fits.
    #[must_use]
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    /// The items, if this is an array.
    #[must_use]
    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The fields, if this is an object.
    #[must_use]
    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    /// Whether this is `null`.
    #[must_use]
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

impl std::ops::Index<&str> for Value {
    type Output = Value;
    /// The field `key`, or `null` when missing (like serde_json).
    fn index(&self, key: &str) -> &Value {
        self.get(key).unwrap_or(&NULL)
    }
}

impl PartialEq<str> for Value {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == Some(other)
    }
}

impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

impl PartialEq<bool> for Value {
    fn eq(&self, other: &bool) -> bool {
        self.as_bool() == Some(*other)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<u64> for Value {
    fn from(n: u64) -> Self {
        Value::Number(n.into())
    }
}

/// JSON text: `to_string()` writes the value compactly, as [`write`] does.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        write(&mut out, self);
        f.write_str(&out)
    }
}

/// Why a text is not (the expected) JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The text ends inside a value (truncated).
    Eof,
    /// Not JSON: a wrong character, bad escape or number, or nesting deeper than 128.
    Syntax,
    /// JSON, but not of the expected shape (a repeated envelope field, say).
    Shape,
}

/// A JSON error: what and where (byte offset into the text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The kind of failure.
    pub kind: ErrorKind,
    /// What was wrong, in a few words.
    pub message: &'static str,
    /// Byte offset where it was noticed.
    pub offset: usize,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Pieces, not `write!`: the browser build links no `fmt::write` (60 KB budget).
        f.write_str(self.message)?;
        f.write_str(" at byte ")?;
        f.write_str(&u64_text(self.offset as u64))
    }
}

impl std::error::Error for Error {}

/// How deep arrays and objects may nest (serde_json's limit too).
const MAX_DEPTH: usize = 128;

/// Parses one JSON value, with only whitespace around it.
///
/// # Errors
/// The first thing that is not JSON.
pub fn parse(text: &str) -> Result<Value, Error> {
    let mut p = Parser { text, pos: 0, depth: 0 };
    let value = p.value()?;
    p.end()?;
    Ok(value)
}

/// Checks that `text` is one JSON value without building it; for an array, says how many items.
///
/// # Errors
/// As [`parse`].
pub fn scan(text: &str) -> Result<Scanned, Error> {
    let mut p = Parser { text, pos: 0, depth: 0 };
    p.ws();
    let scanned = if p.peek() == Some(b'[') {
        p.pos += 1;
        let mut items = 0;
        p.seq(b']', |p| {
            items += 1;
            p.skip()
        })?;
        Scanned::Array(items)
    } else {
        p.skip()?;
        Scanned::Other
    };
    p.end()?;
    Ok(scanned)
}

/// What [`scan`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scanned {
    /// An array of this many items.
    Array(usize),
    /// Anything else.
    Other,
}

/// The raw text of some fields of a top-level object, each value checked to be JSON but not
/// built (a `RawValue`, in serde_json's words). Other fields are checked and skipped.
///
/// # Errors
/// As [`parse`]; [`ErrorKind::Shape`] when the text is not an object or a wanted field appears
/// twice.
pub fn raw_fields<'a, const N: usize>(
    text: &'a str,
    names: [&str; N],
) -> Result<[Option<&'a str>; N], Error> {
    let mut p = Parser { text, pos: 0, depth: 0 };
    let mut found = [None; N];
    p.ws();
    if p.peek() != Some(b'{') {
        p.skip()?;
        p.end()?;
        return Err(p.error(ErrorKind::Shape, "not an object"));
    }
    p.pos += 1;
    p.seq(b'}', |p| {
        let key = p.key()?;
        let start = p.pos;
        p.skip()?;
        if let Some(i) = names.iter().position(|n| *n == key) {
            if found[i].is_some() {
                return Err(p.error(ErrorKind::Shape, "duplicate field"));
            }
            found[i] = Some(&p.text[start..p.pos]);
        }
        Ok(())
    })?;
    p.end()?;
    Ok(found)
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn error(&self, kind: ErrorKind, message: &'static str) -> Error {
        Error { kind, message, offset: self.pos }
    }

    /// "expected X" at the current position: end of text, or a wrong character.
    fn unexpected(&self, message: &'static str) -> Error {
        let kind = if self.pos >= self.text.len() { ErrorKind::Eof } else { ErrorKind::Syntax };
        self.error(kind, message)
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.pos += 1;
        }
    }

    fn end(&mut self) -> Result<(), Error> {
        self.ws();
        if self.pos < self.text.len() {
            return Err(self.error(ErrorKind::Syntax, "trailing characters"));
        }
        Ok(())
    }

    fn literal(&mut self, word: &str) -> Result<(), Error> {
        let rest = &self.text.as_bytes()[self.pos..];
        let same = rest.iter().zip(word.as_bytes()).take_while(|(a, b)| a == b).count();
        self.pos += same;
        if same == word.len() { Ok(()) } else { Err(self.unexpected("expected a value")) }
    }

    /// Items of an array or members of an object, after its opening bracket, up to `close`.
    fn seq(
        &mut self,
        close: u8,
        mut item: impl FnMut(&mut Self) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(ErrorKind::Syntax, "nested too deeply"));
        }
        self.ws();
        if self.peek() == Some(close) {
            self.pos += 1;
            self.depth -= 1;
            return Ok(());
        }
        loop {
            self.ws();
            item(self)?;
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(c) if c == close => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(());
                }
                _ => return Err(self.unexpected("expected `,` or a closing bracket")),
            }
        }
    }

    /// An object member's key and its colon.
    fn key(&mut self) -> Result<String, Error> {
        if self.peek() != Some(b'"') {
            return Err(self.unexpected("expected a string key"));
        }
        let key = self.string()?;
        self.ws();
        if self.peek() != Some(b':') {
            return Err(self.unexpected("expected `:`"));
        }
        self.pos += 1;
        self.ws();
        Ok(key)
    }

    fn value(&mut self) -> Result<Value, Error> {
        self.ws();
        Ok(match self.peek() {
            Some(b'n') => self.literal("null").map(|()| Value::Null)?,
            Some(b't') => self.literal("true").map(|()| Value::Bool(true))?,
            Some(b'f') => self.literal("false").map(|()| Value::Bool(false))?,
            Some(b'"') => Value::String(self.string()?),
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.seq(b']', |p| {
                    items.push(p.value()?);
                    Ok(())
                })?;
                Value::Array(items)
            }
            Some(b'{') => {
                self.pos += 1;
                let mut map = Map::new();
                self.seq(b'}', |p| {
                    let key = p.key()?;
                    let value = p.value()?;
                    map.insert(key, value);
                    Ok(())
                })?;
                Value::Object(map)
            }
            _ => Value::Number(Number(self.number()?.into())),
        })
    }

    /// Checks one value and moves past it.
    fn skip(&mut self) -> Result<(), Error> {
        self.ws();
        match self.peek() {
            Some(b'n') => self.literal("null"),
            Some(b't') => self.literal("true"),
            Some(b'f') => self.literal("false"),
            Some(b'"') => self.string().map(drop),
            Some(b'[') => {
                self.pos += 1;
                self.seq(b']', Parser::skip)
            }
            Some(b'{') => {
                self.pos += 1;
                self.seq(b'}', |p| {
                    p.key()?;
                    p.skip()
                })
            }
            _ => self.number().map(drop),
        }
    }

    /// A number's text: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn number(&mut self) -> Result<&'a str, Error> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let from = p.pos;
            while p.peek().is_some_and(|c| c.is_ascii_digit()) {
                p.pos += 1;
            }
            if p.pos == from { Err(p.unexpected("expected a value")) } else { Ok(()) }
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        if self.peek() == Some(b'0') {
            self.pos += 1;
        } else {
            digits(self)?;
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            digits(self)?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            digits(self)?;
        }
        let text = &self.text[start..self.pos];
        // Refused like serde_json refuses it: a number no f64 can hold (`1e400`).
        if (text.len() > 300 || text.contains(['e', 'E']))
            && crate::decimal::parse_finite(text).is_none()
        {
            return Err(self.error(ErrorKind::Syntax, "number out of range"));
        }
        Ok(text)
    }

    /// A string, after checking its escapes; the opening quote is at the current position.
    fn string(&mut self) -> Result<String, Error> {
        self.pos += 1;
        let bytes = self.text.as_bytes();
        let mut out = String::new();
        let mut run = self.pos;
        loop {
            let Some(&c) = bytes.get(self.pos) else {
                return Err(self.unexpected("unterminated string"));
            };
            match c {
                b'"' => {
                    out.push_str(&self.text[run..self.pos]);
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    out.push_str(&self.text[run..self.pos]);
                    self.pos += 1;
                    let Some(&e) = bytes.get(self.pos) else {
                        return Err(self.unexpected("unterminated string"));
                    };
                    self.pos += 1;
                    out.push(match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return Err(self.error(ErrorKind::Syntax, "invalid escape")),
                    });
                    run = self.pos;
                }
                0..=0x1f => {
                    return Err(self.error(ErrorKind::Syntax, "control character in string"));
                }
                _ => self.pos += 1,
            }
        }
    }

    /// The character of a `\uXXXX` escape (and of its low surrogate's, for a pair).
    fn unicode_escape(&mut self) -> Result<char, Error> {
        let first = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&first) {
            if self.text.as_bytes().get(self.pos..self.pos + 2) != Some(b"\\u") {
                return Err(self.unexpected("lone surrogate in \\u escape"));
            }
            self.pos += 2;
            let second = self.hex4()?;
            if !(0xDC00..0xE000).contains(&second) {
                return Err(self.error(ErrorKind::Syntax, "lone surrogate in \\u escape"));
            }
            0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        } else {
            first
        };
        char::from_u32(code)
            .ok_or_else(|| self.error(ErrorKind::Syntax, "lone surrogate in \\u escape"))
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let mut n = 0;
        for _ in 0..4 {
            let Some(c) = self.peek() else {
                return Err(self.unexpected("unterminated string"));
            };
            let digit = char::from(c)
                .to_digit(16)
                .ok_or_else(|| self.error(ErrorKind::Syntax, "invalid \\u escape"))?;
            n = n * 16 + digit;
            self.pos += 1;
        }
        Ok(n)
    }
}

/// Writes `value` as compact JSON.
pub fn write(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(n.as_str()),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, key);
                out.push(':');
                write(out, item);
            }
            out.push('}');
        }
    }
}

/// Writes `s` as a JSON string, escaped as serde_json escapes it.
pub fn write_str(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    let mut run = 0;
    for (i, c) in s.bytes().enumerate() {
        let short = match c {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[run..i]);
        if short.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(c >> 4)]));
            out.push(char::from(HEX[usize::from(c & 15)]));
        } else {
            out.push_str(short);
        }
        run = i + 1;
    }
    out.push_str(&s[run..]);
    out.push('"');
}

/// What writes itself as JSON: the records that cross to JS, written by hand (no serde).
pub trait ToJson {
    /// Appends the JSON text.
    fn write_json(&self, out: &mut String);

    /// The JSON text.
    fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }
}

impl ToJson for Value {
    fn write_json(&self, out: &mut String) {
        write(out, self);
    }
}

impl ToJson for str {
    fn write_json(&self, out: &mut String) {
        write_str(out, self);
    }
}

impl ToJson for String {
    fn write_json(&self, out: &mut String) {
        write_str(out, self);
    }
}

impl ToJson for bool {
    fn write_json(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

macro_rules! whole_to_json {
    ($($t:ty),*) => {$(
        impl ToJson for $t {
            fn write_json(&self, out: &mut String) {
                push_u64(out, u64::from(*self));
            }
        }
    )*};
}
whole_to_json!(u16, u32, u64);

impl ToJson for usize {
    fn write_json(&self, out: &mut String) {
        push_u64(out, *self as u64);
    }
}

impl<T: ToJson + ?Sized> ToJson for &T {
    fn write_json(&self, out: &mut String) {
        (**self).write_json(out);
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn write_json(&self, out: &mut String) {
        match self {
            Some(v) => v.write_json(out),
            None => out.push_str("null"),
        }
    }
}

impl<T: ToJson> ToJson for [T] {
    fn write_json(&self, out: &mut String) {
        out.push('[');
        for (i, item) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            item.write_json(out);
        }
        out.push(']');
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn write_json(&self, out: &mut String) {
        self.as_slice().write_json(out);
    }
}

/// A JSON object written field by field: `Obj::new(out).field("a", "x").field("b", &2u32).end()`.
pub struct Obj<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Obj<'a> {
    /// Opens an object.
    pub fn new(out: &'a mut String) -> Self {
        out.push('{');
        Obj { out, first: true }
    }

    /// A field whose value is JSON text already.
    #[must_use]
    pub fn raw(mut self, key: &str, json: &str) -> Self {
        self.key(key);
        self.out.push_str(json);
        self
    }

    /// A field.
    #[must_use]
    pub fn field<T: ToJson + ?Sized>(mut self, key: &str, value: &T) -> Self {
        self.key(key);
        value.write_json(self.out);
        self
    }

    fn key(&mut self, key: &str) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        write_str(self.out, key);
        self.out.push(':');
    }

    /// Closes the object.
    pub fn end(self) {
        self.out.push('}');
    }
}

/// An enum written as one of its names.
macro_rules! name_to_json {
    ($t:ty, $f:expr) => {
        impl $crate::json::ToJson for $t {
            fn write_json(&self, out: &mut String) {
                $crate::json::write_str(out, $f(*self));
            }
        }
    };
}
pub(crate) use name_to_json;

/// Appends `n` in decimal (no `core::fmt`).
pub fn push_u64(out: &mut String, n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &buf[i..] {
        out.push(char::from(d));
    }
}

/// `n` in decimal: what `n.to_string()` gives, without linking core's integer formatter (and
/// its digit table) into the browser build, whose budget is 60 KB gzipped.
#[must_use]
pub fn u64_text(n: u64) -> String {
    let mut out = String::new();
    push_u64(&mut out, n);
    out
}

/// `n` in decimal, `-` first when negative: what `n.to_string()` gives (see [`u64_text`]).
#[must_use]
pub fn i64_text(n: i64) -> String {
    let mut out = String::new();
    if n < 0 {
        out.push('-');
    }
    push_u64(&mut out, n.unsigned_abs());
    out
}

/// What `text.parse::<u64>()` reads (an optional `+`, then ASCII digits, in range), without
/// core's generic integer parsers (see [`u64_text`]).
#[must_use]
pub fn parse_u64(text: &str) -> Option<u64> {
    Number(text.strip_prefix('+').unwrap_or(text).into()).as_u64()
}

/// What `text.parse::<i64>()` reads (an optional `+` or `-`, then ASCII digits, in range).
#[must_use]
pub fn parse_i64(text: &str) -> Option<i64> {
    match text.strip_prefix('-') {
        Some(digits) => 0i64.checked_sub_unsigned(Number(digits.into()).as_u64()?),
        None => i64::try_from(parse_u64(text)?).ok(),
    }
}

/// serde_json's value as this module's (tests compare with serde_json's `json!`).
#[cfg(test)]
pub(crate) fn from_serde(v: &serde_json::Value) -> Value {
    parse(&v.to_string()).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> String {
        parse(text).unwrap().to_string()
    }

    fn err(text: &str) -> ErrorKind {
        parse(text).unwrap_err().kind
    }

    #[test]
    fn reads_and_writes() {
        assert_eq!(
            ok(r#" {"b": [1, -2.5e3, true, null], "a": "x\u00e9\n\"", "a": "y"} "#),
            r#"{"a":"y","b":[1,-2.5e3,true,null]}"#
        );
        assert_eq!(ok(r#""\ud83d\ude00\/""#), "\"😀/\"");
        assert_eq!(ok(r#""\u0001\u001f\u007f""#), "\"\\u0001\\u001f\u{7f}\"");
        assert_eq!(ok("[]"), "[]");
        assert_eq!(ok("{}"), "{}");
        assert_eq!(ok("0"), "0");
    }

    #[test]
    fn refuses_what_json_refuses() {
        for text in ["", "[1,", "{\"a\":", "\"abc", "tru", "[1 ", "{\"a\" "] {
            assert_eq!(err(text), ErrorKind::Eof, "{text:?}");
        }
        for text in [
            "01",
            "1.",
            ".5",
            "-",
            "+1",
            "1e",
            "[1,]",
            "{,}",
            "{\"a\":1,}",
            "nul",
            "NaN",
            "'a'",
            "\"\t\"",
            "\"\\x\"",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "1 2",
            "{1:2}",
            "[1]]",
        ] {
            assert!(matches!(err(text), ErrorKind::Syntax | ErrorKind::Eof), "{text:?}");
            assert!(parse(text).is_err(), "{text:?}");
        }
        assert_eq!(err("\"\\ud800x\""), ErrorKind::Syntax);
        let deep = "[".repeat(129) + &"]".repeat(129);
        assert_eq!(err(&deep), ErrorKind::Syntax);
        let fine = "[".repeat(128) + &"]".repeat(128);
        assert!(parse(&fine).is_ok());
        assert!(scan(&deep).is_err() && scan(&fine).is_ok());
    }

    #[test]
    fn numbers() {
        let n = |t: &str| match parse(t).unwrap() {
            Value::Number(n) => n,
            _ => unreachable!(),
        };
        assert_eq!(n("18446744073709551615").as_u64(), Some(u64::MAX));
        assert_eq!(n("18446744073709551616").as_u64(), None);
        assert_eq!(n("-9223372036854775808").as_i64(), Some(i64::MIN));
        assert_eq!(n("-9223372036854775809").as_i64(), None);
        assert_eq!(n("9223372036854775807").as_i64(), Some(i64::MAX));
        assert_eq!(n("1.0").as_u64(), None);
        assert_eq!(n("1e2").as_i64(), None);
        assert_eq!(n("-0").as_i64(), Some(0));
        assert_eq!(n("1e308").as_str(), "1e308");
        assert_eq!(err("1e309"), ErrorKind::Syntax);
        assert_eq!(err(&format!("[{}]", "9".repeat(400))), ErrorKind::Syntax);
        assert!(serde_json::from_str::<serde_json::Value>("1e309").is_err());
    }

    #[test]
    fn scans_and_picks_raw_fields() {
        assert_eq!(scan(" [1, {\"a\": [2]}, \"x\"] "), Ok(Scanned::Array(3)));
        assert_eq!(scan("{}"), Ok(Scanned::Other));
        assert_eq!(scan("[1,").unwrap_err().kind, ErrorKind::Eof);
        let [e, d] =
            raw_fields(r#"{"error": false, "x": [1], "data": {"a" : 1} }"#, ["error", "data"])
                .unwrap();
        assert_eq!((e, d), (Some("false"), Some(r#"{"a" : 1}"#)));
        assert_eq!(
            raw_fields(r#"{"data":1,"data":2}"#, ["data"]).unwrap_err().kind,
            ErrorKind::Shape
        );
        assert_eq!(raw_fields("[1]", ["data"]).unwrap_err().kind, ErrorKind::Shape);
        assert_eq!(raw_fields("{\"data\":", ["data"]).unwrap_err().kind, ErrorKind::Eof);
    }

    #[test]
    fn integers_read_and_write_as_std_does() {
        for n in [0, 1, 9, 10, 99, 100, u64::MAX - 1, u64::MAX] {
            assert_eq!(u64_text(n), n.to_string());
        }
        for n in [0, 7, -7, 10, -10, i64::MAX, i64::MIN, i64::MIN + 1] {
            assert_eq!(i64_text(n), n.to_string());
        }
        for text in [
            "",
            "+",
            "-",
            "0",
            "+0",
            "-0",
            "007",
            "+12",
            "-12",
            "1 ",
            " 1",
            "1_0",
            "++1",
            "+-1",
            "-+1",
            "--1",
            "1e3",
            "1.0",
            "٣",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "-9223372036854775809",
            "18446744073709551615",
            "18446744073709551616",
            "+18446744073709551615",
        ] {
            assert_eq!(parse_i64(text), text.parse::<i64>().ok(), "{text:?}");
            assert_eq!(parse_u64(text), text.parse::<u64>().ok(), "{text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn integer_text_agrees_with_std(text in "[-+]{0,2}[0-9]{0,21}", n: i64) {
            proptest::prop_assert_eq!(parse_i64(&text), text.parse::<i64>().ok());
            proptest::prop_assert_eq!(parse_u64(&text), text.parse::<u64>().ok());
            proptest::prop_assert_eq!(i64_text(n), n.to_string());
            proptest::prop_assert_eq!(u64_text(n.unsigned_abs()), n.unsigned_abs().to_string());
        }
    }

    proptest::proptest! {
        #[test]
        fn writes_and_reads_strings_as_serde_json_does(s in "\\PC*|[\"\\\\\t\n\u{1}\u{7f}\u{2028}é]*") {
            let mut out = String::new();
            write_str(&mut out, &s);
            proptest::prop_assert_eq!(&out, &serde_json::to_string(&s).unwrap());
            proptest::prop_assert_eq!(parse(&out), Ok(Value::String(s)));
        }

        #[test]
        fn reads_what_serde_json_reads(text in "[ \\[\\]{}:,\"a\\\\0-9.eE+-]{0,24}|(null|true|false)|-?[0-9]{1,3}(\\.[0-9]{1,3})?[eE][+-]?[0-9]{1,4}") {
            let ours = parse(&text).map(|v| v.to_string()).ok();
            let theirs = serde_json::from_str::<serde_json::Value>(&text).ok();
            proptest::prop_assert_eq!(ours.is_some(), theirs.is_some(), "{}", text);
        }
    }

    #[test]
    fn writes_u64_as_display_does() {
        for n in [0, 7, 10, 30_000, u64::MAX] {
            let mut out = String::new();
            push_u64(&mut out, n);
            assert_eq!(out, n.to_string());
        }
    }

    #[test]
    fn writes_objects_by_hand() {
        let mut out = String::new();
        Obj::new(&mut out)
            .field("a", "q\"")
            .field("b", &None::<u32>)
            .field("c", &7u16)
            .field("d", &true)
            .end();
        assert_eq!(out, r#"{"a":"q\"","b":null,"c":7,"d":true}"#);
        let mut n = String::new();
        push_u64(&mut n, 0);
        push_u64(&mut n, u64::MAX);
        assert_eq!(n, "018446744073709551615");
    }
}
