//! `make fuzz`: see fuzz/src/lib.rs (`flare_fuzz::signature`) for what it feeds and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| flare_fuzz::signature(data));
