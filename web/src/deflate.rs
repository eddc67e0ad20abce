//! Raw deflate through the browser's own `CompressionStream`/`DecompressionStream`
//! ("deflate-raw"), for the runs that links carry: no compressor in the wasm.
use js_sys::{ArrayBuffer, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    type Response;
    #[wasm_bindgen(constructor, catch)]
    fn new(body: &JsValue) -> Result<Response, JsValue>;
    #[wasm_bindgen(method, getter)]
    fn body(this: &Response) -> Stream;
    #[wasm_bindgen(method, js_name = arrayBuffer)]
    fn array_buffer(this: &Response) -> Promise;

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

/// `bytes` through `transform`, read whole.
async fn through(bytes: &[u8], transform: Result<JsValue, JsValue>) -> Result<Vec<u8>, String> {
    let run = async {
        let source = Response::new(&Uint8Array::from(bytes).into())?;
        let piped = source.body().pipe_through(&transform?)?;
        let out = Response::new(&piped.into())?;
        let buffer: ArrayBuffer = JsFuture::from(out.array_buffer()).await?.unchecked_into();
        Ok::<_, JsValue>(Uint8Array::new(&buffer).to_vec())
    };
    run.await.map_err(|e| {
        e.dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .unwrap_or_else(|| "the browser could not do it".into())
    })
}

/// `bytes` compressed (raw deflate). Fails only where the browser lacks
/// `CompressionStream` (the error says so).
pub async fn deflate(bytes: &[u8]) -> Result<Vec<u8>, String> {
    through(bytes, Compressor::new("deflate-raw").map(Into::into)).await
}

/// `bytes` decompressed (raw deflate). Fails on data that is not raw deflate (e.g. a
/// link cut short), or where the browser lacks `DecompressionStream`.
pub async fn inflate(bytes: &[u8]) -> Result<Vec<u8>, String> {
    through(bytes, Decompressor::new("deflate-raw").map(Into::into)).await
}
