;; wrong_abi - a well-formed filter that claims ABI version 3.  The host
;; speaks versions 1 and 2 and must refuse it at load, naming the module.
(module
  (memory (export "memory") 1)
  (data (i32.const 16) "{\22name\22:\22wrong_abi\22,\22summary\22:\22claims ABI 2\22,\22kind\22:\22point\22,\22channels\22:[1,2,3,4],\22params\22:[]}\00")
  (global $brk (mut i32) (i32.const 4096))
  (func (export "tsf_abi_version") (result i32) (i32.const 3))
  (func (export "tsf_describe") (result i32) (i32.const 16))
  (func (export "tsf_halo") (param i32) (result i32) (i32.const 0))
  (func (export "tsf_alloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $brk))
    (global.set $brk (i32.add (local.get $p) (local.get $n)))
    (local.get $p))
  (func (export "tsf_process") (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
    (i32.const 0)))
