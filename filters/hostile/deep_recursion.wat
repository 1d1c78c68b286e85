;; deep_recursion - tsf_process recurses without end: $dive calls itself
;; and adds 1 to the result, so no call is a tail call.  Written in WAT
;; because a C compiler may turn such recursion into a loop.
;;
;; Each wasm call is a native call in the wasm2c translation (built with
;; -fno-optimize-sibling-calls), so the child's native stack runs into its
;; guard page.  The runtime's SIGSEGV handler, on its own signal stack,
;; reports "Call stack exhausted"; the host must fail the tile with that
;; trap and replace the child.
;;
;; Memory map: the describe JSON at 1024, the bump heap from 8192 up.
(module
  (memory (export "memory") 1)
  (data (i32.const 1024)
    "{\22name\22:\22deep_recursion\22,\22summary\22:\22Hostile: recurses without end\22,"
    "\22kind\22:\22point\22,\22channels\22:[1,2,3,4],\22params\22:[]}\00")
  (global $top (mut i32) (i32.const 8192))

  (func (export "tsf_abi_version") (result i32) (i32.const 1))
  (func (export "tsf_describe") (result i32) (i32.const 1024))
  (func (export "tsf_halo") (param i32) (result i32) (i32.const 0))

  ;; tsf_alloc - bump allocator, 16-aligned, growing memory as needed;
  ;; 0 for negative sizes or when memory cannot grow
  (func (export "tsf_alloc") (param $bytes i32) (result i32)
    (local $start i32) (local $end i64) (local $have i64)
    (if (i32.lt_s (local.get $bytes) (i32.const 0))
      (then (return (i32.const 0))))
    (local.set $start (global.get $top))
    (local.set $end (i64.add (i64.extend_i32_u (local.get $start))
                             (i64.extend_i32_u (local.get $bytes))))
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

  (func $dive (param $n i32) (result i32)
    (i32.add (call $dive (i32.add (local.get $n) (i32.const 1))) (i32.const 1)))

  (func (export "tsf_process") (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
    (drop (call $dive (i32.const 0)))
    (i32.const 0)))
