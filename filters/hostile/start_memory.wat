;; start_memory - the module's start function grows memory to 2 GiB and
;; writes to every page of it, before any cap set after instantiation
;; could apply.  The cap of the instance being made must already hold:
;; the grow past it fails, the module traps, and the host reports the
;; memory limit.
;;
;; Memory map: the describe JSON at 1024, the bump heap from 8192 up.
(module
  (memory (export "memory") 1)

  (data (i32.const 1024)
    "{\22name\22:\22start_memory\22,\22summary\22:\22Hostile: the start function takes 2 GiB\22,"
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
  (func $start (call $bomb))
  (start $start))
