/*
 * manifest.c - job.json to and from struct manifest with cJSON (manifest.h).
 */
#include "manifest.h"
#include "err.h"
#include "hash.h"
#include "netpbm.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *tile_format_name(enum tile_format f) { return f == TILE_PNG ? "png" : "pnm"; }

int manifest_key(const struct manifest *m, struct hash *key, char *err)
{
    struct hash_ctx c;
    if (hash_begin(&c, "tilespool job key", err) < 0)
        return -1;
    hash_add(&c, m->source_hash.b, HASH_BYTES);
    hash_add(&c, &m->source_page, sizeof m->source_page);
    hash_add(&c, &m->tile_size, sizeof m->tile_size);
    hash_add_str(&c, tile_format_name(m->tile_format));
    /* the images through the chain: covers --depth, shrink-on-load and
     * the source's orientation (its stages are in the chain too) */
    for (int i = 0; i <= m->nstages; i++) {
        const struct plan_image *im = &m->plan.img[i];
        uint32_t v[4] = {im->w, im->h, (uint32_t)im->ch, (uint32_t)im->depth};
        hash_add(&c, v, sizeof v);
    }
    for (int i = 0; i < m->nstages; i++) {
        const struct stage_spec *s = &m->stages[i];
        hash_add_str(&c, s->name);
        if (s->path[0])
            hash_add_str(&c, s->path);
        hash_add(&c, s->hash.b, HASH_BYTES);
        hash_add(&c, s->params, sizeof(float) * (size_t)s->nparams);
        if (s->ref_path[0])     /* the reference by content, like the input */
            hash_add(&c, s->ref_hash.b, HASH_BYTES);
    }
    hash_end(&c, key);
    return 0;
}

int manifest_geometric(const struct manifest *m)
{
    for (int i = 0; i < m->nstages; i++)
        if (strcmp(m->stages[i].kind, "geometry") == 0 ||
            m->plan.img[i].w != m->plan.img[i + 1].w || m->plan.img[i].h != m->plan.img[i + 1].h)
            return 1;
    return 0;
}

int manifest_plan_tile(const struct manifest *m, uint32_t row, uint32_t col,
                       struct plan_tile *t, char *err)
{
    int halos[CHAIN_MAX_STAGES];
    char names[CHAIN_MAX_STAGES][64];
    if (manifest_geometric(m))
        return errf(err, "job %s: its stages change the image's size: only the filters know "
                    "its tiles' rectangles", m->job);
    for (int k = 0; k < m->nstages; k++) {
        halos[k] = m->stages[k].halo;
        snprintf(names[k], sizeof names[k], "%s", m->stages[k].name);
    }
    return plan_tile(&m->plan, row, col, plan_halo_region, halos, (const char (*)[64])names, t,
                     err);
}

const char *manifest_tile_ext(const struct manifest *m)
{
    if (m->tile_format == TILE_PNG)
        return ".png";
    for (int i = 1; i <= m->nstages; i++)
        if (m->plan.img[i].ch != m->plan.img[0].ch)
            return ".pam";
    return pnm_extension(m->plan.img[0].ch);
}

int manifest_global_stage(const struct manifest *m)
{
    for (int i = 0; i < m->nstages; i++)
        if (strcmp(m->stages[i].kind, "global") == 0)
            return i;
    return -1;
}

/* ---- writing ------------------------------------------------------------ */

static void add_hex(cJSON *o, const char *key, const struct hash *v)
{
    char hex[HASH_HEX_MAX];
    hash_hex(v, hex);
    cJSON_AddStringToObject(o, key, hex);
}

/* meta_json - source.meta: the hashes of meta/'s files and the
 * resolution; NULL when the input had none. */
static cJSON *meta_json(const struct manifest_meta *mm)
{
    if (!mm->has_icc && !mm->has_exif && !mm->has_xmp && mm->xres <= 0)
        return NULL;
    cJSON *o = cJSON_CreateObject();
    if (mm->has_icc)
        add_hex(o, "icc", &mm->icc);
    if (mm->has_exif)
        add_hex(o, "exif", &mm->exif);
    if (mm->has_xmp)
        add_hex(o, "xmp", &mm->xmp);
    if (mm->xres > 0) {
        cJSON_AddNumberToObject(o, "xres", mm->xres);
        cJSON_AddNumberToObject(o, "yres", mm->yres);
    }
    return o;
}

static cJSON *source_json(const struct manifest *m)
{
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "path", m->source_path);
    cJSON_AddStringToObject(s, "format", img_format_name(m->source_format));
    cJSON_AddNumberToObject(s, "width", m->source.width);
    cJSON_AddNumberToObject(s, "height", m->source.height);
    cJSON_AddNumberToObject(s, "channels", m->source.channels);
    cJSON_AddNumberToObject(s, "bit_depth", m->source.src_depth);
    cJSON_AddStringToObject(s, "color", m->source.src_color);
    cJSON_AddBoolToObject(s, "interlaced", m->source.interlaced);
    cJSON_AddNumberToObject(s, "depth", m->source.depth);
    cJSON_AddNumberToObject(s, "orientation", m->source.orientation);
    cJSON_AddNumberToObject(s, "shrink", m->source.shrink);
    cJSON_AddNumberToObject(s, "page", m->source_page);
    if (m->source.metadata[0])
        cJSON_AddStringToObject(s, "metadata", m->source.metadata);
    add_hex(s, "hash", &m->source_hash);
    cJSON_AddNumberToObject(s, "size", (double)m->source_size);
    cJSON *meta = meta_json(&m->source_meta);
    if (meta)
        cJSON_AddItemToObject(s, "meta", meta);
    return s;
}

static cJSON *tiles_json(const struct manifest *m)
{
    cJSON *t = cJSON_CreateObject();
    cJSON_AddNumberToObject(t, "size", m->tile_size);
    cJSON_AddStringToObject(t, "edge", "replicate");
    cJSON_AddStringToObject(t, "format", tile_format_name(m->tile_format));
    cJSON_AddStringToObject(t, "extension", m->tile_ext);
    cJSON_AddNumberToObject(t, "cols", m->cols);
    cJSON_AddNumberToObject(t, "rows", m->rows);
    cJSON_AddNumberToObject(t, "digits", m->digits);
    return t;
}

/* add_global - a global stage's statistics layout and reference image. */
static void add_global(cJSON *o, const struct stage_spec *s)
{
    static const char *const rules[] = {"sum", "min", "max"};
    cJSON *arr = cJSON_CreateArray();
    for (int k = 0; k < s->stats.nfields; k++) {
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "name", s->stats.f[k].name);
        cJSON_AddNumberToObject(f, "count", s->stats.f[k].count);
        cJSON_AddStringToObject(f, "merge", rules[s->stats.f[k].merge]);
        cJSON_AddItemToArray(arr, f);
    }
    cJSON_AddItemToObject(o, "stats", arr);
    if (s->ref_path[0]) {
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "path", s->ref_path);
        add_hex(r, "hash", &s->ref_hash);
        cJSON_AddItemToObject(o, "reference", r);
    }
}

/* plan_json - the images from the source (first) to the output (last). */
static cJSON *plan_json(const struct manifest *m)
{
    cJSON *p = cJSON_CreateObject(), *arr = cJSON_CreateArray();
    for (int i = 0; i <= m->nstages; i++) {
        const struct plan_image *im = &m->plan.img[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "width", im->w);
        cJSON_AddNumberToObject(o, "height", im->h);
        cJSON_AddNumberToObject(o, "channels", im->ch);
        cJSON_AddNumberToObject(o, "depth", im->depth);
        cJSON_AddItemToArray(arr, o);
    }
    cJSON_AddItemToObject(p, "images", arr);
    return p;
}

static cJSON *chain_json(const struct manifest *m)
{
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < m->nstages; i++) {
        const struct stage_spec *s = &m->stages[i];
        cJSON *o = cJSON_CreateObject(), *p = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", s->name);
        if (s->path[0])
            cJSON_AddStringToObject(o, "path", s->path);
        add_hex(o, "hash", &s->hash);
        cJSON_AddStringToObject(o, "kind", s->kind);
        cJSON_AddNumberToObject(o, "halo", s->halo);
        cJSON_AddNumberToObject(o, "abi", s->abi);
        cJSON *d = cJSON_CreateArray();
        for (int k = 0; k < 2; k++)
            if (s->depths & (1u << k))
                cJSON_AddItemToArray(d, cJSON_CreateNumber(8 << k));
        cJSON_AddItemToObject(o, "depths", d);
        for (int k = 0; k < s->nparams; k++)
            cJSON_AddNumberToObject(p, s->param_names[k], s->params[k]);
        cJSON_AddItemToObject(o, "params", p);
        if (strcmp(s->kind, "global") == 0)
            add_global(o, s);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

static cJSON *output_json(const struct manifest *m)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "path", m->output_path);
    cJSON_AddNumberToObject(o, "png_level", m->output_opts.png_level);
    cJSON_AddNumberToObject(o, "png_filter", m->output_opts.png_filter);
    cJSON_AddNumberToObject(o, "jpeg_quality", m->output_opts.jpeg_quality);
    cJSON_AddBoolToObject(o, "jpeg_progressive", m->output_opts.jpeg_progressive);
    cJSON_AddBoolToObject(o, "jpeg_optimize", m->output_opts.jpeg_optimize);
    cJSON_AddNumberToObject(o, "jpeg_subsample", m->output_opts.jpeg_subsample);
    cJSON_AddNumberToObject(o, "webp_quality", m->output_opts.webp_quality);
    cJSON_AddBoolToObject(o, "webp_lossless", m->output_opts.webp_lossless);
    cJSON_AddNumberToObject(o, "tiff_compression", m->output_opts.tiff_compression);
    cJSON_AddNumberToObject(o, "tiff_tile", m->output_opts.tiff_tile);
    cJSON_AddBoolToObject(o, "bigtiff", m->output_opts.bigtiff);
    cJSON_AddBoolToObject(o, "strip", m->strip);
    return o;
}

char *manifest_format(const struct manifest *m)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    cJSON_AddStringToObject(root, "format", "tilespool-job");
    cJSON_AddNumberToObject(root, "version", MANIFEST_VERSION);
    cJSON_AddStringToObject(root, "job", m->job);
    add_hex(root, "key", &m->key);
    cJSON_AddStringToObject(root, "created", m->created);
    cJSON_AddItemToObject(root, "source", source_json(m));
    cJSON_AddItemToObject(root, "tiles", tiles_json(m));
    cJSON_AddStringToObject(root, "chain_text", m->chain_text);
    cJSON_AddItemToObject(root, "chain", chain_json(m));
    cJSON_AddItemToObject(root, "plan", plan_json(m));
    cJSON_AddItemToObject(root, "output", output_json(m));
    cJSON_AddBoolToObject(root, "keep_done", m->keep_done);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    return text;
}

/* ---- reading -------------------------------------------------------------- */

struct rd {
    const char *file;
    char *err;
    int failed;
};

/* field - member key of obj with the given cJSON type, or NULL after
 * recording "FILE: field 'path.key' ..." in the error (first one wins). */
static cJSON *field(struct rd *r, cJSON *obj, const char *path, const char *key, int type)
{
    if (r->failed)
        return NULL;
    cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
    if (v && (v->type & type))
        return v;
    const char *want = type == cJSON_String ? "a string" : type == cJSON_Number ? "a number"
                       : type == cJSON_Array ? "an array" : type == cJSON_Object ? "an object"
                                                                                 : "a boolean";
    errf(r->err, "%s: field '%s%s%s' %s (must be %s)", r->file, path, *path ? "." : "", key,
         v ? "has the wrong type" : "is missing", want);
    r->failed = 1;
    return NULL;
}

static void get_str(struct rd *r, cJSON *o, const char *path, const char *key, char *out,
                    size_t n)
{
    cJSON *v = field(r, o, path, key, cJSON_String);
    if (!v)
        return;
    if (strlen(v->valuestring) >= n) {
        errf(r->err, "%s: field '%s%s%s' is too long", r->file, path, *path ? "." : "", key);
        r->failed = 1;
        return;
    }
    memcpy(out, v->valuestring, strlen(v->valuestring) + 1);
}

/* get_int - an integral number in [lo, hi]. */
static long long get_int(struct rd *r, cJSON *o, const char *path, const char *key,
                         long long lo, long long hi)
{
    cJSON *v = field(r, o, path, key, cJSON_Number);
    if (!v)
        return lo;
    double d = v->valuedouble;
    if (!(d >= (double)lo && d <= (double)hi) || d != floor(d)) {
        errf(r->err, "%s: field '%s%s%s' = %g is not an integer in [%lld, %lld]", r->file,
             path, *path ? "." : "", key, d, lo, hi);
        r->failed = 1;
        return lo;
    }
    return (long long)d;
}

static struct hash get_hex(struct rd *r, cJSON *o, const char *path, const char *key)
{
    char s[HASH_HEX_MAX + 8] = "";
    struct hash v;
    memset(&v, 0, sizeof v);
    get_str(r, o, path, key, s, sizeof s);
    if (!r->failed && hash_parse_hex(s, &v) < 0) {
        errf(r->err, "%s: field '%s%s%s' is not %d hex digits", r->file, path,
             *path ? "." : "", key, 2 * HASH_BYTES);
        r->failed = 1;
    }
    return v;
}

static int get_bool(struct rd *r, cJSON *o, const char *path, const char *key)
{
    cJSON *v = field(r, o, path, key, cJSON_True | cJSON_False);
    return v ? cJSON_IsTrue(v) : 0;
}

/* get_res - a resolution in pixels per inch: a number in (0, 1e6]. */
static double get_res(struct rd *r, cJSON *o, const char *key)
{
    cJSON *v = field(r, o, "source.meta", key, cJSON_Number);
    if (v && !(v->valuedouble > 0 && v->valuedouble <= 1e6)) {
        errf(r->err, "%s: field 'source.meta.%s' = %g is not a resolution in (0, 1000000]",
             r->file, key, v->valuedouble);
        r->failed = 1;
    }
    return v && !r->failed ? v->valuedouble : 0;
}

/* read_meta - the optional source.meta into *mm (zeroed when absent). */
static void read_meta(struct rd *r, cJSON *s, struct manifest_meta *mm)
{
    memset(mm, 0, sizeof *mm);
    if (r->failed || !cJSON_GetObjectItemCaseSensitive(s, "meta"))
        return;
    cJSON *o = field(r, s, "source", "meta", cJSON_Object);
    if ((mm->has_icc = cJSON_GetObjectItemCaseSensitive(o, "icc") != NULL))
        mm->icc = get_hex(r, o, "source.meta", "icc");
    if ((mm->has_exif = cJSON_GetObjectItemCaseSensitive(o, "exif") != NULL))
        mm->exif = get_hex(r, o, "source.meta", "exif");
    if ((mm->has_xmp = cJSON_GetObjectItemCaseSensitive(o, "xmp") != NULL))
        mm->xmp = get_hex(r, o, "source.meta", "xmp");
    if (cJSON_GetObjectItemCaseSensitive(o, "xres") || cJSON_GetObjectItemCaseSensitive(o, "yres")) {
        mm->xres = get_res(r, o, "xres");
        mm->yres = get_res(r, o, "yres");
    }
}

static void read_source(struct rd *r, cJSON *root, struct manifest *m)
{
    cJSON *s = field(r, root, "", "source", cJSON_Object);
    char fmt[16] = "";
    get_str(r, s, "source", "path", m->source_path, sizeof m->source_path);
    get_str(r, s, "source", "format", fmt, sizeof fmt);
    m->source_format = img_format_from_name(fmt);
    m->source.format = m->source_format;
    if (!r->failed && m->source_format == IMG_UNKNOWN) {
        errf(r->err, "%s: field 'source.format' must be \"png\", \"jpeg\", \"pnm\", "
             "\"tiff\", \"webp\" or \"gif\"", r->file);
        r->failed = 1;
    }
    m->source.width = (uint32_t)get_int(r, s, "source", "width", 1, UINT32_MAX);
    m->source.height = (uint32_t)get_int(r, s, "source", "height", 1, UINT32_MAX);
    m->source.channels = (int)get_int(r, s, "source", "channels", 1, 4);
    m->source.src_depth = (int)get_int(r, s, "source", "bit_depth", 1, 16);
    get_str(r, s, "source", "color", m->source.src_color, sizeof m->source.src_color);
    m->source.interlaced = get_bool(r, s, "source", "interlaced");
    m->source.depth = (int)get_int(r, s, "source", "depth", 8, 16);
    m->source.orientation = (int)get_int(r, s, "source", "orientation", 1, 8);
    m->source.shrink = (int)get_int(r, s, "source", "shrink", 1, 8);
    m->source_page = (uint32_t)get_int(r, s, "source", "page", 0, UINT32_MAX);
    /* optional: what the input held besides pixels ("ICC profile, Exif, ...") */
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(s, "metadata");
    if (cJSON_IsString(meta))
        snprintf(m->source.metadata, sizeof m->source.metadata, "%s", meta->valuestring);
    m->source_hash = get_hex(r, s, "source", "hash");
    /* cJSON writes numbers with 15 significant digits whenever that reads
     * back within an ulp, so larger integers would not survive a save. */
    m->source_size = (uint64_t)get_int(r, s, "source", "size", 0, 999999999999999LL);
    read_meta(r, s, &m->source_meta);
}

static void read_tiles(struct rd *r, cJSON *root, struct manifest *m)
{
    cJSON *t = field(r, root, "", "tiles", cJSON_Object);
    char fmt[8] = "", edge[16] = "";
    m->tile_size = (uint32_t)get_int(r, t, "tiles", "size", 1, 1 << 20);
    get_str(r, t, "tiles", "edge", edge, sizeof edge);
    get_str(r, t, "tiles", "format", fmt, sizeof fmt);
    get_str(r, t, "tiles", "extension", m->tile_ext, sizeof m->tile_ext);
    m->cols = (uint32_t)get_int(r, t, "tiles", "cols", 1, 1 << 24);
    m->rows = (uint32_t)get_int(r, t, "tiles", "rows", 1, 1 << 24);
    m->digits = (int)get_int(r, t, "tiles", "digits", 1, 9);
    if (r->failed)
        return;
    if (strcmp(edge, "replicate") != 0 || (strcmp(fmt, "pnm") && strcmp(fmt, "png"))) {
        errf(r->err, "%s: tiles.edge must be \"replicate\" and tiles.format \"pnm\" or \"png\"",
             r->file);
        r->failed = 1;
    }
    m->tile_format = strcmp(fmt, "png") == 0 ? TILE_PNG : TILE_PNM;
}

/* check_geometry - the grid must be exactly what the output image and
 * the tile size give, and the extension the one the plan's images call
 * for: a tampered manifest must not make anyone read or write outside
 * the job. */
static void check_geometry(struct rd *r, struct manifest *m)
{
    if (r->failed)
        return;
    const struct plan_image *o = &m->plan.img[m->nstages];
    uint64_t cols = ((uint64_t)o->w + m->tile_size - 1) / m->tile_size;
    uint64_t rows = ((uint64_t)o->h + m->tile_size - 1) / m->tile_size;
    uint64_t most = cols > rows ? cols : rows;
    int digits = 1;
    for (uint64_t v = most - 1; v >= 10; v /= 10)
        digits++;
    if (cols != m->cols || rows != m->rows || digits != m->digits ||
        strcmp(manifest_tile_ext(m), m->tile_ext)) {
        errf(r->err, "%s: tiles.cols/rows/digits/extension do not match the output image "
             "size, tile size and format", r->file);
        r->failed = 1;
        return;
    }
    m->plan.tile_size = m->tile_size;
    m->plan.cols = m->cols;
    m->plan.rows = m->rows;
}

/* read_plan - plan.images: one more than the stages, the first the
 * decoded source; a global stage and the stages after it keep the size. */
static void read_plan(struct rd *r, cJSON *root, struct manifest *m)
{
    cJSON *p = field(r, root, "", "plan", cJSON_Object);
    cJSON *arr = field(r, p, "plan", "images", cJSON_Array), *o;
    if (r->failed)
        return;
    int n = 0;
    m->plan.nstages = m->nstages;
    cJSON_ArrayForEach(o, arr) {
        if (n > m->nstages || !cJSON_IsObject(o))
            break;
        struct plan_image *im = &m->plan.img[n++];
        im->w = (uint32_t)get_int(r, o, "plan.images[]", "width", 1, INT32_MAX);
        im->h = (uint32_t)get_int(r, o, "plan.images[]", "height", 1, INT32_MAX);
        im->ch = (int)get_int(r, o, "plan.images[]", "channels", 1, 4);
        im->depth = (int)get_int(r, o, "plan.images[]", "depth", 8, 16);
        if (!r->failed && im->depth != 8 && im->depth != 16)
            r->failed = 1, errf(r->err, "%s: plan.images[]: depth must be 8 or 16", r->file);
    }
    if (r->failed)
        return;
    const struct plan_image *src = &m->plan.img[0];
    if (n != m->nstages + 1 || cJSON_GetArraySize(arr) != n) {
        errf(r->err, "%s: plan.images must hold %d images (the source and one per stage)",
             r->file, m->nstages + 1);
        r->failed = 1;
    } else if (src->w != m->source.width || src->h != m->source.height ||
               src->ch != m->source.channels || src->depth != m->source.depth) {
        errf(r->err, "%s: plan.images[0] is not the source image", r->file);
        r->failed = 1;
    }
    int g = manifest_global_stage(m);
    for (int k = g; g >= 0 && k < m->nstages && !r->failed; k++) {
        const struct plan_image *a = &m->plan.img[k], *b = &m->plan.img[k + 1];
        if (a->w != b->w || a->h != b->h || (k == g && (a->ch != b->ch || a->depth != 8 ||
                                                        b->depth != 8))) {
            errf(r->err, "%s: plan: stage %d changes the image after the global stage",
                 r->file, k);
            r->failed = 1;
        }
    }
}

/* read_global - a global stage's "stats" (required) and "reference". */
static void read_global(struct rd *r, cJSON *o, struct stage_spec *s)
{
    static const char *const rules[] = {"sum", "min", "max"};
    cJSON *arr = field(r, o, "chain[]", "stats", cJSON_Array), *f;
    if (r->failed)
        return;
    cJSON_ArrayForEach(f, arr) {
        char rule[8] = "";
        int k = s->stats.nfields, m = 0;
        if (k == STATS_MAX_FIELDS || !cJSON_IsObject(f)) {
            errf(r->err, "%s: chain[].stats of %s: more than %d fields or not objects",
                 r->file, s->name, STATS_MAX_FIELDS);
            r->failed = 1;
            return;
        }
        get_str(r, f, "chain[].stats[]", "name", s->stats.f[k].name, FILTER_NAME_MAX);
        s->stats.f[k].count = (uint32_t)get_int(r, f, "chain[].stats[]", "count", 1,
                                                STATS_MAX_VALUES);
        get_str(r, f, "chain[].stats[]", "merge", rule, sizeof rule);
        while (m < 3 && strcmp(rule, rules[m]) != 0)
            m++;
        s->stats.nvalues += s->stats.f[k].count;
        if (!r->failed && (m == 3 || s->stats.nvalues > STATS_MAX_VALUES)) {
            errf(r->err, "%s: chain[].stats of %s: merge must be sum, min or max, and the "
                 "counts add up to at most %d", r->file, s->name, STATS_MAX_VALUES);
            r->failed = 1;
        }
        if (r->failed)
            return;
        s->stats.f[k].merge = (enum stats_merge)m;
        s->stats.nfields++;
    }
    if (s->stats.nfields == 0) {
        errf(r->err, "%s: chain[].stats of %s is empty", r->file, s->name);
        r->failed = 1;
    }
    cJSON *ref = cJSON_GetObjectItemCaseSensitive(o, "reference");
    if (!r->failed && ref) {
        get_str(r, ref, "chain[].reference", "path", s->ref_path, sizeof s->ref_path);
        s->ref_hash = get_hex(r, ref, "chain[].reference", "hash");
    }
}

static void read_stage(struct rd *r, cJSON *o, struct stage_spec *s)
{
    get_str(r, o, "chain[]", "name", s->name, sizeof s->name);
    /* a user's module (usercache.h): by absolute path; bundled ones have none */
    if (!r->failed && cJSON_GetObjectItemCaseSensitive(o, "path")) {
        get_str(r, o, "chain[]", "path", s->path, sizeof s->path);
        if (!r->failed && s->path[0] != '/') {
            errf(r->err, "%s: chain[].path '%s' is not an absolute path", r->file, s->path);
            r->failed = 1;
        }
    }
    s->hash = get_hex(r, o, "chain[]", "hash");
    get_str(r, o, "chain[]", "kind", s->kind, sizeof s->kind);
    s->halo = (int)get_int(r, o, "chain[]", "halo", 0, 4096);
    s->abi = (int)get_int(r, o, "chain[]", "abi", 1, 2);
    cJSON *d = field(r, o, "chain[]", "depths", cJSON_Array), *dv;
    cJSON_ArrayForEach(dv, d) {
        if (cJSON_IsNumber(dv) && (dv->valuedouble == 8 || dv->valuedouble == 16))
            s->depths |= dv->valuedouble == 8 ? 1u : 2u;
        else if (!r->failed)
            r->failed = 1, errf(r->err, "%s: chain[].depths of %s: only 8 and 16", r->file,
                                s->name);
    }
    cJSON *p = field(r, o, "chain[]", "params", cJSON_Object), *v;
    if (!r->failed && !chain_name_ok(s->name)) {
        errf(r->err, "%s: chain[].name '%s' is not a filter name", r->file, s->name);
        r->failed = 1;
    }
    if (r->failed)
        return;
    cJSON_ArrayForEach(v, p) {
        if (s->nparams == CHAIN_MAX_PARAMS || !cJSON_IsNumber(v) || !v->string ||
            strlen(v->string) >= FILTER_NAME_MAX) {
            errf(r->err, "%s: chain[].params of %s: too many, or not name: number", r->file,
                 s->name);
            r->failed = 1;
            return;
        }
        /* A param is a float: beyond FLT_MAX (or 1e999, which cJSON reads
         * as infinity) it would reach the filter as infinity, and cJSON
         * would write it back as null, which no reader takes. */
        if (!(fabs(v->valuedouble) <= FLT_MAX)) {
            errf(r->err, "%s: chain[].params of %s: '%s' is not a finite float", r->file,
                 s->name, v->string);
            r->failed = 1;
            return;
        }
        snprintf(s->param_names[s->nparams], FILTER_NAME_MAX, "%s", v->string);
        s->params[s->nparams++] = (float)v->valuedouble;
    }
    if (strcmp(s->kind, "global") == 0)
        read_global(r, o, s);
}

static void read_chain(struct rd *r, cJSON *root, struct manifest *m)
{
    get_str(r, root, "", "chain_text", m->chain_text, sizeof m->chain_text);
    cJSON *arr = field(r, root, "", "chain", cJSON_Array), *o;
    if (r->failed)
        return;
    int halo = 0;
    cJSON_ArrayForEach(o, arr) {
        if (m->nstages == CHAIN_MAX_STAGES || !cJSON_IsObject(o)) {
            errf(r->err, "%s: chain: more than %d stages or not objects", r->file,
                 CHAIN_MAX_STAGES);
            r->failed = 1;
            return;
        }
        read_stage(r, o, &m->stages[m->nstages]);
        halo += m->stages[m->nstages++].halo;
    }
    int globals = 0, haloed = 0;
    for (int i = 0; i < m->nstages; i++)
        if (strcmp(m->stages[i].kind, "global") == 0)
            globals++, haloed |= m->stages[i].halo != 0;
    if (!r->failed && (globals > 1 || haloed)) {
        errf(r->err, "%s: chain: at most one global stage, with halo 0", r->file);
        r->failed = 1;
    }
    if (!r->failed && m->nstages == 0) {
        errf(r->err, "%s: chain is empty", r->file);
        r->failed = 1;
    }
    m->halo = halo;
}

static void read_output(struct rd *r, cJSON *root, struct manifest *m)
{
    cJSON *o = field(r, root, "", "output", cJSON_Object);
    get_str(r, o, "output", "path", m->output_path, sizeof m->output_path);
    m->output_opts.png_level = (int)get_int(r, o, "output", "png_level", 0, 9);
    m->output_opts.png_filter = (int)get_int(r, o, "output", "png_filter", -1, 4);
    m->output_opts.jpeg_quality = (int)get_int(r, o, "output", "jpeg_quality", 1, 100);
    m->output_opts.jpeg_progressive = get_bool(r, o, "output", "jpeg_progressive");
    m->output_opts.jpeg_optimize = get_bool(r, o, "output", "jpeg_optimize");
    m->output_opts.jpeg_subsample = (int)get_int(r, o, "output", "jpeg_subsample", 0, 444);
    m->output_opts.webp_quality = (int)get_int(r, o, "output", "webp_quality", 0, 100);
    m->output_opts.webp_lossless = get_bool(r, o, "output", "webp_lossless");
    m->output_opts.tiff_compression = (int)get_int(r, o, "output", "tiff_compression",
                                                   IMG_TIFF_NONE, IMG_TIFF_ZSTD);
    m->output_opts.tiff_tile = (int)get_int(r, o, "output", "tiff_tile", 0, 32768);
    m->output_opts.bigtiff = get_bool(r, o, "output", "bigtiff");
    m->output_opts.meta = NULL;
    m->strip = get_bool(r, o, "output", "strip");
}

int manifest_job_id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= MANIFEST_JOB_ID_MAX || s[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return 0;
    }
    return 1;
}

int manifest_parse(struct manifest *m, const char *json, const char *name, char *err)
{
    memset(m, 0, sizeof *m);
    struct rd r = {name, err, 0};
    cJSON *root = cJSON_Parse(json);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return errf(err, "%s: not a JSON object", name);
    }
    char format[32] = "";
    get_str(&r, root, "", "format", format, sizeof format);
    if (!r.failed && strcmp(format, "tilespool-job") != 0)
        r.failed = 1, errf(err, "%s: not a tilespool job manifest", name);
    m->version = (int)get_int(&r, root, "", "version", 1, MANIFEST_VERSION);
    if (!r.failed && m->version < MANIFEST_VERSION)
        r.failed = 1, errf(err, "%s: job made by an older tilespool (format version %d, this "
                           "one reads %d: hashes are now BLAKE2b-256); remove the job and "
                           "split the input again", name, m->version, MANIFEST_VERSION);
    get_str(&r, root, "", "job", m->job, sizeof m->job);
    m->key = get_hex(&r, root, "", "key");
    get_str(&r, root, "", "created", m->created, sizeof m->created);
    read_source(&r, root, m);
    read_tiles(&r, root, m);
    read_chain(&r, root, m);
    read_plan(&r, root, m);
    read_output(&r, root, m);
    m->keep_done = get_bool(&r, root, "", "keep_done");
    if (!r.failed && !manifest_job_id_ok(m->job))
        r.failed = 1, errf(err, "%s: job id '%s' is not a safe name", name, m->job);
    check_geometry(&r, m);
    cJSON_Delete(root);
    return r.failed ? -1 : 0;
}

void manifest_utc_now(char out[32])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
