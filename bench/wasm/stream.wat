;; Memory-bound, sequential: run(passes) writes then reads back all of a 64 MiB memory, 8 bytes at
;; a time, passes times. Returns the sum read.
(module
  (memory 1024 1024)
  (func (export "run") (param $passes i32) (result i64)
    (local $p i32) (local $k i32) (local $sum i64)
    (loop $pass
      (local.set $p (i32.const 0))
      (loop $write
        (i64.store (local.get $p) (i64.extend_i32_u (i32.xor (local.get $p) (local.get $k))))
        (br_if $write
          (i32.ne (local.tee $p (i32.add (local.get $p) (i32.const 8))) (i32.const 67108864))))
      (local.set $p (i32.const 0))
      (loop $read
        (local.set $sum (i64.add (local.get $sum) (i64.load (local.get $p))))
        (br_if $read
          (i32.ne (local.tee $p (i32.add (local.get $p) (i32.const 8))) (i32.const 67108864))))
      (br_if $pass
        (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (local.get $passes))))
    (local.get $sum)))
