//! The embedding capability from JS: the `embed(texts) → Promise<Float32Array[]>` option of
//! `Memspace.open`, with `embeddingModel: { id, dimensions }` naming the model. Memories are
//! embedded when written and queries when recalled; the engine checks every answer (one
//! vector per text, each of the model's dimensions, finite).
//!
//! A vector may be a `Float32Array`, a `Float64Array` or an array of numbers. A rejection (or
//! a synchronous throw) fails the memspace call that needed the vectors with `unsupported`
//! (`details.capability = "embedding"`), as the component's embedding import does.

use crate::error::{Error, ErrorCode};
use crate::host::{Embedder, HostFuture};
use crate::index::head::EmbeddingModel;
use js_sys::{Array, Float32Array, Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The host embedder as a JS callback.
#[derive(Debug, Clone)]
pub struct JsEmbedder {
    f: Function,
    model: EmbeddingModel,
}

impl JsEmbedder {
    /// Wraps `embed(texts) → vectors | Promise<vectors>` for `model`.
    pub fn new(f: Function, model: EmbeddingModel) -> Self {
        JsEmbedder { f, model }
    }
}

fn failed(e: &JsValue) -> Error {
    let message = Reflect::get(e, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "it threw a non-Error value".into());
    Error::new(
        ErrorCode::Unsupported,
        format!("the embed callback failed: {message}"),
    )
    .with("capability", "embedding")
}

fn bad_answer(why: &str) -> Error {
    Error::validation(
        "embed",
        format!("the embed callback resolved to {why}; expected one Float32Array (or array of numbers) per text"),
    )
}

/// One vector of the answer (its length and values are checked by the engine).
fn vector(v: &JsValue) -> Result<Vec<f32>, Error> {
    if let Some(f) = v.dyn_ref::<Float32Array>() {
        return Ok(f.to_vec());
    }
    if v.is_instance_of::<js_sys::Float64Array>() || Array::is_array(v) {
        let arr = Array::from(v);
        let mut out = Vec::with_capacity(arr.length() as usize);
        for x in arr.iter() {
            out.push(
                x.as_f64()
                    .ok_or_else(|| bad_answer("a vector holding a non-number"))?
                    as f32,
            );
        }
        return Ok(out);
    }
    Err(bad_answer("a list holding something that is not a vector"))
}

/// The callback's answer as vectors (at most `texts` are read).
fn vectors(v: &JsValue, texts: usize) -> Result<Vec<Vec<f32>>, Error> {
    if !Array::is_array(v) {
        return Err(bad_answer("something that is not an array"));
    }
    let arr: &Array = v.unchecked_ref();
    if arr.length() as usize != texts {
        return Err(bad_answer(&format!(
            "{} vectors for {texts} texts",
            arr.length()
        )));
    }
    arr.iter().map(|x| vector(&x)).collect()
}

impl Embedder for JsEmbedder {
    fn model(&self) -> EmbeddingModel {
        self.model.clone()
    }

    fn embed<'a>(&'a self, texts: &'a [String]) -> HostFuture<'a, Vec<Vec<f32>>> {
        let input: Array = texts.iter().map(|t| JsValue::from_str(t)).collect();
        let called = self.f.call1(&JsValue::UNDEFINED, &input);
        Box::pin(async move {
            let v = called.map_err(|e| failed(&e))?;
            let answer = JsFuture::from(Promise::resolve(&v))
                .await
                .map_err(|e| failed(&e))?;
            vectors(&answer, texts.len())
        })
    }
}
