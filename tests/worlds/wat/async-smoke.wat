;; The callback-form async ABI without any host call: export `add-one-later(x) -> u32` returns
;; YIELD first; on its callback (event NONE) it calls task.return(x + 1) and EXITs. Export
;; `add-one-now(x)` calls task.return at once and EXITs. For tests/worlds/browser.test.mjs.
(component
  (core module $m
    (import "" "task.return" (func $ret (param i32)))
    (global $x (mut i32) (i32.const 0))
    (func (export "now") (param i32) (result i32)
      (call $ret (i32.add (local.get 0) (i32.const 1)))
      (i32.const 0))                                   ;; EXIT
    (func (export "later") (param i32) (result i32)
      (global.set $x (local.get 0))
      (i32.const 1))                                   ;; YIELD
    (func (export "later-cb") (param $event i32) (param i32) (param i32) (result i32)
      (if (local.get $event) (then unreachable))       ;; a yield resumes with event NONE
      (call $ret (i32.add (global.get $x) (i32.const 1)))
      (i32.const 0)))
  (core func $ret (canon task.return (result u32)))
  (core instance $i (instantiate $m (with "" (instance (export "task.return" (func $ret))))))
  (func (export "add-one-now") (param "x" u32) (result u32)
    (canon lift (core func $i "now") async (callback (func $i "later-cb"))))
  (func (export "add-one-later") (param "x" u32) (result u32)
    (canon lift (core func $i "later") async (callback (func $i "later-cb"))))
)
