;; Misused streams, for tests/worlds/browser.test.mjs: each export breaks one rule of the
;; stream built-ins, which our runtime must turn into a trap with a message naming it (never a
;; panic, never a hang). Handles: `stream.new` returns `writable << 32 | readable`; the first
;; stream of a fresh instance gets readable 1, writable 2.
(component
  (type $s (stream u8))
  (core module $mem (memory (export "memory") 1))
  (core instance $mi (instantiate $mem))
  (alias core export $mi "memory" (core memory $memory))
  (core func $new (canon stream.new $s))
  (core func $read (canon stream.read $s async (memory $memory)))
  (core func $write (canon stream.write $s async (memory $memory)))
  (core func $drop-readable (canon stream.drop-readable $s))
  (core func $cancel-read (canon stream.cancel-read $s))
  (core module $m
    (import "host" "new" (func $new (result i64)))
    (import "host" "read" (func $read (param i32 i32 i32) (result i32)))
    (import "host" "write" (func $write (param i32 i32 i32) (result i32)))
    (import "host" "drop-readable" (func $drop-readable (param i32)))
    (import "host" "cancel-read" (func $cancel-read (param i32) (result i32)))
    (import "host" "memory" (memory 1))
    ;; Reading the writable end.
    (func (export "read-writable")
      (drop (call $new))
      (drop (call $read (i32.const 2) (i32.const 0) (i32.const 4))))
    ;; A second read while the first waits.
    (func (export "read-twice")
      (drop (call $new))
      (if (i32.ne (call $read (i32.const 1) (i32.const 0) (i32.const 4)) (i32.const -1))
        (then unreachable))
      (drop (call $read (i32.const 1) (i32.const 0) (i32.const 4))))
    ;; Dropping the readable end while its read waits.
    (func (export "drop-while-reading")
      (drop (call $new))
      (drop (call $read (i32.const 1) (i32.const 0) (i32.const 4)))
      (call $drop-readable (i32.const 1)))
    ;; Cancelling a read that was never started.
    (func (export "cancel-idle")
      (drop (call $new))
      (drop (call $cancel-read (i32.const 1))))
    ;; A read met by a write of the same instance: the copy has no element type to go by (no end
    ;; crossed the host boundary), so it traps rather than guess a layout.
    (func (export "guest-to-guest")
      (drop (call $new))
      (drop (call $read (i32.const 1) (i32.const 200) (i32.const 100)))
      (drop (call $write (i32.const 2) (i32.const 0) (i32.const 100))))
    ;; A handle that was never made.
    (func (export "unknown-handle")
      (drop (call $read (i32.const 77) (i32.const 0) (i32.const 1)))))
  (core instance $i (instantiate $m (with "host" (instance
    (export "new" (func $new))
    (export "read" (func $read))
    (export "write" (func $write))
    (export "drop-readable" (func $drop-readable))
    (export "cancel-read" (func $cancel-read))
    (export "memory" (memory $memory))))))
  (func (export "read-writable") (canon lift (core func $i "read-writable")))
  (func (export "read-twice") (canon lift (core func $i "read-twice")))
  (func (export "drop-while-reading") (canon lift (core func $i "drop-while-reading")))
  (func (export "cancel-idle") (canon lift (core func $i "cancel-idle")))
  (func (export "guest-to-guest") (canon lift (core func $i "guest-to-guest")))
  (func (export "unknown-handle") (canon lift (core func $i "unknown-handle")))
)
