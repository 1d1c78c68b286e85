/*
 * image.h - streaming image decoders and encoders: PNG, JPEG and netpbm.
 *
 * Pixel layout, fixed for the whole project: 8 bits per sample, samples
 * interleaved, rows top to bottom, no padding between rows.  `channels` is
 * 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA); alpha is straight
 * (not premultiplied).  Every decoder normalises to this layout: palettes
 * are expanded, tRNS becomes alpha, 16-bit samples are reduced to 8 bits,
 * low bit depths are scaled up.
 *
 * The one exception is asked for with img_open_opts.keep16: a 16-bit PNG
 * or a netpbm file with maxval above 255 then decodes to 16-bit samples,
 * uint16_t in the host's byte order (info.depth 16, two bytes a sample).
 * Writers take 16-bit rows the same way when img_write_opts.depth is 16.
 *
 * Readers and writers work a band of rows at a time so that callers can
 * keep only a band in memory.  Every function that can fail fills a
 * caller's err[ERR_MAX] with one line naming the file and the cause.
 */
#ifndef TS_IMAGE_H
#define TS_IMAGE_H

#include <stdint.h>
#include <stdio.h>

enum img_format { IMG_UNKNOWN = 0, IMG_PNG, IMG_JPEG, IMG_PNM };

struct img_info {
    uint32_t width, height;
    int channels;           /* after normalisation: 1..4 */
    enum img_format format;
    int src_depth;          /* bits per sample in the file: 1,2,4,8,16 */
    char src_color[32];     /* what the file said, e.g. "palette+tRNS", "cmyk" */
    int interlaced;         /* PNG Adam7 or progressive JPEG */
    char metadata[48];      /* what outputs do not carry: "ICC profile, Exif/XMP", or "" */
    int depth;              /* bits per sample in the row buffers: 8, or 16 (keep16) */
    int orientation;        /* EXIF orientation 1-8 (JPEG: first APP1 Exif; PNG: eXIf
                             * before IDAT); 1 when absent or malformed */
    int shrink;             /* JPEG shrink-on-load factor used: 1, 2, 4 or 8 */
    uint32_t full_width, full_height;   /* stored size; width/height = ceil(full/shrink) */
};

/* What img_open_opts_fp() may do beyond img_open(); zero means img_open's behaviour. */
struct img_open_opts {
    uint64_t max_pixels;    /* limit on the stored width*height; 0 = none */
    int keep16;             /* 1: 16-bit PNG and netpbm maxval > 255 decode to depth 16 */
    int jpeg_shrink;        /* 0/1, 2, 4 or 8: decode a JPEG at 1/N (DCT scaling) */
};

struct img_write_opts {
    int png_level;          /* zlib level 0-9; default 6 */
    int png_filter;         /* -1 = libpng's adaptive choice, else 0-4 (none..paeth) */
    int jpeg_quality;       /* 1-100; default 90 */
    int jpeg_progressive;   /* 0 or 1 */
    int depth;              /* 8 (default; 0 means 8 too) or 16: the rows' sample size.
                             * PNG and netpbm store 16 bits; JPEG reduces each sample
                             * to (v*255 + 32767) / 65535 */
};

typedef struct img_reader img_reader;
typedef struct img_writer img_writer;

/* img_default_opts - fill o with the defaults above. */
void img_default_opts(struct img_write_opts *o);

/* img_format_name - "png", "jpeg", "pnm" or "unknown". */
const char *img_format_name(enum img_format f);

/* img_format_from_path - format implied by the file name's extension
 * (.png; .jpg/.jpeg; .pnm/.pgm/.ppm/.pam), IMG_UNKNOWN otherwise. */
enum img_format img_format_from_path(const char *path);

/* img_open - open path, sniffing the format from its magic bytes (not the
 * name), and read the header into *info.  Refuses images whose
 * width*height exceeds max_pixels (0 = no limit) before allocating
 * anything proportional to the image.  Returns NULL and fills err on error. */
img_reader *img_open(const char *path, uint64_t max_pixels,
                     struct img_info *info, char *err);

/* img_open_fp - the same for a stream already open on the file `name`
 * (the spool's files and the programs' inputs are opened by spool_open,
 * which neither blocks on a FIFO nor follows a link).  The reader owns f
 * from here on, also when it returns NULL. */
img_reader *img_open_fp(FILE *f, const char *name, uint64_t max_pixels,
                        struct img_info *info, char *err);

/* img_open_opts_fp - img_open_fp with the options of struct img_open_opts
 * (o NULL = all zero).  Every field of *info is filled: depth, orientation,
 * shrink and full_width/full_height too.  The reader owns f from here on. */
img_reader *img_open_opts_fp(FILE *f, const char *name, const struct img_open_opts *o,
                             struct img_info *info, char *err);

/* img_open_opts_path - the same on a path, opened with fopen. */
img_reader *img_open_opts_path(const char *path, const struct img_open_opts *o,
                          struct img_info *info, char *err);

/* img_read_rows - decode the next nrows rows into buf
 * (nrows * width * channels * depth / 8 bytes).  Returns 0, or -1 with err filled:
 * a truncated or corrupt file is an error, never silently padded. */
int img_read_rows(img_reader *r, uint8_t *buf, uint32_t nrows, char *err);

/* img_has_trailing_bytes - once every row is read: 1 if the file has bytes
 * after the image's end, 0 if not; -1 if rows remain.  Exact for PNG and
 * netpbm; JPEG's decoder reads ahead, so it may answer 0 for a few bytes. */
int img_has_trailing_bytes(img_reader *r);

/* img_close - release everything the reader holds; NULL is fine. */
void img_close(img_reader *r);

/* img_create - start encoding a width x height image with `channels`
 * channels into f, which the caller opened and will close.  JPEG has no
 * alpha: a 2- or 4-channel image is refused for JPEG (callers drop alpha
 * first).  `name` is only used in messages. */
img_writer *img_create(FILE *f, const char *name, enum img_format fmt,
                       uint32_t width, uint32_t height, int channels,
                       const struct img_write_opts *o, char *err);

/* img_write_rows - encode the next nrows rows from buf (width * channels *
 * depth / 8 bytes a row).  Returns 0 or -1. */
int img_write_rows(img_writer *w, const uint8_t *buf, uint32_t nrows, char *err);

/* img_finish - write the trailer and free w (also on error).  The caller
 * still owns f and must fflush/fsync/fclose it.  Returns 0 or -1. */
int img_finish(img_writer *w, char *err);

/* img_abandon - free w without finishing the file; NULL is fine. */
void img_abandon(img_writer *w);

#endif
