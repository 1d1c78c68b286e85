;; start_table - the module's start function grows its table to 100
;; million entries at run time, which no check of the declared sizes can
;; see.  The host's table functions must refuse it (the table limit of
;; filters/ABI.md); the module traps on the refusal.
;;
;; Memory map: the describe JSON at 1024, the bump heap from 8192 up.
(module
  (memory (export "memory") 1)
  (table $t 1 funcref)
  (data (i32.const 1024)
    "{\22name\22:\22start_table\22,\22summary\22:\22Hostile: the start function makes a huge table\22,"
    "\22kind\22:\22point\22,\22channels\22:[1,2,3,4],\22params\22:[]}\00")
  (global $top (mut i32) (i32.const 8192))

  (func (export "tsf_abi_version") (result i32) (i32.const 1))
  (func (export "tsf_describe") (result i32) (i32.const 1024))
  (func (export "tsf_halo") (param i32) (result i32) (i32.const 0))

  ;; tsf_alloc - bump allocator within the memory there is; 0 when full
  (func (export "tsf_alloc") (param $bytes i32) (result i32)
    (local $start i32) (local $end i64)
    (local.set $start (global.get $top))
    (local.set $end (i64.add (i64.extend_i32_u (local.get $start))
                             (i64.extend_i32_u (local.get $bytes))))
    (if (i64.gt_u (local.get $end) (i64.shl (i64.extend_i32_u (memory.size)) (i64.const 16)))
      (then (return (i32.const 0))))
    (global.set $top
      (i32.and (i32.add (i32.wrap_i64 (local.get $end)) (i32.const 15)) (i32.const -16)))
    (local.get $start))

  (func (export "tsf_process") (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
    (i32.const 0))

  ;; the bomb: grow the table by 100 million entries (2.4 GB of funcref
  ;; slots, every one written by the runtime); a grow that fails is met
  ;; with a trap
  (func $bomb
    (if (i32.eq (table.grow $t (ref.null func) (i32.const 100000000)) (i32.const -1))
      (then unreachable)))
  (func $start (call $bomb))
  (start $start))
