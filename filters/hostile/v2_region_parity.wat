;; v2_region_parity - an ABI v2 geometry filter whose tsf_region is right
;; for output rectangles at an even x and asks for an input of width -3 at
;; an odd one: with tiles of an odd size some tiles are fine and some are
;; not.  Refused at split time, exit 3, "empty".
(module
  (memory (export "memory") 1)
  (data (i32.const 16) "{\22name\22:\22v2_region_parity\22,\22summary\22:\22asks for a negative width on odd columns\22,\22kind\22:\22geometry\22,\22channels\22:[1,2,3,4],\22params\22:[]}\00")
  (global $brk (mut i32) (i32.const 4096))
  (func (export "tsf_abi_version") (result i32) (i32.const 2))
  (func (export "tsf_describe") (result i32) (i32.const 16))
  (func (export "tsf_alloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $brk))
    (global.set $brk (i32.add (local.get $p) (local.get $n)))
    (local.get $p))
  ;; plan: the input image unchanged (out_* at 16.. = in_* at 0..)
  (func (export "tsf_plan") (param $a i32) (result i32)
    (i32.store offset=16 (local.get $a) (i32.load offset=0 (local.get $a)))
    (i32.store offset=20 (local.get $a) (i32.load offset=4 (local.get $a)))
    (i32.store offset=24 (local.get $a) (i32.load offset=8 (local.get $a)))
    (i32.store offset=28 (local.get $a) (i32.load offset=12 (local.get $a)))
    (i32.const 0))
  (func (export "tsf_region") (param $a i32) (result i32)
    (i32.store offset=36 (local.get $a) (i32.load offset=52 (local.get $a)))
    (i32.store offset=40 (local.get $a) (i32.load offset=56 (local.get $a)))
    (i32.store offset=44 (local.get $a) (select (i32.const -3) (i32.load offset=60 (local.get $a)) (i32.and (i32.load offset=52 (local.get $a)) (i32.const 1))))
    (i32.store offset=48 (local.get $a) (i32.load offset=64 (local.get $a)))
    (i32.const 0))
  (func (export "tsf_run") (param i32) (result i32) (i32.const 0)))
