# shellcheck shell=bash
# Shared set-up for scripts/serve, scripts/build and scripts/test. Source it; do not run it.
#
# Every ensure_* function checks what is already installed and installs only what is missing
# or at the wrong version, so a fresh machine gets everything and a reused one skips it all.
# Everything comes from crates.io, the npm registry or Debian's packages; nothing else is
# downloaded (Trunk is pinned to the tools on PATH, see Trunk.toml).

TRUNK_VERSION="0.21.14"
BINARYEN_MAJOR="132"
WASM_TARGET="wasm32-unknown-unknown"

# The repository root: the parent of scripts/.
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Trunk's own update check is harmless but noisy, and talks to the network.
export TRUNK_SKIP_VERSION_CHECK=true
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
case ":${PATH}:" in
  *":${CARGO_HOME:-$HOME/.cargo}/bin:"*) ;;
  *) export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:${PATH}" ;;
esac

step() {
  printf '\n==> %s\n' "$*"
}

info() {
  printf '    %s\n' "$*"
}

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run: $*"
  fi
}

APT_UPDATED=0
apt_install() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    step "Updating Debian's package lists (apt-get update)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update
    APT_UPDATED=1
  fi
  step "Installing Debian packages: $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}

# The wasm-bindgen crate version that Cargo.lock pins; wasm-bindgen-cli must match it exactly.
wasm_bindgen_lock_version() {
  awk '
    $0 == "name = \"wasm-bindgen\"" { found = 1; next }
    found && /^version = / { gsub(/"/, "", $3); print $3; exit }
    /^\[\[package\]\]/ { found = 0 }
  ' "$REPO_ROOT/Cargo.lock"
}

ensure_rust() {
  step "Checking the Rust toolchain"
  command -v cargo >/dev/null 2>&1 || die "cargo is not on PATH; install Rust with rustup first"
  info "$(rustc --version)"
  info "$(cargo --version)"
}

ensure_wasm_target() {
  step "Checking the Rust target ${WASM_TARGET}"
  if rustup target list --installed | grep -qx "$WASM_TARGET"; then
    info "already installed"
  else
    step "Installing the Rust target ${WASM_TARGET} (rustup target add)"
    rustup target add "$WASM_TARGET"
  fi
}

ensure_rust_components() {
  step "Checking rustfmt and clippy"
  local missing=()
  cargo fmt --version >/dev/null 2>&1 || missing+=(rustfmt)
  cargo clippy --version >/dev/null 2>&1 || missing+=(clippy)
  if [ "${#missing[@]}" -eq 0 ]; then
    info "already installed"
  else
    step "Installing rustup components: ${missing[*]}"
    rustup component add "${missing[@]}"
  fi
}

ensure_trunk() {
  step "Checking trunk ${TRUNK_VERSION}"
  local have=""
  if command -v trunk >/dev/null 2>&1; then
    have="$(trunk --version 2>/dev/null | awk '{print $2}')"
  fi
  if [ "$have" = "$TRUNK_VERSION" ]; then
    info "trunk ${have} already installed"
  else
    step "Installing trunk ${TRUNK_VERSION} (cargo install; about 7 minutes on 2 cores)"
    if [ -n "$have" ]; then info "found trunk ${have}, replacing it"; fi
    cargo install trunk --version "$TRUNK_VERSION" --locked --force
  fi
}

ensure_wasm_bindgen_cli() {
  local want
  want="$(wasm_bindgen_lock_version)"
  [ -n "$want" ] || die "could not read the wasm-bindgen version from Cargo.lock"
  step "Checking wasm-bindgen-cli ${want} (the version Cargo.lock pins)"
  local have="" runner=""
  if command -v wasm-bindgen >/dev/null 2>&1; then
    have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')"
  fi
  if command -v wasm-bindgen-test-runner >/dev/null 2>&1; then
    runner="$(wasm-bindgen-test-runner --version 2>/dev/null | awk '{print $2}')"
  fi
  if [ "$have" = "$want" ] && [ "$runner" = "$want" ]; then
    info "wasm-bindgen ${have} already installed"
    return
  fi
  if [ -n "$have" ]; then info "found wasm-bindgen ${have}, replacing it"; fi
  step "Installing wasm-bindgen-cli ${want} (cargo install; about 2 minutes)"
  # --locked is preferred, but the published lock of some versions names a crate version that
  # is no longer available; a plain install resolves fresh versions instead.
  if ! cargo install wasm-bindgen-cli --version "$want" --locked --force; then
    info "the --locked install failed; retrying without --locked"
    cargo install wasm-bindgen-cli --version "$want" --force
  fi
}

ensure_node() {
  if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    return
  fi
  apt_install nodejs npm
}

# wasm-opt comes from npm's binaryen (Debian's is too old for what wasm-bindgen emits);
# esbuild minifies the JavaScript glue in release builds (Trunk.toml's post_build hook).
# Both are pinned in package-lock.json; `npm ci` runs when either is not as pinned.
ensure_binaryen() {
  step "Checking wasm-opt and esbuild (npm binaryen ${BINARYEN_MAJOR}, esbuild, from package-lock.json)"
  ensure_node
  local pkg want have missing=""
  for pkg in binaryen esbuild; do
    want="$(cd "$REPO_ROOT" && node -p "require('./package-lock.json').packages['node_modules/${pkg}'].version")"
    have=""
    if [ -f "$REPO_ROOT/node_modules/${pkg}/package.json" ]; then
      have="$(cd "$REPO_ROOT" && node -p "require('./node_modules/${pkg}/package.json').version")"
    fi
    if [ "$have" = "$want" ]; then
      info "${pkg} ${have} already installed in node_modules/"
    else
      missing="${missing} ${pkg}@${want}"
    fi
  done
  if [ -n "$missing" ] || [ ! -x "$REPO_ROOT/node_modules/.bin/wasm-opt" ] || [ ! -x "$REPO_ROOT/node_modules/.bin/esbuild" ]; then
    step "Installing${missing:- the npm tools} (npm ci)"
    (cd "$REPO_ROOT" && npm ci --no-audit --no-fund)
  fi
  export PATH="$REPO_ROOT/node_modules/.bin:$PATH"
  local version
  version="$(wasm-opt --version)"
  info "$version"
  case "$version" in
    *"version_${BINARYEN_MAJOR}"*) ;;
    *) die "wasm-opt on PATH is not version ${BINARYEN_MAJOR}: ${version}" ;;
  esac
}

# Debian's chromium and chromium-driver; they must be the same version.
ensure_chromium() {
  step "Checking Chromium and chromedriver"
  local browser="" driver=""
  if [ -x /usr/bin/chromium ]; then
    browser="$(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}')"
  fi
  if [ -x /usr/bin/chromedriver ]; then
    driver="$(/usr/bin/chromedriver --version 2>/dev/null | awk '{print $2}')"
  fi
  if [ -n "$browser" ] && [ "$browser" = "$driver" ]; then
    info "chromium and chromedriver ${browser} already installed"
  else
    if [ -n "$browser$driver" ]; then
      info "found chromium '${browser}' and chromedriver '${driver}'"
    fi
    apt_install chromium chromium-driver
    browser="$(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}')"
    driver="$(/usr/bin/chromedriver --version 2>/dev/null | awk '{print $2}')"
    [ "$browser" = "$driver" ] || die "chromium ${browser} and chromedriver ${driver} differ"
  fi
}

# What serve and build need.
ensure_web_toolchain() {
  ensure_rust
  ensure_wasm_target
  ensure_trunk
  ensure_wasm_bindgen_cli
  ensure_binaryen
}
