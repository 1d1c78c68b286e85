;; shared_memory - a shared memory (threads; wat2wasm --enable-threads).  A
;; filter owns its memory alone: refused.
(module
  (memory (export "memory") 1 1 shared)
  (data (i32.const 16) "{\22name\22:\22shared_memory\22,\22summary\22:\22shared memory\22,\22kind\22:\22point\22,\22channels\22:[1,2,3,4],\22params\22:[]}\00")
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
