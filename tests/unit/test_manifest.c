/*
 * test_manifest.c - unit tests for job.json (manifest.h).
 *
 * A manifest with every field set to a non-default value is saved and
 * loaded back and must come back equal field by field (float parameters
 * bit for bit).  The saved text is then damaged one field at a time
 * (removed, or given the wrong type) with cJSON, and manifest_parse must
 * refuse it with a message naming that field; the grid, the job id and
 * the chain get the consistency checks the reader promises.  Finally
 * manifest_key must follow exactly the inputs it is documented to
 * identify.  Files live in a private temporary directory, removed at the
 * end.
 */
#include "manifest_file.h"
#include "err.h"
#include "check.h"

#include <cjson/cJSON.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char top[256];
static char err[ERR_MAX];
static char *base_json;            /* the text manifest_save wrote */

#define JOB_ID "20250101T000000Z-img-0123abcd"

/* fake_hash - a digest made of `seed` repeated, for fields that only
 * have to round-trip. */
static struct hash fake_hash(unsigned seed)
{
    struct hash h;
    for (int i = 0; i < HASH_BYTES; i++)
        h.b[i] = (unsigned char)(seed * 37u + (unsigned)i * seed);
    return h;
}

/* key_of - manifest_key of m (the zero digest if it fails). */
static struct hash key_of(const struct manifest *m)
{
    struct hash k;
    memset(&k, 0, sizeof k);
    manifest_key(m, &k, err);
    return k;
}

/* full_manifest - fill m with every field set, geometry consistent. */
static void full_manifest(struct manifest *m)
{
    memset(m, 0, sizeof *m);
    m->version = MANIFEST_VERSION;
    snprintf(m->job, sizeof m->job, "%s", JOB_ID);
    m->key = fake_hash(0xfe);
    snprintf(m->created, sizeof m->created, "2025-01-01T00:00:00Z");
    snprintf(m->source_path, sizeof m->source_path, "/data/in/a \"quoted\" img.png");
    m->source_format = IMG_PNG;
    m->source.width = 1000;
    m->source.height = 700;
    m->source.channels = 3;
    m->source.format = IMG_PNG;
    m->source.src_depth = 16;
    snprintf(m->source.src_color, sizeof m->source.src_color, "rgb+tRNS");
    m->source.interlaced = 1;
    m->source.depth = 16;
    m->source.orientation = 6;
    m->source.shrink = 1;
    m->source_hash = fake_hash(0x01);
    m->source_size = 123456789012ull;
    m->tile_size = 256;
    m->halo = 7;
    m->tile_format = TILE_PNM;
    snprintf(m->tile_ext, sizeof m->tile_ext, ".ppm");
    m->cols = 4;
    m->rows = 3;
    m->digits = 1;
    snprintf(m->chain_text, sizeof m->chain_text,
             "gaussian_blur:sigma=1.5,sharpen:amount=0.1:sigma=1e-7,posterize");
    m->nstages = 3;
    m->plan.nstages = 3;
    m->plan.img[0] = (struct plan_image){1000, 700, 3, 16};
    m->plan.img[1] = (struct plan_image){1000, 700, 3, 16};
    m->plan.img[2] = (struct plan_image){1000, 700, 3, 8};
    m->plan.img[3] = (struct plan_image){1000, 700, 3, 8};
    m->plan.tile_size = 256;
    m->plan.cols = 4;
    m->plan.rows = 3;

    struct stage_spec *s = &m->stages[0];
    snprintf(s->name, sizeof s->name, "gaussian_blur");
    s->hash = fake_hash(0x11);
    s->halo = 5;
    s->abi = 2;
    s->depths = 3;
    snprintf(s->kind, sizeof s->kind, "neighborhood");
    s->nparams = 1;
    snprintf(s->param_names[0], FILTER_NAME_MAX, "sigma");
    s->params[0] = 1.5f;

    s = &m->stages[1];
    snprintf(s->name, sizeof s->name, "sharpen");
    memset(&s->hash, 0xff, sizeof s->hash);
    s->halo = 2;
    s->abi = 2;
    s->depths = 1;
    snprintf(s->kind, sizeof s->kind, "neighborhood");
    s->nparams = 5;
    snprintf(s->param_names[0], FILTER_NAME_MAX, "amount");
    snprintf(s->param_names[1], FILTER_NAME_MAX, "sigma");
    snprintf(s->param_names[2], FILTER_NAME_MAX, "big");
    snprintf(s->param_names[3], FILTER_NAME_MAX, "tiny");
    snprintf(s->param_names[4], FILTER_NAME_MAX, "neg");
    s->params[0] = 0.1f;          /* not exact in binary */
    s->params[1] = 1e-7f;
    s->params[2] = FLT_MAX;
    s->params[3] = FLT_TRUE_MIN;  /* a denormal */
    s->params[4] = -16777215.0f;

    s = &m->stages[2];
    snprintf(s->name, sizeof s->name, "posterize");
    s->hash = fake_hash(1);
    s->halo = 0;
    s->abi = 1;
    s->depths = 1;
    snprintf(s->kind, sizeof s->kind, "point");
    s->nparams = 0;

    snprintf(m->output_path, sizeof m->output_path, "/data/out/img.png");
    m->output_opts.png_level = 9;
    m->output_opts.png_filter = 3;
    m->output_opts.jpeg_quality = 77;
    m->output_opts.jpeg_progressive = 1;
    m->keep_done = 1;
}

/* diff - list the names of the fields of a and b that differ into out. */
static void diff(const struct manifest *a, const struct manifest *b, char *out, size_t n)
{
    out[0] = '\0';
#define D(cond, name)                                                         \
    do {                                                                      \
        if (!(cond))                                                          \
            snprintf(out + strlen(out), n - strlen(out), "%s ", name);        \
    } while (0)
    D(a->version == b->version, "version");
    D(strcmp(a->job, b->job) == 0, "job");
    D(hash_equal(&a->key, &b->key), "key");
    D(strcmp(a->created, b->created) == 0, "created");
    D(strcmp(a->source_path, b->source_path) == 0, "source_path");
    D(a->source_format == b->source_format, "source_format");
    D(a->source.width == b->source.width, "source.width");
    D(a->source.height == b->source.height, "source.height");
    D(a->source.channels == b->source.channels, "source.channels");
    D(a->source.format == b->source.format, "source.format");
    D(a->source.src_depth == b->source.src_depth, "source.src_depth");
    D(strcmp(a->source.src_color, b->source.src_color) == 0, "source.src_color");
    D(a->source.interlaced == b->source.interlaced, "source.interlaced");
    D(a->source.depth == b->source.depth, "source.depth");
    D(a->source.orientation == b->source.orientation, "source.orientation");
    D(a->source.shrink == b->source.shrink, "source.shrink");
    for (int i = 0; i <= a->nstages && i <= CHAIN_MAX_STAGES; i++)
        D(memcmp(&a->plan.img[i], &b->plan.img[i], sizeof a->plan.img[i]) == 0, "plan.images");
    D(hash_equal(&a->source_hash, &b->source_hash), "source_hash");
    D(a->source_size == b->source_size, "source_size");
    D(a->tile_size == b->tile_size, "tile_size");
    D(a->halo == b->halo, "halo");
    D(a->tile_format == b->tile_format, "tile_format");
    D(strcmp(a->tile_ext, b->tile_ext) == 0, "tile_ext");
    D(a->cols == b->cols, "cols");
    D(a->rows == b->rows, "rows");
    D(a->digits == b->digits, "digits");
    D(strcmp(a->chain_text, b->chain_text) == 0, "chain_text");
    D(a->nstages == b->nstages, "nstages");
    for (int i = 0; i < a->nstages && i < b->nstages; i++) {
        const struct stage_spec *x = &a->stages[i], *y = &b->stages[i];
        D(strcmp(x->name, y->name) == 0, "stage.name");
        D(hash_equal(&x->hash, &y->hash), "stage.hash");
        D(x->halo == y->halo, "stage.halo");
        D(x->abi == y->abi, "stage.abi");
        D(x->depths == y->depths, "stage.depths");
        D(strcmp(x->kind, y->kind) == 0, "stage.kind");
        D(x->nparams == y->nparams, "stage.nparams");
        for (int k = 0; k < x->nparams && k < y->nparams; k++) {
            D(strcmp(x->param_names[k], y->param_names[k]) == 0, "stage.param_names");
            D(memcmp(&x->params[k], &y->params[k], sizeof(float)) == 0, "stage.params");
        }
    }
    D(strcmp(a->output_path, b->output_path) == 0, "output_path");
    D(a->output_opts.png_level == b->output_opts.png_level, "png_level");
    D(a->output_opts.png_filter == b->output_opts.png_filter, "png_filter");
    D(a->output_opts.jpeg_quality == b->output_opts.jpeg_quality, "jpeg_quality");
    D(a->output_opts.jpeg_progressive == b->output_opts.jpeg_progressive,
      "jpeg_progressive");
    D(a->keep_done == b->keep_done, "keep_done");
#undef D
}

/* read_text - the whole of path, NUL-terminated (caller frees), or NULL. */
static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 1 << 20);
    size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

static void test_round_trip(void)
{
    static struct manifest m, back;
    char jobdir[PATH_MAX], path[PATH_MAX], spool[PATH_MAX], what[1024];

    full_manifest(&m);
    snprintf(spool, sizeof spool, "%s/spool", top);
    int rc = spool_job_create(spool, JOB_ID, err);
    CHECK(rc == 0, "make the job directory", "%s", err);
    snprintf(jobdir, sizeof jobdir, "%s/spool/%s", top, JOB_ID);
    rc = manifest_save(&m, jobdir, err);
    snprintf(path, sizeof path, "%s/spool/%s/job.json", top, JOB_ID);
    CHECK(rc == 0 && access(path, F_OK) == 0, "manifest_save writes job.json",
          "rc %d err '%s'", rc, err);
    char tmpdir[PATH_MAX];
    snprintf(tmpdir, sizeof tmpdir, "%s/spool/%s/tmp", top, JOB_ID);
    CHECK(spool_count(tmpdir) == 0, "manifest_save leaves nothing in tmp/", "%d entries",
          spool_count(tmpdir));

    memset(&back, 0xa5, sizeof back);
    rc = manifest_load(&back, jobdir, err);
    CHECK(rc == 0, "manifest_load reads it back", "err '%s'", err);
    diff(&m, &back, what, sizeof what);
    CHECK(rc == 0 && what[0] == '\0', "round trip: every field equal", "differ: %s", what);
    struct hash kb = key_of(&back), km = key_of(&m);
    CHECK(rc == 0 && hash_equal(&kb, &km), "round trip: same manifest_key", "differs");

    /* the same for PNG tiles and a 2-digit grid with an empty output path */
    full_manifest(&m);
    m.tile_format = TILE_PNG;
    snprintf(m.tile_ext, sizeof m.tile_ext, ".png");
    m.tile_size = 64;
    m.cols = 16;
    m.rows = 11;
    m.digits = 2;
    m.output_path[0] = '\0';
    m.keep_done = 0;
    m.source.interlaced = 0;
    m.output_opts.png_filter = -1;
    m.output_opts.jpeg_progressive = 0;
    rc = manifest_save(&m, jobdir, err);
    CHECK(rc == 0, "manifest_save replaces job.json", "err '%s'", err);
    rc = manifest_load(&back, jobdir, err);
    diff(&m, &back, what, sizeof what);
    CHECK(rc == 0 && what[0] == '\0', "round trip (png tiles, 2 digits, booleans false)",
          "rc %d err '%s' differ: %s", rc, err, what);

    /* keep the text of the first manifest for the damage tests */
    full_manifest(&m);
    manifest_save(&m, jobdir, err);
    base_json = read_text(path);
    CHECK(base_json != NULL && manifest_parse(&back, base_json, "job.json", err) == 0,
          "saved text parses", "err '%s'", err);

    /* manifest_load errors: missing file, file over 1 MiB */
    rc = manifest_load(&back, top, err);
    CHECK(rc < 0 && strstr(err, "job.json") != NULL, "load without job.json",
          "rc %d err '%s'", rc, err);
    FILE *f = fopen(path, "wb");
    for (int i = 0; f && i < (1 << 20) + 10; i++)
        fputc(' ', f);
    if (f)
        fclose(f);
    rc = manifest_load(&back, jobdir, err);
    CHECK(rc < 0 && strstr(err, "1 MiB") != NULL, "load of a file over 1 MiB",
          "rc %d err '%s'", rc, err);
    spool_job_remove(jobdir, err);
}

/* item_of - object at "", "source", "tiles", "output" or "chain0" in root. */
static cJSON *item_of(cJSON *root, const char *obj)
{
    if (!*obj)
        return root;
    if (strcmp(obj, "chain0") == 0)
        return cJSON_GetArrayItem(cJSON_GetObjectItem(root, "chain"), 0);
    return cJSON_GetObjectItem(root, obj);
}

enum how { REMOVE, WRONG_TYPE, SET_NUMBER, SET_STRING };

/* parse_damaged - base_json with obj.key removed, retyped or set; returns
 * manifest_parse's result with err filled. */
static int parse_damaged(const char *obj, const char *key, enum how how, double num,
                         const char *str)
{
    static struct manifest m;
    cJSON *root = cJSON_Parse(base_json);
    cJSON *o = item_of(root, obj);
    if (!o) {
        cJSON_Delete(root);
        snprintf(err, ERR_MAX, "test: no object %s", obj);
        return 99;
    }
    cJSON *v = cJSON_GetObjectItem(o, key);
    if (how == REMOVE) {
        cJSON_DeleteItemFromObject(o, key);
    } else if (how == WRONG_TYPE) {
        /* a string for numbers, a number for everything else */
        cJSON *w = v && cJSON_IsNumber(v) ? cJSON_CreateString("1") : cJSON_CreateNumber(1);
        if (v)
            cJSON_ReplaceItemInObject(o, key, w);
        else
            cJSON_AddItemToObject(o, key, w);
    } else if (how == SET_NUMBER) {
        cJSON_DeleteItemFromObject(o, key);
        cJSON_AddNumberToObject(o, key, num);
    } else {
        cJSON_DeleteItemFromObject(o, key);
        cJSON_AddStringToObject(o, key, str);
    }
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    err[0] = '\0';
    int rc = manifest_parse(&m, text, "job.json", err);
    free(text);
    return rc;
}

static void test_fields(void)
{
    static const struct {
        const char *obj, *key, *name;
    } fields[] = {
        {"", "format", "'format'"},
        {"", "version", "'version'"},
        {"", "job", "'job'"},
        {"", "key", "'key'"},
        {"", "created", "'created'"},
        {"", "source", "'source'"},
        {"source", "path", "'source.path'"},
        {"source", "format", "'source.format'"},
        {"source", "width", "'source.width'"},
        {"source", "height", "'source.height'"},
        {"source", "channels", "'source.channels'"},
        {"source", "bit_depth", "'source.bit_depth'"},
        {"source", "color", "'source.color'"},
        {"source", "interlaced", "'source.interlaced'"},
        {"source", "depth", "'source.depth'"},
        {"source", "orientation", "'source.orientation'"},
        {"source", "shrink", "'source.shrink'"},
        {"source", "hash", "'source.hash'"},
        {"source", "size", "'source.size'"},
        {"", "tiles", "'tiles'"},
        {"tiles", "size", "'tiles.size'"},
        {"tiles", "edge", "'tiles.edge'"},
        {"tiles", "format", "'tiles.format'"},
        {"tiles", "extension", "'tiles.extension'"},
        {"tiles", "cols", "'tiles.cols'"},
        {"tiles", "rows", "'tiles.rows'"},
        {"tiles", "digits", "'tiles.digits'"},
        {"", "chain_text", "'chain_text'"},
        {"", "chain", "'chain'"},
        {"chain0", "name", "'chain[].name'"},
        {"chain0", "hash", "'chain[].hash'"},
        {"chain0", "kind", "'chain[].kind'"},
        {"chain0", "halo", "'chain[].halo'"},
        {"chain0", "abi", "'chain[].abi'"},
        {"chain0", "depths", "'chain[].depths'"},
        {"", "plan", "'plan'"},
        {"plan", "images", "'plan.images'"},
        {"chain0", "params", "'chain[].params'"},
        {"", "output", "'output'"},
        {"output", "path", "'output.path'"},
        {"output", "png_level", "'output.png_level'"},
        {"output", "png_filter", "'output.png_filter'"},
        {"output", "jpeg_quality", "'output.jpeg_quality'"},
        {"output", "jpeg_progressive", "'output.jpeg_progressive'"},
        {"", "keep_done", "'keep_done'"},
    };
    char name[128];

    if (!base_json) {
        CHECK(0, "field tests", "no base manifest text");
        return;
    }
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        int rc = parse_damaged(fields[i].obj, fields[i].key, REMOVE, 0, NULL);
        snprintf(name, sizeof name, "missing %s", fields[i].name);
        CHECK(rc == -1 && strstr(err, fields[i].name) && strstr(err, "missing") &&
                  strncmp(err, "job.json: ", 10) == 0,
              name, "rc %d err '%s'", rc, err);
        rc = parse_damaged(fields[i].obj, fields[i].key, WRONG_TYPE, 0, NULL);
        snprintf(name, sizeof name, "wrong type %s", fields[i].name);
        CHECK(rc == -1 && strstr(err, fields[i].name) && strstr(err, "wrong type"), name,
              "rc %d err '%s'", rc, err);
    }

    /* values of the right type but out of range or malformed */
    static const struct {
        const char *obj, *key;
        enum how how;
        double num;
        const char *str, *name, *test;
    } values[] = {
        {"", "version", SET_NUMBER, 5, NULL, "version", "version 5"},
        {"", "version", SET_NUMBER, 3, NULL, "older tilespool", "version 3 (no encoder options)"},
        {"", "version", SET_NUMBER, 2, NULL, "older tilespool", "version 2 (no plan)"},
        {"source", "depth", SET_NUMBER, 17, NULL, "source.depth", "source depth 17"},
        {"source", "orientation", SET_NUMBER, 9, NULL, "source.orientation", "orientation 9"},
        {"", "version", SET_NUMBER, 1, NULL, "older tilespool", "version 1 (64-bit hashes)"},
        {"source", "width", SET_NUMBER, 1000.5, NULL, "source.width", "fractional width"},
        {"source", "width", SET_NUMBER, 0, NULL, "source.width", "width 0"},
        {"source", "channels", SET_NUMBER, 5, NULL, "source.channels", "5 channels"},
        {"source", "size", SET_NUMBER, -1, NULL, "source.size", "negative size"},
        {"source", "hash", SET_STRING, 0, "0123", "source.hash", "short hash"},
        {"source", "hash", SET_STRING, 0, "0123456789abcdef", "source.hash", "64-bit hash"},
        {"source", "hash", SET_STRING, 0,
         "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg", "source.hash",
         "hash not hex"},
        {"tiles", "size", SET_NUMBER, 0, NULL, "tiles.size", "tile size 0"},
        {"tiles", "digits", SET_NUMBER, 10, NULL, "tiles.digits", "10 digits"},
        {"output", "png_level", SET_NUMBER, 10, NULL, "output.png_level", "png level 10"},
        {"output", "png_filter", SET_NUMBER, 5, NULL, "output.png_filter", "png filter 5"},
        {"output", "jpeg_quality", SET_NUMBER, 0, NULL, "output.jpeg_quality", "quality 0"},
        {"chain0", "halo", SET_NUMBER, 4097, NULL, "chain[].halo", "stage halo 4097"},
        {"", "key", SET_STRING, 0, "xyz", "key", "key not hex"},
        {"tiles", "edge", SET_STRING, 0, "mirror", "tiles.edge", "edge mirror"},
        {"tiles", "format", SET_STRING, 0, "tiff", "tiles.format", "tile format tiff"},
    };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        int rc = parse_damaged(values[i].obj, values[i].key, values[i].how, values[i].num,
                               values[i].str);
        CHECK(rc == -1 && strstr(err, values[i].name), values[i].test, "rc %d err '%s'", rc,
              err);
    }
}

/* parse_text - manifest_parse of text; returns its result. */
static int parse_text(const char *text)
{
    static struct manifest m;
    err[0] = '\0';
    return manifest_parse(&m, text, "job.json", err);
}

/* parse_edit - base_json edited by fn; returns manifest_parse's result. */
static int parse_edit(void (*fn)(cJSON *root))
{
    cJSON *root = cJSON_Parse(base_json);
    fn(root);
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    int rc = parse_text(text);
    free(text);
    return rc;
}

static void set_str(cJSON *o, const char *key, const char *v)
{
    cJSON_ReplaceItemInObject(o, key, cJSON_CreateString(v));
}

static void set_num(cJSON *o, const char *key, double v)
{
    cJSON_ReplaceItemInObject(o, key, cJSON_CreateNumber(v));
}

static void ed_unknown(cJSON *r)
{
    cJSON_AddStringToObject(r, "comment", "added by hand");
    cJSON_AddItemToObject(r, "future", cJSON_CreateArray());
    cJSON_AddNumberToObject(cJSON_GetObjectItem(r, "source"), "dpi", 300);
    cJSON_AddBoolToObject(cJSON_GetObjectItem(r, "tiles"), "sparse", 1);
    cJSON_AddStringToObject(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "chain"), 0), "x", "y");
}
static void ed_format(cJSON *r) { set_str(r, "format", "tilespool-jobs"); }
static void ed_cols(cJSON *r) { set_num(cJSON_GetObjectItem(r, "tiles"), "cols", 5); }
static void ed_rows(cJSON *r) { set_num(cJSON_GetObjectItem(r, "tiles"), "rows", 2); }
static void ed_digits(cJSON *r) { set_num(cJSON_GetObjectItem(r, "tiles"), "digits", 2); }
static void ed_ext(cJSON *r) { set_str(cJSON_GetObjectItem(r, "tiles"), "extension", ".pgm"); }
static void ed_ext_png(cJSON *r) { set_str(cJSON_GetObjectItem(r, "tiles"), "format", "png"); }
static void ed_ext_dots(cJSON *r)
{
    set_str(cJSON_GetObjectItem(r, "tiles"), "extension", "/../x");
}
/* plan_set - key = v in every image of the plan. */
static void plan_set(cJSON *r, const char *key, double v)
{
    cJSON *im;
    cJSON_ArrayForEach(im, cJSON_GetObjectItem(cJSON_GetObjectItem(r, "plan"), "images"))
        set_num(im, key, v);
}
static void ed_width(cJSON *r)
{
    set_num(cJSON_GetObjectItem(r, "source"), "width", 1025);
    plan_set(r, "width", 1025);
}
static void ed_channels(cJSON *r)
{
    set_num(cJSON_GetObjectItem(r, "source"), "channels", 4);
    plan_set(r, "channels", 4);
}
static void ed_src_not_plan(cJSON *r) { set_num(cJSON_GetObjectItem(r, "source"), "height", 699); }
static void ed_plan_short(cJSON *r)
{
    cJSON_DeleteItemFromArray(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "plan"), "images"), 3);
}
static void ed_plan_depth(cJSON *r) { plan_set(r, "depth", 12); }
static void ed_out_size(cJSON *r)
{
    cJSON *im = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "plan"), "images"),
                                   3);
    set_num(im, "width", 2000);
}
static void ed_tsize(cJSON *r) { set_num(cJSON_GetObjectItem(r, "tiles"), "size", 128); }
static void ed_job_slash(cJSON *r) { set_str(r, "job", "a/b"); }
static void ed_job_dotdot(cJSON *r) { set_str(r, "job", ".."); }
static void ed_job_up(cJSON *r) { set_str(r, "job", "../evil"); }
static void ed_job_empty(cJSON *r) { set_str(r, "job", ""); }
static void ed_chain_path(cJSON *r)
{
    set_str(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "chain"), 0), "name", "../evil");
}
static void ed_chain_upper(cJSON *r)
{
    set_str(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "chain"), 0), "name", "Blur");
}
static void ed_chain_empty(cJSON *r)
{
    cJSON_ReplaceItemInObject(r, "chain", cJSON_CreateArray());
}
static void ed_chain_17(cJSON *r)
{
    cJSON *arr = cJSON_GetObjectItem(r, "chain");
    cJSON *last = cJSON_GetArrayItem(arr, 2);   /* posterize: halo 0 */
    for (int i = 0; i < 14; i++)
        cJSON_AddItemToArray(arr, cJSON_Duplicate(last, 1));
}
static void ed_chain_16(cJSON *r)
{
    cJSON *arr = cJSON_GetObjectItem(r, "chain");
    cJSON *last = cJSON_GetArrayItem(arr, 2);
    cJSON *ims = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "plan"), "images");
    cJSON *im = cJSON_GetArrayItem(ims, 3);
    for (int i = 0; i < 13; i++) {
        cJSON_AddItemToArray(arr, cJSON_Duplicate(last, 1));
        cJSON_AddItemToArray(ims, cJSON_Duplicate(im, 1));
    }
}
static void ed_chain_notobj(cJSON *r)
{
    cJSON_AddItemToArray(cJSON_GetObjectItem(r, "chain"), cJSON_CreateNumber(3));
}
static void ed_param_str(cJSON *r)
{
    cJSON *p = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "chain"), 0),
                                   "params");
    set_str(p, "sigma", "1.5");
}
static void ed_params_17(cJSON *r)
{
    cJSON *p = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "chain"), 0),
                                   "params");
    char k[16];
    for (int i = 0; i < 16; i++) {
        snprintf(k, sizeof k, "p%d", i);
        cJSON_AddNumberToObject(p, k, i);
    }
}
static void ed_job_long(cJSON *r)
{
    char id[SPOOL_JOB_ID_MAX + 1];
    memset(id, 'j', sizeof id - 1);
    id[sizeof id - 1] = '\0';
    set_str(r, "job", id);
}

static void test_consistency(void)
{
    if (!base_json) {
        CHECK(0, "consistency tests", "no base manifest text");
        return;
    }
    int rc = parse_text("not json at all");
    CHECK(rc == -1 && strstr(err, "job.json") && strstr(err, "not a JSON object"), "not JSON",
          "rc %d err '%s'", rc, err);
    rc = parse_text("[1, 2, 3]");
    CHECK(rc == -1 && strstr(err, "not a JSON object"), "JSON array, not object",
          "rc %d err '%s'", rc, err);
    rc = parse_text("");
    CHECK(rc == -1, "empty text", "rc %d err '%s'", rc, err);
    rc = parse_text("{}");
    CHECK(rc == -1 && strstr(err, "'format'"), "empty object", "rc %d err '%s'", rc, err);

    rc = parse_edit(ed_format);
    CHECK(rc == -1 && strstr(err, "not a tilespool job manifest"), "wrong \"format\"",
          "rc %d err '%s'", rc, err);
    rc = parse_edit(ed_unknown);
    CHECK(rc == 0, "unknown fields are ignored", "rc %d err '%s'", rc, err);

    static const struct {
        void (*fn)(cJSON *);
        const char *name, *want;
    } bad[] = {
        {ed_cols, "cols inconsistent with width", "do not match"},
        {ed_rows, "rows inconsistent with height", "do not match"},
        {ed_digits, "digits inconsistent with grid", "do not match"},
        {ed_ext, "extension .pgm for 3 channels", "do not match"},
        {ed_ext_png, "format png with extension .ppm", "do not match"},
        {ed_ext_dots, "extension with a path", "do not match"},
        {ed_width, "width with another column count", "do not match"},
        {ed_channels, "4 channels with extension .ppm", "do not match"},
        {ed_tsize, "tile size with another grid", "do not match"},
        {ed_job_slash, "job id with '/'", "not a safe name"},
        {ed_job_dotdot, "job id '..'", "not a safe name"},
        {ed_job_up, "job id '../evil'", "not a safe name"},
        {ed_job_empty, "empty job id", "not a safe name"},
        {ed_job_long, "job id too long", "job"},
        {ed_src_not_plan, "source size not the plan's first image", "not the source image"},
        {ed_plan_short, "a plan image fewer than stages + 1", "plan.images must hold 4"},
        {ed_plan_depth, "a plan image of depth 12", "depth must be 8 or 16"},
        {ed_out_size, "an output size with another grid", "do not match"},
        {ed_chain_path, "chain name '../evil'", "'../evil' is not a filter name"},
        {ed_chain_upper, "chain name 'Blur'", "'Blur' is not a filter name"},
        {ed_chain_empty, "empty chain", "chain is empty"},
        {ed_chain_17, "17 stages", "more than 16 stages"},
        {ed_chain_notobj, "a chain entry that is not an object", "not objects"},
        {ed_param_str, "a param that is a string", "params of gaussian_blur"},
        {ed_params_17, "17 params", "too many"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rc = parse_edit(bad[i].fn);
        CHECK(rc == -1 && strstr(err, bad[i].want) && strncmp(err, "job.json: ", 10) == 0,
              bad[i].name, "rc %d err '%s'", rc, err);
    }
    rc = parse_edit(ed_chain_16);
    CHECK(rc == 0, "16 stages are fine", "rc %d err '%s'", rc, err);
}

/* Found by tests/fuzz/fuzz_manifest.c: manifests that parsed, but did not
 * survive manifest_save + manifest_load. */
static void ed_param_big(cJSON *r)
{
    cJSON *p = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "chain"), 0),
                                   "params");
    set_num(p, "sigma", 1e39);
}
static void ed_size_big(cJSON *r) { set_num(cJSON_GetObjectItem(r, "source"), "size", 1e15); }

static void test_fuzz_found(void)
{
    static struct manifest m, back;
    char spool[PATH_MAX], jobdir[PATH_MAX];

    if (!base_json) {
        CHECK(0, "fuzz-found cases", "no base manifest text");
        return;
    }
    /* a param beyond float range became infinite, was saved as null */
    int rc = parse_edit(ed_param_big);
    CHECK(rc == -1 && strstr(err, "params of gaussian_blur") && strstr(err, "finite float"),
          "a param beyond float range is refused", "rc %d err '%s'", rc, err);
    const char *at = strstr(base_json, "\"sigma\":\t1.5\n");
    char *text = malloc(strlen(base_json) + 16);
    if (at && text) {
        size_t pre = (size_t)(at - base_json) + strlen("\"sigma\":\t");
        snprintf(text, strlen(base_json) + 16, "%.*s1e999%s", (int)pre, base_json,
                 base_json + pre + 3);
        rc = parse_text(text);
        CHECK(rc == -1 && strstr(err, "finite float"), "a param of 1e999 (infinity) is refused",
              "rc %d err '%s'", rc, err);
    } else {
        CHECK(0, "a param of 1e999 (infinity) is refused", "no sigma 1.5 in the base text");
    }
    free(text);

    /* a size of 16 digits came back rounded to 15 */
    rc = parse_edit(ed_size_big);
    CHECK(rc == -1 && strstr(err, "source.size"), "source.size of 10^15 is refused",
          "rc %d err '%s'", rc, err);
    full_manifest(&m);
    m.source_size = 999999999999999ull;
    snprintf(spool, sizeof spool, "%s/spool", top);
    snprintf(jobdir, sizeof jobdir, "%s/spool/%s", top, JOB_ID);
    rc = spool_job_create(spool, JOB_ID, err);
    if (rc == 0)
        rc = manifest_save(&m, jobdir, err);
    if (rc == 0)
        rc = manifest_load(&back, jobdir, err);
    CHECK(rc == 0 && back.source_size == m.source_size && back.stages[1].params[2] == FLT_MAX,
          "the largest source.size and FLT_MAX survive save + load", "rc %d err '%s' %llu",
          rc, err, (unsigned long long)back.source_size);
    spool_job_remove(jobdir, err);
}

static void test_key(void)
{
    static struct manifest a, b;
    full_manifest(&a);
    struct hash k0 = key_of(&a), k1 = key_of(&a), zero;
    memset(&zero, 0, sizeof zero);

    CHECK(hash_equal(&k1, &k0) && !hash_equal(&k0, &zero), "key is deterministic", "differs");

    /* what the key identifies */
#define CHANGED(name, stmt)                                                          \
    do {                                                                             \
        full_manifest(&b);                                                           \
        stmt;                                                                        \
        struct hash kb_ = key_of(&b);                                                \
        CHECK(!hash_equal(&kb_, &k0), "key changes with " name, "the same");         \
    } while (0)
    CHANGED("the source hash", b.source_hash.b[31] ^= 1);
    CHANGED("the tile size", b.tile_size = 255);
    CHANGED("the tile format", b.tile_format = TILE_PNG);
    CHANGED("a filter hash", b.stages[1].hash.b[0] ^= 0x80);
    CHANGED("the last filter hash", b.stages[2].hash = fake_hash(2));
    CHANGED("a filter name", b.stages[2].name[0] = 'q');
    CHANGED("a param", b.stages[0].params[0] = 1.75f);
    CHANGED("a param by one ulp", b.stages[1].params[0] = nextafterf(0.1f, 1.0f));
    CHANGED("a param in the last place", b.stages[1].params[4] = -16777214.0f);
    CHANGED("one stage fewer", b.nstages = 2);
    CHANGED("the output size", b.plan.img[3].w = 500);
    CHANGED("the source's depth", b.plan.img[0].depth = 8);
    CHANGED("the stage order",
            { struct stage_spec t = b.stages[0]; b.stages[0] = b.stages[1]; b.stages[1] = t; });
#undef CHANGED

    /* what it does not */
#define SAME(name, stmt)                                                             \
    do {                                                                             \
        full_manifest(&b);                                                           \
        stmt;                                                                        \
        struct hash kb_ = key_of(&b);                                                \
        CHECK(hash_equal(&kb_, &k0), "key ignores " name, "differs");                \
    } while (0)
    SAME("the job id", snprintf(b.job, sizeof b.job, "other"));
    SAME("the creation time", snprintf(b.created, sizeof b.created, "2030-01-01T00:00:00Z"));
    SAME("the stored key", b.key = zero);
    SAME("the source path", snprintf(b.source_path, sizeof b.source_path, "/elsewhere.png"));
    SAME("the output path and options",
         { b.output_path[0] = '\0'; b.output_opts.png_level = 1; b.output_opts.jpeg_quality = 5; });
    SAME("keep_done", b.keep_done = 0);
    SAME("chain_text", snprintf(b.chain_text, sizeof b.chain_text, "x"));
    SAME("the stage kind", snprintf(b.stages[0].kind, sizeof b.stages[0].kind, "point"));
    SAME("unused param slots", b.stages[0].params[5] = 42.0f);
#undef SAME
}

int main(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(top, sizeof top, "%s/test_manifest.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(top)) {
        perror(top);
        return 2;
    }
    test_round_trip();
    test_fields();
    test_consistency();
    test_fuzz_found();
    test_key();
    free(base_json);

    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
    CHECK(system(cmd) == 0 && access(top, F_OK) != 0, "temporary directory removed", "%s",
          top);
    CHECK_DONE();
}
