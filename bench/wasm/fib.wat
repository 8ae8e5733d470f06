;; Compute-bound, call-heavy: naive recursive Fibonacci. run(n) = fib(n). The memory is unused; it is
;; there because every canister has one, and the engine reaches the metering counter through it.
(module
  (memory 1)
  (func $fib (param $n i32) (result i64)
    (if (result i64) (i32.lt_u (local.get $n) (i32.const 2))
      (then (i64.extend_i32_u (local.get $n)))
      (else
        (i64.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)))
          (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func (export "run") (param $n i32) (result i64)
    (call $fib (local.get $n))))
