//! `cargo bench -p flare-postmortem`: how long rendering takes as incidents grow.
//! Rendering is one pass over the timeline plus one sort, so time should grow about
//! linearly with the number of events.

use flare::config::Config;
use flare_postmortem::{fixtures, render};
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let config = Config::default();
    for n in [1_000, 10_000, 20_000] {
        let (incident, timeline) = match fixtures::long(n) {
            Ok(x) => x,
            Err(e) => {
                eprintln!("fixture: {e}");
                std::process::exit(1);
            }
        };
        let runs = 5;
        let start = Instant::now();
        let mut bytes = 0;
        for _ in 0..runs {
            bytes = black_box(render(black_box(&incident), black_box(&timeline), &config)).len();
        }
        let each = start.elapsed() / runs;
        println!(
            "render {:>6} events: {:>8.2} ms ({bytes} bytes)",
            timeline.len(),
            each.as_secs_f64() * 1000.0
        );
    }
}
