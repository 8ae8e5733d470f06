;; The cheapest correct count this bench found: the counter passed down as a parameter, checked at
;; entry, and handed back through a global only where needed (the leaf arm writes it; the caller
;; reads it once, before its second call). No call depth limit and no soft limit (so nothing bounds
;; what a trap leaves uncharged): what counting alone costs. Charges exactly what the metered fib
;; does; the counter global is exported under the metering's name.
(module
  (memory 1) ;; unused, as in bench/wasm/fib.wat
  (global $left (export "__canopy_instructions_left") (mut i64) (i64.const 0))
  (func $fib (param $n i32) (param $c i64) (result i64)
    (if (i64.lt_s (local.tee $c (i64.sub (local.get $c) (i64.const 6))) (i64.const 0))
      (then (global.set $left (local.get $c)) (unreachable)))
    (if (result i64) (i32.lt_u (local.get $n) (i32.const 2))
      (then (global.set $left (i64.sub (local.get $c) (i64.const 2))) (i64.extend_i32_u (local.get $n)))
      (else
        (local.set $c (i64.sub (local.get $c) (i64.const 17)))
        (call $fib (i32.sub (local.get $n) (i32.const 1)) (local.get $c))
        (local.set $c (global.get $left))
        (call $fib (i32.sub (local.get $n) (i32.const 2)) (local.get $c))
        (i64.add))))
  (func (export "run") (param $n i32) (result i64)
    ;; entry 1 + local.get 1 + call 5, as the metered export is charged
    (call $fib (local.get $n) (i64.sub (global.get $left) (i64.const 7)))))
