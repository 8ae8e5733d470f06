;; Memory-bound, random access: run(updates) does that many read-modify-writes of 8-byte words at
;; xorshift64-chosen places in a 64 MiB memory. Returns the last value written.
(module
  (memory 1024 1024)
  (func (export "run") (param $updates i32) (result i64)
    (local $x i64) (local $i i32) (local $p i32) (local $v i64)
    (local.set $x (i64.const 0x2545F4914F6CDD1D))
    (loop $update
      (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 13))))
      (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 7))))
      (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 17))))
      (local.set $p
        (i32.and (i32.wrap_i64 (i64.shr_u (local.get $x) (i64.const 32))) (i32.const 0x3FFFFF8)))
      (local.set $v (i64.add (i64.load (local.get $p)) (local.get $x)))
      (i64.store (local.get $p) (local.get $v))
      (br_if $update
        (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $updates))))
    (local.get $v)))
