;; bench/wasm/fib.wat with the three parameters metering adds (counter, soft limit, depth) passed
;; along unused: what the extra arguments alone cost.
(module
  (memory 1) ;; unused, as in bench/wasm/fib.wat
  (func $fib (param $n i32) (param $c i64) (param $l i64) (param $d i32) (result i64)
    (if (result i64) (i32.lt_u (local.get $n) (i32.const 2))
      (then (i64.extend_i32_u (local.get $n)))
      (else
        (i64.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)) (local.get $c) (local.get $l) (local.get $d))
          (call $fib (i32.sub (local.get $n) (i32.const 2)) (local.get $c) (local.get $l) (local.get $d))))))
  (func (export "run") (param $n i32) (result i64)
    (call $fib (local.get $n) (i64.const 0) (i64.const 0) (i32.const 0))))
