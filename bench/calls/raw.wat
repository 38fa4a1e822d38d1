;; The raw floor of a guest→host call: `loop(n)` calls the imported `h.f` (a JS function) n times,
;; feeding each result into the next, like bench-calls' `loop-add-one` does through the runtime.
(module
  (import "h" "f" (func $f (param i32) (result i32)))
  (func (export "loop") (param $n i32) (result i32)
    (local $x i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $x (call $f (local.get $x)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $x)))
