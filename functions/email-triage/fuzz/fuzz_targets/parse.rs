//! Any bytes SES could hand us: parsing, and turning the mail into a command, never
//! panic. Run with `make fuzz` (cargo-fuzz).
#![no_main]

use flare_email_triage::{Delivery, parse::parse, to_command};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(mail) = parse(data) {
        let config = flare::config::Config::default();
        let _ = to_command(&mail, &Delivery::default(), &config.triage, &config, chrono::Utc::now());
        let _ = flare_email_triage::triage::thread_ids(&mail);
    }
});
