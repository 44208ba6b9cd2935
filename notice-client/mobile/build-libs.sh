#!/usr/bin/env bash
# Static libraries of notice-client for phones, without the `https` feature (the app fetches the document and
# hands it to notice_client_ingest; see MOBILE.md). Needs no Android NDK and no Xcode: `cargo rustc
# --crate-type staticlib` builds the static library alone (the crate's other types, `cdylib` in particular,
# would need the target's linker), and a static library of pure Rust needs no C compiler or linker.
#
#   bash notice-client/mobile/build-libs.sh              # profile `mobile`: the libraries an app ships
#   PROFILE=dev bash notice-client/mobile/build-libs.sh  # what CI runs: the same builds, unoptimized (faster)
#
# Output, whatever the profile: $CARGO_TARGET_DIR/mobile/<target>/libnotice_client.a (default target dir:
# <repo>/target), and the header in notice-client/include/notice_client.h.
#
# Knobs (environment): PROFILE (mobile), TARGETS (the five below), FALLBACK_TOOLCHAIN (1.94.0: used for a
# target whose standard library the active toolchain's release does not ship; Rust 1.95.0 ships none for
# aarch64-apple-ios-sim).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
profile="${PROFILE:-mobile}"
targets="${TARGETS:-aarch64-linux-android armv7-linux-androideabi x86_64-linux-android aarch64-apple-ios aarch64-apple-ios-sim}"
fallback="${FALLBACK_TOOLCHAIN:-1.94.0}"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"

log() { printf '[mobile] %s\n' "$*" >&2; }

# The toolchain to build `target` with: the active one when rustup has its standard library for the target,
# else FALLBACK_TOOLCHAIN (installed with that target). Prints a `+toolchain` argument or nothing.
toolchain_for() {
    if rustup target add "$1" >/dev/null 2>&1; then
        return
    fi
    log "the active toolchain ($(rustc --version)) has no standard library for $1; using $fallback"
    rustup toolchain install "$fallback" --profile minimal --target "$1" >&2
    printf '+%s' "$fallback"
}

for target in $targets; do
    toolchain="$(toolchain_for "$target")"
    log "notice-client for $target (profile $profile${toolchain:+, toolchain ${toolchain#+}})"
    # shellcheck disable=SC2086 # $toolchain is empty or one word
    cargo $toolchain rustc --locked --quiet -p notice-client --lib --no-default-features \
        --crate-type staticlib --target "$target" --profile "$profile"
    dir="$([ "$profile" = dev ] && echo debug || echo "$profile")"
    out="$target_dir/mobile/$target"
    mkdir -p "$out"
    cp "$target_dir/$target/$dir/libnotice_client.a" "$out/"
    log "$out/libnotice_client.a ($(du -h "$out/libnotice_client.a" | cut -f1))"
done
