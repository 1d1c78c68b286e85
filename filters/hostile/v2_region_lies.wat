;; v2_region_lies - an ABI v2 point filter whose tsf_region asks for one
;; more column on the left only: a point or neighborhood stage must ask
;; for the same margin on every side.  Refused at split time, exit 3,
;; "inconsistent answers".
(module
  (memory (export "memory") 1)
  (data (i32.const 16) "{\22name\22:\22v2_region_lies\22,\22summary\22:\22a point filter whose region grows to the left only\22,\22kind\22:\22point\22,\22channels\22:[1,2,3,4],\22params\22:[]}\00")
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
    (i32.store offset=36 (local.get $a) (i32.sub (i32.load offset=52 (local.get $a)) (i32.const 1)))
    (i32.store offset=40 (local.get $a) (i32.load offset=56 (local.get $a)))
    (i32.store offset=44 (local.get $a) (i32.add (i32.load offset=60 (local.get $a)) (i32.const 1)))
    (i32.store offset=48 (local.get $a) (i32.load offset=64 (local.get $a)))
    (i32.const 0))
  (func (export "tsf_run") (param i32) (result i32) (i32.const 0)))
