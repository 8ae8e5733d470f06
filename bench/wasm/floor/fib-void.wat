;; bench/wasm/fib.wat's recursion in a function without results: the leaves add to a sum in
;; memory. Metered, such a function returns the counter as its only result (a plain JVM return
;; value), so this shows what metering the recursion costs when handing the counter back is free.
(module
  (memory 1)
  (func $fib (param $n i32)
    (if (i32.lt_u (local.get $n) (i32.const 2))
      (then (i64.store (i32.const 0) (i64.add (i64.load (i32.const 0)) (i64.extend_i32_u (local.get $n)))))
      (else
        (call $fib (i32.sub (local.get $n) (i32.const 1)))
        (call $fib (i32.sub (local.get $n) (i32.const 2))))))
  (func (export "run") (param $n i32) (result i64)
    (i64.store (i32.const 0) (i64.const 0))
    (call $fib (local.get $n))
    (i64.load (i32.const 0))))
