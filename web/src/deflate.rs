//! Raw deflate through the browser's own `CompressionStream`/`DecompressionStream`
//! ("deflate-raw"), for the runs that links carry: no compressor in the wasm.
use js_sys::Uint8Array;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    type Response;
    #[wasm_bindgen(constructor, catch)]
    fn new(body: &JsValue) -> Result<Response, JsValue>;
    #[wasm_bindgen(method, getter)]
    fn body(this: &Response) -> Stream;
    #[wasm_bindgen(method, js_name = arrayBuffer)]
    fn array_buffer(this: &Response) -> Pending;

    /// A promise, taking plain functions.
    type Pending;
    #[wasm_bindgen(method)]
    fn then(this: &Pending, resolve: &JsValue, reject: &JsValue);

    type Stream;
    #[wasm_bindgen(method, js_name = pipeThrough, catch)]
    fn pipe_through(this: &Stream, transform: &JsValue) -> Result<Stream, JsValue>;

    #[wasm_bindgen(js_name = CompressionStream)]
    type Compressor;
    #[wasm_bindgen(constructor, js_class = "CompressionStream", catch)]
    fn new(format: &str) -> Result<Compressor, JsValue>;

    #[wasm_bindgen(js_name = DecompressionStream)]
    type Decompressor;
    #[wasm_bindgen(constructor, js_class = "DecompressionStream", catch)]
    fn new(format: &str) -> Result<Decompressor, JsValue>;
}

/// Why a promise or a call failed, as the browser says it.
fn reason(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| "the browser could not do it".into())
}

/// `bytes` through `transform`, read whole, then given to `done` (callbacks on the
/// browser's promises, not futures: no executor in the wasm).
fn through(
    bytes: &[u8],
    transform: Result<JsValue, JsValue>,
    done: impl FnOnce(Result<Vec<u8>, String>) + 'static,
) {
    let start = || -> Result<Pending, JsValue> {
        let source = Response::new(&Uint8Array::from(bytes).into())?;
        let piped = source.body().pipe_through(&transform?)?;
        Ok(Response::new(&piped.into())?.array_buffer())
    };
    let promise = match start() {
        Ok(p) => p,
        Err(e) => return done(Err(reason(&e))),
    };
    let done = Rc::new(RefCell::new(Some(done)));
    let on_error = done.clone();
    let ok = Closure::once_into_js(move |buffer: JsValue| {
        if let Some(done) = done.borrow_mut().take() {
            done(Ok(Uint8Array::new(&buffer).to_vec()));
        }
    });
    let failed = Closure::once_into_js(move |e: JsValue| {
        if let Some(done) = on_error.borrow_mut().take() {
            done(Err(reason(&e)));
        }
    });
    promise.then(&ok, &failed);
}

/// `bytes` compressed (raw deflate), given to `done`. Fails only where the browser lacks
/// `CompressionStream` (the error says so).
pub fn deflate(bytes: &[u8], done: impl FnOnce(Result<Vec<u8>, String>) + 'static) {
    through(bytes, Compressor::new("deflate-raw").map(Into::into), done)
}

/// `bytes` decompressed (raw deflate), given to `done`. Fails on data that is not raw
/// deflate (e.g. a link cut short), or where the browser lacks `DecompressionStream`.
pub fn inflate(bytes: &[u8], done: impl FnOnce(Result<Vec<u8>, String>) + 'static) {
    through(
        bytes,
        Decompressor::new("deflate-raw").map(Into::into),
        done,
    )
}
