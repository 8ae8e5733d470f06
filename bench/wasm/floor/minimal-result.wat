;; As minimal.wat, but the counter comes back as a second result instead of through a global
;; (Chicory's compiled code returns a multi-value result as a newly allocated long[]).
(module
  (memory 1) ;; unused, as in bench/wasm/fib.wat
  (global $left (export "__canopy_instructions_left") (mut i64) (i64.const 0))
  (func $fib (param $n i32) (param $c i64) (result i64 i64)
    (local $a i64)
    (if (i64.lt_s (local.tee $c (i64.sub (local.get $c) (i64.const 6))) (i64.const 0))
      (then (global.set $left (local.get $c)) (unreachable)))
    (if (result i64 i64) (i32.lt_u (local.get $n) (i32.const 2))
      (then (i64.extend_i32_u (local.get $n)) (i64.sub (local.get $c) (i64.const 2)))
      (else
        (local.set $c (i64.sub (local.get $c) (i64.const 17)))
        (call $fib (i32.sub (local.get $n) (i32.const 1)) (local.get $c))
        (local.set $c)
        (local.set $a)
        (call $fib (i32.sub (local.get $n) (i32.const 2)) (local.get $c))
        (local.set $c)
        (i64.add (local.get $a))
        (local.get $c))))
  (func (export "run") (param $n i32) (result i64)
    (local $r i64)
    (call $fib (local.get $n) (i64.sub (global.get $left) (i64.const 7)))
    (global.set $left)))
