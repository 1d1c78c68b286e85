;; memory64 - a 64-bit memory (memory64; wat2wasm --enable-memory64).
;; The host and wasm2c's glue address memory with 32 bits: refused.
(module
  (memory (export "memory") i64 1)
  (data (i64.const 16) "{}\00")
  (global $brk (mut i32) (i32.const 4096))
  (func (export "tsf_abi_version") (result i32) (i32.const 1))
  (func (export "tsf_describe") (result i32) (i32.const 16))
  (func (export "tsf_halo") (param i32) (result i32) (i32.const 0))
  (func (export "tsf_alloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $brk))
    (global.set $brk (i32.add (local.get $p) (local.get $n)))
    (local.get $p))
  (func (export "tsf_process") (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
    (i32.const 0)))
