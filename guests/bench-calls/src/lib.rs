//! Benchmark guest of `bench/wit/calls.wit`: each export loops over one kind of host call, so the
//! host can time `n` calls from a single entry into the guest (bench/README.md).

#[allow(missing_docs, clippy::all)]
mod bindings {
    wit_bindgen::generate!({
        path: "../../bench/wit",
        world: "gfx-bench:calls/calls",
    });
}

use bindings::gfx_bench::calls::host;

struct Guest;

impl bindings::Guest for Guest {
    fn loop_add_one(n: u32) -> u32 {
        let mut x = 0;
        for _ in 0..n {
            x = host::add_one(x);
        }
        x
    }

    fn loop_string(n: u32, s: String) -> u32 {
        (0..n).fold(0u32, |acc, _| acc.wrapping_add(host::string_len(&s)))
    }

    fn loop_bytes(n: u32, b: Vec<u8>) -> u32 {
        (0..n).fold(0u32, |acc, _| acc.wrapping_add(host::bytes_len(&b)))
    }

    fn loop_record(n: u32) -> u32 {
        (0..n).fold(0u32, |acc, i| {
            let r = host::Eight {
                a: 1,
                b: 2,
                c: 3,
                d: 4,
                e: 5,
                f: 6,
                g: 7,
                h: 8u32.wrapping_add(i),
            };
            acc.wrapping_add(host::sum_eight(r))
        })
    }

    fn loop_method(n: u32) -> u32 {
        let counter = host::Counter::new();
        let mut last = 0;
        for _ in 0..n {
            last = counter.bump();
        }
        last
    }

    fn add_one(x: u32) -> u32 {
        x.wrapping_add(1)
    }
}

bindings::export!(Guest with_types_in bindings);
