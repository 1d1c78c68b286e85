/*
 * image_jpeg.c - JPEG decoder and encoder on libjpeg-turbo (libjpeg62 API).
 *
 * NAME
 *	img_jpeg_codec - the JPEG entry of the codec table (image_impl.h)
 * SUMMARY
 *	Reading: baseline, extended and progressive (and arithmetic-coded)
 *	8-bit JPEG.  Grayscale gives 1 channel; YCbCr and RGB give 3.  CMYK
 *	and YCCK are converted to RGB without colour management:
 *	R = (255-C)(255-K)/255 and so on, rounded.  When the file has an
 *	Adobe APP14 marker (as Photoshop and libjpeg write for CMYK) the
 *	samples are taken to be stored inverted (255 = no ink), the
 *	convention of Photoshop and of every common viewer; without it they
 *	are taken as plain ink amounts.  EXIF orientation is not applied:
 *	pixels are returned as stored, and the first APP1 Exif block's
 *	orientation is reported in info (malformed: 1, and "malformed Exif"
 *	in info.metadata).  The ICC profile is not applied either: it is
 *	read, with the Exif and XMP blocks and the JFIF density, into the
 *	reader's struct img_meta (image_jpeg_meta.c), and info.metadata
 *	names what the file holds ("ICC profile, Exif, XMP, resolution",
 *	"comment").
 *
 *	Shrink-on-load: with img_open_opts.jpeg_shrink N of 2, 4 or 8 the
 *	image is decoded at 1/N by libjpeg's DCT scaling (scale_num 1,
 *	scale_denom N), which is much cheaper than decoding it whole; the
 *	decoded size is ceil(W/N) x ceil(H/N), the pixel limit still
 *	applies to the stored size (a progressive image's coefficients are
 *	buffered at full size).
 *
 *	A baseline image is streamed one scanline at a time.  A progressive
 *	image is not: libjpeg absorbs the whole file in img_open(), keeping
 *	a coefficient buffer of about 2 bytes per stored sample (e.g.
 *	3 bytes a pixel for 4:2:0 colour) until the reader is closed.  The
 *	pixel limit is checked after jpeg_read_header(), before that.  A file
 *	with more than MAX_SCANS scans is refused, since each scan costs a
 *	pass over the coefficient buffer.
 *
 *	Writing: 1 channel as JCS_GRAYSCALE, 3 as JCS_RGB stored as YCbCr
 *	with the chroma subsampling of img_write_opts: 4:4:4, 4:2:2 or
 *	4:2:0, and by default 4:4:4 at quality 90 and up (at that quality
 *	halved chroma is the visible loss: coloured edges and fine red
 *	detail), 4:2:0 below, as libvips chooses.  16-bit rows (depth 16)
 *	are reduced to 8 bits first, (v*255 + 32767) / 65535 a sample,
 *	through a one-row buffer; quality from img_write_opts, a JFIF header
 *	and no timestamps, so output is deterministic.  Huffman tables are
 *	the standard ones unless jpeg_optimize; optimised tables (a second
 *	pass) and progressive output both buffer the whole image's
 *	coefficients, about 2 bytes a stored sample, like progressive
 *	reading.  The metadata of img_write_opts.meta follows the JFIF
 *	marker (image_jpeg_meta.c).
 *	libjpeg's stdio destination fflush()es f at the end but never closes it.
 * DESCRIPTION
 *	libjpeg errors reach on_error_exit(), which formats the message into
 *	the caller's err and longjmps to the entry point's setjmp().  libjpeg
 *	only warns about a truncated or corrupt file (and pads the image with
 *	gray), so on_message() turns warnings into errors too, except those
 *	that cannot affect pixels: skipped bytes between markers
 *	(JWRN_EXTRANEOUS_DATA), an unknown JFIF revision, a bad ICC marker.
 *	Trace messages are dropped.  After the last row jpeg_finish_decompress()
 *	reads up to EOI, so a file cut anywhere is an error.
 *
 *	APP1 markers are read by our own marker processor, not saved by
 *	libjpeg: one marker at a time is read into memory and only the first
 *	Exif block and XMP packet are kept, so a file of many large APP1
 *	markers costs two markers' memory.  APP2 markers are saved whole by
 *	libjpeg for jpeg_read_icc_profile: their memory is bounded by the
 *	file's size.
 * DIAGNOSTICS
 *	"NAME: jpeg: MESSAGE", MESSAGE being libjpeg's text or ours.
 */
#include "image_impl.h"
#include "image_jpeg_meta.h"
#include "err.h"

#include <inttypes.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include <jpeglib.h>
#include <jerror.h>

#define MAX_SCANS 500

struct jerr {
    struct jpeg_error_mgr pub;  /* first: libjpeg hands us &pub */
    jmp_buf jb;
    const char *name;
    char *err;                  /* the err of the current entry point */
};

struct jpegr {
    struct jpeg_decompress_struct cinfo;    /* first: on_app1 gets &cinfo */
    struct jerr jerr;
    struct jpeg_progress_mgr progress;
    uint8_t *cmyk;              /* CMYK/YCCK only: one row of CMYK pixels */
    int inverted;               /* CMYK stored inverted (Adobe marker) */
    struct jpeg_meta_seen seen; /* what the APP1 markers said */
    struct img_meta *meta;      /* the reader's, filled as markers are read */
    size_t stride;
    uint32_t width, height, next;
};

struct jpegw {
    struct jpeg_compress_struct cinfo;
    struct jerr jerr;
    size_t stride;              /* input bytes per row */
    uint8_t *row8;              /* depth 16 only: one row reduced to 8 bits */
};

/* on_error_exit - libjpeg fatal error: fills err and longjmps; never returns. */
static void on_error_exit(j_common_ptr c)
{
    struct jerr *e = (struct jerr *)c->err;
    char msg[JMSG_LENGTH_MAX];

    c->err->format_message(c, msg);
    errf(e->err, "%s: jpeg: %s", e->name, msg);
    longjmp(e->jb, 1);
}

/* harmless - returns 1 for a warning that cannot affect any pixel. */
static int harmless(int code)
{
    return code == JWRN_EXTRANEOUS_DATA || code == JWRN_JFIF_MAJOR
        || code == JWRN_BOGUS_ICC;
}

/* on_message - libjpeg warning or trace: warnings that may mean damaged
 * pixels become errors (longjmp); returns for the rest. */
static void on_message(j_common_ptr c, int level)
{
    if (level >= 0)
        return;
    if (!harmless(c->err->msg_code))
        on_error_exit(c);
    c->err->num_warnings++;
}

/* on_output - libjpeg's printer: library code prints nothing; returns nothing. */
static void on_output(j_common_ptr c)
{
    (void)c;
}

/* on_progress - libjpeg progress hook: longjmps past MAX_SCANS scans. */
static void on_progress(j_common_ptr c)
{
    struct jerr *e = (struct jerr *)c->err;

    if (c->is_decompressor && ((j_decompress_ptr)c)->input_scan_number > MAX_SCANS) {
        errf(e->err, "%s: jpeg: more than %d scans", e->name, MAX_SCANS);
        longjmp(e->jb, 1);
    }
}

/* init_jerr - points the libjpeg error manager at us; returns it. */
static struct jpeg_error_mgr *init_jerr(struct jerr *e, const char *name, char *err)
{
    jpeg_std_error(&e->pub);
    e->pub.error_exit = on_error_exit;
    e->pub.emit_message = on_message;
    e->pub.output_message = on_output;
    e->name = name;
    e->err = err;
    return &e->pub;
}

/* cmyk_to_rgb - converts one row of CMYK to RGB; returns nothing. */
static void cmyk_to_rgb(const uint8_t *in, uint8_t *out, uint32_t width, int inverted)
{
    for (uint32_t x = 0; x < width; x++, in += 4, out += 3) {
        unsigned k = inverted ? in[3] : 255u - in[3];

        for (int i = 0; i < 3; i++) {
            unsigned v = inverted ? in[i] : 255u - in[i];
            out[i] = (uint8_t)((v * k + 127) / 255);
        }
    }
}

/* next_byte - returns the next byte of the file; libjpeg's stdio source
 * never suspends, and at the end of the file it warns (an error here). */
static unsigned next_byte(j_decompress_ptr ci)
{
    struct jpeg_source_mgr *src = ci->src;

    if (src->bytes_in_buffer == 0 && !src->fill_input_buffer(ci))
        ERREXIT(ci, JERR_CANT_SUSPEND);
    src->bytes_in_buffer--;
    return *src->next_input_byte++;
}

/* on_app1 - libjpeg marker processor for APP1: reads the marker whole
 * and hands it to jpeg_meta_app1; returns TRUE (read).  Errors longjmp. */
static boolean on_app1(j_decompress_ptr ci)
{
    struct jpegr *st = (struct jpegr *)ci;
    unsigned len = next_byte(ci) << 8;
    uint8_t *data;
    int rc;

    len |= next_byte(ci);
    if (len < 2)
        ERREXIT(ci, JERR_BAD_LENGTH);
    len -= 2;
    /* from libjpeg's image pool, not malloc: a file cut off inside the
     * marker longjmps out of next_byte, and jpeg_destroy frees the pool
     * (a marker is at most 64 KiB, and the file bounds their number) */
    data = (*ci->mem->alloc_large)((j_common_ptr)ci, JPOOL_IMAGE, len ? len : 1);
    for (unsigned i = 0; i < len; i++)
        data[i] = (uint8_t)next_byte(ci);
    rc = jpeg_meta_app1(&st->seen, st->meta, data, len, st->jerr.name, st->jerr.err);
    if (rc < 0)
        longjmp(st->jerr.jb, 1);
    return TRUE;
}

/* choose_output - picks the output colour space and fills info;
 * returns 0, or -1 for a colour space we cannot convert. */
static int choose_output(struct jpegr *st, struct img_info *info, char *err)
{
    struct jpeg_decompress_struct *ci = &st->cinfo;
    const char *src;

    switch (ci->jpeg_color_space) {
    case JCS_GRAYSCALE: src = "gray"; break;
    case JCS_YCbCr: src = "ycbcr"; break;
    case JCS_RGB: src = "rgb"; break;
    case JCS_CMYK: src = "cmyk"; break;
    case JCS_YCCK: src = "ycck"; break;
    default:
        return errf(err, "%s: jpeg: unsupported colour space (%d components)",
                    st->jerr.name, ci->num_components);
    }
    snprintf(info->src_color, sizeof info->src_color, "%s", src);
    if (ci->jpeg_color_space == JCS_GRAYSCALE) {
        ci->out_color_space = JCS_GRAYSCALE;
        info->channels = 1;
    } else if (ci->jpeg_color_space == JCS_CMYK || ci->jpeg_color_space == JCS_YCCK) {
        ci->out_color_space = JCS_CMYK;
        st->inverted = ci->saw_Adobe_marker;
        info->channels = 3;
    } else {
        ci->out_color_space = JCS_RGB;
        info->channels = 3;
    }
    info->src_depth = ci->data_precision;
    info->interlaced = ci->progressive_mode != 0;
    return 0;
}

/* note_metadata - fills info's metadata text and orientation from the
 * markers read so far (for a progressive image, the whole file); returns
 * nothing. */
static void note_metadata(const struct jpegr *st, struct img_info *info)
{
    const struct jpeg_decompress_struct *ci = &st->cinfo;

    int com = 0;
    for (jpeg_saved_marker_ptr mk = ci->marker_list; mk; mk = mk->next)
        com |= mk->marker == JPEG_COM;
    snprintf(info->metadata, sizeof info->metadata, "%s%s%s%s%s",
             st->meta->icc ? "ICC profile, " : "",
             st->seen.exif > 0 ? "Exif, " : st->seen.exif < 0 ? "malformed Exif, " : "",
             st->seen.xmp ? "XMP, " : "", st->meta->xres > 0 ? "resolution, " : "",
             com ? "comment, " : "");
    if (info->metadata[0])
        info->metadata[strlen(info->metadata) - 2] = '\0';
    info->orientation = st->seen.orientation > 0 ? st->seen.orientation : 1;
}

/* start_output - starts decompression and checks its shape; returns 0 or
 * -1.  libjpeg errors longjmp. */
static int start_output(struct jpegr *st, struct img_info *info, char *err)
{
    struct jpeg_decompress_struct *ci = &st->cinfo;
    int want = ci->out_color_space == JCS_CMYK ? 4 : info->channels;
    unsigned n = (unsigned)info->shrink;

    jpeg_start_decompress(ci);
    if (ci->output_components != want
        || ci->output_width != (ci->image_width + n - 1) / n
        || ci->output_height != (ci->image_height + n - 1) / n)
        return errf(err, "%s: jpeg: unexpected output shape", st->jerr.name);
    info->full_width = ci->image_width;
    info->full_height = ci->image_height;
    info->width = st->width = ci->output_width;
    info->height = st->height = ci->output_height;
    st->stride = (size_t)st->width * (size_t)info->channels;
    if (want == 4 && (st->cmyk = malloc((size_t)st->width * 4)) == NULL)
        return errf(err, "%s: jpeg: out of memory", st->jerr.name);
    return 0;
}

/* jpegr_close - frees a JPEG reader; returns nothing. */
static void jpegr_close(void *p)
{
    struct jpegr *st = p;

    if (st == NULL)
        return;
    jpeg_destroy_decompress(&st->cinfo);
    free(st->cmyk);
    free(st);
}

/* read_header - reads the header and starts decompressing; returns 0 or -1. */
static int read_header(struct jpegr *st, FILE *f, const struct img_open_opts *o,
                       struct img_info *info, char *err)
{
    if (setjmp(st->jerr.jb))
        return -1;
    jpeg_create_decompress(&st->cinfo);
    st->progress.progress_monitor = on_progress;
    st->cinfo.progress = &st->progress;
    jpeg_stdio_src(&st->cinfo, f);
    jpeg_set_marker_processor(&st->cinfo, JPEG_APP0 + 1, on_app1);
    /* whole, for jpeg_read_icc_profile */
    jpeg_save_markers(&st->cinfo, JPEG_APP0 + 2, 0xffff);
    /* their first bytes only (a limit of 0 would skip them): enough to
     * say that the file has a comment */
    jpeg_save_markers(&st->cinfo, JPEG_COM, 16);
    jpeg_read_header(&st->cinfo, TRUE);
    if (img_check_pixels(st->jerr.name, st->cinfo.image_width,
                         st->cinfo.image_height, o->max_pixels, err) < 0
        || jpeg_meta_read(&st->cinfo, st->meta, st->jerr.name, err) < 0
        || choose_output(st, info, err) < 0)
        return -1;
    info->shrink = o->jpeg_shrink > 1 ? o->jpeg_shrink : 1;
    st->cinfo.scale_num = 1;
    st->cinfo.scale_denom = (unsigned)info->shrink;
    if (start_output(st, info, err) < 0)
        return -1;
    note_metadata(st, info);
    return 0;
}

/* jpegr_open - returns a JPEG reader with *info filled, or NULL. */
static void *jpegr_open(FILE *f, const char *name, const struct img_open_opts *o,
                        struct img_info *info, struct img_meta *meta, char *err)
{
    struct jpegr *st = calloc(1, sizeof *st);

    if (st == NULL) {
        errf(err, "%s: jpeg: out of memory", name);
        return NULL;
    }
    st->meta = meta;
    st->cinfo.err = init_jerr(&st->jerr, name, err);
    if (read_header(st, f, o, info, err) < 0) {
        jpegr_close(st);
        return NULL;
    }
    return st;
}

/* read_band - decodes nrows rows into buf; returns 0 or -1.  May longjmp. */
static int read_band(struct jpegr *st, uint8_t *buf, uint32_t nrows, char *err)
{
    for (uint32_t i = 0; i < nrows; i++, st->next++) {
        uint8_t *row = buf + (size_t)i * st->stride;
        JSAMPROW dst = st->cmyk != NULL ? st->cmyk : row;

        if (jpeg_read_scanlines(&st->cinfo, &dst, 1) != 1)
            return errf(err, "%s: jpeg: decoder gave no row %" PRIu32,
                        st->jerr.name, st->next);
        if (st->cmyk != NULL)
            cmyk_to_rgb(st->cmyk, row, st->width, st->inverted);
    }
    if (st->next == st->height)
        jpeg_finish_decompress(&st->cinfo);
    return 0;
}

/* jpegr_read - returns 0 after decoding the next nrows rows, or -1. */
static int jpegr_read(void *p, uint8_t *buf, uint32_t nrows, char *err)
{
    struct jpegr *st = p;

    st->jerr.err = err;
    if (setjmp(st->jerr.jb))
        return -1;
    return read_band(st, buf, nrows, err);
}

/* jpegw_abandon - frees a JPEG writer; returns nothing. */
static void jpegw_abandon(void *p)
{
    struct jpegw *st = p;

    if (st == NULL)
        return;
    jpeg_destroy_compress(&st->cinfo);
    free(st->row8);
    free(st);
}

/* set_sampling - sets the luma sampling factors for o's chroma
 * subsampling (chroma stays 1x1); returns nothing. */
static void set_sampling(struct jpeg_compress_struct *ci, const struct img_write_opts *o)
{
    int ss = o->jpeg_subsample != 0 ? o->jpeg_subsample : o->jpeg_quality >= 90 ? 444 : 420;

    if (ci->num_components != 3)
        return;
    ci->comp_info[0].h_samp_factor = ss == 444 ? 1 : 2;
    ci->comp_info[0].v_samp_factor = ss == 420 ? 2 : 1;
}

/* start_file - sets the parameters and writes the headers; returns 0 or -1. */
static int start_file(struct jpegw *st, FILE *f, uint32_t width, uint32_t height,
                      int channels, const struct img_write_opts *o)
{
    struct jpeg_compress_struct *ci = &st->cinfo;

    if (setjmp(st->jerr.jb))
        return -1;
    jpeg_create_compress(ci);
    jpeg_stdio_dest(ci, f);
    ci->image_width = width;
    ci->image_height = height;
    ci->input_components = channels;
    ci->in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(ci);
    jpeg_set_quality(ci, o->jpeg_quality, TRUE);
    set_sampling(ci, o);
    ci->optimize_coding = o->jpeg_optimize ? TRUE : FALSE;
    if (o->jpeg_progressive)
        jpeg_simple_progression(ci);
    if (o->meta != NULL && jpeg_meta_prepare(ci, o->meta, st->jerr.name, st->jerr.err) < 0)
        return -1;
    jpeg_start_compress(ci, TRUE);
    if (o->meta != NULL)
        jpeg_meta_write(ci, o->meta);
    return 0;
}

/* jpegw_create - returns a JPEG writer with the headers written, or NULL. */
static void *jpegw_create(FILE *f, const char *name, uint32_t width, uint32_t height,
                          int channels, const struct img_write_opts *o, char *err)
{
    struct jpegw *st;

    if (channels != 1 && channels != 3) {
        errf(err, "%s: jpeg: cannot write %d channels: JPEG has no alpha"
             " (drop alpha first)", name, channels);
        return NULL;
    }
    if (width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION) {
        errf(err, "%s: jpeg: %" PRIu32 "x%" PRIu32 " is over JPEG's limit of %ld"
             " pixels a side", name, width, height, (long)JPEG_MAX_DIMENSION);
        return NULL;
    }
    if ((st = calloc(1, sizeof *st)) == NULL) {
        errf(err, "%s: jpeg: out of memory", name);
        return NULL;
    }
    st->stride = (size_t)width * (size_t)channels * (size_t)(o->depth / 8);
    st->cinfo.err = init_jerr(&st->jerr, name, err);
    if (o->depth == 16 && (st->row8 = malloc((size_t)width * (size_t)channels)) == NULL) {
        errf(err, "%s: jpeg: out of memory", name);
        jpegw_abandon(st);
        return NULL;
    }
    if (start_file(st, f, width, height, channels, o) < 0) {
        jpegw_abandon(st);
        return NULL;
    }
    return st;
}

/* reduce_row - converts n 16-bit samples to 8 bits, rounded; returns nothing. */
static void reduce_row(const uint8_t *in, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint16_t v;

        memcpy(&v, in + 2 * i, 2);
        out[i] = (uint8_t)(((uint32_t)v * 255 + 32767) / 65535);
    }
}

/* write_band - encodes nrows rows from buf; returns 0 or -1.  May longjmp. */
static int write_band(struct jpegw *st, const uint8_t *buf, uint32_t nrows, char *err)
{
    for (uint32_t i = 0; i < nrows; i++) {
        JSAMPROW row = (JSAMPROW)(buf + (size_t)i * st->stride);

        if (st->row8 != NULL) {
            reduce_row(row, st->row8, st->stride / 2);
            row = st->row8;
        }

        if (jpeg_write_scanlines(&st->cinfo, &row, 1) != 1)
            return errf(err, "%s: jpeg: encoder took no row", st->jerr.name);
    }
    return 0;
}

/* jpegw_write - returns 0 after encoding the next nrows rows, or -1. */
static int jpegw_write(void *p, const uint8_t *buf, uint32_t nrows, char *err)
{
    struct jpegw *st = p;

    st->jerr.err = err;
    if (setjmp(st->jerr.jb))
        return -1;
    return write_band(st, buf, nrows, err);
}

/* jpegw_finish - returns 0 after writing EOI, or -1; frees st. */
static int jpegw_finish(void *p, char *err)
{
    struct jpegw *st = p;

    st->jerr.err = err;
    if (setjmp(st->jerr.jb)) {
        jpegw_abandon(st);
        return -1;
    }
    jpeg_finish_compress(&st->cinfo);
    jpegw_abandon(st);
    return 0;
}

const struct img_codec img_jpeg_codec = {
    jpegr_open, jpegr_read, jpegr_close,
    jpegw_create, jpegw_write, jpegw_finish, jpegw_abandon,
};
