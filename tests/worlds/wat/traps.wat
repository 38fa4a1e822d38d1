;; Traps, from the guest and from the host side of a call, for tests/worlds/browser.test.mjs:
;; `guest-unreachable` executes `unreachable`; `bad-string` passes the host's `reverse` a string
;; that runs past the end of memory, which the host's lifting must refuse as a trap (never read,
;; never panic); `grown-string` grows the memory by a page, writes "grown" into the new page and
;; passes it to `reverse`: the host must see the grown memory (no stale view), so no trap.
(component
  (import "gfx-test:worlds/ops@0.1.0" (instance $ops
    (export "reverse" (func (param "s" string) (result string)))))
  (core module $mem (memory (export "memory") 1)
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024)))
  (core instance $mi (instantiate $mem))
  (alias core export $mi "memory" (core memory $memory))
  (alias core export $mi "realloc" (core func $realloc))
  (alias export $ops "reverse" (func $reverse))
  (core func $reverse-lowered (canon lower (func $reverse) (memory $memory) (realloc $realloc)))
  (core module $m
    (import "host" "reverse" (func $reverse (param i32 i32 i32)))
    (import "host" "memory" (memory 1))
    (data (i32.const 16) "grown")
    (func (export "guest-unreachable") unreachable)
    (func (export "bad-string")
      ;; 100 bytes at 65500: past the end of the 64 KiB memory.
      (call $reverse (i32.const 65500) (i32.const 100) (i32.const 0)))
    (func (export "grown-string")
      (drop (memory.grow (i32.const 1)))
      (memory.copy (i32.const 70000) (i32.const 16) (i32.const 5))
      (call $reverse (i32.const 70000) (i32.const 5) (i32.const 0))
      ;; The host wrote (ptr, len) of "nworg" at 0: check it.
      (if (i32.ne (i32.load (i32.const 4)) (i32.const 5)) (then unreachable))
      (if (i32.ne (i32.load8_u (i32.load (i32.const 0))) (i32.const 110)) (then unreachable))))
  (core instance $i (instantiate $m (with "host" (instance
    (export "reverse" (func $reverse-lowered))
    (export "memory" (memory $memory))))))
  (func (export "guest-unreachable") (canon lift (core func $i "guest-unreachable")))
  (func (export "bad-string") (canon lift (core func $i "bad-string")))
  (func (export "grown-string") (canon lift (core func $i "grown-string")))
)
