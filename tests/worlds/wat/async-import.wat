;; An async-lowered host call, awaited from a callback-form async export (no JSPI): `run(x)`
;; calls the host's `echo(x)` with `[async-lower]`; if the host finished at once (RETURNED) it
;; returns `echo(x) + 1000`, else it joins the subtask to a waitable set and WAITs; on the
;; SUBTASK event (RETURNED) its callback drops the subtask and returns `echo(x)`. The host of
;; crates/worlds-browser answers `echo` on a later turn, so `run(41)` gives 41 when the runtime
;; really waited, 1041 if the host answered at once.
(component
  (import "gfx-test:edge/host-calls@0.1.0" (instance $h
    (export "echo" (func async (param "x" u32) (result u32)))))
  (core module $mem (memory (export "memory") 1))
  (core instance $mi (instantiate $mem))
  (alias core export $mi "memory" (core memory $memory))
  (alias export $h "echo" (func $echo))
  (core func $echo-lowered (canon lower (func $echo) async (memory $memory)))
  (core func $ret (canon task.return (result u32)))
  (core func $ws-new (canon waitable-set.new))
  (core func $join (canon waitable.join))
  (core func $st-drop (canon subtask.drop))
  (core module $m
    (import "mem" "memory" (memory 1))
    (import "" "echo" (func $echo (param i32 i32) (result i32)))
    (import "" "task.return" (func $ret (param i32)))
    (import "" "waitable-set.new" (func $ws-new (result i32)))
    (import "" "waitable.join" (func $join (param i32 i32)))
    (import "" "subtask.drop" (func $st-drop (param i32)))
    (func (export "run") (param $x i32) (result i32)
      (local $status i32) (local $set i32)
      (local.set $status (call $echo (local.get $x) (i32.const 8)))
      (if (i32.eq (i32.and (local.get $status) (i32.const 0xf)) (i32.const 2))
        (then
          (call $ret (i32.add (i32.load (i32.const 8)) (i32.const 1000)))
          (return (i32.const 0))))
      (local.set $set (call $ws-new))
      (call $join (i32.shr_u (local.get $status) (i32.const 4)) (local.get $set))
      (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))
    (func (export "cb") (param $event i32) (param $index i32) (param $payload i32) (result i32)
      (if (i32.ne (local.get $event) (i32.const 1)) (then unreachable))    ;; SUBTASK
      (if (i32.ne (local.get $payload) (i32.const 2)) (then unreachable))  ;; RETURNED
      (call $st-drop (local.get $index))
      (call $ret (i32.load (i32.const 8)))
      (i32.const 0)))
  (core instance $i (instantiate $m
    (with "mem" (instance $mi))
    (with "" (instance
      (export "echo" (func $echo-lowered))
      (export "task.return" (func $ret))
      (export "waitable-set.new" (func $ws-new))
      (export "waitable.join" (func $join))
      (export "subtask.drop" (func $st-drop))))))
  (func (export "run") async (param "x" u32) (result u32)
    (canon lift (core func $i "run") async (callback (func $i "cb"))))
)
