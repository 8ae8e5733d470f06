;; Compute-bound, loop-heavy: fill 1 MiB with xorshift64, then run(rounds) passes of an
;; FNV-1a-style 64-bit mix over it. Returns the hash.
(module
  (memory 16)
  (func (export "run") (param $rounds i32) (result i64)
    (local $x i64) (local $h i64) (local $p i32) (local $r i32)
    (local.set $x (i64.const 0x9E3779B97F4A7C15))
    (loop $fill
      (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 13))))
      (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 7))))
      (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 17))))
      (i64.store (local.get $p) (local.get $x))
      (br_if $fill
        (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 8))) (i32.const 1048576))))
    (local.set $h (i64.const 0xCBF29CE484222325))
    (loop $round
      (local.set $p (i32.const 0))
      (loop $word
        (local.set $h
          (i64.mul (i64.xor (local.get $h) (i64.load (local.get $p))) (i64.const 0x100000001B3)))
        (local.set $h (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 29))))
        (br_if $word
          (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 8))) (i32.const 1048576))))
      (br_if $round
        (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $rounds))))
    (local.get $h)))
