#!/bin/sh
# convolve - the convolve filter against libvips' integer convolution,
# exactly: `tilespool run -f convolve:k0=..:divisor=D:offset=O` against
# `vips conv IN OUT MASK.mat --precision integer` with the same kernel in
# a .mat file (scale D, offset O), libvips' vector path off
# (VIPS_NOVECTOR=1: for 8-bit images that path computes in reduced
# precision and is off by up to 2; its C path is the documented integer
# rule).  Inputs are generated: noise and mkimage's photo pattern (edges,
# discs, fine texture), 8-bit gray, gray + alpha, RGB, RGBA and 16-bit
# gray and RGB, of sizes that are no multiple of the tile size (37), so
# tile borders cross the image; the kernels are the sharpening mask
# [-1 -1 -1; -1 16 -1; -1 -1 -1] / 8 and an asymmetric one with a
# negative offset, whose sums fall on both sides of zero.  libvips
# replicates the edge pixels, as tilespool does, so every pixel is
# compared, the image's edges included: both outputs are read back by
# libvips (`vips rawsave`) and their samples compared byte for byte, with
# their size, bands and sample format.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

if ! command -v vips >/dev/null; then
    echo "skip - convolve: needs vips (libvips-tools)"
    exit 0
fi
export VIPS_NOVECTOR=1

# kernel_args "K0 .. K8" D O - the filter's params for that kernel.
kernel_args() {
    i=0 a=""
    for k in $1; do a="$a:k$i=$k"; i=$((i + 1)); done
    echo "convolve$a:divisor=$2:offset=$3"
}

# mat FILE "K0 .. K8" D O - the kernel as a libvips matrix file.
mat() {
    # shellcheck disable=SC2086  # the nine weights, one word each
    set -- "$1" $2 "$3" "$4"
    printf '3 3 %s %s\n%s %s %s\n%s %s %s\n%s %s %s\n' "${11}" "${12}" "$2" "$3" "$4" "$5" \
        "$6" "$7" "$8" "$9" "${10}" > "$1"
}

# vs_vips NAME IMAGE "K0 .. K8" D O - tilespool and vips conv give the same samples.
vs_vips() {
    name=$1 in=$2
    rm -f "$T/ts.png" "$T/ts.raw" "$T/vips.v" "$T/vips.raw"
    mat "$T/mask.mat" "$3" "$4" "$5"
    if ! "$TS" run -q -w 2 -t 37 -s "$T/spool" -f "$(kernel_args "$3" "$4" "$5")" \
            "$in" "$T/ts.png" 2>"$T/err"; then
        notok "$name" "tilespool run failed: $(head -c 300 "$T/err")"; return
    fi
    if ! vips conv "$in" "$T/vips.v" "$T/mask.mat" --precision integer 2>"$T/err"; then
        notok "$name" "vips conv failed: $(head -c 300 "$T/err")"; return
    fi
    hts=$(vipsheader "$T/ts.png" | sed 's/^[^:]*: //; s/, [^,]*, [a-z]*load$//')
    hvips=$(vipsheader "$T/vips.v" | sed 's/^[^:]*: //; s/, [^,]*, [a-z]*load$//')
    if [ "$hts" != "$hvips" ]; then
        notok "$name" "tilespool gives $hts, vips $hvips"; return
    fi
    if vips rawsave "$T/ts.png" "$T/ts.raw" && vips rawsave "$T/vips.v" "$T/vips.raw" &&
        cmp "$T/ts.raw" "$T/vips.raw" >"$T/cmp" 2>&1; then
        ok "$name ($hts)"
    else
        notok "$name" "$(head -c 200 "$T/cmp")"
    fi
}

sharp="-1 -1 -1 -1 16 -1 -1 -1 -1"
odd="1 -2 3 -4 9 -5 2 -1 3"
mk --type rgb --pattern photo 203 141 "$T/rgb.png"
mk --type rgba --pattern noise 101 67 "$T/rgba.png"
mk --type gray --pattern photo 150 77 "$T/gray.png"
mk --type graya --pattern photo --seed 7 61 45 "$T/graya.png"
mk --type rgb16 --pattern photo 97 53 "$T/rgb16.png"
mk --type gray16 --pattern noise 80 39 "$T/gray16.png"
mk --type rgb --pattern photo 1 1 "$T/one.png"

vs_vips "sharpen mask /8, RGB == vips conv" "$T/rgb.png" "$sharp" 8 0
vs_vips "sharpen mask /8, RGBA (alpha convolved) == vips conv" "$T/rgba.png" "$sharp" 8 0
vs_vips "sharpen mask /8, gray == vips conv" "$T/gray.png" "$sharp" 8 0
vs_vips "sharpen mask /8, gray + alpha == vips conv" "$T/graya.png" "$sharp" 8 0
vs_vips "sharpen mask /8, 16-bit RGB == vips conv" "$T/rgb16.png" "$sharp" 8 0
vs_vips "sharpen mask /8, 16-bit gray == vips conv" "$T/gray16.png" "$sharp" 8 0
vs_vips "asymmetric kernel /6, offset -20, RGB == vips conv" "$T/rgb.png" "$odd" 6 -20
vs_vips "asymmetric kernel /6, offset -20, RGBA == vips conv" "$T/rgba.png" "$odd" 6 -20
vs_vips "asymmetric kernel /7, offset 300, 16-bit RGB == vips conv" "$T/rgb16.png" "$odd" 7 300
vs_vips "asymmetric kernel /5, offset -9, 16-bit gray == vips conv" "$T/gray16.png" "$odd" 5 -9
vs_vips "Laplacian, offset 128, gray == vips conv" "$T/gray.png" "0 -1 0 -1 4 -1 0 -1 0" 1 128
vs_vips "sharpen mask /8, 1x1 image == vips conv" "$T/one.png" "$sharp" 8 0

# divisor 0 divides by the kernel's sum: the same as giving it
for d in 0 16; do
    "$TS" run -q -t 37 -s "$T/spool" -f "$(kernel_args "1 2 1 2 4 2 1 2 1" $d 0)" \
        "$T/rgb.png" "$T/div$d.png" 2>"$T/err" || notok "divisor $d runs" "$(head -c 300 "$T/err")"
done
same_pixels "divisor 0 is the kernel's sum (16)" "$T/div0.png" "$T/div16.png"
# the defaults are the identity kernel
"$TS" run -q -t 37 -s "$T/spool" -f convolve "$T/rgba.png" "$T/id.png" 2>"$T/err" ||
    notok "convolve with its defaults runs" "$(head -c 300 "$T/err")"
same_pixels "convolve with its defaults copies the image" "$T/id.png" "$T/rgba.png"
