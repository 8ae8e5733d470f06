package dev.canopy.wasm.instrument;

/** WAT modules that exercise the instruction set, for comparing original and instrumented runs. */
final class FeatureModules {
  private FeatureModules() {}

  /** Every export takes (i64) and returns one i64 derived from everything it computed. */
  static final String KITCHEN_SINK =
      """
      (module
        (type $binop (func (param i64 i64) (result i64)))
        (type $pair (func (param i32) (result i32 i32)))
        (memory 2 10)
        (data $hello "hello, metered world")
        (data (i32.const 4096) "\\01\\02\\03\\04\\05\\06\\07\\08")
        (table $t 8 32 funcref)
        (table $ext 4 externref)
        (elem (table $t) (i32.const 0) func $add $sub $mul $divs)
        (elem $passive func $add $mul)
        (elem declare func $sub)
        (global $acc (mut i64) (i64.const 17))
        (global $seed i32 (i32.const 12345))

        (func $add (type $binop) (i64.add (local.get 0) (local.get 1)))
        (func $sub (type $binop) (i64.sub (local.get 0) (local.get 1)))
        (func $mul (type $binop) (i64.mul (local.get 0) (local.get 1)))
        (func $divs (type $binop)
          (if (result i64) (i64.eqz (local.get 1))
            (then (i64.const -1))
            (else (i64.div_s (local.get 0) (local.get 1)))))

        (func $swap (type $pair) (i32.add (local.get 0) (i32.const 1)) (local.get 0))

        ;; integer arithmetic, division, bit counting, sign extension, rotations
        (func (export "ints") (param $x i64) (result i64)
          (local $a i32) (local $r i64)
          (local.set $a (i32.wrap_i64 (local.get $x)))
          (local.set $r (i64.extend_i32_s (i32.div_s (i32.const -1000003) (i32.or (local.get $a) (i32.const 1)))))
          (local.set $r (i64.add (local.get $r) (i64.rem_u (local.get $x) (i64.const 97))))
          (local.set $r (i64.xor (local.get $r) (i64.extend_i32_u (i32.popcnt (local.get $a)))))
          (local.set $r (i64.add (local.get $r) (i64.extend_i32_u (i32.clz (local.get $a)))))
          (local.set $r (i64.add (local.get $r) (i64.ctz (local.get $x))))
          (local.set $r (i64.add (local.get $r) (i64.extend8_s (local.get $x))))
          (local.set $r (i64.add (local.get $r) (i64.extend_i32_s (i32.extend16_s (local.get $a)))))
          (local.set $r (i64.add (local.get $r) (i64.rotl (local.get $x) (i64.const 13))))
          (i64.add (local.get $r) (i64.shr_s (local.get $x) (i64.const 3))))

        ;; floats, conversions, saturating truncation
        (func (export "floats") (param $x i64) (result i64)
          (local $f f64) (local $g f32)
          (local.set $f (f64.div (f64.convert_i64_s (local.get $x)) (f64.const 3.25)))
          (local.set $f (f64.add (f64.sqrt (f64.abs (local.get $f))) (f64.min (local.get $f) (f64.const 2.5))))
          (local.set $g (f32.demote_f64 (f64.max (local.get $f) (f64.const -1e300))))
          (local.set $g (f32.mul (f32.nearest (local.get $g)) (f32.copysign (f32.const 1.5) (local.get $g))))
          (i64.add
            (i64.add (i64.trunc_sat_f64_s (f64.mul (local.get $f) (f64.const 1e300)))
                     (i64.extend_i32_u (i32.trunc_sat_f32_u (local.get $g))))
            (i64.reinterpret_f64 (f64.promote_f32 (f32.floor (local.get $g))))))

        ;; control flow: br_table, nested blocks, if/else with results, multi-value, select
        (func (export "control") (param $x i64) (result i64)
          (local $i i32) (local $sum i64)
          (loop $l
            (block $b3 (block $b2 (block $b1 (block $b0
              (br_table $b0 $b1 $b2 $b3 (i32.rem_u (local.get $i) (i32.const 5))))
              (local.set $sum (i64.add (local.get $sum) (i64.const 1))) (br $b3))
              (local.set $sum (i64.mul (local.get $sum) (i64.const 3))) (br $b3))
              (local.set $sum (i64.sub (local.get $sum) (local.get $x))))
            (local.set $sum
              (select (result i64) (local.get $sum) (i64.add (local.get $sum) (i64.const 7))
                (i32.and (local.get $i) (i32.const 1))))
            (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 40))))
          (call $swap (i32.wrap_i64 (local.get $x)))
          (i32.sub)
          (i64.extend_i32_s)
          (block (param i64) (result i64) (i64.add (local.get $sum)))
          (if (result i64) (i64.gt_s (local.get $x) (i64.const 0))
            (then (i64.const 1000))
            (else (i64.const 2000)))
          (i64.add))

        ;; memory: loads, stores, grow, size, bulk operations
        (func (export "memory") (param $x i64) (result i64)
          (local $r i64)
          (i64.store offset=8 (i32.const 64) (local.get $x))
          (i32.store8 (i32.const 70) (i32.const 255))
          (local.set $r (i64.load offset=8 (i32.const 64)))
          (local.set $r (i64.add (local.get $r) (i64.load16_s (i32.const 70))))
          (memory.init $hello (i32.const 200) (i32.const 0) (i32.const 20))
          (memory.copy (i32.const 300) (i32.const 4096) (i32.const 8))
          (memory.fill (i32.const 400) (i32.const 9) (i32.const 100))
          (local.set $r (i64.add (local.get $r) (i64.load (i32.const 300))))
          (local.set $r (i64.add (local.get $r) (i64.load32_u (i32.const 200))))
          (local.set $r (i64.add (local.get $r) (i64.load8_u (i32.const 499))))
          (local.set $r (i64.add (local.get $r) (i64.extend_i32_s (memory.grow (i32.const 1)))))
          (i64.add (local.get $r) (i64.extend_i32_u (memory.size))))

        ;; tables and references: call_indirect, table.get/set/grow/size/fill/copy/init, elem.drop
        (func (export "tables") (param $x i64) (result i64)
          (local $r i64)
          (local.set $r (call_indirect (type $binop) (local.get $x) (i64.const 7)
            (i32.wrap_i64 (i64.rem_u (local.get $x) (i64.const 4)))))
          (table.copy $t $t (i32.const 4) (i32.const 0) (i32.const 4))
          (table.init $t $passive (i32.const 6) (i32.const 0) (i32.const 2))
          (elem.drop $passive)
          (local.set $r (i64.add (local.get $r) (call_indirect (type $binop) (local.get $r) (i64.const 3) (i32.const 7))))
          (table.set $t (i32.const 5) (ref.func $sub))
          (local.set $r (i64.add (local.get $r) (call_indirect (type $binop) (local.get $r) (i64.const 2) (i32.const 5))))
          (local.set $r (i64.add (local.get $r)
            (i64.extend_i32_s (table.grow $t (ref.null func) (i32.const 3)))))
          (table.fill $t (i32.const 8) (ref.func $mul) (i32.const 3))
          (local.set $r (i64.add (local.get $r) (call_indirect (type $binop) (local.get $r) (i64.const 5) (i32.const 10))))
          (local.set $r (i64.add (local.get $r) (i64.extend_i32_u (table.size $t))))
          (local.set $r (i64.add (local.get $r) (i64.extend_i32_u (ref.is_null (table.get $ext (i32.const 0))))))
          (i64.add (local.get $r) (i64.extend_i32_u (ref.is_null (table.get $t (i32.const 1))))))

        ;; globals and recursion
        (func $fib (param $n i64) (result i64)
          (if (result i64) (i64.lt_u (local.get $n) (i64.const 2))
            (then (local.get $n))
            (else (i64.add (call $fib (i64.sub (local.get $n) (i64.const 1)))
                           (call $fib (i64.sub (local.get $n) (i64.const 2)))))))
        (func (export "globals") (param $x i64) (result i64)
          (global.set $acc (i64.add (global.get $acc) (local.get $x)))
          (i64.add (global.get $acc) (i64.add (i64.extend_i32_u (global.get $seed))
            (call $fib (i64.rem_u (local.get $x) (i64.const 20))))))

        ;; unreachable code after branches, and an early return
        (func (export "dead") (param $x i64) (result i64)
          (block $out (result i64)
            (br $out (i64.mul (local.get $x) (i64.const 3)))
            (drop (i64.const 1))
            (i64.const 5))
          (return)
          (unreachable)))
      """;

  /**
   * SIMD, which Chicory 1.7.5 decodes and validates but cannot run without its separate SIMD
   * module; instrumented copies are checked by validation and by V8 in the bench's runner.
   */
  static final String SIMD =
      """
      (module
        (memory 1)
        ;; SIMD
        (func (export "simd") (param $x i64) (result i64)
          (local $v v128)
          (local.set $v (i64x2.splat (local.get $x)))
          (local.set $v (i32x4.add (local.get $v) (v128.const i32x4 1 2 3 4)))
          (local.set $v (i8x16.shuffle 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31 (local.get $v) (v128.const i64x2 -1 7)))
          (v128.store (i32.const 1024) (local.get $v))
          (local.set $v (v128.load32_lane 1 (i32.const 1024) (local.get $v)))
          (local.set $v (f64x2.mul (local.get $v) (f64x2.splat (f64.const 0.5))))
          (local.set $v (i16x8.mul (local.get $v) (local.get $v)))
          (i64.add (i64x2.extract_lane 0 (local.get $v))
                   (i64.extend_i32_u (i8x16.extract_lane_u 9 (local.get $v)))))

      )
      """;

  static final String[] KITCHEN_SINK_EXPORTS = {
    "ints", "floats", "control", "memory", "tables", "globals", "dead"
  };
}
