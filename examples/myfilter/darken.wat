;; darken.wat - an example filter written directly in WebAssembly text,
;; without the C SDK: every colour sample goes down by round(amount),
;; stopping at 0; alpha (the last channel of 2 or 4) is kept.
;;
;; It implements ABI v1 (filters/ABI.md) by hand: the exports memory,
;; tsf_abi_version, tsf_describe, tsf_halo, tsf_alloc and tsf_process, and
;; no imports.  Memory map: the describe JSON at 1024, the heap of
;; tsf_alloc from 4096 up.

(module
  (memory (export "memory") 1)

  (data (i32.const 1024)
    "{\"name\":\"darken\","
    "\"summary\":\"Subtract amount from every colour sample; alpha unchanged\","
    "\"kind\":\"point\",\"channels\":[1,2,3,4],"
    "\"params\":[{\"name\":\"amount\",\"default\":32,\"min\":0,\"max\":255,"
    "\"summary\":\"how much darker, in sample values\"}]}\00")

  (global $top (mut i32) (i32.const 4096))

  (func (export "tsf_abi_version") (result i32)
    (i32.const 1))

  (func (export "tsf_describe") (result i32)
    (i32.const 1024))

  ;; a point filter needs no pixels around its own
  (func (export "tsf_halo") (param $params i32) (result i32)
    (i32.const 0))

  ;; tsf_alloc - a 16-aligned block of $bytes, growing memory when needed;
  ;; 0 when the size is negative or memory cannot grow.  Never freed: each
  ;; tile gets a fresh instance.
  (func (export "tsf_alloc") (param $bytes i32) (result i32)
    (local $start i32) (local $end i64) (local $have i64)
    (if (i32.lt_s (local.get $bytes) (i32.const 0))
      (then (return (i32.const 0))))
    (local.set $start (global.get $top))
    (local.set $end (i64.add (i64.extend_i32_u (local.get $start))
                             (i64.extend_i32_u (local.get $bytes))))
    (if (i64.gt_u (local.get $end) (i64.const 0x7ffffff0))
      (then (return (i32.const 0))))
    (local.set $have (i64.shl (i64.extend_i32_u (memory.size)) (i64.const 16)))
    (if (i64.gt_u (local.get $end) (local.get $have))
      (then
        (if (i32.eq
              (memory.grow
                (i32.wrap_i64
                  (i64.shr_u (i64.add (i64.sub (local.get $end) (local.get $have))
                                      (i64.const 65535))
                             (i64.const 16))))
              (i32.const -1))
          (then (return (i32.const 0))))))
    (global.set $top
      (i32.and (i32.add (i32.wrap_i64 (local.get $end)) (i32.const 15))
               (i32.const -16)))
    (local.get $start))

  ;; tsf_process - halo 0, so in and out have the same size; returns 0,
  ;; 1 (sizes differ) or 2 (channel count outside 1..4)
  (func (export "tsf_process")
    (param $in i32) (param $in_w i32) (param $in_h i32)
    (param $out i32) (param $out_w i32) (param $out_h i32)
    (param $ch i32) (param $params i32) (result i32)
    (local $n i32) (local $i i32) (local $amount i32) (local $v i32)
    (local $alpha i32)
    (if (i32.or (i32.lt_u (local.get $ch) (i32.const 1))
                (i32.gt_u (local.get $ch) (i32.const 4)))
      (then (return (i32.const 2))))
    (if (i32.or (i32.ne (local.get $in_w) (local.get $out_w))
                (i32.ne (local.get $in_h) (local.get $out_h)))
      (then (return (i32.const 1))))
    ;; the host has checked amount against [0, 255]: round it
    (local.set $amount
      (i32.trunc_f32_s (f32.add (f32.load (local.get $params)) (f32.const 0.5))))
    ;; with 2 or 4 channels the last one is alpha
    (local.set $alpha
      (select (i32.sub (local.get $ch) (i32.const 1)) (i32.const -1)
              (i32.eqz (i32.and (local.get $ch) (i32.const 1)))))
    (local.set $n (i32.mul (i32.mul (local.get $out_w) (local.get $out_h))
                           (local.get $ch)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $v (i32.load8_u (i32.add (local.get $in) (local.get $i))))
        (if (i32.ne (i32.rem_u (local.get $i) (local.get $ch)) (local.get $alpha))
          (then
            (local.set $v (i32.sub (local.get $v) (local.get $amount)))
            (if (i32.lt_s (local.get $v) (i32.const 0))
              (then (local.set $v (i32.const 0))))))
        (i32.store8 (i32.add (local.get $out) (local.get $i)) (local.get $v))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const 0))
)
