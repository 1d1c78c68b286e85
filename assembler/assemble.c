/*
 * assemble.c - check that a job is complete, then stream out/ into the
 * output image a row of tiles at a time, via a temporary file renamed into
 * place only when the image is whole.  The input's metadata (jobmeta.h)
 * goes with it where the output's format can hold it, and a note says
 * once what is left behind.
 */
#include "assemble.h"
#include "err.h"
#include "failrec.h"
#include "jobmeta.h"
#include "tilestate.h"
#include "progress.h"
#include "tile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <strings.h>
#include <unistd.h>

#define LIST_MAX 8     /* missing tiles named in the message; the rest counted */

/* tile_state - where a tile that is not in out/ is, for the message. */
static void tile_state(const char *jobdir, const char *name, char *buf, size_t n)
{
    char err[ERR_MAX];
    struct failrec rec;
    int r = failrec_read(jobdir, name, &rec, err);
    if (r == 1)
        snprintf(buf, n, "not processed yet");
    else
        snprintf(buf, n, "failed: %.200s", rec.reason[0] ? rec.reason : "?");
}

/* check_complete - count tiles missing from out/ and describe the first.
 * Returns the count, -1 with err on error, -2 with err when a name in out/
 * is not a regular file (a link could bring another file's pixels into
 * the output; a FIFO would block): the job is refused. */
static int check_complete(const struct manifest *m, const char *jobdir, char *list, size_t n,
                          char *err)
{
    int missing = 0;
    list[0] = '\0';
    for (uint32_t r = 0; r < m->rows; r++)
        for (uint32_t c = 0; c < m->cols; c++) {
            char name[SPOOL_TILE_NAME_MAX], path[PATH_MAX], state[256];
            tile_name(m, r, c, name);
            if (spool_path(path, jobdir, SPOOL_OUT, name, err) < 0)
                return -1;
            struct stat st;
            if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
                return errf(err, "tile %s: %s is %s, not a regular file: refused", name, path,
                            spool_file_type(st.st_mode)), -2;
            if (lstat(path, &st) == 0)
                continue;
            if (missing++ < LIST_MAX) {
                tile_state(jobdir, name, state, sizeof state);
                size_t used = strlen(list);
                snprintf(list + used, n - used, "%s%s (%s)", used ? ", " : "", name, state);
            }
        }
    return missing;
}

/* find_source_tile - the unprocessed input tile, wherever it is now. */
static int find_source_tile(const char *jobdir, const char *name, char *path, char *err)
{
    char rel[PATH_MAX];
    int r = tilestate_find_input(jobdir, name, rel, err);
    if (r == 1)
        return errf(err, "tile %s: neither processed nor found as a source tile", name);
    return r < 0 ? -1 : spool_path(path, jobdir, rel, NULL, err);
}

/* fillable - 1 if a missing tile can be filled from its source tile:
 * only when the chain keeps the image as it is (size, channels, depth),
 * so that the source tile is the core plus the chain's halo. */
static int fillable(const struct manifest *m)
{
    const struct plan_image *a = &m->plan.img[0], *b = &m->plan.img[m->nstages];
    return a->w == b->w && a->h == b->h && a->ch == b->ch && a->depth == b->depth &&
           !manifest_geometric(m);
}

/* read_core - tile (r, c) cropped to its core into core (w*h pixels). */
static int read_core(const struct manifest *m, const char *jobdir, const struct tile_geom *g,
                     int partial, uint8_t *core, uint8_t *scratch, char *err)
{
    char name[SPOOL_TILE_NAME_MAX], path[PATH_MAX];
    const struct plan_image *im = &m->plan.img[m->nstages];
    struct plan_tile t;
    tile_name(m, g->row, g->col, name);
    if (spool_path(path, jobdir, SPOOL_OUT, name, err) < 0)
        return -1;
    if (!partial || access(path, F_OK) == 0)
        return tile_read(m, im, path, core, g->w, g->h, err);
    /* the source tile holds the core, as far in as the plan says */
    if (manifest_plan_tile(m, g->row, g->col, &t, err) < 0 ||
        find_source_tile(jobdir, name, path, err) < 0 ||
        tile_read(m, &m->plan.img[0], path, scratch, t.want[0].w, t.want[0].h, err) < 0)
        return -1;
    size_t bpp = plan_bytes_per_pixel(im), fw = t.want[0].w;
    size_t ox = (size_t)(t.core.x - t.want[0].x), oy = (size_t)(t.core.y - t.want[0].y);
    for (uint32_t y = 0; y < g->h; y++)
        memcpy(core + y * g->w * bpp, scratch + ((y + oy) * fw + ox) * bpp, g->w * bpp);
    return 0;
}

/* drop_alpha - in place: rows of w pixels of ch samples of `bytes` bytes
 * become packed rows of ch-1 samples (the writer reads rows back to
 * back).  Safe in place: every byte moves to an offset no greater than
 * its own. */
static void drop_alpha(uint8_t *band, uint32_t w, uint32_t rows, int ch, size_t bytes)
{
    size_t in = 0, out = 0, keep = (size_t)(ch - 1) * bytes;
    for (size_t i = 0; i < (size_t)w * rows; i++, in += (size_t)ch * bytes, out += keep)
        memmove(band + out, band + in, keep);
}

/* gray_to_rgb - in place: rows of w gray pixels of `bytes`-byte samples
 * become RGB pixels with three equal samples.  From the end backwards,
 * since every pixel moves to an offset no smaller than its own. */
static void gray_to_rgb(uint8_t *band, uint32_t w, uint32_t rows, size_t bytes)
{
    for (size_t i = (size_t)w * rows; i-- > 0;)
        for (int k = 2; k >= 0; k--)
            memmove(band + (3 * i + (size_t)k) * bytes, band + i * bytes, bytes);
}

/* encode - write the image from out/ into the open writer, band by band. */
static int encode(const struct manifest *m, const char *jobdir, const struct assemble_opts *o,
                  img_writer *w, int out_ch, char *err)
{
    const struct plan_image *im = &m->plan.img[m->nstages];
    uint32_t W = im->w, T = m->tile_size;
    int ch = im->ch;
    size_t bpp = plan_bytes_per_pixel(im), stride = (size_t)W * bpp;
    uint32_t tmax = T < W ? T : W, hmax = T < im->h ? T : im->h;
    /* a gray result written as .ppm is widened to RGB in the band */
    uint8_t *band = malloc(stride * hmax * (out_ch > ch ? 3 : 1));
    uint8_t *core = malloc((size_t)tmax * hmax * bpp);
    uint8_t *scratch = o->allow_partial ? malloc((size_t)(tmax + 2 * m->halo) *
                                                 (hmax + 2 * m->halo) * bpp) : NULL;
    int rc = 0;
    if (!band || !core || (o->allow_partial && !scratch))
        rc = errf(err, "out of memory for a band of %u rows", hmax);
    struct progress p;
    progress_begin(&p, "tile rows", m->rows, o->quiet);
    for (uint32_t r = 0; r < m->rows && rc == 0; r++) {
        struct tile_geom g;
        for (uint32_t c = 0; c < m->cols && rc == 0; c++) {
            tile_geometry(m, r, c, &g);
            rc = read_core(m, jobdir, &g, o->allow_partial, core, scratch, err);
            for (uint32_t y = 0; rc == 0 && y < g.h; y++)
                memcpy(band + y * stride + (size_t)g.x0 * bpp, core + (size_t)y * g.w * bpp,
                       (size_t)g.w * bpp);
        }
        if (rc == 0 && out_ch < ch)
            drop_alpha(band, W, g.h, ch, (size_t)im->depth / 8);
        if (rc == 0 && out_ch > ch)
            gray_to_rgb(band, W, g.h, (size_t)im->depth / 8);
        if (rc == 0)
            rc = img_write_rows(w, band, g.h, err);
        progress_update(&p, r + 1);
    }
    progress_end(&p);
    free(band);
    free(core);
    free(scratch);
    return rc;
}

/* icc_fits - 1 if an ICC profile describes colour data of out_ch
 * channels: its header's data colour space (bytes 16-19) is "GRAY" for
 * gray (+alpha) and "RGB " for RGB(A).  A CMYK input's profile, or an RGB
 * one after grayscale, would make a viewer misread every pixel. */
static int icc_fits(const struct img_meta *meta, int out_ch)
{
    if (meta->icc_len < 20)
        return 0;
    return memcmp(meta->icc + 16, out_ch <= 2 ? "GRAY" : "RGB ", 4) == 0;
}

/* add_word - append ", word" (or word) to list (n bytes); returns nothing. */
static void add_word(char *list, size_t n, const char *word)
{
    size_t used = strlen(list);
    snprintf(list + used, n - used, "%s%s", used ? ", " : "", word);
}

/* output_meta - the job's metadata that goes into output (fmt, out_ch
 * channels) into *meta (the caller frees it; empty with --strip),
 * saying once what is left behind.  Returns 0, or an exit status with
 * err when a meta/ file is missing, unsafe or changed (3) or unreadable
 * (4). */
static int output_meta(const struct manifest *m, const char *jobdir, const char *output,
                       enum img_format fmt, int out_ch, const struct assemble_opts *o,
                       struct img_meta *meta, char *err)
{
    char left[128] = "";
    memset(meta, 0, sizeof *meta);
    if (m->strip || o->strip)
        return 0;
    int rc = jobmeta_load(jobdir, &m->source_meta, meta, err);
    if (rc < 0)
        return rc == ERR_BAD_INPUT ? EXIT_INPUT : EXIT_SPOOL;
    if (meta->icc && fmt != IMG_PNM && !icc_fits(meta, out_ch)) {
        msg_info("job %s: the input's ICC profile is not for %s pixels: not written to %s",
                 m->job, out_ch <= 2 ? "gray" : "RGB", output);
        free(meta->icc);
        meta->icc = NULL;
        meta->icc_len = 0;
    }
    if (fmt == IMG_PNM) {
        if (meta->icc)
            add_word(left, sizeof left, "ICC profile");
        if (meta->exif)
            add_word(left, sizeof left, "Exif");
        if (meta->xmp)
            add_word(left, sizeof left, "XMP");
        if (meta->xres > 0)
            add_word(left, sizeof left, "resolution");
        img_meta_free(meta);
    }
    /* a JPEG comment and PNG text chunks are never carried */
    if (strstr(m->source.metadata, "comment"))
        add_word(left, sizeof left, "comment");
    if (strstr(m->source.metadata, "text"))
        add_word(left, sizeof left, "text");
    if (left[0])
        msg_info("job %s: the input's %s %s not written to %s%s", m->job, left,
                 strchr(left, ',') ? "are" : "is", output,
                 fmt == IMG_PNM ? ": netpbm holds no metadata" : "");
    return 0;
}

/* pnm_name_mismatch - 1 if a netpbm output's extension names another
 * kind of file than its pixels make: .ppm is P6 (RGB) and .pgm P5 (gray)
 * only; .pnm and .pam take what the pixels need (P5, P6 or P7). */
static int pnm_name_mismatch(const char *output, int ch)
{
    const char *dot = strrchr(output, '.');
    if (dot && strcasecmp(dot, ".ppm") == 0)
        return ch != 3 && ch != 1;      /* gray is widened to RGB */
    if (dot && strcasecmp(dot, ".pgm") == 0)
        return ch != 1;
    return 0;
}

/* copy_out - the finished image in sf's temporary onto standard output.
 * SIGPIPE is ignored (main.c): a reader that went away is EPIPE, an
 * error like a full disk.  Returns 0 or -1. */
static int copy_out(struct spool_file *sf, char *err)
{
    static char buf[1 << 16];
    if (fflush(sf->f) != 0)
        return errf_sys(err, "%s: write", sf->tmp);
    FILE *in = spool_fopen(sf->tmp, err);
    if (!in)
        return -1;
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0)
        for (size_t done = 0; rc == 0 && done < n;) {
            ssize_t k = write(STDOUT_FILENO, buf + done, n - done);
            if (k < 0 && errno != EINTR)
                rc = errf_sys(err, "standard output: write");
            done += k > 0 ? (size_t)k : 0;
        }
    if (rc == 0 && ferror(in))
        rc = errf_sys(err, "%s: read", sf->tmp);
    fclose(in);
    return rc;
}

/* write_output - encode the job into output through a temporary beside
 * it, or, for standard output, through a temporary of the job's (TIFF's
 * encoder seeks) copied out once whole and never committed; one left by
 * a dead assembler goes with recovery or the job.  typed is the --format
 * word as an extension (".png"), kept in the writer's name so that a
 * netpbm writer makes ".pam" a P7.  Returns an exit status. */
static int write_output(const struct manifest *m, const char *jobdir, const char *output,
                        const char *typed, enum img_format fmt, int out_ch,
                        const struct assemble_opts *o, const struct img_write_opts *wo,
                        char *err)
{
    const struct plan_image *im = &m->plan.img[m->nstages];
    int to_stdout = strcmp(output, "-") == 0;
    struct spool_file sf;
    int garbage = 0;
    char e2[ERR_MAX];
    /* an assembler killed while writing left .OUT.tmp@...: remove it now
     * that its writer is gone (a live one's is left alone) */
    if (!to_stdout && spool_tmp_clean_at(output, &garbage, e2) < 0)
        msg_warn("job %s: %s", m->job, e2);
    else if (garbage > 0)
        msg_info("job %s: removed %d partial output(s) of dead writers beside %s", m->job,
                 garbage, output);
    if ((to_stdout ? spool_file_begin(&sf, jobdir, NULL, "stdout", err)
                   : spool_file_begin_at(&sf, output, err)) < 0)
        return EXIT_SPOOL;
    char wname[48];
    snprintf(wname, sizeof wname, "standard output%s", typed);
    img_writer *w = img_create(sf.f, to_stdout ? wname : output, fmt, im->w, im->h, out_ch,
                               wo, err);
    int rc = w ? encode(m, jobdir, o, w, out_ch, err) : -1;
    if (rc == 0) {
        rc = img_finish(w, err);
        w = NULL;
    }
    img_abandon(w);
    if (rc == 0 && to_stdout)
        rc = copy_out(&sf, err);
    else if (rc == 0 && spool_file_commit(&sf, err) == 0)
        return EXIT_OK;
    spool_file_abort(&sf);
    return rc == 0 && to_stdout ? EXIT_OK : EXIT_SPOOL;
}

int assemble_job(const struct manifest *m, const char *jobdir, const char *output,
                 const struct assemble_opts *o, char *err)
{
    char list[2048], typed[24] = "";
    /* standard output has no extension: the --format word plays its part */
    int to_stdout = strcmp(output, "-") == 0;
    /* without --format, the input's format where it can be written, else
     * PNG (a GIF input): what `cmd < in > out` users expect */
    const char *word = o->format ? o->format
                       : img_format_writable(m->source_format) ? img_format_name(m->source_format)
                       : "png";
    if (to_stdout && snprintf(typed, sizeof typed, ".%s", word) >= (int)sizeof typed)
        return errf(err, "--format: no such format '%s'", word), EXIT_USAGE;
    const char *named = to_stdout ? typed : output;
    const char *shown = to_stdout ? "standard output" : output;
    int missing = check_complete(m, jobdir, list, sizeof list, err);
    if (missing < 0)
        return missing == -2 ? EXIT_INPUT : EXIT_SPOOL;
    if (missing > 0 && o->allow_partial && !fillable(m))
        return errf(err, "%d of %u tiles missing, not writing %s: the chain changes the "
                    "image's size, channels or depth, so --allow-partial cannot fill them "
                    "from the source: %s%s", missing, m->rows * m->cols, shown, list,
                    missing > LIST_MAX ? ", ..." : ""), EXIT_TILES_FAILED;
    if (missing > 0 && !o->allow_partial)
        return errf(err, "%d of %u tiles missing, not writing %s: %s%s", missing,
                    m->rows * m->cols, shown, list, missing > LIST_MAX ? ", ..." : ""),
               EXIT_TILES_FAILED;
    enum img_format fmt = img_format_from_path(named);
    if (!img_format_writable(fmt))
        return errf(err, "%s: output must end in .png, .jpg/.jpeg, .pnm/.ppm/.pgm/.pam, "
                    ".tif/.tiff or .webp", output), EXIT_USAGE;
    const struct plan_image *im = &m->plan.img[m->nstages];
    if (fmt == IMG_WEBP && (im->w > IMG_WEBP_SIDE_MAX || im->h > IMG_WEBP_SIDE_MAX))
        return errf(err, "%s: webp: %ux%u is over WebP's limit of %d pixels a side: write PNG "
                    "or TIFF", shown, im->w, im->h, IMG_WEBP_SIDE_MAX), EXIT_USAGE;
    int ch = im->ch;
    const char *dot = strrchr(named, '.');
    int out_ch = fmt == IMG_JPEG && (ch == 2 || ch == 4) ? ch - 1 : ch;
    if (fmt == IMG_PNM && ch == 1 && dot && strcasecmp(dot, ".ppm") == 0)
        out_ch = 3;
    if (fmt == IMG_PNM && pnm_name_mismatch(named, ch))
        return errf(err, "%s: a %s file cannot hold %s pixels: name it .pam%s", shown,
                    strrchr(named, '.'), ch == 1 ? "gray" : ch == 2 ? "gray+alpha"
                    : ch == 3 ? "RGB" : "RGBA", ch == 1 ? ", .pgm or .pnm" : ch == 3
                    ? ", .ppm or .pnm" : " or .pnm"), EXIT_USAGE;
    if (im->depth > 8 && (fmt == IMG_JPEG || fmt == IMG_WEBP))
        msg_info("job %s: JPEG and WebP hold 8 bits per sample: the 16-bit result is reduced "
                 "to 8 in %s", m->job, shown);
    if (missing > 0)
        msg_info("job %s: %d tile(s) missing, filled from the unprocessed source: %s", m->job,
                 missing, list);
    if (out_ch < ch)
        msg_info("job %s: JPEG has no alpha channel: alpha dropped in %s", m->job, shown);
    if (out_ch > ch)
        msg_info("job %s: a .ppm file holds RGB: the gray result is written as R = G = B to "
                 "%s (.pgm or .png keep one channel)", m->job, shown);
    struct img_write_opts wo = m->output_opts;
    wo.depth = im->depth;
    wo.png_threads = o->threads;
    for (int i = 0; i < o->nwopts; i++)
        if (img_write_opt(&wo, o->wopt_name[i], o->wopt_value[i], err) < 0)
            return EXIT_USAGE;
    if (fmt == IMG_TIFF && wo.tiff_compression == IMG_TIFF_JPEG && wo.depth > 8)
        return errf(err, "%s: tiff: JPEG compression holds 8-bit samples only and the result "
                    "is 16-bit: choose --tiff-compression deflate, lzw or zstd", shown),
               EXIT_USAGE;
    struct img_meta meta;
    char dropped[256];
    int status = output_meta(m, jobdir, shown, fmt, out_ch, o, &meta, err);
    if (status != EXIT_OK)
        return status;
    img_meta_trim(fmt, &meta, dropped, sizeof dropped);
    if (dropped[0])
        msg_info("job %s: the input's %s not written to %s: too large for the format "
                 "(PNG and TIFF hold it)", m->job, dropped, shown);
    if (meta.icc || meta.exif || meta.xmp || meta.xres > 0)
        wo.meta = &meta;
    status = write_output(m, jobdir, output, typed, fmt, out_ch, o, &wo, err);
    img_meta_free(&meta);
    return status;
}
