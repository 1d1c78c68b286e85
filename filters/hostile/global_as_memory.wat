;; global_as_memory - a mutable i64 global exported as "memory".  The check must
;; refuse it by the export's kind, naming what it is.
(module
  (memory 1)
  (global (export "memory") (mut i64) (i64.const 0))
  (data (i32.const 16) "{\22name\22:\22global_as_memory\22,\22summary\22:\22a global as memory\22,\22kind\22:\22point\22,\22channels\22:[1,2,3,4],\22params\22:[]}\00")
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
