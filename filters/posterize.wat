;; posterize.wat - the posterize filter, written by hand in WebAssembly text.
;;
;; A filter needs no SDK: this module implements ABI v1 (filters/ABI.md)
;; directly.  With n = round(levels) in 2..256, each colour sample v goes
;; to bucket q = floor(v * n / 256) and comes back as the bucket's level
;; spread over 0..255:
;;     out = floor((q * 255 + floor((n - 1) / 2)) / (n - 1))
;; (n = 2 gives 0 or 255; n = 256 changes nothing).  Alpha is kept.
;;
;; Memory map: the describe JSON at 1024, the lookup table at 4096, and
;; the bump heap from 8192 up, grown with memory.grow as tsf_alloc needs.

(module
  (memory (export "memory") 1)

  (data (i32.const 1024)
    "{\"name\":\"posterize\","
    "\"summary\":\"Quantise each colour channel to n evenly spaced levels; alpha unchanged\","
    "\"kind\":\"point\",\"channels\":[1,2,3,4],"
    "\"params\":[{\"name\":\"levels\",\"default\":4,\"min\":2,\"max\":256,"
    "\"summary\":\"number of levels per channel, rounded\"}]}\00")

  (global $lut i32 (i32.const 4096))
  (global $top (mut i32) (i32.const 8192))

  ;; offsets and allocations stay below 2 GiB, as with the C SDK
  (global $limit i64 (i64.const 0x7ffffff0))

  (func (export "tsf_abi_version") (result i32)
    (i32.const 1))

  (func (export "tsf_describe") (result i32)
    (i32.const 1024))

  (func (export "tsf_halo") (param $params i32) (result i32)
    (i32.const 0))

  ;; tsf_alloc - offset of a 16-aligned block of $bytes, 0 on failure
  (func (export "tsf_alloc") (param $bytes i32) (result i32)
    (local $start i32) (local $end i64) (local $have i64)
    (if (i32.lt_s (local.get $bytes) (i32.const 0))
      (then (return (i32.const 0))))
    (local.set $start (global.get $top))
    (local.set $end (i64.add (i64.extend_i32_u (local.get $start))
                             (i64.extend_i32_u (local.get $bytes))))
    (if (i64.gt_u (local.get $end) (global.get $limit))
      (then (return (i32.const 0))))
    (local.set $have (i64.shl (i64.extend_i32_u (memory.size)) (i64.const 16)))
    (if (i64.gt_u (local.get $end) (local.get $have))
      (then
        (if (i32.eq
              (memory.grow
                (i32.wrap_i64
                  (i64.shr_u
                    (i64.add (i64.sub (local.get $end) (local.get $have))
                             (i64.const 65535))
                    (i64.const 16))))
              (i32.const -1))
          (then (return (i32.const 0))))))
    (global.set $top
      (i32.and (i32.add (i32.wrap_i64 (local.get $end)) (i32.const 15))
               (i32.const -16)))
    (local.get $start))

  ;; levels - the levels param rounded and clamped to 2..256; 4 if absent or NaN
  (func $levels (param $params i32) (result i32)
    (local $v f32)
    (if (i32.eqz (local.get $params))
      (then (return (i32.const 4))))
    (local.set $v (f32.load (local.get $params)))
    (if (f32.ne (local.get $v) (local.get $v))
      (then (return (i32.const 4))))
    (local.set $v (f32.min (f32.max (local.get $v) (f32.const 2)) (f32.const 256)))
    (i32.trunc_f32_s (f32.add (local.get $v) (f32.const 0.5))))

  ;; fill_lut - table of out for every v at $lut
  (func $fill_lut (param $n i32)
    (local $v i32) (local $q i32) (local $d i32)
    (local.set $d (i32.sub (local.get $n) (i32.const 1)))
    (loop $next
      (local.set $q (i32.shr_u (i32.mul (local.get $v) (local.get $n)) (i32.const 8)))
      (i32.store8
        (i32.add (global.get $lut) (local.get $v))
        (i32.div_u
          (i32.add (i32.mul (local.get $q) (i32.const 255))
                   (i32.shr_u (local.get $d) (i32.const 1)))
          (local.get $d)))
      (local.set $v (i32.add (local.get $v) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $v) (i32.const 256)))))

  ;; fits - is [$off, $off + $n) inside what tsf_alloc handed out?
  ;; (a bad call is then an error code, not a trap)
  (func $fits (param $off i32) (param $n i64) (result i32)
    (i32.and
      (i32.ne (local.get $off) (i32.const 0))
      (i64.le_u (i64.add (i64.extend_i32_u (local.get $off)) (local.get $n))
                (i64.extend_i32_u (global.get $top)))))

  ;; apart - do [$a, $a + $n) and [$b, $b + $n) not overlap?
  (func $apart (param $a i32) (param $b i32) (param $n i64) (result i32)
    (i32.or
      (i64.le_u (i64.add (i64.extend_i32_u (local.get $a)) (local.get $n))
                (i64.extend_i32_u (local.get $b)))
      (i64.le_u (i64.add (i64.extend_i32_u (local.get $b)) (local.get $n))
                (i64.extend_i32_u (local.get $a)))))

  (func (export "tsf_process")
    (param $in i32) (param $in_w i32) (param $in_h i32)
    (param $out i32) (param $out_w i32) (param $out_h i32)
    (param $ch i32) (param $params i32) (result i32)
    (local $n64 i64) (local $n i32) (local $i i32)
    (if (i32.or (i32.lt_s (local.get $ch) (i32.const 1))
                (i32.gt_s (local.get $ch) (i32.const 4)))
      (then (return (i32.const 2))))
    ;; halo 0: out is in, same size
    (if (i32.or
          (i32.or (i32.ne (local.get $in_w) (local.get $out_w))
                  (i32.ne (local.get $in_h) (local.get $out_h)))
          (i32.or (i32.lt_s (local.get $out_w) (i32.const 1))
                  (i32.lt_s (local.get $out_h) (i32.const 1))))
      (then (return (i32.const 1))))
    (local.set $n64
      (i64.mul (i64.mul (i64.extend_i32_u (local.get $out_w))
                        (i64.extend_i32_u (local.get $out_h)))
               (i64.extend_i32_u (local.get $ch))))
    (if (i32.eqz
          (i32.and
            (i32.and (call $fits (local.get $in) (local.get $n64))
                     (call $fits (local.get $out) (local.get $n64)))
            (call $apart (local.get $in) (local.get $out) (local.get $n64))))
      (then (return (i32.const 1))))
    (local.set $n (i32.wrap_i64 (local.get $n64)))
    (call $fill_lut (call $levels (local.get $params)))
    ;; every byte through the table ...
    (loop $all
      (i32.store8
        (i32.add (local.get $out) (local.get $i))
        (i32.load8_u
          (i32.add (global.get $lut)
                   (i32.load8_u (i32.add (local.get $in) (local.get $i))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $all (i32.lt_u (local.get $i) (local.get $n))))
    ;; ... then alpha, the last of an even number of channels, put back
    (if (i32.eqz (i32.and (local.get $ch) (i32.const 1)))
      (then
        (local.set $i (i32.sub (local.get $ch) (i32.const 1)))
        (loop $alpha
          (i32.store8
            (i32.add (local.get $out) (local.get $i))
            (i32.load8_u (i32.add (local.get $in) (local.get $i))))
          (local.set $i (i32.add (local.get $i) (local.get $ch)))
          (br_if $alpha (i32.lt_u (local.get $i) (local.get $n))))))
    (i32.const 0))
)
