// Trunk's post_build hook (Trunk.toml): in a release build, minifies the JavaScript glue
// wasm-bindgen wrote (Trunk minifies the CSS and HTML itself, but not this file), and
// writes the minified file's hash into index.html, whose integrity attributes named the
// file as it was. A debug build (trunk serve) is left as it is, for reading.
//
// Reads TRUNK_STAGING_DIR and TRUNK_PROFILE, which Trunk sets for its hooks. Exits
// non-zero, failing the build, if a file cannot be minified or its hash is not in
// index.html.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error("minify-glue: TRUNK_STAGING_DIR is not set (run it from trunk build)");
  process.exit(1);
}
if (process.env.TRUNK_PROFILE !== "release") {
  process.exit(0);
}
// Loaded only here, so a debug build does not need esbuild.
const { transformSync } = await import("esbuild");

const sri = (bytes) => "sha384-" + createHash("sha384").update(bytes).digest("base64");
const indexPath = join(dir, "index.html");
let index = readFileSync(indexPath, "utf8");
for (const name of readdirSync(dir).filter((n) => n.endsWith(".js"))) {
  const path = join(dir, name);
  const before = readFileSync(path);
  const { code } = transformSync(before.toString("utf8"), { minify: true, format: "esm" });
  const oldHash = sri(before);
  if (!index.includes(oldHash)) {
    console.error(`minify-glue: index.html does not name ${name} by its hash ${oldHash}`);
    process.exit(1);
  }
  writeFileSync(path, code);
  index = index.split(oldHash).join(sri(Buffer.from(code, "utf8")));
  console.log(`minify-glue: ${name}: ${before.length} -> ${Buffer.byteLength(code)} bytes`);
}
writeFileSync(indexPath, index);
