;; capped_memory - start_memory's bomb, set off only where memory.grow to
;; 128 MiB fails: in a worker with --max-memory 64, while the splitter
;; (which describes modules under 256 MiB) accepts it.  The child's memory
;; must stay within the cap.
;;
;; Memory map: the describe JSON at 1024, the bump heap from 8192 up.
(module
  (memory (export "memory") 1)

  (data (i32.const 1024)
    "{\22name\22:\22capped_memory\22,\22summary\22:\22Hostile: takes all memory at start under a small cap\22,"
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

  ;; the bomb: grow one 64 KiB page at a time to 2 GiB, writing to every
  ;; 4 KiB of each new page; a grow that fails is met with a trap
  (func $bomb (local $p i32) (local $end i32)
    (block $done
      (loop $grow
        (br_if $done (i32.ge_u (memory.size) (i32.const 32768)))
        (local.set $p (i32.shl (memory.grow (i32.const 1)) (i32.const 16)))
        (if (i32.eq (local.get $p) (i32.const -65536)) (then unreachable))
        (local.set $end (i32.add (local.get $p) (i32.const 65536)))
        (loop $touch
          (i32.store8 (local.get $p) (i32.const 1))
          (local.set $p (i32.add (local.get $p) (i32.const 4096)))
          (br_if $touch (i32.ne (local.get $p) (local.get $end))))
        (br $grow))))
  ;; only under a memory cap below 128 MiB (the worker with --max-memory
  ;; 64, not the splitter describing it under 256 MiB): the same module
  ;; passes the splitter and meets the worker
  (func $start
    (if (i32.eq (memory.grow (i32.const 2048)) (i32.const -1))
      (then (call $bomb))))
  (start $start))
