//! JS values → engine inputs, straight through serde (no JSON text in between).
//!
//! A serde `Deserializer` over a `JsValue` that reads only what the target type asks for and
//! enforces, while it walks, what `serde-wasm-bindgen`'s own deserializer does not:
//!
//! * **Unknown keys are errors.** A struct's fields come from its serde attributes (camelCase
//!   names); any other own key of the object is rejected, named as the caller spelled it.
//! * **JSON only.** NaN and ±Infinity, BigInts, functions and symbols are rejected (JSON has no
//!   such values; `JSON.stringify` would have turned the numbers into `null`).
//! * **Bounded before it is copied.** A user JSON value (event body, metadata) has a budget
//!   of encoded bytes and a nesting limit, checked as it is read: an array's or object's length
//!   and a string's length are checked before their contents are copied into wasm, so a 6
//!   million element body is refused after reading one number, and memory stays bounded.
//!   Typed lists, maps and strings have caps of their own. The engine's exact checks (encoded
//!   size ≤ 256 KiB, …) still run afterwards; these only keep the copy bounded.
//! * **Vectors as typed arrays.** A typed list of numbers (a query's `embedding`) may be a
//!   `Float32Array` or `Float64Array` as well as an array; its numbers are checked the same way.
//!
//! Errors carry the path of the offending value (`events[3].emitter.type`), in JS names.

use crate::engine::validate::MAX_JSON_BYTES;
use js_sys::{Array, JsString, Number, Object, Reflect};
use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use std::cell::Cell;
use std::fmt;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};

/// Deepest nesting of a user JSON value (objects and arrays): the engine's limit.
pub const MAX_JSON_DEPTH: u32 = crate::json::MAX_DEPTH as u32;
/// Budget of one user JSON value: a lower bound of its encoded size may not pass this.
pub(super) const JSON_BUDGET: usize = 2 * MAX_JSON_BYTES;
/// Longest typed list (batches hold ≤ 200 items, participants ≤ 100).
pub(super) const MAX_LIST: u32 = 10_000;
/// Longest typed string in UTF-16 units (entry content is ≤ 100 KiB; memory-tool text too).
const MAX_STRING: u32 = 4 * 1024 * 1024;

/// A conversion error: a message and where it happened.
#[derive(Debug)]
pub struct InputError {
    /// Path segments, innermost first.
    path: Vec<String>,
    msg: String,
}

impl InputError {
    fn new(msg: impl Into<String>) -> Self {
        InputError {
            path: Vec::new(),
            msg: msg.into(),
        }
    }

    fn within_key(mut self, key: &str) -> Self {
        self.path.push(format!(".{key}"));
        self
    }

    fn within_index(mut self, i: u32) -> Self {
        self.path.push(format!("[{i}]"));
        self
    }

    /// The path under `root` (`event.emitter.type`, `events[2].body`).
    pub fn field(&self, root: &str) -> String {
        let mut out = root.to_string();
        for seg in self.path.iter().rev() {
            out.push_str(seg);
        }
        out
    }

    /// The message without the path.
    pub fn message(&self) -> &str {
        &self.msg
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field("value"), self.msg)
    }
}

impl std::error::Error for InputError {}

impl de::Error for InputError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        InputError::new(msg.to_string())
    }
}

type Result<T> = std::result::Result<T, InputError>;

// What a caller's object can throw from (a Proxy's traps, a getter, a revoked Proxy) is read
// through bindings that catch: an exception that unwound through wasm would skip the
// handle's borrow release and leave the handle unusable (`free()` would fail).
#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Object, js_name = keys, catch)]
    pub(super) fn object_keys(obj: &Object) -> std::result::Result<Array, JsValue>;
    #[wasm_bindgen(js_namespace = Object, js_name = entries, catch)]
    fn object_entries(obj: &Object) -> std::result::Result<Array, JsValue>;
    #[wasm_bindgen(js_namespace = Array, js_name = isArray, catch)]
    fn array_is_array(v: &JsValue) -> std::result::Result<bool, JsValue>;
    /// An array of keys, for `join` with a separator given as a JS string already made.
    type Keys;
    /// `Array.prototype.join`.
    #[wasm_bindgen(method, js_name = join)]
    fn join(this: &Keys, separator: &JsValue) -> JsString;
    /// A JS string, for `isWellFormed` with `catch`.
    type StringExt;
    /// `String.prototype.isWellFormed` (Chromium 111+, Node 20+; throws where missing).
    #[wasm_bindgen(method, js_name = isWellFormed, catch)]
    fn well_formed(this: &StringExt) -> std::result::Result<bool, JsValue>;
}

/// `Array.isArray`, false where it throws (a revoked Proxy).
pub(super) fn is_array(v: &JsValue) -> bool {
    v.is_object() && array_is_array(v).unwrap_or(false)
}

/// A JS string as a Rust one, refusing lone surrogates (UTF-8 cannot hold them; converting
/// would silently turn them into U+FFFD).
fn utf16_to_string(s: &JsString) -> Result<String> {
    let text = s
        .as_string()
        .ok_or_else(|| InputError::new("is not a valid UTF-16 string"))?;
    // The copy turns each lone surrogate into U+FFFD, so text without U+FFFD had none and
    // needs no second call; text with one asks JS whether it was there already.
    if text.contains('\u{FFFD}') && !well_formed(s) {
        return Err(InputError::new(
            "contains a lone UTF-16 surrogate (not valid Unicode text)",
        ));
    }
    Ok(text)
}

/// `isWellFormed`, or `is_valid_utf16`'s `charCodeAt` per code unit where it is missing.
fn well_formed(s: &JsString) -> bool {
    s.unchecked_ref::<StringExt>()
        .well_formed()
        .unwrap_or_else(|_| s.is_valid_utf16())
}

thread_local! {
    /// The JS strings of record field names already made, by the name's address and length:
    /// a field is read from every record of a batch, and making its string is a text decode.
    static FIELD_NAMES: std::cell::RefCell<std::collections::HashMap<(usize, usize), JsValue>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// Runs `f` with `name` as a JS string, made once per name.
fn with_js_name<R>(name: &'static str, f: impl FnOnce(&JsValue) -> R) -> R {
    // A static name's address identifies it (one seen at two addresses is made twice).
    let at = (name.as_ptr() as usize, name.len());
    FIELD_NAMES.with(|names| {
        let mut names = names.borrow_mut();
        f(names.entry(at).or_insert_with(|| JsValue::from_str(name)))
    })
}

/// Reads field `name` of `obj` (`Reflect.get`).
fn get_field(obj: &JsValue, name: &'static str) -> Result<JsValue> {
    with_js_name(name, |key| Reflect::get(obj, key))
        .map_err(|_| InputError::new(format!("reading `{name}` threw")).within_key(name))
}

/// Separates keys in [`all_known`]'s one copy: any character may be in a key, and one that
/// holds it only sends the check down the key-by-key path.
const KEY_SEPARATOR: &str = "\0";

/// True when every string of `keys` is one of `fields`, checked on one copy of all the keys
/// (`keys.join`); false also when a key holds [`KEY_SEPARATOR`] (no field name does).
fn all_known(keys: &Array, fields: &[&str]) -> bool {
    let n = keys.length();
    if n == 0 {
        return true;
    }
    let Some(joined) =
        with_js_name(KEY_SEPARATOR, |sep| keys.unchecked_ref::<Keys>().join(sep)).as_string()
    else {
        return false;
    };
    let mut pieces = 0;
    for piece in joined.split(KEY_SEPARATOR) {
        if !fields.contains(&piece) {
            return false;
        }
        pieces += 1;
    }
    // As many pieces as keys: no key held the separator, so each piece is one key.
    pieces == n
}

/// Own enumerable keys of a caller's object (an error where reading them throws).
fn own_keys(obj: &Object) -> Result<Array> {
    object_keys(obj).map_err(|_| InputError::new("reading its keys threw"))
}

/// Reads `T` from a JS value.
pub fn from_value<T: de::DeserializeOwned>(value: JsValue) -> Result<T> {
    T::deserialize(Input::new(value))
}

/// A JS value being read; `json` is the budget of the user JSON value it is part of, if any.
pub struct Input {
    value: JsValue,
    depth: u32,
    json: Option<Rc<Cell<usize>>>,
}

impl Input {
    fn new(value: JsValue) -> Self {
        Input {
            value,
            depth: 0,
            json: None,
        }
    }

    fn child(&self, value: JsValue) -> Self {
        Input {
            value,
            depth: self.depth + 1,
            json: self.json.clone(),
        }
    }

    /// Spends `n` bytes of the JSON budget (a no-op outside user JSON).
    fn spend(&self, n: usize) -> Result<()> {
        if let Some(b) = &self.json {
            let left = b.get();
            if n > left {
                return Err(InputError::new(format!(
                    "is too large: user JSON values encode to at most {MAX_JSON_BYTES} bytes"
                )));
            }
            b.set(left - n);
        }
        Ok(())
    }

    /// Starts a JSON budget if this value is the root of a user JSON value.
    fn enter_json(&mut self) {
        if self.json.is_none() {
            self.json = Some(Rc::new(Cell::new(JSON_BUDGET)));
            self.depth = 0;
        }
    }

    fn nest(&self) -> Result<()> {
        if self.json.is_some() && self.depth >= MAX_JSON_DEPTH {
            return Err(InputError::new(format!(
                "is nested deeper than {MAX_JSON_DEPTH} levels of arrays and objects (the nesting limit)"
            )));
        }
        Ok(())
    }

    /// `undefined` or `null` (one call: `v == null` is true for exactly these).
    fn is_nullish(&self) -> bool {
        self.value.loose_eq(&JsValue::NULL)
    }

    fn kind(&self) -> &'static str {
        let v = &self.value;
        if v.is_undefined() {
            "undefined"
        } else if v.is_null() {
            "null"
        } else if v.as_bool().is_some() {
            "a boolean"
        } else if v.as_f64().is_some() {
            "a number"
        } else if v.is_string() {
            "a string"
        } else if v.is_bigint() {
            "a BigInt"
        } else if v.is_function() {
            "a function"
        } else if v.is_symbol() {
            "a symbol"
        } else if is_array(v) {
            "an array"
        } else {
            "an object"
        }
    }

    fn wrong(&self, expected: &str) -> InputError {
        InputError::new(format!("must be {expected}, got {}", self.kind()))
    }

    /// A string, its length checked before it is copied.
    fn string(&self) -> Result<String> {
        let s: &JsString = self
            .value
            .dyn_ref::<JsString>()
            .ok_or_else(|| self.wrong("a string"))?;
        self.text(s)
    }

    /// [`Self::string`] of `s`, this value, known to be a string.
    fn text(&self, s: &JsString) -> Result<String> {
        let len = s.length();
        if self.json.is_none() && len > MAX_STRING {
            return Err(InputError::new(format!(
                "is too long: at most {MAX_STRING} UTF-16 code units"
            )));
        }
        self.spend(len as usize + 2)?;
        utf16_to_string(s)
    }

    /// A finite number.
    fn number(&self) -> Result<f64> {
        let n = self.value.as_f64().ok_or_else(|| self.wrong("a number"))?;
        if !n.is_finite() {
            return Err(InputError::new(format!(
                "must be a finite number, got {n} (JSON has no NaN or Infinity)"
            )));
        }
        self.spend(2)?;
        Ok(n)
    }

    /// An integer in `[min, max]`.
    fn integer(&self, min: f64, max: f64) -> Result<f64> {
        let n = self.number()?;
        if n.fract() != 0.0 || n < min || n > max {
            return Err(InputError::new(format!(
                "must be an integer {min}–{max}, got {n}"
            )));
        }
        Ok(n)
    }

    fn array(&self) -> Result<Array> {
        if self.json.is_none() && is_float_array(&self.value) {
            // A vector (`embedding`): a Float32Array / Float64Array reads as its numbers.
            check_float_array_len(&self.value)?;
            return Ok(Array::from(&self.value));
        }
        if !is_array(&self.value) {
            return Err(self.wrong("an array"));
        }
        let arr: Array = self.value.clone().unchecked_into();
        let len = array_length(&arr)?;
        match &self.json {
            Some(b) if len as usize > b.get() => Err(InputError::new(format!(
                "is too large: user JSON values encode to at most {MAX_JSON_BYTES} bytes"
            ))),
            None if len > MAX_LIST => Err(InputError::new(format!(
                "has {len} items; at most {MAX_LIST}"
            ))),
            _ => Ok(arr),
        }
    }

    /// A plain object (not an array, function or primitive).
    fn object(&self) -> Result<Object> {
        let v = &self.value;
        // `is_object` is false for functions (`typeof` says "function").
        if !v.is_object() || array_is_array(v).unwrap_or(false) {
            return Err(self.wrong("an object"));
        }
        Ok(v.clone().unchecked_into())
    }

    /// Own enumerable `[key, value]` pairs, their count checked before any is read.
    fn entries(&self) -> Result<Array> {
        self.entries_of(&self.object()?)
    }

    /// [`Self::entries`] of `obj`, known to be a plain object.
    fn entries_of(&self, obj: &Object) -> Result<Array> {
        // One call: the pairs stay in JS until read, so their count is checked first all the
        // same (nothing of a refused object is copied into wasm).
        let entries =
            object_entries(obj).map_err(|_| InputError::new("reading its entries threw"))?;
        let n = entries.length();
        match &self.json {
            Some(b) if n as usize * 4 > b.get() => Err(InputError::new(format!(
                "is too large: user JSON values encode to at most {MAX_JSON_BYTES} bytes"
            ))),
            None if n > MAX_LIST => {
                Err(InputError::new(format!("has {n} keys; at most {MAX_LIST}")))
            }
            _ => Ok(entries),
        }
    }

    /// The fields of this record (an object with no key outside `fields`), to read in order.
    /// Not generic: one copy serves every record type (each visitor type would make one).
    fn fields(self, fields: &'static [&'static str]) -> Result<Fields> {
        let obj = self.object()?;
        let keys = own_keys(&obj)?;
        if keys.length() > MAX_LIST {
            return Err(InputError::new("has too many keys"));
        }
        // The common case in one copy; the key-by-key loop names an unknown key.
        if !all_known(&keys, fields) {
            for key in keys.iter() {
                let key = key.as_string().unwrap_or_default();
                if !fields.contains(&key.as_str()) {
                    let expected = fields.join(", ");
                    return Err(InputError::new(format!(
                        "unknown key `{key}`; expected one of: {expected}"
                    ))
                    .within_key(&key));
                }
            }
        }
        let child = Input {
            value: obj.into(),
            depth: self.depth,
            json: None,
        };
        Ok(Fields {
            parent: child,
            fields: fields.iter(),
            value: None,
        })
    }

    /// The elements of this array, to read in order (not generic, like [`Self::fields`]).
    fn items(self) -> Result<Items> {
        let arr = self.array()?;
        self.spend(2)?;
        let len = array_length(&arr)?;
        Ok(Items {
            parent: self,
            arr,
            next: 0,
            len,
        })
    }

    /// Visits the entries of `obj`, known to be a plain object, as a map.
    fn map_of<'de, V: Visitor<'de>>(self, obj: &Object, visitor: V) -> Result<V::Value> {
        self.nest()?;
        let entries = self.entries_of(obj)?;
        self.spend(2)?;
        let len = entries.length();
        visitor.visit_map(Entries {
            parent: self,
            entries,
            next: 0,
            len,
            value: None,
        })
    }
}

/// A `Float32Array` or `Float64Array` (vectors may be given as either, or as plain arrays).
fn is_float_array(v: &JsValue) -> bool {
    v.is_instance_of::<js_sys::Float32Array>() || v.is_instance_of::<js_sys::Float64Array>()
}

/// An array's length, read through `Reflect.get` (a Proxy's trap may throw or lie).
fn array_length(arr: &Array) -> Result<u32> {
    let len = get_field(arr, "length").map_err(|_| InputError::new("reading its length threw"))?;
    match len.as_f64() {
        Some(n) if n >= 0.0 && n <= u32::MAX as f64 && n.fract() == 0.0 => Ok(n as u32),
        _ => Err(InputError::new("has an invalid length")),
    }
}

macro_rules! integer {
    ($method:ident, $visit:ident, $t:ty) => {
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            let lo = (<$t>::MIN as f64).max(Number::MIN_SAFE_INTEGER);
            let hi = (<$t>::MAX as f64).min(Number::MAX_SAFE_INTEGER);
            let n = self.integer(lo, hi)?;
            visitor.$visit(n as $t)
        }
    };
}

impl<'de> de::Deserializer<'de> for Input {
    type Error = InputError;

    /// Self-describing values: user JSON (`serde_json::Value`).
    fn deserialize_any<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value> {
        self.enter_json();
        let v = &self.value;
        // Most common first (strings, objects, arrays): each test is a call into JS.
        if v.is_string() {
            visitor.visit_string(self.text(v.unchecked_ref())?)
        } else if v.is_object() {
            // Not a function (`typeof` says "function" for those).
            if array_is_array(v).unwrap_or(false) {
                self.deserialize_seq(visitor)
            } else {
                let obj: Object = v.clone().unchecked_into();
                self.map_of(&obj, visitor)
            }
        } else if self.is_nullish() {
            self.spend(4)?;
            visitor.visit_unit()
        } else if let Some(b) = v.as_bool() {
            self.spend(4)?;
            visitor.visit_bool(b)
        } else if v.as_f64().is_some() {
            let n = self.number()?;
            // -0 is a safe integer, but an i64 would silently make it 0.
            if Number::is_safe_integer(v) && !(n == 0.0 && n.is_sign_negative()) {
                visitor.visit_i64(n as i64)
            } else {
                visitor.visit_f64(n)
            }
        } else {
            Err(InputError::new(format!("{} is not JSON", self.kind())))
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let b = self
            .value
            .as_bool()
            .ok_or_else(|| self.wrong("a boolean"))?;
        visitor.visit_bool(b)
    }

    integer!(deserialize_i8, visit_i8, i8);
    integer!(deserialize_i16, visit_i16, i16);
    integer!(deserialize_i32, visit_i32, i32);
    integer!(deserialize_i64, visit_i64, i64);
    integer!(deserialize_u8, visit_u8, u8);
    integer!(deserialize_u16, visit_u16, u16);
    integer!(deserialize_u32, visit_u32, u32);
    integer!(deserialize_u64, visit_u64, u64);

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_f32(self.number()? as f32)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_f64(self.number()?)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_string(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_string(self.string()?)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value> {
        Err(InputError::new("bytes are not part of the API"))
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.is_nullish() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.is_nullish() {
            visitor.visit_unit()
        } else {
            Err(self.wrong("null"))
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.nest()?;
        // Vectors exist only in the full module's methods (recall, memories).
        #[cfg(feature = "js")]
        if self.json.is_none() && is_float_array(&self.value) {
            return visitor.visit_seq(Floats::of(&self.value)?);
        }
        visitor.visit_seq(self.items()?)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let obj = self.object()?;
        self.map_of(&obj, visitor)
    }

    /// A record of the API: only its fields (camelCase, from serde attributes) may appear.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_map(self.fields(fields)?)
    }

    /// Unit variants as strings (`"soft_delete"`), others as one-key objects (`{ ttl: 60 }`).
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        if self.value.is_string() {
            let tag = self.string()?;
            return visitor.visit_enum(Variant { tag, payload: None });
        }
        let one_of = || {
            InputError::new(format!(
                "must be {} or an object with exactly one of these keys: {}",
                "a string",
                variants.join(", ")
            ))
        };
        let entries = self.entries().map_err(|_| one_of())?;
        if entries.length() != 1 {
            return Err(one_of());
        }
        let pair: Array = entries.get(0).unchecked_into();
        let tag = pair.get(0).as_string().unwrap_or_default();
        let payload = Input {
            value: pair.get(1),
            depth: self.depth,
            json: None,
        };
        visitor.visit_enum(Variant {
            tag,
            payload: Some(payload),
        })
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_string(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }
}

/// Elements of an array.
struct Items {
    parent: Input,
    arr: Array,
    next: u32,
    len: u32,
}

impl Items {
    /// The next element and its index (not generic, like [`Fields::next_field`]).
    fn next_item(&mut self) -> Result<Option<(u32, Input)>> {
        if self.next >= self.len {
            return Ok(None);
        }
        let i = self.next;
        self.next += 1;
        self.parent.spend(1)?;
        let value = Reflect::get_u32(&self.arr, i)
            .map_err(|_| InputError::new("reading it threw").within_index(i))?;
        Ok(Some((i, self.parent.child(value))))
    }
}

impl<'de> de::SeqAccess<'de> for Items {
    type Error = InputError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        match self.next_item()? {
            Some((i, item)) => seed
                .deserialize(item)
                .map(Some)
                .map_err(|e| e.within_index(i)),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some((self.len - self.next) as usize)
    }
}

/// The numbers of a `Float32Array` / `Float64Array` (a vector), copied into wasm in one call
/// (not read one element at a time), each checked finite as an array's would be.
#[cfg(feature = "js")]
struct Floats {
    items: std::vec::IntoIter<f64>,
    next: u32,
}

#[cfg(feature = "js")]
impl Floats {
    fn of(v: &JsValue) -> Result<Self> {
        check_float_array_len(v)?;
        // `new Float64Array(typedArray)` converts every element in JS; one copy into wasm.
        let items = js_sys::Float64Array::new(v).to_vec();
        Ok(Floats {
            items: items.into_iter(),
            next: 0,
        })
    }
}

#[cfg(feature = "js")]
impl<'de> de::SeqAccess<'de> for Floats {
    type Error = InputError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        let Some(n) = self.items.next() else {
            return Ok(None);
        };
        let i = self.next;
        self.next += 1;
        if !n.is_finite() {
            return Err(InputError::new(format!(
                "must be a finite number, got {n} (JSON has no NaN or Infinity)"
            ))
            .within_index(i));
        }
        seed.deserialize(n.into_deserializer())
            .map(Some)
            .map_err(|e: InputError| e.within_index(i))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// Entries of a map-like object (user JSON objects, metadata maps); `undefined` values are
/// skipped, as `JSON.stringify` does.
struct Entries {
    parent: Input,
    entries: Array,
    next: u32,
    len: u32,
    value: Option<(String, JsValue)>,
}

impl<'de> de::MapAccess<'de> for Entries {
    type Error = InputError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        while self.next < self.len {
            let pair: Array = self.entries.get(self.next).unchecked_into();
            self.next += 1;
            let value = pair.get(1);
            if value.is_undefined() {
                continue;
            }
            let key = utf16_to_string(pair.get(0).unchecked_ref())?;
            // Values come back as plain objects, where `obj["__proto__"] = v` sets the
            // prototype: an own `__proto__` key would silently vanish on the way out.
            if key == "__proto__" {
                return Err(InputError::new(
                    "has an own `__proto__` key, which JavaScript objects cannot return as data; rename it",
                ));
            }
            self.parent.spend(key.len() + 3)?;
            let k = seed.deserialize(key.as_str().into_deserializer())?;
            self.value = Some((key, value));
            return Ok(Some(k));
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let (key, value) = self
            .value
            .take()
            .ok_or_else(|| InputError::new("value without a key"))?;
        seed.deserialize(self.parent.child(value))
            .map_err(|e| e.within_key(&key))
    }
}

/// The fields of a record, in declaration order; absent and `undefined` ones are skipped.
struct Fields {
    parent: Input,
    fields: std::slice::Iter<'static, &'static str>,
    value: Option<(&'static str, JsValue)>,
}

// The walk is in `Fields`' own methods, not in the generic ones: one copy for every record
// type instead of one per type.
impl Fields {
    /// The next field present (not absent, not `undefined`); its value is kept for
    /// [`Self::value`].
    fn next_field(&mut self) -> Result<Option<&'static str>> {
        for field in self.fields.by_ref() {
            let value = get_field(&self.parent.value, field)?;
            if value.is_undefined() {
                continue;
            }
            self.value = Some((field, value));
            return Ok(Some(field));
        }
        Ok(None)
    }

    /// The value of the field [`Self::next_field`] returned, and that field's name.
    fn value(&mut self) -> Result<(&'static str, Input)> {
        let (key, value) = self
            .value
            .take()
            .ok_or_else(|| InputError::new("value without a key"))?;
        let child = Input {
            value,
            depth: self.parent.depth,
            json: None,
        };
        Ok((key, child))
    }
}

impl<'de> de::MapAccess<'de> for Fields {
    type Error = InputError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        match self.next_field()? {
            Some(field) => {
                let k: de::value::StrDeserializer<'_, InputError> = field.into_deserializer();
                seed.deserialize(k).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let (key, child) = self.value()?;
        seed.deserialize(child).map_err(|e| e.within_key(key))
    }
}

/// An enum value: its tag and, for data-carrying variants, the payload.
struct Variant {
    tag: String,
    payload: Option<Input>,
}

impl<'de> de::EnumAccess<'de> for Variant {
    type Error = InputError;
    type Variant = Payload;

    fn variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<(T::Value, Payload)> {
        let tag = self.tag.clone();
        let v = seed.deserialize(self.tag.as_str().into_deserializer())?;
        Ok((
            v,
            Payload {
                tag,
                input: self.payload,
            },
        ))
    }
}

/// The payload of an enum variant.
struct Payload {
    tag: String,
    input: Option<Input>,
}

impl Payload {
    fn input(self) -> Result<(String, Input)> {
        match self.input {
            Some(i) => Ok((self.tag, i)),
            None => Err(InputError::new(format!("`{}` needs a value", self.tag))),
        }
    }
}

impl<'de> de::VariantAccess<'de> for Payload {
    type Error = InputError;

    fn unit_variant(self) -> Result<()> {
        match self.input {
            None => Ok(()),
            Some(_) => Err(InputError::new(format!("`{}` takes no value", self.tag))),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        let (tag, input) = self.input()?;
        seed.deserialize(input).map_err(|e| e.within_key(&tag))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        let (tag, input) = self.input()?;
        de::Deserializer::deserialize_seq(input, visitor).map_err(|e| e.within_key(&tag))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        let (tag, input) = self.input()?;
        de::Deserializer::deserialize_struct(input, "", fields, visitor)
            .map_err(|e| e.within_key(&tag))
    }
}

/// Refuses a typed array of more than [`MAX_LIST`] items.
fn check_float_array_len(v: &JsValue) -> Result<()> {
    let len = Reflect::get(v, &JsValue::from_str("length"))
        .ok()
        .and_then(|n| n.as_f64())
        .unwrap_or(0.0);
    if len > MAX_LIST as f64 {
        return Err(InputError::new(format!(
            "has {len} items; at most {MAX_LIST}"
        )));
    }
    Ok(())
}
