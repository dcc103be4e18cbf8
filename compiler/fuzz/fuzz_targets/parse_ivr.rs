//! Any bytes given as a `.ivr` file compile to a graph or to diagnostics —
//! never a panic, never a hang.
#![no_main]

use ivr_compiler::{Syntax, compile_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = compile_bytes(data, Syntax::Ivr);
});
