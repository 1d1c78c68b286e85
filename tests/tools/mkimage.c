/*
 * mkimage.c - write a deterministic synthetic test image (PNG, JPEG, netpbm).
 *
 * SYNOPSIS
 *   mkimage [options] WIDTH HEIGHT OUTFILE        (mkimage --help for options)
 *
 * DESCRIPTION
 *   Every sample is a pure function of (x, y, channel, pattern, seed): it
 *   never depends on WIDTH or HEIGHT, so a W x H image is an exact crop of
 *   any larger image made with the same pattern, seed and type.  The same
 *   arguments always give the same bytes.  Arithmetic is integer only (no
 *   libm), so the pixels are the same on every machine.
 *
 *   Patterns (16-bit R, G, B, A; offsets below are 0 for seed 0):
 *     photo     smooth waves (periods 256..2048), hard diagonal stripe edges
 *               (period 512 along x + 2y), discs of radius 30 on a 128-pixel
 *               grid, fine texture (periods 16, 32), +-3% hashed noise;
 *               alpha is a wave along x - y clipped to long 0 and 255 runs.
 *     gradient  8-bit R = x, G = y, B = x + y, A = x - y + 255 (plus seed
 *               offsets), each a triangle wave 0..255..0 of period 512.
 *     checker   16-pixel squares, white/black (seed: a colour and its
 *               complement); alpha 32-pixel squares of 255 and 0.
 *     noise     independent hashed noise per sample.
 *   Each pattern gives 16-bit R, G, B and A values.  Gray is their integer
 *   luma (19595 R + 38470 G + 7471 B) / 65536; a palette image stores the
 *   8-bit luma as its index into a fixed 256-entry colour ramp.  8-bit
 *   samples are v16 * 255 / 65535 rounded, exactly as libpng's
 *   png_set_scale_16 does, so a 16-bit image read with scaling equals the
 *   8-bit image of the same type.  1/2/4-bit samples are rounded likewise.
 *   gray-trns and rgb-trns make the colour of pixel (0,0) transparent.
 *
 *   Rows are generated and written one at a time, so a 16000 x 16000 image
 *   takes little memory (progressive JPEG excepted: libjpeg buffers the
 *   whole image).  Adam7 PNGs are written by libpng's own interlacing from
 *   full rows regenerated once per pass.  It uses libpng and libjpeg
 *   directly, never the project's codec code, so it is an independent check.
 *
 *   JPEG CMYK is written the way Photoshop and libjpeg-turbo do: Adobe
 *   APP14 marker, "inverted" samples (255 = no ink), with K' = max(R,G,B)
 *   and C' = R * 255 / K' (etc.), so that R = C' * K' / 255.
 *
 * DIAGNOSTICS
 *   One line on stderr naming the file and cause.  Exit 0 success,
 *   2 usage error, 4 cannot write OUTFILE (which is then removed).
 */
#include <errno.h>
#include <getopt.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jpeglib.h>        /* needs stdio.h first */
#include <png.h>

#define EX_USAGE_ERR 2
#define EX_WRITE_ERR 4
#define MAX_DIM 1000000u   /* libpng's default user limit */
#define MSG_MAX 512

enum fmt { F_NONE, F_PNG, F_JPEG, F_PNM };
enum pattern { P_GRADIENT, P_NOISE, P_CHECKER, P_PHOTO };
enum jcolor { J_DEFAULT, J_GRAY, J_RGB, J_CMYK };

struct imgtype {
    const char *name;
    int color;      /* PNG_COLOR_TYPE_* */
    int depth;      /* bits per sample */
    int channels;   /* samples per pixel as stored */
    int trns;       /* write a tRNS chunk */
};

#define GRAY PNG_COLOR_TYPE_GRAY
#define GRAYA PNG_COLOR_TYPE_GRAY_ALPHA
#define RGB PNG_COLOR_TYPE_RGB
#define RGBA PNG_COLOR_TYPE_RGB_ALPHA
#define PAL PNG_COLOR_TYPE_PALETTE
static const struct imgtype types[] = {   /* the first four are name defaults */
    {"gray", GRAY, 8, 1, 0}, {"graya", GRAYA, 8, 2, 0}, {"rgb", RGB, 8, 3, 0},
    {"rgba", RGBA, 8, 4, 0}, {"palette", PAL, 8, 1, 0}, {"palette-trns", PAL, 8, 1, 1},
    {"gray1", GRAY, 1, 1, 0}, {"gray2", GRAY, 2, 1, 0}, {"gray4", GRAY, 4, 1, 0},
    {"gray16", GRAY, 16, 1, 0}, {"rgb16", RGB, 16, 3, 0}, {"rgba16", RGBA, 16, 4, 0},
    {"graya16", GRAYA, 16, 2, 0}, {"gray-trns", GRAY, 8, 1, 1}, {"rgb-trns", RGB, 8, 3, 1},
};
#define NTYPES (sizeof types / sizeof types[0])

struct cmdline {
    uint32_t width, height;
    const char *outfile;
    const struct imgtype *type;
    enum fmt format;
    enum pattern pattern;
    enum jcolor jcolor;
    uint32_t seed;
    int interlace, progressive, quality, level;
    int orientation;            /* -1 = no Exif segment */
};

static const char usage_text[] =
    "usage: mkimage [options] WIDTH HEIGHT OUTFILE\n"
    "Write a deterministic synthetic image; pixel (x,y) never depends on the size.\n"
    "  --type T        gray graya rgb rgba palette palette-trns gray1 gray2 gray4\n"
    "                  gray16 rgb16 rgba16 graya16 gray-trns rgb-trns (default rgb;\n"
    "                  for .pgm gray, for .pam rgba)\n"
    "  --format F      png, jpeg or pnm (default from OUTFILE's extension:\n"
    "                  .png .jpg .jpeg .pnm .pgm .ppm .pam); OUTFILE - is stdout\n"
    "  --pattern P     gradient, noise, checker or photo (default photo)\n"
    "  --seed N        0..4294967295 (default 0)\n"
    "  --interlace     PNG: Adam7\n"
    "  --compression N PNG: zlib level 0-9 (default 6)\n"
    "  --jpeg baseline|progressive   (default baseline)\n"
    "  --jpeg-color gray|rgb|cmyk    (default gray for gray types, else rgb;\n"
    "                  cmyk is Adobe-style inverted CMYK with an APP14 marker)\n"
    "  --quality N     JPEG quality 1-100 (default 90)\n"
    "  --exif-orientation N   JPEG: add an Exif APP1 with Orientation N (0-65535)\n"
    "  --help          this text\n"
    "pnm writes P5, P6 or P7 (GRAYSCALE_ALPHA, RGB_ALPHA); 16-bit types give\n"
    "maxval 65535, gray1/2/4 maxval 1/3/15; palette and trns types are PNG only.\n"
    "JPEG takes --type gray or rgb only.\n"
    "Exit status: 0 written, 2 usage error, 4 cannot write OUTFILE.\n";

/* usage_error - print "mkimage: message" and a hint, exit 2. */
static void usage_error(const char *fmt, const char *arg)
{
    fputs("mkimage: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (try mkimage --help)\n", stderr);
    exit(EX_USAGE_ERR);
}

/* parse_uint - the value of a decimal string in [lo, hi], or exit 2. */
static unsigned long parse_uint(const char *s, unsigned long lo, unsigned long hi,
                                const char *what)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (*s < '0' || *s > '9' || *end || errno || v < lo || v > hi) {
        fprintf(stderr, "mkimage: %s must be a number from %lu to %lu, not '%s'\n",
                what, lo, hi, s);
        exit(EX_USAGE_ERR);
    }
    return v;
}

/* pick - index of s in the NULL-terminated list, or exit 2 naming the option. */
static int pick(const char *s, const char *const *list, const char *opt)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(s, list[i]) == 0)
            return i;
    fprintf(stderr, "mkimage: %s: unknown value '%s' (try mkimage --help)\n", opt, s);
    exit(EX_USAGE_ERR);
}

/* name_defaults - the format OUTFILE's extension implies (F_NONE if none)
 * and the default type: rgb, but gray for .pgm and rgba for .pam. */
static enum fmt name_defaults(const char *path, const struct imgtype **type)
{
    static const struct { const char *ext; enum fmt fmt; int type; } map[] = {
        {".png", F_PNG, 2}, {".jpg", F_JPEG, 2}, {".jpeg", F_JPEG, 2},
        {".pnm", F_PNM, 2}, {".pgm", F_PNM, 0}, {".ppm", F_PNM, 2}, {".pam", F_PNM, 3}};
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof map / sizeof map[0]; i++)
        if (strcasecmp(dot, map[i].ext) == 0) {
            *type = &types[map[i].type];
            return map[i].fmt;
        }
    *type = &types[2];
    return F_NONE;
}

/* check_combination - exit 2 if options do not fit the output format. */
static void check_combination(const struct cmdline *cl, int jpeg_opts, int png_opts)
{
    const struct imgtype *t = cl->type;
    if (cl->format != F_JPEG && jpeg_opts)
        usage_error("%s", "--jpeg, --jpeg-color, --quality and --exif-orientation need JPEG output");
    if (cl->format != F_PNG && png_opts)
        usage_error("%s", "--interlace and --compression need PNG output");
    if (cl->format == F_JPEG && (t->depth != 8 || t->trns || t->channels == 2
                                 || t->channels == 4 || t->color == PNG_COLOR_TYPE_PALETTE))
        usage_error("--type %s cannot be written as JPEG (gray or rgb only)", t->name);
    if (cl->format == F_PNM && (t->trns || t->color == PNG_COLOR_TYPE_PALETTE))
        usage_error("--type %s cannot be written as netpbm", t->name);
    if (cl->format == F_JPEG && (cl->width > 65500 || cl->height > 65500))
        usage_error("%s", "JPEG images are at most 65500 pixels wide and high");
}

/* parse_cmdline - fill cl from argv; exits 0 after --help, 2 on errors. */
static void parse_cmdline(int argc, char **argv, struct cmdline *cl)
{
    enum { O_TYPE = 256, O_FORMAT, O_PATTERN, O_SEED, O_INTERLACE, O_LEVEL,
           O_JPEG, O_JCOLOR, O_QUALITY, O_EXIF, O_HELP };
    static const struct option opts[] = {
        {"type", 1, 0, O_TYPE}, {"format", 1, 0, O_FORMAT},
        {"pattern", 1, 0, O_PATTERN}, {"seed", 1, 0, O_SEED},
        {"interlace", 0, 0, O_INTERLACE}, {"compression", 1, 0, O_LEVEL},
        {"jpeg", 1, 0, O_JPEG}, {"jpeg-color", 1, 0, O_JCOLOR},
        {"quality", 1, 0, O_QUALITY}, {"exif-orientation", 1, 0, O_EXIF},
        {"help", 0, 0, O_HELP}, {0, 0, 0, 0}};
    static const char *const fmt_names[] = {"png", "jpeg", "pnm", NULL};
    static const char *const pat_names[] = {"gradient", "noise", "checker", "photo", NULL};
    static const char *const jpeg_names[] = {"baseline", "progressive", NULL};
    static const char *const jc_names[] = {"gray", "rgb", "cmyk", NULL};
    const struct imgtype *name_type;
    int c, jpeg_opts = 0, png_opts = 0;

    memset(cl, 0, sizeof *cl);
    cl->pattern = P_PHOTO;
    cl->quality = 90;
    cl->level = 6;
    cl->orientation = -1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case O_TYPE:
            for (size_t i = 0; i < NTYPES && !cl->type; i++)
                if (strcmp(optarg, types[i].name) == 0)
                    cl->type = &types[i];
            if (!cl->type)
                usage_error("unknown --type '%s'", optarg);
            break;
        case O_FORMAT: cl->format = (enum fmt)(pick(optarg, fmt_names, "--format") + 1); break;
        case O_PATTERN: cl->pattern = (enum pattern)pick(optarg, pat_names, "--pattern"); break;
        case O_SEED: cl->seed = (uint32_t)parse_uint(optarg, 0, UINT32_MAX, "--seed"); break;
        case O_INTERLACE: cl->interlace = png_opts = 1; break;
        case O_LEVEL: cl->level = (int)parse_uint(optarg, 0, 9, "--compression"); png_opts = 1; break;
        case O_JPEG: cl->progressive = pick(optarg, jpeg_names, "--jpeg"); jpeg_opts = 1; break;
        case O_JCOLOR:
            cl->jcolor = (enum jcolor)(pick(optarg, jc_names, "--jpeg-color") + 1);
            jpeg_opts = 1;
            break;
        case O_QUALITY: cl->quality = (int)parse_uint(optarg, 1, 100, "--quality"); jpeg_opts = 1; break;
        case O_EXIF:
            cl->orientation = (int)parse_uint(optarg, 0, 65535, "--exif-orientation");
            jpeg_opts = 1;
            break;
        case 'h': case O_HELP: fputs(usage_text, stdout); exit(0);
        default: usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 3)
        usage_error("%s", "expected WIDTH HEIGHT OUTFILE");
    cl->width = (uint32_t)parse_uint(argv[optind], 1, MAX_DIM, "WIDTH");
    cl->height = (uint32_t)parse_uint(argv[optind + 1], 1, MAX_DIM, "HEIGHT");
    cl->outfile = argv[optind + 2];
    enum fmt name_fmt = name_defaults(cl->outfile, &name_type);
    if (cl->format == F_NONE && (cl->format = name_fmt) == F_NONE)
        usage_error("cannot tell the format of '%s' from its name: use --format", cl->outfile);
    if (!cl->type)
        cl->type = name_type;
    check_combination(cl, jpeg_opts, png_opts);
}

/* ---- the patterns: pure integer functions of (x, y, channel, seed) ------ */

/* mix - a 32-bit integer hash finaliser (lowbias32). */
static uint32_t mix(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x7feb352du;
    h ^= h >> 15;
    h *= 0x846ca68bu;
    h ^= h >> 16;
    return h;
}

/* hash4 - well-mixed 32 bits from (x, y, c, seed). */
static uint32_t hash4(uint32_t x, uint32_t y, uint32_t c, uint32_t seed)
{
    return mix(mix(mix(mix(seed ^ 0x9e3779b9u) ^ x) + y) ^ (c * 0x632be5abu));
}

/* wave - a sine-like wave of period 2^lg (two parabolas, smooth at joins)
 * at t; returns -65536..65536. */
static int32_t wave(uint32_t t, int lg)
{
    uint32_t half = 1u << (lg - 1);
    uint32_t p = t & ((1u << lg) - 1);
    uint32_t q = (p & (half - 1)) << (17 - lg);          /* 0..65535 */
    int32_t v = (int32_t)((q * (65536u - q)) >> 14);   /* 0..65536 */
    return p < half ? v : -v;
}

/* amp - w scaled by frac/65536. */
static int64_t amp(int64_t w, int64_t frac)
{
    return w * frac / 65536;
}

/* clamp16 - v limited to 0..65535. */
static uint16_t clamp16(int64_t v)
{
    return (uint16_t)(v < 0 ? 0 : v > 65535 ? 65535 : v);
}

/* tri - a triangle wave of period 512: 0,1..255,255..1,0 times 257. */
static uint16_t tri(uint32_t t)
{
    uint32_t p = t & 511;
    return (uint16_t)((p < 256 ? p : 511 - p) * 257);
}

/* photo - smooth waves, hard diagonal edges, discs, fine texture, noise. */
static uint16_t photo(uint32_t x, uint32_t y, int c, uint32_t seed)
{
    uint32_t o = seed * 0x9e3779b1u, uc = (uint32_t)c;
    if (c == 3)
        return clamp16(32768 + amp(wave(x - y + o, 9), 52429));
    int64_t v = 32768;
    v += amp(wave(x + o + uc * 171, 9), 13107);
    v += amp(wave(y + o * 3 + uc * 97, 10 - c), 11796);
    v += amp(wave(2 * x + 3 * y + o * 5, 11), 7864);
    v += amp((int64_t)wave(x * (uc + 3) + y, 5) * wave(2 * y + x * uc, 4) / 65536, 3277);
    v += ((x + 2 * y + o * 7) & 256) ? 9830 : -9830;
    int32_t dx = (int32_t)((x + o * 11) & 127) - 64, dy = (int32_t)((y + o * 13) & 127) - 64;
    if (dx * dx + dy * dy < 30 * 30)
        v += c == 1 ? 8192 : 16384;
    v += amp((int32_t)(hash4(x, y, uc, seed) & 0xffff) - 32768, 1966);
    return clamp16(v);
}

/* sample16 - the pattern's 16-bit value at (x, y) for c = 0 R, 1 G, 2 B, 3 A. */
static uint16_t sample16(const struct cmdline *cl, uint32_t x, uint32_t y, int c)
{
    uint32_t s = cl->seed, uc = (uint32_t)c;
    switch (cl->pattern) {
    case P_GRADIENT:
        if (c == 0) return tri(x + s * 101);
        if (c == 1) return tri(y + s * 211);
        if (c == 2) return tri(x + y + s * 307);
        return tri(x - y + 255 + s * 401);
    case P_NOISE:
        return (uint16_t)(hash4(x, y, uc, s) >> 16);
    case P_CHECKER:
        if (c == 3)
            return ((x >> 5) ^ (y >> 5)) & 1 ? 65535 : 0;
        uint16_t a = s ? (uint16_t)(hash4(0, 0, uc, s) >> 16) : 65535;
        return ((x >> 4) ^ (y >> 4)) & 1 ? (uint16_t)(65535 - a) : a;
    default:
        return photo(x, y, c, s);
    }
}

/* luma16 - integer luma of the pattern's R, G, B at (x, y). */
static uint16_t luma16(const struct cmdline *cl, uint32_t x, uint32_t y)
{
    uint32_t r = sample16(cl, x, y, 0), g = sample16(cl, x, y, 1), b = sample16(cl, x, y, 2);
    return (uint16_t)((19595u * r + 38470u * g + 7471u * b + 32768u) >> 16);
}

/* to8 - v reduced to 8 bits with rounding, as png_set_scale_16 does. */
static uint8_t to8(uint16_t v)
{
    return (uint8_t)((v * 255u + 32895u) >> 16);
}

/* to_depth - v reduced to `depth` bits (1, 2 or 4) with rounding. */
static uint8_t to_depth(uint16_t v, int depth)
{
    uint32_t max = (1u << depth) - 1;
    return (uint8_t)((v * max + 32767u) / 65535u);
}

/* pixel16 - the stored channels of pixel (x, y) as 16-bit values in v;
 * returns how many (gray or palette: luma; then alpha if the type has it). */
static int pixel16(const struct cmdline *cl, uint32_t x, uint32_t y, uint16_t v[4])
{
    int n = 0, color = cl->type->color;
    if (color == PNG_COLOR_TYPE_RGB || color == PNG_COLOR_TYPE_RGB_ALPHA)
        for (; n < 3; n++)
            v[n] = sample16(cl, x, y, n);
    else
        v[n++] = luma16(cl, x, y);
    if (color & PNG_COLOR_MASK_ALPHA)
        v[n++] = sample16(cl, x, y, 3);
    return n;
}

/* make_row - row y as stored: 16-bit big-endian, 8-bit (palette: index),
 * or 1/2/4-bit values one per byte (for png_set_packing and netpbm). */
static void make_row(const struct cmdline *cl, uint32_t y, uint8_t *row)
{
    int depth = cl->type->depth;
    uint16_t v[4];
    for (uint32_t x = 0; x < cl->width; x++) {
        int n = pixel16(cl, x, y, v);
        for (int i = 0; i < n; i++) {
            if (depth == 16) {
                *row++ = (uint8_t)(v[i] >> 8);
                *row++ = (uint8_t)v[i];
            } else {
                *row++ = depth == 8 ? to8(v[i]) : to_depth(v[i], depth);
            }
        }
    }
}

/* ---- writers: each returns 0, or -1 with msg filled -------------------- */

struct png_ctx {
    jmp_buf jb;
    const char *name;
    char msg[MSG_MAX];
};

/* png_error_fn - keep libpng's message and unwind to write_png. */
static void png_error_fn(png_structp png, png_const_charp m)
{
    struct png_ctx *ctx = png_get_error_ptr(png);
    snprintf(ctx->msg, sizeof ctx->msg, "libpng: %s", m);
    longjmp(ctx->jb, 1);
}

/* png_warning_fn - print libpng's warning as one line. */
static void png_warning_fn(png_structp png, png_const_charp m)
{
    struct png_ctx *ctx = png_get_error_ptr(png);
    fprintf(stderr, "mkimage: %s: libpng warning: %s\n", ctx->name, m);
}

/* png_set_extras - the palette, tRNS chunk or transparent colour key. */
static void png_set_extras(const struct cmdline *cl, png_structp png, png_infop info)
{
    const struct imgtype *t = cl->type;
    if (t->color == PNG_COLOR_TYPE_PALETTE) {
        png_color pal[256];
        png_byte alpha[256];
        for (int i = 0; i < 256; i++) {
            pal[i].red = (png_byte)i;
            pal[i].green = (png_byte)(i < 128 ? 2 * i : 2 * (255 - i) + 1);
            pal[i].blue = (png_byte)(255 - i);
            alpha[i] = (png_byte)(i < 128 ? 2 * i : 255);
        }
        png_set_PLTE(png, info, pal, 256);
        if (t->trns)
            png_set_tRNS(png, info, alpha, 256, NULL);
    } else if (t->trns) {
        uint16_t v[4];
        png_color_16 key = {0};
        pixel16(cl, 0, 0, v);
        key.gray = key.red = to8(v[0]);
        if (t->color == PNG_COLOR_TYPE_RGB) {
            key.green = to8(v[1]);
            key.blue = to8(v[2]);
        }
        png_set_tRNS(png, info, NULL, 0, &key);
    }
}

/* write_png_rows - IHDR and friends, every row (once per pass), IEND. */
static void write_png_rows(const struct cmdline *cl, png_structp png, png_infop info,
                           uint8_t *row)
{
    const struct imgtype *t = cl->type;
    png_set_IHDR(png, info, cl->width, cl->height, t->depth, t->color,
                 cl->interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, cl->level);
    png_set_extras(cl, png, info);
    png_write_info(png, info);
    if (t->depth < 8)
        png_set_packing(png);
    int passes = cl->interlace ? png_set_interlace_handling(png) : 1;
    for (int pass = 0; pass < passes; pass++)
        for (uint32_t y = 0; y < cl->height; y++) {
            make_row(cl, y, row);
            png_write_row(png, row);
        }
    png_write_end(png, info);
}

/* write_png - the image as PNG on f. */
static int write_png(const struct cmdline *cl, FILE *f, char *msg)
{
    struct png_ctx ctx = {.name = cl->outfile};
    uint8_t *row = malloc((size_t)cl->width * 8);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx,
                                              png_error_fn, png_warning_fn);
    png_infop info = png ? png_create_info_struct(png) : NULL;

    if (!row || !info) {
        snprintf(msg, MSG_MAX, "out of memory");
    } else if (setjmp(ctx.jb)) {
        snprintf(msg, MSG_MAX, "%s", ctx.msg);
    } else {
        png_init_io(png, f);
        write_png_rows(cl, png, info, row);
        msg[0] = 0;
    }
    png_destroy_write_struct(&png, &info);
    free(row);
    return msg[0] ? -1 : 0;
}

struct jpeg_ctx {
    struct jpeg_error_mgr pub;
    jmp_buf jb;
    const char *name;
    char msg[JMSG_LENGTH_MAX];
};

/* jpeg_exit_fn - keep libjpeg's message and unwind to write_jpeg. */
static void jpeg_exit_fn(j_common_ptr cinfo)
{
    struct jpeg_ctx *ctx = (struct jpeg_ctx *)cinfo->err;
    cinfo->err->format_message(cinfo, ctx->msg);
    longjmp(ctx->jb, 1);
}

/* jpeg_output_fn - print a libjpeg warning as one line. */
static void jpeg_output_fn(j_common_ptr cinfo)
{
    struct jpeg_ctx *ctx = (struct jpeg_ctx *)cinfo->err;
    char buf[JMSG_LENGTH_MAX];
    cinfo->err->format_message(cinfo, buf);
    fprintf(stderr, "mkimage: %s: libjpeg warning: %s\n", ctx->name, buf);
}

/* jpeg_color - the JPEG colour the command line asks for. */
static enum jcolor jpeg_color(const struct cmdline *cl)
{
    if (cl->jcolor != J_DEFAULT)
        return cl->jcolor;
    return cl->type->color == PNG_COLOR_TYPE_GRAY ? J_GRAY : J_RGB;
}

/* cmyk_from_rgb - Adobe-style inverted CMYK (255 = no ink) for 8-bit r, g, b:
 * K' = max(r, g, b), C' = r * 255 / K' rounded (etc.), so r = C' * K' / 255. */
static void cmyk_from_rgb(uint32_t r, uint32_t g, uint32_t b, uint8_t out[4])
{
    uint32_t k = r > g ? (r > b ? r : b) : (g > b ? g : b);
    if (k == 0) {
        out[0] = out[1] = out[2] = 255;
        out[3] = 0;
        return;
    }
    out[0] = (uint8_t)((r * 255 + k / 2) / k);
    out[1] = (uint8_t)((g * 255 + k / 2) / k);
    out[2] = (uint8_t)((b * 255 + k / 2) / k);
    out[3] = (uint8_t)k;
}

/* make_jpeg_row - row y as 8-bit gray, RGB or inverted CMYK samples. */
static void make_jpeg_row(const struct cmdline *cl, enum jcolor jc, uint32_t y, uint8_t *row)
{
    for (uint32_t x = 0; x < cl->width; x++) {
        if (jc == J_GRAY) {
            *row++ = to8(luma16(cl, x, y));
            continue;
        }
        uint8_t r = to8(sample16(cl, x, y, 0)), g = to8(sample16(cl, x, y, 1)),
                b = to8(sample16(cl, x, y, 2));
        if (jc == J_CMYK) {
            cmyk_from_rgb(r, g, b, row);
            row += 4;
        } else {
            *row++ = r;
            *row++ = g;
            *row++ = b;
        }
    }
}

/* write_jpeg_rows - set up cinfo and compress every row. */
static void write_jpeg_rows(const struct cmdline *cl, struct jpeg_compress_struct *cinfo,
                            uint8_t *row)
{
    static const J_COLOR_SPACE space[] = {JCS_UNKNOWN, JCS_GRAYSCALE, JCS_RGB, JCS_CMYK};
    static const int comps[] = {0, 1, 3, 4};
    enum jcolor jc = jpeg_color(cl);
    cinfo->image_width = cl->width;
    cinfo->image_height = cl->height;
    cinfo->input_components = comps[jc];
    cinfo->in_color_space = space[jc];
    jpeg_set_defaults(cinfo);           /* CMYK in: CMYK out, Adobe marker */
    jpeg_set_quality(cinfo, cl->quality, TRUE);
    if (cl->progressive)
        jpeg_simple_progression(cinfo);
    jpeg_start_compress(cinfo, TRUE);
    if (cl->orientation >= 0) {
        /* APP1: "Exif\0\0", little-endian TIFF header, IFD0 with one entry:
         * tag 0x0112 Orientation, type SHORT, count 1, value; next IFD 0. */
        uint8_t exif[32] = {'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 0x2a, 0, 8, 0, 0, 0,
                            1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0,
                            (uint8_t)cl->orientation, (uint8_t)(cl->orientation >> 8)};
        jpeg_write_marker(cinfo, JPEG_APP0 + 1, exif, sizeof exif);
    }
    for (uint32_t y = 0; y < cl->height; y++) {
        make_jpeg_row(cl, jc, y, row);
        jpeg_write_scanlines(cinfo, &row, 1);
    }
    jpeg_finish_compress(cinfo);
}

/* write_jpeg - the image as JPEG on f. */
static int write_jpeg(const struct cmdline *cl, FILE *f, char *msg)
{
    struct jpeg_compress_struct cinfo = {0};    /* so destroy is always safe */
    struct jpeg_ctx ctx = {.name = cl->outfile};
    uint8_t *row = malloc((size_t)cl->width * 4);

    cinfo.err = jpeg_std_error(&ctx.pub);
    ctx.pub.error_exit = jpeg_exit_fn;
    ctx.pub.output_message = jpeg_output_fn;
    if (!row) {
        snprintf(msg, MSG_MAX, "out of memory");
        return -1;
    }
    if (setjmp(ctx.jb)) {
        snprintf(msg, MSG_MAX, "libjpeg: %s", ctx.msg);
    } else {
        jpeg_create_compress(&cinfo);
        jpeg_stdio_dest(&cinfo, f);
        write_jpeg_rows(cl, &cinfo, row);
        msg[0] = 0;
    }
    jpeg_destroy_compress(&cinfo);
    free(row);
    return msg[0] ? -1 : 0;
}

/* write_pnm - the image as P5, P6 or P7 on f. */
static int write_pnm(const struct cmdline *cl, FILE *f, char *msg)
{
    static const char *const tupl[] = {"", "", "GRAYSCALE_ALPHA", "", "RGB_ALPHA"};
    const struct imgtype *t = cl->type;
    unsigned maxval = (1u << t->depth) - 1;
    size_t rowbytes = (size_t)cl->width * (size_t)t->channels * (t->depth == 16 ? 2 : 1);
    uint8_t *row = malloc(rowbytes);

    if (!row) {
        snprintf(msg, MSG_MAX, "out of memory");
        return -1;
    }
    if (t->channels == 1 || t->channels == 3)
        fprintf(f, "P%d\n%u %u\n%u\n", t->channels == 1 ? 5 : 6, cl->width, cl->height, maxval);
    else
        fprintf(f, "P7\nWIDTH %u\nHEIGHT %u\nDEPTH %d\nMAXVAL %u\nTUPLTYPE %s\nENDHDR\n",
                cl->width, cl->height, t->channels, maxval, tupl[t->channels]);
    for (uint32_t y = 0; y < cl->height && !ferror(f); y++) {
        make_row(cl, y, row);
        fwrite(row, 1, rowbytes, f);
    }
    free(row);
    if (ferror(f)) {
        snprintf(msg, MSG_MAX, "write error: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* write_image - open OUTFILE, encode, close; on failure remove OUTFILE
 * if it is a regular file (never a device or pipe).  Returns 0 or -1. */
static int write_image(const struct cmdline *cl, char *msg)
{
    int to_stdout = strcmp(cl->outfile, "-") == 0;
    FILE *f = to_stdout ? stdout : fopen(cl->outfile, "wb");
    struct stat st;
    int rc;

    if (!f) {
        snprintf(msg, MSG_MAX, "cannot create: %s", strerror(errno));
        return -1;
    }
    int regular = !to_stdout && fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode);
    if (cl->format == F_PNG)
        rc = write_png(cl, f, msg);
    else if (cl->format == F_JPEG)
        rc = write_jpeg(cl, f, msg);
    else
        rc = write_pnm(cl, f, msg);
    errno = 0;
    if ((fflush(f) != 0 || ferror(f)) && rc == 0) {
        snprintf(msg, MSG_MAX, "write error: %s", errno ? strerror(errno) : "I/O error");
        rc = -1;
    }
    if (!to_stdout && fclose(f) != 0 && rc == 0) {
        snprintf(msg, MSG_MAX, "close: %s", strerror(errno));
        rc = -1;
    }
    if (rc != 0 && regular)
        unlink(cl->outfile);
    return rc;
}

int main(int argc, char **argv)
{
    struct cmdline cl;
    char msg[MSG_MAX];

    parse_cmdline(argc, argv, &cl);
    if (write_image(&cl, msg) != 0) {
        fprintf(stderr, "mkimage: %s: %s\n", cl.outfile, msg);
        return EX_WRITE_ERR;
    }
    return 0;
}
