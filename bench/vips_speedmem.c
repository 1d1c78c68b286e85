/*
 * NAME
 *	vips_speedmem - libvips' speed-and-memory task as one pipeline in
 *	one process, the peer of tilespool in bench/speedmem.
 *
 * SYNOPSIS
 *	vips_speedmem IN OUT
 *
 * DESCRIPTION
 *	Reads IN sequentially, cuts 100 pixels off every edge, shrinks by
 *	10% with libvips' linear kernel (reduce by 1 / 0.9 on both axes),
 *	sharpens with the integer mask [-1 -1 -1; -1 16 -1; -1 -1 -1] of
 *	scale 8, and writes OUT in the format its name says, with the
 *	saver's defaults (TIFF: uncompressed, strips).  These are the
 *	operations of libvips' own benchmark, in its order, through the C
 *	API, so that libvips runs as one demand-driven pipeline on its
 *	default thread pool.  Built by `make bench` only (it needs
 *	libvips-dev).
 *
 * DIAGNOSTICS
 *	One line on stderr naming the stage and libvips' error.  Exit 0
 *	written, 1 failed, 2 usage.
 */
#include <stdio.h>
#include <vips/vips.h>

/* sm_fail - print libvips' error for stage what; returns -1. */
static int sm_fail(const char *what)
{
    fprintf(stderr, "vips_speedmem: %s: %s", what, vips_error_buffer());
    vips_error_clear();
    return -1;
}

/* sm_run - the pipeline from path in to path out; 0 or -1. */
static int sm_run(const char *in, const char *out)
{
    VipsImage *im, *crop = NULL, *small = NULL, *sharp = NULL, *mask;
    int rc = -1;
    if (!(im = vips_image_new_from_file(in, "access", VIPS_ACCESS_SEQUENTIAL, NULL)))
        return sm_fail(in);
    mask = vips_image_new_matrixv(3, 3, -1.0, -1.0, -1.0, -1.0, 16.0, -1.0, -1.0, -1.0, -1.0);
    vips_image_set_double(mask, "scale", 8.0);
    vips_image_set_double(mask, "offset", 0.0);
    if (im->Xsize <= 200 || im->Ysize <= 200)
        fprintf(stderr, "vips_speedmem: %s: %dx%d is too small to cut 100 pixels off\n", in,
                im->Xsize, im->Ysize);
    else if (vips_crop(im, &crop, 100, 100, im->Xsize - 200, im->Ysize - 200, NULL))
        sm_fail("crop");
    else if (vips_reduce(crop, &small, 1.0 / 0.9, 1.0 / 0.9, "kernel", VIPS_KERNEL_LINEAR, NULL))
        sm_fail("reduce");
    else if (vips_conv(small, &sharp, mask, "precision", VIPS_PRECISION_INTEGER, NULL))
        sm_fail("conv");
    else if (vips_image_write_to_file(sharp, out, NULL))
        sm_fail(out);
    else
        rc = 0;
    if (sharp)
        g_object_unref(sharp);
    if (small)
        g_object_unref(small);
    if (crop)
        g_object_unref(crop);
    g_object_unref(mask);
    g_object_unref(im);
    return rc;
}

int main(int argc, char **argv)
{
    if (VIPS_INIT(argv[0]))
        return sm_fail("init") ? 1 : 0;
    if (argc != 3) {
        fprintf(stderr, "usage: vips_speedmem IN OUT\n");
        return 2;
    }
    int rc = sm_run(argv[1], argv[2]);
    vips_shutdown();
    return rc == 0 ? 0 : 1;
}
