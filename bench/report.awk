# report.awk - turn bench/run's measurements into the markdown tables
# (stdout), the target checks (OUT/findings.md), OUT/results.json and
# OUT/scaling.dat (the plot's data).
#
# Input files: OUT/raw.txt, one line per timed command (build/tools/runstat):
#     GROUP VARIANT ROUND wall_s=.. user_s=.. sys_s=.. maxrss_kib=.. status=..
# and OUT/filters.txt:
#     time FILTER BACKEND ROUND MS_PER_MP    the run call alone (bench/tileprobe)
#     probe FILTER BACKEND ROUND k=v...      bench/tileprobe's line
#     size FILTER WASM SO NATIVE O3          bytes
#     callgrind FILTER BACKEND IR            instructions in tsf_run/tsf_process
#     check JOB identical|DIFFERENT          pipeline vs floor pixels
#     hm BACKEND ROUND MS                    histogram_match alone (runfilter)
#     load JOB L1 L5 L15                     load average before a case
#     bytes JOB VARIANT ROUND BYTES          size of a batch run's outputs
#     smsetup N FORMAT NOTE / smdim V WxH / smchild ROUND KIB / smmissing V
#                                            the speedmem case (bench/speedmem)
# Variables (-v): out, cores, nimages, ntiles, large_w, large_h, runs, quick, only,
# corpus, cg, machine and tool descriptions, when, cmd, plotrel.

function kv(s, key,    n, i, a) {
    n = split(s, a, " ")
    for (i = 1; i <= n; i++)
        if (index(a[i], key "=") == 1)
            return substr(a[i], length(key) + 2) + 0
    return ""
}

# median/min/max of v[1..n] into M, LO, HI; returns n
function stats(v, n,    i, j, t, s) {
    for (i = 1; i <= n; i++) s[i] = v[i]
    for (i = 2; i <= n; i++) {
        t = s[i]
        for (j = i - 1; j >= 1 && s[j] > t; j--) s[j + 1] = s[j]
        s[j + 1] = t
    }
    if (n == 0) { M = LO = HI = ""; return 0 }
    M = n % 2 ? s[(n + 1) / 2] : (s[n / 2] + s[n / 2 + 1]) / 2
    LO = s[1]; HI = s[n]
    return n
}

# the wall times of g/v over the rounds that succeeded
function walls(g, v, arr,    k, n) {
    n = 0
    for (k = 1; k <= runs; k++)
        if ((g, v, k) in wall && st[g, v, k] == 0) arr[++n] = wall[g, v, k]
    return n
}

function vstats(g, v,    a, n) { split("", a); n = walls(g, v, a); return stats(a, n) }

function cpustats(g, v,    a, n, k) {
    split("", a); n = 0
    for (k = 1; k <= runs; k++)
        if ((g, v, k) in wall && st[g, v, k] == 0) a[++n] = cput[g, v, k]
    return stats(a, n)
}

function peakrss(g, v,    k, m) {
    m = 0
    for (k = 1; k <= runs; k++)
        if ((g, v, k) in rss && rss[g, v, k] > m) m = rss[g, v, k]
    return m
}

# round-by-round ratio wall(ga,va) / (wall(gb,vb) * f): sets M, LO, HI
function ratio(ga, va, gb, vb, f,    a, n, k) {
    split("", a); n = 0
    for (k = 1; k <= runs; k++)
        if ((ga, va, k) in wall && ((gb, vb, k) in wall) && st[ga, va, k] == 0 &&
            st[gb, vb, k] == 0 && wall[gb, vb, k] > 0)
            a[++n] = wall[ga, va, k] / (wall[gb, vb, k] * f)
    return stats(a, n)
}

function f3(x) { return x == "" ? "—" : sprintf("%.3f", x) }
function f2(x) { return x == "" ? "—" : sprintf("%.2f", x) }
function f1(x) { return x == "" ? "—" : sprintf("%.1f", x) }
function range3() { return M == "" ? "—" : sprintf("%.3f–%.3f", LO, HI) }
function range2() { return M == "" ? "—" : sprintf("%.2f–%.2f", LO, HI) }
function mib(kib) { return kib == "" || kib == 0 ? "—" : sprintf("%.1f", kib / 1024) }
function jnum(x) { return x == "" ? "null" : sprintf("%.6g", x) }
function jstr(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }

function label(v,    n) {
    if (v ~ /^ts-png-w/) { n = substr(v, 9); return "tilespool, PNG tiles, " n " worker" (n > 1 ? "s" : "") }
    if (v ~ /^ts-pnm-w/) { n = substr(v, 9); return "tilespool, raw tiles, " n " worker" (n > 1 ? "s" : "") }
    if (v ~ /^tsdisk-pnm-w/) return "tilespool, raw tiles, " substr(v, 13) " workers, spool on disk (" fs_disk ")"
    if (v ~ /^floor-t/) { n = substr(v, 8); return "floor, native, " n " thread" (n > 1 ? "s" : "") }
    if (v ~ /^floorw-t/) { n = substr(v, 9); return "floor, wasm2c, " n " thread" (n > 1 ? "s" : "") }
    if (v == "vips-loop") return "libvips, shell loop"
    if (v == "vips-p2") return "libvips, xargs -P 2"
    if (v == "vipsdef-loop") return "libvips, shell loop, its default PNG row filter (none)"
    if (v == "im-loop") return "ImageMagick, shell loop"
    if (v == "im-p2") return "ImageMagick, xargs -P 2"
    if (v ~ /^tsdef-w/) { n = substr(v, 8); return "tilespool batch, " n " worker" (n > 1 ? "s" : "") }
    if (v == "ts-p2") return "tilespool run per image, xargs -P 2 (1 worker each)"
    return v
}

# the native floor a batch variant of job g is compared with: the same
# number of workers if it was run, else 2
function floorof(g, v,    n) {
    if (v ~ /^floor/) return ""
    n = v ~ /-w1$/ ? 1 : v ~ /-w4$/ ? 4 : v ~ /-w8$/ ? 8 : 2
    return ((g, "floor-t" n) in seen) ? "floor-t" n : "floor-t2"
}

# target TEXT GA VA GB VB FACTOR GOAL OP - a row of the targets table
function target(text, ga, va, gb, vb, f, goal, op,    met) {
    ratio(ga, va, gb, vb, f)
    met = M == "" ? "not measured" : (op == "<=" ? (M <= goal ? "met" : "**missed**") : (M >= goal ? "met" : "**missed**"))
    printf "| %s | %s | %s | %s %s | %s |\n", text, f2(M), range2(), op == "<=" ? "≤" : "≥", goal, met > fnd
    nt++
    tj[nt] = sprintf("{\"target\": %s, \"median\": %s, \"min\": %s, \"max\": %s, \"goal\": %s, \"op\": %s, \"met\": %s}",
                     jstr(text), jnum(M), jnum(LO), jnum(HI), goal, jstr(op), M == "" ? "null" : (met == "met" ? "true" : "false"))
}

function target_value(text, m, lo, hi, goal, op, unit,    met) {
    met = m == "" ? "not measured" : (op == "<=" ? (m <= goal ? "met" : "**missed**") : (m >= goal ? "met" : "**missed**"))
    printf "| %s | %s | %s | %s %s%s | %s |\n", text, m == "" ? "—" : sprintf("%.1f", m),
           m == "" ? "—" : sprintf("%.1f–%.1f", lo, hi), op == "<=" ? "≤" : "≥", goal, unit, met > fnd
    nt++
    tj[nt] = sprintf("{\"target\": %s, \"median\": %s, \"min\": %s, \"max\": %s, \"goal\": %s, \"op\": %s, \"met\": %s}",
                     jstr(text), jnum(m), jnum(lo), jnum(hi), goal, jstr(op), m == "" ? "null" : (met == "met" ? "true" : "false"))
}

# ---- speedmem: libvips' speed-and-memory task (bench/speedmem)
function smlabel(v) {
    if (v == "ts-run") return "tilespool run, " cores " workers"
    if (v == "vips-c") return "libvips, C API, one pipeline (bench/vips_speedmem)"
    if (v == "vips-cli") return "libvips, vips CLI through .v files"
    if (v == "im") return "ImageMagick convert " im_v
    if (v == "gm") return "GraphicsMagick gm convert " gm_v
    return v
}

# smbase - the libvips row the others are divided by: the C API's when it ran
function smbase() { return ("speedmem", "vips-c") in seen ? "vips-c" : "vips-cli" }

# smself - a by-hand tilespool program's own peak RSS in KiB (round 1)
function smself(v) { return ("speedmem", v, 1) in selfk ? selfk["speedmem", v, 1] : "" }

function speedmem_report(    n, i, v, vs, b, ob, r, rr, c, m, a3) {
    if (!("speedmem" in groups)) return
    split(smsetup, a3, " ")
    printf "## Speed and memory: libvips' task on a %sx%s %s image (load average before: %s)\n\n", a3[1], a3[1], toupper(a3[2]), loadavg["speedmem"]
    if (a3[3] != "as") printf "**%s.**\n\n", substr(smsetup, length(a3[1]) + length(a3[2]) + 3)
    print "Cut 100 pixels off every edge, shrink by 10% with a linear kernel, sharpen with the integer mask [-1 -1 -1; -1 16 -1; -1 -1 -1] / 8, write the same format with each program's defaults (TIFF uncompressed). tilespool `crop`, `resize:scale=0.9:kernel=linear`, `convolve:...:divisor=8`, the spool on " shmdir "; libvips `crop`, `reduce 1/0.9 --kernel linear`, `conv --precision integer` (its default, vector path for 8-bit); ImageMagick `-crop -filter Triangle -resize 90% -morphology Convolve` with `convolve:scale=0.125`; GraphicsMagick `-crop -filter Triangle -resize 90% -convolve`. Wall: median of the rounds; ratios round by round; peak RSS: the largest process of the command's tree."
    print ""
    b = smbase()
    printf "| program | wall s | min–max | CPU s | peak RSS MiB | ÷ %s | min–max | output KiB | output |\n", smlabel(b)
    print "|---|---:|---:|---:|---:|---:|---:|---:|---|"
    n = split("ts-run vips-c vips-cli im gm", vs, " ")
    for (i = 1; i <= n; i++) {
        v = vs[i]
        if (!(("speedmem", v) in seen)) {
            if (v in smmissing) printf "| %s | missing (`make bench` builds it with libvips-dev) | | | | | | | |\n", smlabel(v)
            continue
        }
        cpustats("speedmem", v); c = M
        ratio("speedmem", v, "speedmem", b, 1); r = v == b || M == "" ? "—" : f2(M); rr = v == b ? "—" : range2()
        vstats("speedmem", v)
        ob = ("speedmem", v) in obytes ? obytes["speedmem", v] : ""
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", smlabel(v), f3(M), range3(), f3(c),
               mib(peakrss("speedmem", v)), r, rr, ob == "" ? "—" : f1(ob / 1024), v in smdim ? smdim[v] : "—"
        nsm++
        smj[nsm] = sprintf("{\"program\": %s, \"label\": %s, \"median_s\": %s, \"min_s\": %s, \"max_s\": %s, \"cpu_median_s\": %s, \"peak_rss_kib\": %s, \"output_bytes\": %s, \"output_size\": %s}",
                           jstr(v), jstr(smlabel(v)), jnum(M), jnum(LO), jnum(HI), jnum(c), peakrss("speedmem", v), jnum(ob), jstr(v in smdim ? smdim[v] : ""))
    }
    print ""
    print "Every tilespool process, round 1, the same job run by hand (splitter, worker, assembler in turn, `-w " cores "`): a program's own peak RSS (VmHWM, read every 10 ms by `runstat -s`) and, for the worker's children, the largest `peak_rss_kb` of the job's log."
    print ""
    print "| tilespool process | wall s | peak RSS MiB |"
    print "|---|---:|---:|"
    smrss["split"] = smself("ts-split"); smrss["super"] = smself("ts-work")
    smrss["child"] = 1 in smchild ? smchild[1] : ""; smrss["asm"] = smself("ts-asm")
    printf "| splitter | %s | %s |\n", f3(wall["speedmem", "ts-split", 1]), mib(smrss["split"])
    printf "| worker supervisor (itself) | %s | %s |\n", f3(wall["speedmem", "ts-work", 1]), mib(smrss["super"])
    printf "| worker children (the largest) | | %s |\n", mib(smrss["child"])
    printf "| assembler | %s | %s |\n", f3(wall["speedmem", "ts-asm", 1]), mib(smrss["asm"])
    m = ("speedmem", "ts-asm", 1) in wall ? wall["speedmem", "ts-split", 1] + wall["speedmem", "ts-work", 1] + wall["speedmem", "ts-asm", 1] : ""
    printf "| the three in turn | %s | |\n", f3(m)
    print ""
}

# smmib - KiB to MiB, "" kept
function smmib(k) { return k == "" ? "" : k / 1024 }

function speedmem_targets(    b) {
    if (!("speedmem" in groups)) return
    b = smbase()
    target("speedmem: tilespool run ÷ " smlabel(b), "speedmem", "ts-run", "speedmem", b, 1, 1.0, "<=")
    target("speedmem: ImageMagick ÷ tilespool run", "speedmem", "im", "speedmem", "ts-run", 1, 3, ">=")
    target_value("speedmem: peak RSS, tilespool splitter (MiB)", smmib(smrss["split"]), smmib(smrss["split"]), smmib(smrss["split"]), 100, "<=", " MiB")
    target_value("speedmem: peak RSS, tilespool worker supervisor (MiB)", smmib(smrss["super"]), smmib(smrss["super"]), smmib(smrss["super"]), 100, "<=", " MiB")
    target_value("speedmem: peak RSS, largest tilespool worker child (MiB)", smmib(smrss["child"]), smmib(smrss["child"]), smmib(smrss["child"]), 100, "<=", " MiB")
    target_value("speedmem: peak RSS, tilespool assembler (MiB)", smmib(smrss["asm"]), smmib(smrss["asm"]), smmib(smrss["asm"]), 100, "<=", " MiB")
}

FILENAME ~ /raw\.txt$/ {
    g = $1; v = $2; k = $3 + 0
    wall[g, v, k] = kv($0, "wall_s")
    cput[g, v, k] = kv($0, "user_s") + kv($0, "sys_s")
    rss[g, v, k] = kv($0, "maxrss_kib")
    st[g, v, k] = kv($0, "status")
    if (index($0, " self_kib=")) selfk[g, v, k] = kv($0, "self_kib")
    if (!((g, v) in seen)) { seen[g, v] = 1; order[g] = order[g] " " v; groups[g] = 1 }
    next
}
$1 == "time" { ft[$2, $3, $4 + 0] = $5; fseen[$2] = 1; if (!($2 in forder)) { forder[$2] = ++nf; fname[nf] = $2 }; next }
$1 == "probe" { for (i = 5; i <= NF; i++) { split($i, p, "="); pr[$2, $3, $4 + 0, p[1]] = p[2] }; next }
$1 == "size" { sz[$2, "wasm"] = $3; sz[$2, "so"] = $4; sz[$2, "native"] = $5; sz[$2, "o3"] = $6; next }
$1 == "callgrind" { ir[$2, $3] = $4; next }
$1 == "check" { check[$2] = $3; next }
$1 == "hm" { hm[$2, $3 + 0] = $4; next }
$1 == "load" { loadavg[$2] = $3 " " $4 " " $5; next }
$1 == "bytes" { obytes[$2, $3] = $5; next }
$1 == "smsetup" { smsetup = substr($0, 9); next }
$1 == "smdim" { smdim[$2] = $3; next }
$1 == "smchild" { smchild[$2] = $3; next }
$1 == "smmissing" { smmissing[$2] = 1; next }

END {
    if (only == "speedmem") {
        printf "* Run: %s, `%s`, %d round%s.\n", when, cmd, bigruns, (bigruns > 1 ? "s" : "")
        printf "* CPU: %s, %d cores; memory %s; kernel %s.\n* Tools: %s; libvips %s; ImageMagick %s; GraphicsMagick %s.\n\n", cpu, cores, mem, kernel, cc_v, vips_v, im_v, gm_v
        speedmem_report()
        fnd = out "/findings.md"
        printf "Computed by bench/run from the run above (%s, `%s`).\n\n| target | measured (median) | min–max | goal | |\n|---|---:|---:|---:|---|\n", when, cmd > fnd
        speedmem_targets()
        close(fnd)
        exit
    }
    print "## Machine and settings"
    print ""
    printf "* Run: %s, `%s`, %d round%s per case%s.\n", when, cmd, runs, (runs > 1 ? "s" : ""),
           quick ? " (**quick mode**: one image, one round — a smoke test, not a measurement)" : ""
    printf "* CPU: %s, %d cores; memory %s; kernel %s.\n", cpu, cores, mem, kernel
    printf "* Tools: %s; libvips %s; ImageMagick %s; libpng %s; zlib %s; wabt %s; %s.\n",
           cc_v, vips_v, im_v, libpng_v, zlib_v, wabt_v, valgrind_v
    printf "* Corpus: %s — %d RGB PNG image%s of 768x512 (bench/corpus); large image %dx%d.\n",
           corpus == "skimage" ? "photographs from Debian's python3-skimage" : "synthetic (mkimage)",
           nimages, (nimages > 1 ? "s" : ""), large_w, large_h
    printf "* Spool and all outputs on %s (%s); the on-disk rows use %s (%s).\n", shmdir, fs_shm, diskdir, fs_disk
    print "* Output PNG for every program: zlib level 6, libpng's adaptive row filter (tilespool `--png-level 6`, the floor the same; libvips `[compression=6,filter=all]`; ImageMagick `-define png:compression-level=6 -define png:compression-filter=5`)."
    print "* Jobs: **gray** = tilespool `grayscale`, libvips `colourspace b-w` and ImageMagick `-colorspace Gray` (both write 1-channel PNG); **blur** = `gaussian_blur:sigma=1.5` (radius 5), libvips `gaussblur 1.5 --min-ampl 0.003` (radius 5), ImageMagick `-gaussian-blur 5x1.5`; **blursharp** = `gaussian_blur:sigma=1.5,sharpen` (amount 0.6, sigma 1), libvips `gaussblur` then `sharpen --sigma 1` through a `.v` file, ImageMagick `-gaussian-blur 5x1.5 -unsharp 3x1+0.6+0`."
    print "* **thumb** = tilespool `thumbnail:width=256:height=256` (fit inside, lanczos3), `vipsthumbnail -s 256 -o OUT/%s.png` and ImageMagick `convert -thumbnail 256x256`, each with its default PNG settings (the PNG rule above does not apply to this case); tilespool as `tilespool batch -q -f CHAIN -w N` and as one `tilespool run -q -w 1` per image under `xargs -P 2`."
    print "* Output KiB: the bytes of the files a program wrote, in its last round. tilespool `grayscale` writes a 1-channel PNG, like libvips `colourspace b-w` and ImageMagick `-colorspace Gray`."
    print "* tilespool: `tilespool batch -q -f CHAIN -w N -t 256 --tile-format pnm|png --png-level 6`, a fresh spool every run. Peers: one process per image (`for f in ...; do vips ...; done`, and `xargs -P 2 -n 1`); libvips and ImageMagick also use threads of their own."
    print "* Times are wall-clock seconds, median of the rounds, with min–max; ratios are taken round by round (A and B run back to back, order reversed every other round) and their median and min–max given. CPU = user + system of the whole process tree; peak RSS = the largest single process in it."
    print ""

    # ---- batch jobs
    ng = split("gray blur blursharp thumb", jobs, " ")
    title["gray"] = "grayscale"; title["blur"] = "gaussian blur, sigma 1.5"
    title["blursharp"] = "gaussian blur, sigma 1.5, then sharpen"
    title["thumb"] = "thumbnail into a 256x256 box"
    print "## Batch jobs: " nimages " images"
    print ""
    for (j = 1; j <= ng; j++) {
        g = jobs[j]
        if (!(g in groups)) continue
        printf "### %s (load average before: %s)\n\n", title[g], loadavg[g]
        print "| program | wall s | min–max | CPU s | peak RSS MiB | ÷ floor | ÷ libvips loop | ÷ ImageMagick loop | output KiB |"
        print "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
        nv = split(substr(order[g], 2), vs, " ")
        for (i = 1; i <= nv; i++) {
            v = vs[i]
            vstats(g, v); m = M; r = range3()
            cpustats(g, v); c = M
            fl = floorof(g, v)
            rf = "—"; if (fl != "") { ratio(g, v, g, fl, 1); rf = M == "" ? "—" : f2(M) " (" range2() ")" }
            ratio(g, v, g, "vips-loop", 1); rv = v == "vips-loop" || M == "" ? "—" : f2(M)
            ratio(g, v, g, "im-loop", 1); ri = v == "im-loop" || M == "" ? "—" : f2(M)
            ob = (g, v) in obytes ? obytes[g, v] : ""
            printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", label(v), f3(m), r, f3(c),
                   mib(peakrss(g, v)), rf, rv, ri, ob == "" ? "—" : f1(ob / 1024)
            nj++
            vstats(g, v)
            vj[nj] = sprintf("{\"case\": %s, \"program\": %s, \"label\": %s, \"median_s\": %s, \"min_s\": %s, \"max_s\": %s, \"cpu_median_s\": %s, \"peak_rss_kib\": %s, \"runs\": %d, \"output_bytes\": %s}",
                             jstr(g), jstr(v), jstr(label(v)), jnum(M), jnum(LO), jnum(HI), jnum(c), peakrss(g, v), walls(g, v, tmpa), jnum(ob))
        }
        if (g in check)
            printf "\nPipeline and floor outputs: %s pixels.\n\n", check[g] == "identical" ? "identical" : "**" check[g] "**"
        else
            print ""
    }

    # ---- scaling
    if ("gray" in groups) {
        print "### Workers: speedup and parallel efficiency (grayscale)"
        print ""
        print "Speedup = T(1 worker) ÷ T(N workers), round by round; efficiency = speedup ÷ min(N, " cores " cores)."
        print ""
        print "| workers | raw tiles s | speedup | efficiency | PNG tiles s | speedup | efficiency | floor s | speedup | efficiency |"
        print "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        printf "" > (out "/scaling.dat")
        split("1 2 4 8", ws, " ")
        for (i = 1; i <= 4; i++) {
            n = ws[i]; cap = n < cores ? n : cores
            vstats("gray", "ts-pnm-w" n); t1 = M
            ratio("gray", "ts-pnm-w1", "gray", "ts-pnm-w" n, 1); s1 = M
            ratio("gray", "ts-pnm-w1", "gray", "ts-pnm-w" n, cap); e1 = M
            vstats("gray", "ts-png-w" n); t2 = M
            ratio("gray", "ts-png-w1", "gray", "ts-png-w" n, 1); s2 = M
            ratio("gray", "ts-png-w1", "gray", "ts-png-w" n, cap); e2 = M
            vstats("gray", "floor-t" n); t3 = M
            ratio("gray", "floor-t1", "gray", "floor-t" n, 1); s3 = M
            ratio("gray", "floor-t1", "gray", "floor-t" n, cap); e3 = M
            printf "| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", n, f3(t1), f2(s1), f2(e1),
                   f3(t2), f2(s2), f2(e2), f3(t3), f2(s3), f2(e3)
            if (s1 != "" && s2 != "" && s3 != "")
                printf "%d %.4f %.4f %.4f %.4f %.4f %.4f\n", n, s1, s2, e1, e2, s3, e3 > (out "/scaling.dat")
            sj[i] = sprintf("{\"workers\": %d, \"raw_s\": %s, \"raw_speedup\": %s, \"raw_efficiency\": %s, \"png_s\": %s, \"png_speedup\": %s, \"png_efficiency\": %s, \"floor_s\": %s, \"floor_speedup\": %s, \"floor_efficiency\": %s}",
                            n, jnum(t1), jnum(s1), jnum(e1), jnum(t2), jnum(s2), jnum(e2), jnum(t3), jnum(s3), jnum(e3))
        }
        close(out "/scaling.dat")
        print ""
        print "![speedup and parallel efficiency against workers](" plotrel ")"
        print ""
    }

    # ---- per filter
    print "## Filters: wasm2c against native, same source"
    print ""
    printf "Time: the filter's run call alone (tsf_run; tsf_process for an ABI v1 module; bench/tileprobe) on the first image as one tile, after one untimed call, median of %d calls, per megapixel; then the median over rounds. The native builds use the same source and the same flags as the wasm2c build's C compilation (-O2); -O3 -march=native is the unsandboxed best. Ratios round by round. Instructions: callgrind, inside that call, on a %dx%d crop (deterministic).\n\n", reps, cg, cg
    print "| filter | wasm2c ms/MP | native -O2 ms/MP | native -O3 -march=native ms/MP | wasm2c ÷ native (time) | min–max | wasm2c ÷ native (instructions) | wasm2c ÷ -O3 native |"
    print "|---|---:|---:|---:|---:|---:|---:|---:|"
    nmiss = 0; nmeas = 0; worst = 0; worstf = ""
    for (i = 1; i <= nf; i++) {
        f = fname[i]
        for (b = 1; b <= 3; b++) {
            be = b == 1 ? "wasm" : b == 2 ? "native" : "o3"
            split("", a); n = 0
            for (k = 1; k <= runs; k++) if ((f, be, k) in ft) a[++n] = ft[f, be, k]
            stats(a, n); fm[be] = M
        }
        split("", a); n = 0
        for (k = 1; k <= runs; k++) if ((f, "wasm", k) in ft && ((f, "native", k) in ft) && ft[f, "native", k] > 0) a[++n] = ft[f, "wasm", k] / ft[f, "native", k]
        stats(a, n); rt = M; rr = range2()
        split("", a); n = 0
        for (k = 1; k <= runs; k++) if ((f, "wasm", k) in ft && ((f, "o3", k) in ft) && ft[f, "o3", k] > 0) a[++n] = ft[f, "wasm", k] / ft[f, "o3", k]
        stats(a, n); r3 = M
        ri = ((f, "wasm") in ir && ((f, "native") in ir) && ir[f, "native"] > 0) ? ir[f, "wasm"] / ir[f, "native"] : ""
        printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", f, f2(fm["wasm"]), f2(fm["native"]), f2(fm["o3"]),
               f2(rt), rr, f2(ri), f2(r3)
        if (rt != "") { nmeas++; if (rt > 1.10) nmiss++; if (rt > worst) { worst = rt; worstf = f } }
        fj[i] = sprintf("{\"filter\": %s, \"wasm2c_ms_per_mp\": %s, \"native_ms_per_mp\": %s, \"native_o3_ms_per_mp\": %s, \"wasm2c_over_native\": %s, \"wasm2c_over_native_instructions\": %s, \"instructions_wasm2c\": %s, \"instructions_native\": %s, \"wasm2c_over_o3\": %s",
                        jstr(f), jnum(fm["wasm"]), jnum(fm["native"]), jnum(fm["o3"]), jnum(rt), jnum(ri),
                        jnum(ir[f, "wasm"]), jnum(ir[f, "native"]), jnum(r3))
    }
    print ""
    print "Per tile (bench/tileprobe, 256x256 tiles with the input their plan asks for, in a fresh process; no tile files): cold = load (dlopen, module check, describe) + the first tile; warm = a later tile; instantiate = a bare instance made and freed. Medians over rounds."
    print ""
    print "| filter | cold wasm2c µs | cold native µs | warm tile wasm2c µs | warm tile native µs | instantiate wasm2c µs | peak RSS wasm2c MiB | peak RSS native MiB | .wasm KiB | wasm2c .so KiB | native .so KiB | -O3 native .so KiB |"
    print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for (i = 1; i <= nf; i++) {
        f = fname[i]
        split("cold_us warm_tile_us inst_us maxrss_kib", keys, " ")
        for (b = 1; b <= 2; b++) {
            be = b == 1 ? "wasm" : "native"
            for (q = 1; q <= 4; q++) {
                split("", a); n = 0
                for (k = 1; k <= runs; k++) if ((f, be, k, keys[q]) in pr) a[++n] = pr[f, be, k, keys[q]]
                stats(a, n); pm[be, keys[q]] = M
            }
        }
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", f,
               f1(pm["wasm", "cold_us"]), f1(pm["native", "cold_us"]), f1(pm["wasm", "warm_tile_us"]),
               f1(pm["native", "warm_tile_us"]), f1(pm["wasm", "inst_us"]),
               mib(pm["wasm", "maxrss_kib"]), mib(pm["native", "maxrss_kib"]),
               f1(sz[f, "wasm"] / 1024), f1(sz[f, "so"] / 1024),
               sz[f, "native"] ? f1(sz[f, "native"] / 1024) : "—", sz[f, "o3"] ? f1(sz[f, "o3"] / 1024) : "—"
        fj[i] = fj[i] sprintf(", \"cold_wasm2c_us\": %s, \"cold_native_us\": %s, \"warm_tile_wasm2c_us\": %s, \"warm_tile_native_us\": %s, \"instantiate_wasm2c_us\": %s, \"peak_rss_wasm2c_kib\": %s, \"peak_rss_native_kib\": %s, \"wasm_bytes\": %s, \"wasm2c_so_bytes\": %s, \"native_so_bytes\": %s, \"native_o3_so_bytes\": %s}",
                              jnum(pm["wasm", "cold_us"]), jnum(pm["native", "cold_us"]), jnum(pm["wasm", "warm_tile_us"]),
                              jnum(pm["native", "warm_tile_us"]), jnum(pm["wasm", "inst_us"]), jnum(pm["wasm", "maxrss_kib"]),
                              jnum(pm["native", "maxrss_kib"]), jnum(sz[f, "wasm"]), jnum(sz[f, "so"]), jnum(sz[f, "native"]), jnum(sz[f, "o3"]))
    }
    print ""

    # ---- per tile
    print "## Per-tile overhead: identity in 32x32 tiles of the " large_w "x" large_h " image (" ntiles " tiles)"
    print ""
    print "splitter, worker (-w 1) and assembler run by hand, output written as netpbm so that no PNG encoder hides the spool's cost; the floor does the same decode and write in one process. Spool work per tile = (splitter + worker + assembler − floor) ÷ tiles, round by round."
    print ""
    print "| spool on | splitter s | worker s | assembler s | floor s | tiles/s (worker) | spool µs per tile | min–max |"
    print "|---|---:|---:|---:|---:|---:|---:|---:|"
    for (w = 1; w <= 2; w++) {
        where = w == 1 ? "shm" : "disk"
        split("", a); split("", tp); n = 0
        for (k = 1; k <= runs; k++)
            if (("tiles", "work-" where, k) in wall && (("tiles", "floor", k) in wall) && (("tiles", "asm-" where, k) in wall)) {
                a[++n] = (wall["tiles", "split-" where, k] + wall["tiles", "work-" where, k] + wall["tiles", "asm-" where, k] - wall["tiles", "floor", k]) / ntiles * 1e6
                tp[n] = ntiles / wall["tiles", "work-" where, k]
            }
        stats(a, n); pu = M; plo = LO; phi = HI
        stats(tp, n); tps = M
        vstats("tiles", "split-" where); s1 = M
        vstats("tiles", "work-" where); s2 = M
        vstats("tiles", "asm-" where); s3 = M
        vstats("tiles", "floor"); s4 = M
        printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", where == "shm" ? shmdir " (" fs_shm ")" : diskdir " (" fs_disk "), 1 round",
               f3(s1), f3(s2), f3(s3), f3(s4), tps == "" ? "—" : sprintf("%.0f", tps), f1(pu), pu == "" ? "—" : sprintf("%.1f–%.1f", plo, phi)
        tile_us[where] = pu; tile_lo[where] = plo; tile_hi[where] = phi; tile_tps[where] = tps
    }
    print ""

    # ---- large image
    print "## Large image: " large_w "x" large_h ", gaussian blur sigma 1.5, PNG out"
    print ""
    print "| program | wall s | min–max | CPU s | peak RSS MiB |"
    print "|---|---:|---:|---:|---:|"
    split("split work asm total floor vips im imdef", lv, " ")
    ll["split"] = "tilespool splitter (256x256 raw tiles)"; ll["work"] = "tilespool worker, 2 workers"
    ll["asm"] = "tilespool assembler"; ll["total"] = "tilespool, the three in turn"
    ll["floor"] = "floor, native"; ll["vips"] = "libvips"
    ll["im"] = "ImageMagick (resource limits raised: MAGICK_CONFIGURE_PATH policy)"
    ll["imdef"] = "ImageMagick as Debian configures it (1 run)"
    for (i = 1; i <= 8; i++) {
        v = lv[i]
        if (v == "total") {
            split("", a); n = 0; split("", cc); mr = 0
            for (k = 1; k <= runs; k++)
                if (st["large", "split", k] == 0 && st["large", "work", k] == 0 && st["large", "asm", k] == 0 && (("large", "asm", k) in wall)) {
                    a[++n] = wall["large", "split", k] + wall["large", "work", k] + wall["large", "asm", k]
                    cc[n] = cput["large", "split", k] + cput["large", "work", k] + cput["large", "asm", k]
                }
            stats(cc, n); c = M
            stats(a, n)
            r = peakrss("large", "split"); if (peakrss("large", "work") > r) r = peakrss("large", "work"); if (peakrss("large", "asm") > r) r = peakrss("large", "asm")
        } else {
            if (v == "imdef" && (("large", "imdef", 1) in st) && st["large", "imdef", 1] != 0) {
                printf "| %s | refused (exit %d after %.1f s: \"cache resources exhausted\") | | | %s |\n", ll[v], st["large", "imdef", 1], wall["large", "imdef", 1], mib(rss["large", "imdef", 1])
                lj[i] = sprintf("{\"program\": %s, \"failed\": true, \"status\": %d}", jstr(v), st["large", "imdef", 1])
                continue
            }
            cpustats("large", v); c = M
            vstats("large", v)
            r = peakrss("large", v)
        }
        printf "| %s | %s | %s | %s | %s |\n", ll[v], f3(M), range3(), f3(c), mib(r)
        lrss[v] = r
        lj[i] = sprintf("{\"program\": %s, \"label\": %s, \"median_s\": %s, \"min_s\": %s, \"max_s\": %s, \"cpu_median_s\": %s, \"peak_rss_kib\": %s}",
                        jstr(v), jstr(ll[v]), jnum(M), jnum(LO), jnum(HI), jnum(c), r)
    }
    print ""

    # ---- histogram matching
    print "## Histogram matching: 1086x688 matched to a 1920x1080 reference"
    print ""
    print "The sizes of the WebAssembly data-passing study (its figures: NumPy about 28 ms end to end, its best WebAssembly embedding about 45 ms; another machine, and in one process with the images already in memory)."
    print ""
    print "| what | ms, median | min–max | peak RSS MiB |"
    print "|---|---:|---:|---:|"
    split("ts-png ts-pnm", hv, " ")
    hl["ts-png"] = "tilespool run, 2 workers, PNG in and out (end to end)"
    hl["ts-pnm"] = "tilespool run, 2 workers, netpbm in and out (end to end)"
    for (i = 1; i <= 2; i++) {
        vstats("histmatch", hv[i])
        printf "| %s | %s | %s | %s |\n", hl[hv[i]], M == "" ? "—" : sprintf("%.1f", M * 1000), M == "" ? "—" : sprintf("%.1f–%.1f", LO * 1000, HI * 1000), mib(peakrss("histmatch", hv[i]))
        hmj[i] = sprintf("{\"what\": %s, \"median_ms\": %s, \"min_ms\": %s, \"max_ms\": %s}", jstr(hv[i]), jnum(M == "" ? "" : M * 1000), jnum(LO == "" ? "" : LO * 1000), jnum(HI == "" ? "" : HI * 1000))
    }
    split("wasm native", hb, " ")
    hl["wasm"] = "filter alone, wasm2c (analyse + map, one instance each)"
    hl["native"] = "filter alone, native, same source"
    for (i = 1; i <= 2; i++) {
        split("", a); n = 0
        for (k = 1; k <= runs; k++) if ((hb[i], k) in hm) a[++n] = hm[hb[i], k]
        stats(a, n)
        printf "| %s | %s | %s | |\n", hl[hb[i]], M == "" ? "—" : sprintf("%.1f", M), M == "" ? "—" : sprintf("%.1f–%.1f", LO, HI)
        hmj[2 + i] = sprintf("{\"what\": %s, \"median_ms\": %s, \"min_ms\": %s, \"max_ms\": %s}", jstr("filter-" hb[i]), jnum(M), jnum(LO), jnum(HI))
    }
    print ""
    printf "End-to-end output equal to the filter run alone: %s.\n", check["histmatch"] == "" ? "not checked" : check["histmatch"]
    print ""

    speedmem_report()

    # ---- targets, into their own block of the document
    fnd = out "/findings.md"
    printf "" > fnd
    printf "Computed by bench/run from the run above (%s, `%s`).\n\n", when, cmd > fnd
    print "| target | measured (median) | min–max | goal | |" > fnd
    print "|---|---:|---:|---:|---|" > fnd
    target("gray, raw tiles, 2 workers ÷ libvips loop", "gray", "ts-pnm-w2", "gray", "vips-loop", 1, 0.5, "<=")
    target("gray, raw tiles, 2 workers ÷ ImageMagick loop", "gray", "ts-pnm-w2", "gray", "im-loop", 1, 0.25, "<=")
    target("gray: pipeline ÷ floor, 2 workers / 2 threads", "gray", "ts-pnm-w2", "gray", "floor-t2", 1, 1.15, "<=")
    target("gray: pipeline ÷ floor, 1 worker / 1 thread", "gray", "ts-pnm-w1", "gray", "floor-t1", 1, 1.15, "<=")
    target("blur: pipeline ÷ floor, 2 workers / 2 threads", "blur", "ts-pnm-w2", "blur", "floor-t2", 1, 1.15, "<=")
    target("blur: pipeline ÷ floor, 1 worker / 1 thread", "blur", "ts-pnm-w1", "blur", "floor-t1", 1, 1.15, "<=")
    target("blursharp: pipeline ÷ floor, 2 workers / 2 threads", "blursharp", "ts-pnm-w2", "blursharp", "floor-t2", 1, 1.15, "<=")
    target("parallel efficiency at 2 workers, gray, raw tiles", "gray", "ts-pnm-w1", "gray", "ts-pnm-w2", 2, 0.9, ">=")
    target("parallel efficiency at 2 workers, gray, PNG tiles", "gray", "ts-png-w1", "gray", "ts-png-w2", 2, 0.9, ">=")
    target("parallel efficiency at 2 threads, the floor (gray)", "gray", "floor-t1", "gray", "floor-t2", 2, 0.9, ">=")
    printf "| wasm2c ÷ native per filter (time) | %d of %d filters within | worst: %s %.2f | ≤ 1.10 | %s |\n",
           nmeas - nmiss, nmeas, worstf, worst, nmiss == 0 ? "met" : "**missed**" > fnd
    nt++; tj[nt] = sprintf("{\"target\": \"wasm2c / native per filter <= 1.10\", \"filters_within\": %d, \"filters\": %d, \"worst_filter\": %s, \"worst\": %s, \"met\": %s}",
                           nmeas - nmiss, nmeas, jstr(worstf), jnum(worst), nmiss == 0 ? "true" : "false")
    target_value("spool work per tile, tmpfs (µs)", tile_us["shm"], tile_lo["shm"], tile_hi["shm"], 100, "<=", " µs")
    target_value("spool work per tile, disk (µs)", tile_us["disk"], tile_lo["disk"], tile_hi["disk"], 100, "<=", " µs")
    split("split work asm", rl, " ")
    for (i = 1; i <= 3; i++)
        target_value("peak RSS on the large image: " ll[rl[i]] " (MiB)", lrss[rl[i]] / 1024, lrss[rl[i]] / 1024, lrss[rl[i]] / 1024, 64, "<=", " MiB")
    speedmem_targets()
    print "" > fnd
    print "Where the time goes, 2 workers or threads (round by round; no target): the sandbox's share is the wasm2c floor ÷ the native floor, the spool's share the pipeline ÷ the wasm2c floor." > fnd
    print "" > fnd
    print "| job | sandbox: floor wasm2c ÷ floor native | min–max | spool: pipeline ÷ floor wasm2c | min–max |" > fnd
    print "|---|---:|---:|---:|---:|" > fnd
    for (j = 1; j <= ng; j++) {
        g = jobs[j]
        if (!(g in groups) || !((g, "floor-t2") in seen)) continue
        ratio(g, "floorw-t2", g, "floor-t2", 1); a1 = f2(M); a2 = range2()
        ratio(g, "ts-pnm-w2", g, "floorw-t2", 1)
        printf "| %s | %s | %s | %s | %s |\n", g, a1, a2, f2(M), range2() > fnd
    }
    close(fnd)

    # ---- results.json
    js = out "/results.json"
    printf "{\n  \"when\": %s,\n  \"command\": %s,\n  \"quick\": %s,\n  \"rounds\": %d,\n", jstr(when), jstr(cmd), quick ? "true" : "false", runs > js
    printf "  \"machine\": {\"cpu\": %s, \"cores\": %d, \"memory\": %s, \"kernel\": %s, \"spool_fs\": %s, \"disk_fs\": %s},\n",
           jstr(cpu), cores, jstr(mem), jstr(kernel), jstr(fs_shm), jstr(fs_disk) > js
    printf "  \"tools\": {\"cc\": %s, \"vips\": %s, \"imagemagick\": %s, \"libpng\": %s, \"zlib\": %s, \"wabt\": %s, \"valgrind\": %s},\n",
           jstr(cc_v), jstr(vips_v), jstr(im_v), jstr(libpng_v), jstr(zlib_v), jstr(wabt_v), jstr(valgrind_v) > js
    printf "  \"corpus\": {\"source\": %s, \"images\": %d, \"large\": [%d, %d]},\n", jstr(corpus), nimages, large_w, large_h > js
    printf "  \"png\": {\"zlib_level\": 6, \"row_filter\": \"adaptive\"},\n" > js
    printf "  \"batch\": [\n" > js
    for (i = 1; i <= nj; i++) printf "    %s%s\n", vj[i], (i < nj ? "," : "") > js
    printf "  ],\n  \"scaling\": [\n" > js
    for (i = 1; i <= 4; i++) if (i in sj) printf "    %s%s\n", sj[i], (i < 4 ? "," : "") > js
    printf "  ],\n  \"filters\": [\n" > js
    for (i = 1; i <= nf; i++) printf "    %s%s\n", fj[i], (i < nf ? "," : "") > js
    printf "  ],\n  \"tiles\": {\"tiles\": %d, \"spool_us_per_tile_tmpfs\": %s, \"spool_us_per_tile_disk\": %s, \"tiles_per_s_tmpfs\": %s, \"tiles_per_s_disk\": %s},\n",
           ntiles, jnum(tile_us["shm"]), jnum(tile_us["disk"]), jnum(tile_tps["shm"]), jnum(tile_tps["disk"]) > js
    printf "  \"large\": [\n" > js
    for (i = 1; i <= 8; i++) printf "    %s%s\n", lj[i], (i < 8 ? "," : "") > js
    printf "  ],\n  \"histmatch\": [\n" > js
    for (i = 1; i <= 4; i++) printf "    %s%s\n", hmj[i], (i < 4 ? "," : "") > js
    printf "  ],\n  \"speedmem\": [\n" > js
    for (i = 1; i <= nsm; i++) printf "    %s%s\n", smj[i], (i < nsm ? "," : "") > js
    printf "  ],\n  \"speedmem_rss_kib\": {\"splitter\": %s, \"worker_supervisor\": %s, \"worker_child\": %s, \"assembler\": %s},\n", jnum(smrss["split"]), jnum(smrss["super"]), jnum(smrss["child"]), jnum(smrss["asm"]) > js
    printf "  \"targets\": [\n" > js
    for (i = 1; i <= nt; i++) printf "    %s%s\n", tj[i], (i < nt ? "," : "") > js
    printf "  ]\n}\n" > js
    close(js)
}
