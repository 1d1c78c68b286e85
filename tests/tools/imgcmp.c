/*
 * imgcmp.c - decode two images independently of tilespool and compare pixels.
 *
 * SYNOPSIS
 *   imgcmp [--max-diff N] [--ignore-alpha] [--quiet] [--16 strip|scale] A B
 *   imgcmp [--16 strip|scale] --info FILE | --stats FILE
 *   imgcmp [--max-diff N] [--quiet] [--16 strip|scale] --check-gray FILE
 *
 * DESCRIPTION
 *   Images are decoded with libpng and libjpeg directly (never the project's
 *   codec code) and normalised to 8-bit interleaved samples, 1 to 4
 *   channels (gray, gray+alpha, RGB, RGBA):
 *     PNG     png_set_expand (palette to RGB, 1/2/4-bit gray to 8 bits,
 *             tRNS to an alpha channel), then 16 bits to 8 with
 *             png_set_scale_16 (v * 255 / 65535 rounded; the default) or
 *             png_set_strip_16 (v >> 8) as --16 says; Adam7 deinterlaced.
 *             No gamma or background processing.
 *     JPEG    libjpeg defaults (islow DCT, fancy upsampling) to gray or
 *             RGB; Exif orientation is ignored (pixels as stored).  CMYK
 *             and YCCK are refused.  Any libjpeg warning (corrupt data,
 *             premature end of file) makes the file unreadable.
 *     netpbm  P5, P6, P7 (GRAYSCALE, BLACKANDWHITE, RGB and their _ALPHA
 *             forms), maxval 1..65535: 255 as is, 65535 like PNG 16-bit
 *             (--16), any other maxval scaled to 255 with rounding.
 *   The format is sniffed from the first bytes, not the name.
 *
 *   A and B match when they have the same size, the same channels and no
 *   sample differs by more than --max-diff (default 0).  --ignore-alpha
 *   compares the colour channels only, so RGB matches RGBA.
 *
 * DIAGNOSTICS
 *   Differences are reported as one line on stdout; errors as one line on
 *   stderr naming the file and the cause.  Exit 0 same (or --info/--stats
 *   done, or gray), 1 different (or not gray), 2 usage error, 3 a file
 *   cannot be read or decoded.
 */
#include <errno.h>
#include <getopt.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>        /* needs stdio.h first */
#include <png.h>

#define EX_SAME 0
#define EX_DIFFER 1
#define EX_USAGE_ERR 2
#define EX_READ_ERR 3
#define MSG_MAX 512
#define MAX_SAMPLES ((size_t)1 << 31)   /* refuse images larger than 2 GiB */

enum mode { M_COMPARE, M_INFO, M_STATS, M_CHECK_GRAY };

struct cmdline {
    enum mode mode;
    int max_diff;
    int ignore_alpha;
    int quiet;
    int strip16;            /* 1: v >> 8; 0: rounded scaling */
    const char *file[2];
};

struct image {
    uint32_t width, height;
    int channels;           /* 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA */
    uint8_t *px;            /* width * height * channels samples */
};

static const char usage_text[] =
    "usage: imgcmp [options] A B        compare the pixels of two images\n"
    "       imgcmp [--16 M] --info FILE print WIDTH HEIGHT CHANNELS\n"
    "       imgcmp [--16 M] --stats FILE per channel: mean, min, max, 16-bucket histogram\n"
    "       imgcmp [options] --check-gray FILE   every pixel has R == G == B\n"
    "Reads PNG (any type), JPEG (gray, RGB) and netpbm P5/P6/P7, normalised to\n"
    "8 bits per sample: palette expanded, tRNS made alpha, 16 bits reduced.\n"
    "  --max-diff N     allow samples (or R, G, B for --check-gray) to differ\n"
    "                   by up to N, 0-255 (default 0)\n"
    "  --ignore-alpha   compare colour channels only (RGB matches RGBA)\n"
    "  --quiet          print no difference line, only set the exit status\n"
    "  --16 strip|scale 16-bit to 8: strip = v >> 8, scale = v * 255 / 65535\n"
    "                   rounded (png_set_scale_16; default)\n"
    "  --help           this text\n"
    "Exit status: 0 same / gray / done, 1 different / not gray, 2 usage error,\n"
    "3 a file cannot be read or decoded.\n";

/* usage_error - print "imgcmp: message" and a hint, exit 2. */
static void usage_error(const char *fmt, const char *arg)
{
    fputs("imgcmp: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (try imgcmp --help)\n", stderr);
    exit(EX_USAGE_ERR);
}

/* set_mode - record a one-file mode; two modes at once is a usage error. */
static void set_mode(struct cmdline *cl, enum mode m, const char *opt)
{
    if (cl->mode != M_COMPARE)
        usage_error("%s cannot be combined with another of --info, --stats, --check-gray", opt);
    cl->mode = m;
}

/* parse_cmdline - fill cl from argv; exits 0 after --help, 2 on errors. */
static void parse_cmdline(int argc, char **argv, struct cmdline *cl)
{
    enum { O_MAXDIFF = 256, O_IGNALPHA, O_QUIET, O_16, O_INFO, O_STATS, O_GRAY, O_HELP };
    static const struct option opts[] = {
        {"max-diff", 1, 0, O_MAXDIFF}, {"ignore-alpha", 0, 0, O_IGNALPHA},
        {"quiet", 0, 0, O_QUIET}, {"16", 1, 0, O_16}, {"info", 0, 0, O_INFO},
        {"stats", 0, 0, O_STATS}, {"check-gray", 0, 0, O_GRAY},
        {"help", 0, 0, O_HELP}, {0, 0, 0, 0}};
    int c, want;
    char *end;

    memset(cl, 0, sizeof *cl);
    opterr = 0;
    while ((c = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
        switch (c) {
        case O_MAXDIFF:
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (*optarg < '0' || *optarg > '9' || *end || errno || v > 255)
                usage_error("--max-diff must be a number from 0 to 255, not '%s'", optarg);
            cl->max_diff = (int)v;
            break;
        case O_IGNALPHA: cl->ignore_alpha = 1; break;
        case 'q': case O_QUIET: cl->quiet = 1; break;
        case O_16:
            if (strcmp(optarg, "strip") != 0 && strcmp(optarg, "scale") != 0)
                usage_error("--16 takes strip or scale, not '%s'", optarg);
            cl->strip16 = strcmp(optarg, "strip") == 0;
            break;
        case O_INFO: set_mode(cl, M_INFO, "--info"); break;
        case O_STATS: set_mode(cl, M_STATS, "--stats"); break;
        case O_GRAY: set_mode(cl, M_CHECK_GRAY, "--check-gray"); break;
        case 'h': case O_HELP: fputs(usage_text, stdout); exit(EX_SAME);
        default: usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    want = cl->mode == M_COMPARE ? 2 : 1;
    if (argc - optind != want)
        usage_error("%s", want == 2 ? "expected two files, A and B" : "expected one FILE");
    cl->file[0] = argv[optind];
    cl->file[1] = want == 2 ? argv[optind + 1] : NULL;
}

/* ---- decoders: each fills im and returns 0, or -1 with msg filled ------ */

/* alloc_pixels - allocate im->px for the size in im; returns 0 or -1 with
 * msg[MSG_MAX] filled. */
static int alloc_pixels(struct image *im, char *msg)
{
    size_t n = (size_t)im->width * im->height * (size_t)im->channels;
    if (n > MAX_SAMPLES) {
        snprintf(msg, MSG_MAX, "image too large (%ux%u) for imgcmp", im->width, im->height);
        return -1;
    }
    if (!(im->px = malloc(n ? n : 1))) {
        snprintf(msg, MSG_MAX, "out of memory for %ux%u pixels", im->width, im->height);
        return -1;
    }
    return 0;
}

struct png_ctx {
    jmp_buf jb;
    char msg[MSG_MAX];
    png_bytep *rows;        /* row pointers into the image, freed by load_png */
};

/* png_error_fn - keep libpng's message and unwind to load_png. */
static void png_error_fn(png_structp png, png_const_charp m)
{
    struct png_ctx *ctx = png_get_error_ptr(png);
    snprintf(ctx->msg, sizeof ctx->msg, "libpng: %s", m);
    longjmp(ctx->jb, 1);
}

/* png_warning_fn - libpng warnings (e.g. a bad ancillary chunk) are ignored. */
static void png_warning_fn(png_structp png, png_const_charp m)
{
    (void)png;
    (void)m;
}

/* read_png_pixels - set the transforms and decode the whole image into im. */
static void read_png_pixels(png_structp png, png_infop info, struct png_ctx *ctx,
                            int strip16, struct image *im)
{
    png_read_info(png, info);
    png_set_expand(png);
    if (strip16)
        png_set_strip_16(png);
    else
        png_set_scale_16(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    im->width = png_get_image_width(png, info);
    im->height = png_get_image_height(png, info);
    im->channels = png_get_channels(png, info);
    if (alloc_pixels(im, ctx->msg) != 0)
        longjmp(ctx->jb, 1);
    if (!(ctx->rows = malloc(im->height * sizeof *ctx->rows))) {
        snprintf(ctx->msg, sizeof ctx->msg, "out of memory");
        longjmp(ctx->jb, 1);
    }
    for (uint32_t y = 0; y < im->height; y++)
        ctx->rows[y] = im->px + (size_t)y * im->width * (size_t)im->channels;
    png_read_image(png, ctx->rows);
    png_read_end(png, NULL);
}

/* load_png - decode a PNG of any type from f into im. */
static int load_png(FILE *f, int strip16, struct image *im, char *msg)
{
    struct png_ctx ctx = {.rows = NULL};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx,
                                             png_error_fn, png_warning_fn);
    png_infop info = png ? png_create_info_struct(png) : NULL;

    msg[0] = 0;
    if (!info) {
        snprintf(msg, MSG_MAX, "out of memory");
    } else if (setjmp(ctx.jb)) {
        snprintf(msg, MSG_MAX, "%s", ctx.msg);
    } else {
        png_init_io(png, f);
        read_png_pixels(png, info, &ctx, strip16, im);
    }
    png_destroy_read_struct(&png, &info, NULL);
    free(ctx.rows);
    return msg[0] ? -1 : 0;
}

struct jpeg_ctx {
    struct jpeg_error_mgr pub;
    jmp_buf jb;
    char msg[MSG_MAX];
    char warning[JMSG_LENGTH_MAX];  /* the first warning, "" if none */
};

/* jpeg_exit_fn - keep libjpeg's message and unwind to load_jpeg. */
static void jpeg_exit_fn(j_common_ptr cinfo)
{
    struct jpeg_ctx *ctx = (struct jpeg_ctx *)cinfo->err;
    char buf[JMSG_LENGTH_MAX];
    cinfo->err->format_message(cinfo, buf);
    snprintf(ctx->msg, sizeof ctx->msg, "libjpeg: %s", buf);
    longjmp(ctx->jb, 1);
}

/* jpeg_emit_fn - remember the first warning (level -1); ignore trace messages. */
static void jpeg_emit_fn(j_common_ptr cinfo, int level)
{
    struct jpeg_ctx *ctx = (struct jpeg_ctx *)cinfo->err;
    if (level < 0 && ctx->warning[0] == 0)
        cinfo->err->format_message(cinfo, ctx->warning);
    if (level < 0)
        cinfo->err->num_warnings++;
}

/* read_jpeg_pixels - decode the whole image into im; refuses CMYK and YCCK. */
static void read_jpeg_pixels(struct jpeg_decompress_struct *cinfo, struct jpeg_ctx *ctx,
                             struct image *im)
{
    jpeg_read_header(cinfo, TRUE);
    if (cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK) {
        snprintf(ctx->msg, sizeof ctx->msg, "CMYK/YCCK JPEG is not supported");
        longjmp(ctx->jb, 1);
    }
    cinfo->out_color_space = cinfo->num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(cinfo);
    im->width = cinfo->output_width;
    im->height = cinfo->output_height;
    im->channels = cinfo->output_components;
    if (alloc_pixels(im, ctx->msg) != 0)
        longjmp(ctx->jb, 1);
    while (cinfo->output_scanline < cinfo->output_height) {
        JSAMPROW row = im->px + (size_t)cinfo->output_scanline * im->width * (size_t)im->channels;
        jpeg_read_scanlines(cinfo, &row, 1);
    }
    jpeg_finish_decompress(cinfo);
}

/* load_jpeg - decode a gray or colour JPEG from f into im. */
static int load_jpeg(FILE *f, struct image *im, char *msg)
{
    struct jpeg_decompress_struct cinfo = {0};      /* so destroy is always safe */
    struct jpeg_ctx ctx = {.warning = ""};

    cinfo.err = jpeg_std_error(&ctx.pub);
    ctx.pub.error_exit = jpeg_exit_fn;
    ctx.pub.emit_message = jpeg_emit_fn;
    msg[0] = 0;
    if (setjmp(ctx.jb)) {
        snprintf(msg, MSG_MAX, "%s", ctx.msg);
    } else {
        jpeg_create_decompress(&cinfo);
        jpeg_stdio_src(&cinfo, f);
        read_jpeg_pixels(&cinfo, &ctx, im);
        if (ctx.warning[0])
            snprintf(msg, MSG_MAX, "libjpeg: corrupt data: %s", ctx.warning);
    }
    jpeg_destroy_decompress(&cinfo);
    return msg[0] ? -1 : 0;
}

/* pnm_token - the next header token (after whitespace and # comments) in
 * buf; consumes the one whitespace character after it.  Returns 0 or -1. */
static int pnm_token(FILE *f, char *buf, size_t size)
{
    int c;
    size_t n = 0;
    while ((c = getc(f)) == '#' || (c != EOF && strchr(" \t\r\n\v\f", c)))
        if (c == '#')
            while ((c = getc(f)) != EOF && c != '\n')
                ;
    for (; c != EOF && !strchr(" \t\r\n\v\f#", c); c = getc(f))
        if (n + 1 < size)
            buf[n++] = (char)c;
    buf[n] = 0;
    if (c == '#')
        ungetc(c, f);
    return n ? 0 : -1;
}

/* pnm_number - parse a header number in [1, max]; returns it or 0. */
static unsigned long pnm_number(FILE *f, unsigned long max)
{
    char buf[32], *end;
    if (pnm_token(f, buf, sizeof buf) != 0 || buf[0] < '0' || buf[0] > '9')
        return 0;
    unsigned long v = strtoul(buf, &end, 10);
    return *end || v > max ? 0 : v;
}

/* tupltype_depth - the channels of a PAM tuple type; -1 if unknown. */
static int tupltype_depth(const char *type)
{
    static const char *const names[] = {"GRAYSCALE", "BLACKANDWHITE", "GRAYSCALE_ALPHA",
                                        "BLACKANDWHITE_ALPHA", "RGB", "RGB_ALPHA", NULL};
    static const int depth[] = {1, 1, 2, 2, 3, 4};
    for (int i = 0; names[i]; i++)
        if (strcmp(type, names[i]) == 0)
            return depth[i];
    return -1;
}

/* pam_header - parse a P7 header after "P7"; returns 0 or -1 with msg. */
static int pam_header(FILE *f, struct image *im, unsigned long *maxval, char *msg)
{
    char key[32], val[64];
    int depth = 0, tdepth = 0;
    while (pnm_token(f, key, sizeof key) == 0 && strcmp(key, "ENDHDR") != 0) {
        if (pnm_token(f, val, sizeof val) != 0)
            break;
        if (strcmp(key, "WIDTH") == 0) im->width = (uint32_t)strtoul(val, NULL, 10);
        else if (strcmp(key, "HEIGHT") == 0) im->height = (uint32_t)strtoul(val, NULL, 10);
        else if (strcmp(key, "DEPTH") == 0) depth = atoi(val);
        else if (strcmp(key, "MAXVAL") == 0) *maxval = strtoul(val, NULL, 10);
        else if (strcmp(key, "TUPLTYPE") == 0)
            tdepth = tupltype_depth(val);
    }
    if (strcmp(key, "ENDHDR") != 0 || !im->width || !im->height || !*maxval
        || *maxval > 65535 || depth < 1 || depth > 4 || (tdepth && tdepth != depth)) {
        snprintf(msg, MSG_MAX, "bad or unsupported PAM header");
        return -1;
    }
    im->channels = depth;
    return 0;
}

/* pnm_reduce - an 8-bit sample from v of a file with this maxval. */
static uint8_t pnm_reduce(unsigned v, unsigned long maxval, int strip16)
{
    if (maxval == 255)
        return (uint8_t)v;
    if (maxval == 65535)
        return (uint8_t)(strip16 ? v >> 8 : (v * 255u + 32895u) >> 16);
    return (uint8_t)((v * 255u + maxval / 2) / maxval);
}

/* pnm_pixels - read the raster of a P5/P6/P7 file into im. */
static int pnm_pixels(FILE *f, unsigned long maxval, int strip16, struct image *im, char *msg)
{
    int wide = maxval > 255;
    size_t n = (size_t)im->width * im->height * (size_t)im->channels;
    if (alloc_pixels(im, msg) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int hi = getc(f), lo = wide ? getc(f) : 0;
        if (hi == EOF || lo == EOF) {
            snprintf(msg, MSG_MAX, "truncated netpbm raster");
            return -1;
        }
        unsigned v = wide ? (unsigned)(hi << 8 | lo) : (unsigned)hi;
        if (v > maxval) {
            snprintf(msg, MSG_MAX, "sample %u exceeds maxval %lu", v, maxval);
            return -1;
        }
        im->px[i] = pnm_reduce(v, maxval, strip16);
    }
    return 0;
}

/* load_pnm - decode a P5, P6 or P7 file from f. */
static int load_pnm(FILE *f, int strip16, struct image *im, char *msg)
{
    unsigned long maxval = 0;
    getc(f);                                /* the 'P' load_image saw */
    int kind = getc(f);
    if (kind == '7') {
        if (pam_header(f, im, &maxval, msg) != 0)
            return -1;
    } else if (kind == '5' || kind == '6') {
        im->channels = kind == '5' ? 1 : 3;
        im->width = (uint32_t)pnm_number(f, UINT32_MAX);
        im->height = (uint32_t)pnm_number(f, UINT32_MAX);
        maxval = pnm_number(f, 65535);
        if (!im->width || !im->height || !maxval) {
            snprintf(msg, MSG_MAX, "bad P%c header", kind);
            return -1;
        }
    } else {
        snprintf(msg, MSG_MAX, "unsupported netpbm format P%c (only P5, P6, P7)", kind);
        return -1;
    }
    return pnm_pixels(f, maxval, strip16, im, msg);
}

/* load_image - open path, sniff its format, decode into im.  Returns 0 or
 * -1 with msg (the cause, without the file name) filled. */
static int load_image(const char *path, int strip16, struct image *im, char *msg)
{
    unsigned char magic[8] = {0};
    FILE *f = fopen(path, "rb");
    int rc;

    memset(im, 0, sizeof *im);
    if (!f) {
        snprintf(msg, MSG_MAX, "cannot open: %s", strerror(errno));
        return -1;
    }
    size_t n = fread(magic, 1, sizeof magic, f);
    if (ferror(f)) {
        snprintf(msg, MSG_MAX, "read error: %s", strerror(errno));
        fclose(f);
        return -1;
    }
    rewind(f);
    if (n == sizeof magic && png_sig_cmp(magic, 0, sizeof magic) == 0)
        rc = load_png(f, strip16, im, msg);
    else if (n >= 2 && magic[0] == 0xff && magic[1] == 0xd8)
        rc = load_jpeg(f, im, msg);
    else if (n >= 2 && magic[0] == 'P' && magic[1] >= '1' && magic[1] <= '7')
        rc = load_pnm(f, strip16, im, msg);
    else {
        rc = -1;
        snprintf(msg, MSG_MAX, "not a PNG, JPEG or netpbm file");
    }
    fclose(f);
    if (rc != 0) {
        free(im->px);
        im->px = NULL;
    }
    return rc;
}

/* ---- the modes: each returns the exit status -------------------------- */

/* colour_channels - 1 for gray (+alpha), 3 for RGB (+alpha). */
static int colour_channels(const struct image *im)
{
    return im->channels >= 3 ? 3 : 1;
}

/* compare - report how a and b differ; returns 0 (same) or 1. */
static int compare(const struct cmdline *cl, const struct image *a, const struct image *b)
{
    const char *an = cl->file[0], *bn = cl->file[1];
    int n = cl->ignore_alpha ? colour_channels(a) : a->channels;
    int nb = cl->ignore_alpha ? colour_channels(b) : b->channels;
    unsigned long count = 0;
    int maxd = -1;
    uint32_t mx = 0, my = 0, mc = 0;

    if (a->width != b->width || a->height != b->height) {
        if (!cl->quiet)
            printf("imgcmp: %s %s differ: dimensions %ux%u vs %ux%u\n", an, bn,
                   a->width, a->height, b->width, b->height);
        return EX_DIFFER;
    }
    if (n != nb) {
        if (!cl->quiet)
            printf("imgcmp: %s %s differ: channels %d vs %d\n", an, bn, a->channels, b->channels);
        return EX_DIFFER;
    }
    for (uint32_t y = 0; y < a->height; y++)
        for (uint32_t x = 0; x < a->width; x++)
            for (int c = 0; c < n; c++) {
                size_t i = (size_t)y * a->width + x;
                int d = abs(a->px[i * (size_t)a->channels + (size_t)c]
                            - b->px[i * (size_t)b->channels + (size_t)c]);
                count += d > cl->max_diff;
                if (d > maxd)
                    maxd = d, mx = x, my = y, mc = (uint32_t)c;
            }
    if (count == 0)
        return EX_SAME;
    if (!cl->quiet)
        printf("imgcmp: %s %s differ: %lu samples differ, max diff %d at (%u,%u) channel %u\n",
               an, bn, count, maxd, mx, my, mc);
    return EX_DIFFER;
}

/* stats - per channel: mean, min, max and a 16-bucket histogram; returns 0. */
static int stats(const struct image *im)
{
    size_t npix = (size_t)im->width * im->height;
    for (int c = 0; c < im->channels; c++) {
        unsigned long hist[16] = {0};
        double sum = 0;
        int lo = 255, hi = 0;
        for (size_t i = 0; i < npix; i++) {
            int v = im->px[i * (size_t)im->channels + (size_t)c];
            sum += v;
            hist[v >> 4]++;
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        printf("channel %d mean %.3f min %d max %d hist", c, sum / (double)npix, lo, hi);
        for (int b = 0; b < 16; b++)
            printf(" %lu", hist[b]);
        putchar('\n');
    }
    return EX_SAME;
}

/* check_gray - 0 if every pixel has R, G, B within max_diff of each other
 * (always for gray images), else 1 reporting the first pixel that does not. */
static int check_gray(const struct cmdline *cl, const struct image *im)
{
    if (im->channels < 3)
        return EX_SAME;
    for (uint32_t y = 0; y < im->height; y++)
        for (uint32_t x = 0; x < im->width; x++) {
            const uint8_t *p = im->px + ((size_t)y * im->width + x) * (size_t)im->channels;
            int lo = p[0] < p[1] ? p[0] : p[1], hi = p[0] > p[1] ? p[0] : p[1];
            lo = p[2] < lo ? p[2] : lo;
            hi = p[2] > hi ? p[2] : hi;
            if (hi - lo > cl->max_diff) {
                if (!cl->quiet)
                    printf("imgcmp: %s: not gray: pixel (%u,%u) is R %d G %d B %d\n",
                           cl->file[0], x, y, p[0], p[1], p[2]);
                return EX_DIFFER;
            }
        }
    return EX_SAME;
}

int main(int argc, char **argv)
{
    struct cmdline cl;
    struct image im[2] = {{0}};
    char msg[MSG_MAX];
    int nfiles, rc = EX_READ_ERR;

    parse_cmdline(argc, argv, &cl);
    nfiles = cl.mode == M_COMPARE ? 2 : 1;
    for (int i = 0; i < nfiles; i++)
        if (load_image(cl.file[i], cl.strip16, &im[i], msg) != 0) {
            fprintf(stderr, "imgcmp: %s: %s\n", cl.file[i], msg);
            goto done;
        }
    switch (cl.mode) {
    case M_COMPARE: rc = compare(&cl, &im[0], &im[1]); break;
    case M_INFO:
        printf("%u %u %d\n", im[0].width, im[0].height, im[0].channels);
        rc = EX_SAME;
        break;
    case M_STATS: rc = stats(&im[0]); break;
    case M_CHECK_GRAY: rc = check_gray(&cl, &im[0]); break;
    }
done:
    free(im[0].px);
    free(im[1].px);
    if (fflush(stdout) != 0 && rc != EX_READ_ERR) {
        fprintf(stderr, "imgcmp: stdout: %s\n", strerror(errno));
        rc = EX_READ_ERR;
    }
    return rc;
}
