;; describe_garbage - tsf_describe returns a string that is not JSON.
;; The splitter must refuse the module (exit 3, one line naming it and
;; saying the description is not JSON) before it writes a tile.
(module
  (memory (export "memory") 1)
  (data (i32.const 16) "<html>this is not a description</html>\00")
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
