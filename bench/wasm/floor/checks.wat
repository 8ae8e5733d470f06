;; The counter and the call depth passed down, each frame charging its blocks (the IC's costs) and
;; checking the depth and the counter at entry; the counter is never handed back, so callers do
;; not learn what their callees used (not a correct count): what passing and checking cost.
(module
  (memory 1) ;; unused, as in bench/wasm/fib.wat
  (func $fib (param $n i32) (param $c i64) (param $d i32) (result i64)
    (if (i32.gt_s (local.tee $d (i32.add (local.get $d) (i32.const 1))) (i32.const 10000))
      (then (unreachable)))
    (if (i64.lt_s (local.tee $c (i64.sub (local.get $c) (i64.const 6))) (i64.const 0))
      (then (unreachable)))
    (if (result i64) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.set $c (i64.sub (local.get $c) (i64.const 2))) (i64.extend_i32_u (local.get $n)))
      (else
        (local.set $c (i64.sub (local.get $c) (i64.const 17)))
        (i64.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)) (local.get $c) (local.get $d))
          (call $fib (i32.sub (local.get $n) (i32.const 2)) (local.get $c) (local.get $d))))))
  (func (export "run") (param $n i32) (result i64)
    (call $fib (local.get $n) (i64.const 0x7FFFFFFFFFFFFFFF) (i32.const 0))))
