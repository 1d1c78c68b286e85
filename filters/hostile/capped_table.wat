;; capped_table - start_table's bomb, set off only where memory.grow to
;; 128 MiB fails: in a worker with --max-memory 64, while the splitter
;; (which describes modules under 256 MiB) accepts it.
;;
;; Memory map: the describe JSON at 1024, the bump heap from 8192 up.
(module
  (memory (export "memory") 1)
  (table $t 1 funcref)
  (data (i32.const 1024)
    "{\22name\22:\22capped_table\22,\22summary\22:\22Hostile: makes a huge table at start under a small cap\22,"
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
  ;; only under a memory cap below 128 MiB (the worker with --max-memory
  ;; 64, not the splitter describing it under 256 MiB): the same module
  ;; passes the splitter and meets the worker
  (func $start
    (if (i32.eq (memory.grow (i32.const 2048)) (i32.const -1))
      (then (call $bomb))))
  (start $start))
