/*
 * image.h - streaming image decoders and encoders: PNG, JPEG, netpbm,
 * TIFF (and BigTIFF), WebP, and GIF (read only).
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

enum img_format { IMG_UNKNOWN = 0, IMG_PNG, IMG_JPEG, IMG_PNM, IMG_TIFF, IMG_WEBP, IMG_GIF };

/* struct img_meta - what an image says about itself beside its pixels.
 * A reader fills it from what the file holds before its pixel data; a
 * writer writes what its format can hold.  Each block is owned by the
 * struct (img_meta_free); NULL/0 means absent. */
struct img_meta {
    uint8_t *icc;  uint32_t icc_len;    /* ICC profile, whole */
    uint8_t *exif; uint32_t exif_len;   /* Exif as a TIFF structure: "II*\0" or "MM\0*"
                                         * first, never JPEG's "Exif\0\0" prefix */
    uint8_t *xmp;  uint32_t xmp_len;    /* the XMP packet, UTF-8 text, no NUL */
    double xres, yres;                  /* resolution in pixels per inch; 0 = not said */
};

/* WebP's limit on width and height: a larger image cannot be written as WebP */
#define IMG_WEBP_SIDE_MAX 16383

/* the most threads an encoder takes (img_write_opts.png_threads) */
#define IMG_THREADS_MAX 256

/* the largest metadata block kept; a larger one is an error, not dropped */
#define IMG_META_MAX (16u << 20)

/* what --tiff-compression names */
enum img_tiff_compression { IMG_TIFF_NONE = 0, IMG_TIFF_DEFLATE, IMG_TIFF_LZW, IMG_TIFF_JPEG,
                            IMG_TIFF_ZSTD };

struct img_info {
    uint32_t width, height;
    int channels;           /* after normalisation: 1..4 */
    enum img_format format;
    int src_depth;          /* bits per sample in the file: 1,2,4,8,16 */
    char src_color[32];     /* what the file said, e.g. "palette+tRNS", "cmyk" */
    int interlaced;         /* PNG Adam7 or progressive JPEG */
    char metadata[64];      /* what the file holds besides pixels: "ICC profile, Exif,
                             * XMP, resolution" (and "comment", "text"), or "" */
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
    uint32_t page;          /* multi-page TIFF (and animated GIF/WebP: frame): which
                             * page, 0 the first; a page that is not there is an error */
};

struct img_write_opts {
    int png_level;          /* zlib level 0-9; default 6 */
    int png_filter;         /* -1 = libpng's adaptive choice, else 0-4 (none..paeth) */
    int png_threads;        /* 0: one zlib stream by libpng; N > 0: the image data
                             * deflated in bands on N threads (png_parallel.h),
                             * the same bytes for every N */
    int jpeg_quality;       /* 1-100; default 90 */
    int jpeg_progressive;   /* 0 or 1 */
    int jpeg_optimize;      /* 0 or 1: optimised Huffman tables (a second pass) */
    int jpeg_subsample;     /* 444, 422 or 420; 0 = 444 at quality >= 90, else 420 */
    int webp_quality;       /* 0-100 for lossy WebP; default 75 */
    int webp_lossless;      /* 0 or 1 */
    int tiff_compression;   /* enum img_tiff_compression; default none */
    int tiff_tile;          /* 0: strips; else tiles of N x N, N a multiple of 16 */
    int bigtiff;            /* 0: BigTIFF only when the file could pass 4 GiB; 1: always */
    const struct img_meta *meta; /* written where the format can hold it; NULL = none */
    int depth;              /* 8 (default; 0 means 8 too) or 16: the rows' sample size.
                             * PNG and netpbm store 16 bits; JPEG reduces each sample
                             * to (v*255 + 32767) / 65535 */
};

typedef struct img_reader img_reader;
typedef struct img_writer img_writer;

/* img_default_opts - fill o with the defaults above. */
void img_default_opts(struct img_write_opts *o);

/* img_format_name - "png", "jpeg", "pnm", "tiff", "webp", "gif" or "unknown". */
const char *img_format_name(enum img_format f);

/* img_format_from_path - format implied by the file name's extension
 * (.png; .jpg/.jpeg; .pnm/.pgm/.ppm/.pam; .tif/.tiff; .webp; .gif),
 * IMG_UNKNOWN otherwise. */
enum img_format img_format_from_path(const char *path);

/* img_format_from_name - the format a --format word names ("png", "jpeg"
 * or "jpg", "pnm", "ppm", "pgm", "pam", "tiff" or "tif", "webp", "gif"),
 * IMG_UNKNOWN otherwise. */
enum img_format img_format_from_name(const char *word);

/* img_format_writable - 1 if img_create can write fmt. */
int img_format_writable(enum img_format fmt);

/* img_write_opt - set the write option named `option` (a long option
 * without its dashes: "png-level", "jpeg-quality", "jpeg-subsample",
 * "jpeg-progressive", "jpeg-optimize", "webp-quality", "webp-lossless",
 * "tiff-compression", "tiff-tile", "bigtiff") from its text (NULL for the
 * flags).  Both the splitter and the assembler parse their output
 * options here.  Returns 1 if set, 0 if `option` is not a write option,
 * -1 with err filled if its value is bad. */
int img_write_opt(struct img_write_opts *o, const char *option, const char *value, char *err);

/* IMG_WRITE_OPTIONS - img_write_opt's options as getopt_long entries, all
 * returning val (the option's name is then lo[longindex].name). */
#define IMG_WRITE_OPTIONS(val) \
    {"png-level", 1, 0, (val)}, {"jpeg-quality", 1, 0, (val)}, \
    {"jpeg-subsample", 1, 0, (val)}, {"jpeg-progressive", 0, 0, (val)}, \
    {"jpeg-optimize", 0, 0, (val)}, {"webp-quality", 1, 0, (val)}, \
    {"webp-lossless", 0, 0, (val)}, {"tiff-compression", 1, 0, (val)}, \
    {"tiff-tile", 1, 0, (val)}, {"bigtiff", 0, 0, (val)}

/* IMG_WRITE_OPTIONS_HELP - their lines in a --help text */
#define IMG_WRITE_OPTIONS_HELP \
    "      --png-level N      PNG zlib level 0-9 (default 6)\n" \
    "      --jpeg-quality N   JPEG quality 1-100 (default 90)\n" \
    "      --jpeg-subsample S 444, 422 or 420 (default 444 at quality 90 and up, else 420)\n" \
    "      --jpeg-progressive progressive JPEG\n" \
    "      --jpeg-optimize    optimised Huffman tables (smaller JPEG, slower)\n" \
    "      --webp-quality N   lossy WebP quality 0-100 (default 75)\n" \
    "      --webp-lossless    lossless WebP\n" \
    "      --tiff-compression C  none (default), deflate, lzw, jpeg or zstd\n" \
    "      --tiff-tile N      tiled TIFF, N x N tiles (N a multiple of 16; default strips)\n" \
    "      --bigtiff          always BigTIFF (default: when the file could pass 4 GiB)\n"

/* img_meta_free - free m's blocks and zero it; NULL is fine. */
void img_meta_free(struct img_meta *m);

/* img_meta_trim - free the blocks of m that a fmt file cannot hold at
 * their size (JPEG: Exif over one APP1 marker, XMP over standard XMP's
 * one marker, ICC over 255 APP2 markers), naming each in dropped[n]
 * ("XMP packet of 70000 bytes (JPEG holds 65502)", comma-separated; ""
 * when none).  Writers refuse such blocks; callers that would rather
 * write the image without them trim first and say so. */
void img_meta_trim(enum img_format fmt, struct img_meta *m, char *dropped, size_t n);

/* img_meta_set - replace one block of a struct img_meta (*block, *len)
 * with a copy of n bytes of data.  Returns 0, or -1 with err filled
 * ("NAME: WHAT of N bytes is over the limit ...") when n > IMG_META_MAX
 * or memory runs out. */
int img_meta_set(uint8_t **block, uint32_t *len, const void *data, size_t n,
                 const char *name, const char *what, char *err);

/* img_exif_set_orientation - set IFD0's Orientation tag of an Exif block
 * (a TIFF structure, as struct img_meta holds it) to o (1-8), in place.
 * Returns 1 if set, 0 if the block has no such tag, -1 if it is
 * malformed (unchanged then). */
int img_exif_set_orientation(uint8_t *tiff, size_t len, int o);

/* img_reader_meta - the metadata the reader found; valid until img_close. */
const struct img_meta *img_reader_meta(const img_reader *r);

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
