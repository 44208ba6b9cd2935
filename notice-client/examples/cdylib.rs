//! notice-client's C ABI as a library of its own: the same exported functions as `libnotice_client`, built as
//! a cdylib only, so that cargo applies the profile's LTO (it does not for a package that is also an rlib).
//! `bench/client-size.sh` measures it with `cargo bloat --example cdylib --profile mobile`.

pub use notice_client::ffi::*;
