/*
 * stage.c - a filter's description, the binding of a chain stage's
 * parameters to it, and the merge of its statistics blocks (stage.h).
 *
 * The describe JSON is untrusted input (it comes out of a filter's linear
 * memory): it is parsed with cJSON, and anything missing or of the wrong
 * type is an error naming the module and the field.
 */
#include "stage.h"
#include "err.h"

#include <cjson/cJSON.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* get_field - object member `key` of type `type` (cJSON_String ...), or NULL
 * with err naming the module and field. */
static cJSON *get_field(cJSON *obj, const char *key, int type, const char *where,
                        const char *module, char *err)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    const char *want = type == cJSON_String ? "a string" : type == cJSON_Number ? "a number"
                       : type == cJSON_Array ? "an array" : "an object";
    if (!v || !(v->type & type)) {
        errf(err, "filter %s: describe: %s%s'%s' %s, must be %s", module, where,
             *where ? " " : "", key, v ? "has the wrong type" : "is missing", want);
        return NULL;
    }
    return v;
}

/* parse_param_desc - one entry of "params"; returns 0 or -1. */
static int parse_param_desc(cJSON *p, const char *module, struct filter_param_desc *out,
                            char *err)
{
    cJSON *name = get_field(p, "name", cJSON_String, "param", module, err);
    if (!name)
        return -1;
    cJSON *type = cJSON_GetObjectItemCaseSensitive(p, "type");
    if (type && !(cJSON_IsString(type) && (strcmp(type->valuestring, "number") == 0 ||
                                           strcmp(type->valuestring, "path") == 0)))
        return errf(err, "filter %s: describe: param %.64s: type must be \"number\" or "
                    "\"path\"", module, name->valuestring);
    if (type && strcmp(type->valuestring, "path") == 0) {
        if (!chain_name_ok(name->valuestring))
            return errf(err, "filter %s: describe: bad param name '%.64s'", module,
                        name->valuestring);
        /* passed to the filter as 1: given (the host requires it) */
        snprintf(out->name, sizeof out->name, "%s", name->valuestring);
        out->is_path = 1;
        out->def = out->min = 0;
        out->max = 1;
        return 0;
    }
    cJSON *def = get_field(p, "default", cJSON_Number, name->valuestring, module, err);
    cJSON *min = def ? get_field(p, "min", cJSON_Number, name->valuestring, module, err) : NULL;
    cJSON *max = min ? get_field(p, "max", cJSON_Number, name->valuestring, module, err) : NULL;
    if (!max)
        return -1;
    if (!chain_name_ok(name->valuestring))
        return errf(err, "filter %s: describe: bad param name '%.64s'", module,
                    name->valuestring);
    snprintf(out->name, sizeof out->name, "%s", name->valuestring);
    out->def = def->valuedouble;
    out->min = min->valuedouble;
    out->max = max->valuedouble;
    /* Values reach the filter and job.json as floats: a bound beyond
     * FLT_MAX (cJSON reads 1e999 as infinity) would let a value through
     * that becomes infinite there, and job.json cannot hold one. */
    if (!(fabs(out->min) <= FLT_MAX && fabs(out->def) <= FLT_MAX && fabs(out->max) <= FLT_MAX))
        return errf(err, "filter %s: describe: param %s: default, min and max must be "
                    "finite and within float range", module, out->name);
    if (!(out->min <= out->def && out->def <= out->max))
        return errf(err, "filter %s: describe: param %s: default %g not in [%g, %g]", module,
                    out->name, out->def, out->min, out->max);
    return 0;
}

/* parse_channels - the "channels" array into a bit mask; returns 0 or -1. */
static int parse_channels(cJSON *arr, const char *module, unsigned *mask, char *err)
{
    cJSON *c;
    *mask = 0;
    cJSON_ArrayForEach(c, arr) {
        if (!cJSON_IsNumber(c) || c->valuedouble != (double)c->valueint || c->valueint < 1 ||
            c->valueint > 4)
            return errf(err, "filter %s: describe: channels must hold numbers 1..4", module);
        *mask |= 1u << c->valueint;
    }
    if (*mask == 0)
        return errf(err, "filter %s: describe: channels is empty", module);
    return 0;
}

/* parse_depths - the optional "depths" array (8 and/or 16) into a mask;
 * absent means 8-bit samples only.  Returns 0 or -1. */
static int parse_depths(cJSON *arr, const char *module, unsigned *mask, char *err)
{
    cJSON *c;
    *mask = 0;
    if (!arr) {
        *mask = STAGE_DEPTH_8;
        return 0;
    }
    if (!cJSON_IsArray(arr))
        return errf(err, "filter %s: describe: depths must be an array of 8 and 16", module);
    cJSON_ArrayForEach(c, arr) {
        unsigned bit = cJSON_IsNumber(c) && c->valuedouble == (double)c->valueint
                       ? stage_depth_bit(c->valueint) : 0u;
        if (!bit)
            return errf(err, "filter %s: describe: depths must hold 8 and 16 only", module);
        *mask |= bit;
    }
    if (*mask == 0)
        return errf(err, "filter %s: describe: depths is empty", module);
    return 0;
}

/* parse_channels_out - the optional "channels_out" array: entry i is the
 * output channel count for input count i + 1, 0 for not said.  Returns 0
 * or -1. */
static int parse_channels_out(cJSON *arr, const char *module, int out[5], char *err)
{
    cJSON *c;
    int i = 1;
    memset(out, 0, 5 * sizeof *out);
    if (!arr)
        return 0;
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > 4)
        return errf(err, "filter %s: describe: channels_out must be an array of at most 4 "
                    "numbers 0..4", module);
    cJSON_ArrayForEach(c, arr) {
        if (!cJSON_IsNumber(c) || c->valuedouble != (double)c->valueint || c->valueint < 0 ||
            c->valueint > 4)
            return errf(err, "filter %s: describe: channels_out must hold numbers 0..4", module);
        out[i++] = c->valueint;
    }
    return 0;
}

/* choice_name_ok - 1..32 characters of [a-z0-9_]. */
static int choice_name_ok(const char *s)
{
    return strlen(s) < FILTER_CHOICE_NAME_MAX && chain_name_ok(s);
}

/* parse_choice_list - the names of one param's "choices" entry into pd;
 * the param's range must be exactly their indices.  Returns 0 or -1. */
static int parse_choice_list(cJSON *arr, const char *module, struct filter_param_desc *pd,
                             char *err)
{
    cJSON *c;
    int n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0;
    if (pd->is_path || n < 1 || n > FILTER_CHOICES_MAX)
        return errf(err, "filter %s: describe: choices of %s must be an array of 1..%d names "
                    "of a number param", module, pd->name, FILTER_CHOICES_MAX);
    pd->nchoices = 0;
    cJSON_ArrayForEach(c, arr) {
        if (!cJSON_IsString(c) || !choice_name_ok(c->valuestring))
            return errf(err, "filter %s: describe: choices of %s: each name must be 1..%d "
                        "characters [a-z0-9_]", module, pd->name, FILTER_CHOICE_NAME_MAX - 1);
        for (int k = 0; k < pd->nchoices; k++)
            if (strcmp(pd->choices[k], c->valuestring) == 0)
                return errf(err, "filter %s: describe: choices of %s: '%s' named twice",
                            module, pd->name, c->valuestring);
        snprintf(pd->choices[pd->nchoices++], FILTER_CHOICE_NAME_MAX, "%s", c->valuestring);
    }
    if (pd->min != 0 || pd->max != n - 1 || pd->def != floor(pd->def))
        return errf(err, "filter %s: describe: param %s has %d choices: min must be 0, max %d "
                    "and the default an index", module, pd->name, n, n - 1);
    return 0;
}

/* parse_choices - the optional top-level "choices" object: param name ->
 * array of value names.  Returns 0 or -1. */
static int parse_choices(cJSON *obj, const char *module, struct filter_desc *d, char *err)
{
    cJSON *e;
    if (!obj)
        return 0;
    if (!cJSON_IsObject(obj))
        return errf(err, "filter %s: describe: choices must be an object", module);
    cJSON_ArrayForEach(e, obj) {
        int k = 0;
        while (k < d->nparams && strcmp(d->params[k].name, e->string) != 0)
            k++;
        if (k == d->nparams)
            return errf(err, "filter %s: describe: choices for '%.64s', which is not a param",
                        module, e->string);
        if (parse_choice_list(e, module, &d->params[k], err) < 0)
            return -1;
    }
    return 0;
}

/* parse_stats_field - one entry of "stats" into l->f[l->nfields]. */
static int parse_stats_field(cJSON *o, const char *module, struct stats_layout *l, char *err)
{
    cJSON *name = get_field(o, "name", cJSON_String, "stats", module, err);
    cJSON *count = name ? get_field(o, "count", cJSON_Number, name->valuestring, module, err)
                        : NULL;
    cJSON *merge = count ? get_field(o, "merge", cJSON_String, name->valuestring, module, err)
                         : NULL;
    if (!merge)
        return -1;
    static const char *const rules[] = {"sum", "min", "max"};
    int rule = 0;
    while (rule < 3 && strcmp(merge->valuestring, rules[rule]) != 0)
        rule++;
    double n = count->valuedouble;
    if (!chain_name_ok(name->valuestring) || rule == 3 || !(n >= 1 && n <= STATS_MAX_VALUES) ||
        n != (double)(uint32_t)n || l->nvalues + (uint32_t)n > STATS_MAX_VALUES)
        return errf(err, "filter %s: describe: stats field '%.64s' needs a name [a-z0-9_], "
                    "a count 1..%d in all, and merge sum, min or max", module,
                    name->valuestring, STATS_MAX_VALUES);
    snprintf(l->f[l->nfields].name, FILTER_NAME_MAX, "%s", name->valuestring);
    l->f[l->nfields].count = (uint32_t)n;
    l->f[l->nfields].merge = (enum stats_merge)rule;
    l->nvalues += (uint32_t)n;
    l->nfields++;
    return 0;
}

/* parse_stats - a global filter's "stats" array; returns 0 or -1. */
static int parse_stats(cJSON *arr, const char *module, struct stats_layout *l, char *err)
{
    cJSON *o;
    memset(l, 0, sizeof *l);
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) < 1 ||
        cJSON_GetArraySize(arr) > STATS_MAX_FIELDS)
        return errf(err, "filter %s: describe: a global filter needs 'stats', an array of "
                    "1..%d fields", module, STATS_MAX_FIELDS);
    cJSON_ArrayForEach(o, arr)
        if (parse_stats_field(o, module, l, err) < 0)
            return -1;
    return 0;
}

int stage_parse_desc(const char *json, const char *module, struct filter_desc *d, char *err)
{
    memset(d, 0, sizeof *d);
    cJSON *root = cJSON_Parse(json);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return errf(err, "filter %s: describe: not a JSON object", module);
    }
    int rc = -1;
    cJSON *name = get_field(root, "name", cJSON_String, "", module, err);
    cJSON *summary = name ? get_field(root, "summary", cJSON_String, "", module, err) : NULL;
    cJSON *kind = summary ? get_field(root, "kind", cJSON_String, "", module, err) : NULL;
    cJSON *chans = kind ? get_field(root, "channels", cJSON_Array, "", module, err) : NULL;
    cJSON *params = chans ? get_field(root, "params", cJSON_Array, "", module, err) : NULL;
    if (!params || parse_channels(chans, module, &d->channels_mask, err) < 0)
        goto done;
    snprintf(d->name, sizeof d->name, "%s", name->valuestring);
    snprintf(d->summary, sizeof d->summary, "%s", summary->valuestring);
    snprintf(d->kind, sizeof d->kind, "%s", kind->valuestring);
    if (strcmp(d->kind, "point") != 0 && strcmp(d->kind, "neighborhood") != 0 &&
        strcmp(d->kind, "geometry") != 0 && strcmp(d->kind, "global") != 0) {
        errf(err, "filter %s: describe: kind '%.16s' is not supported (point, neighborhood, "
             "geometry, global)", module, kind->valuestring);
        goto done;
    }
    if (parse_depths(cJSON_GetObjectItemCaseSensitive(root, "depths"), module, &d->depths,
                     err) < 0 ||
        parse_channels_out(cJSON_GetObjectItemCaseSensitive(root, "channels_out"), module,
                           d->channels_out, err) < 0)
        goto done;
    if (strcmp(d->kind, "global") == 0 &&
        parse_stats(cJSON_GetObjectItemCaseSensitive(root, "stats"), module, &d->stats,
                    err) < 0)
        goto done;
    if (cJSON_GetArraySize(params) > CHAIN_MAX_PARAMS) {
        errf(err, "filter %s: describe: more than %d params", module, CHAIN_MAX_PARAMS);
        goto done;
    }
    cJSON *p;
    cJSON_ArrayForEach(p, params) {
        if (parse_param_desc(p, module, &d->params[d->nparams], err) < 0)
            goto done;
        for (int k = 0; k < d->nparams; k++)
            if (strcmp(d->params[k].name, d->params[d->nparams].name) == 0) {
                errf(err, "filter %s: describe: param '%s' declared twice", module,
                     d->params[k].name);
                goto done;
            }
        d->nparams++;
    }
    if (parse_choices(cJSON_GetObjectItemCaseSensitive(root, "choices"), module, d, err) < 0)
        goto done;
    rc = 0;
done:
    cJSON_Delete(root);
    return rc;
}

/* parse_number - a finite decimal number filling the whole string. */
static int parse_number(const char *s, double *v)
{
    char *end;
    *v = strtod(s, &end);
    return end != s && *end == '\0' && isfinite(*v) ? 0 : -1;
}

/* bind_path - the value of path param pd (required) into out->ref_path. */
static int bind_path(const struct filter_desc *d, const struct chain_stage *st,
                     const struct filter_param_desc *pd, struct stage_spec *out, char *err)
{
    if (out->ref_path[0])
        return errf(err, "filter %s: more than one path parameter is not supported", d->name);
    for (int i = 0; i < st->nparams; i++)
        if (strcmp(st->params[i].key, pd->name) == 0 && st->params[i].value[0]) {
            snprintf(out->ref_path, sizeof out->ref_path, "%s", st->params[i].value);
            return 0;
        }
    return errf(err, "filter %s: parameter %s=PATH is required (an image file)", d->name,
                pd->name);
}

/* bind_choice - a choices param's value: one of its names, or an index;
 * returns 0 with *v the index, or -1 with err listing the names. */
static int bind_choice(const struct filter_desc *d, const struct filter_param_desc *pd,
                       const char *value, double *v, char *err)
{
    char names[FILTER_CHOICES_MAX * (FILTER_CHOICE_NAME_MAX + 2)] = "";
    for (int k = 0; k < pd->nchoices; k++) {
        if (strcmp(pd->choices[k], value) == 0) {
            *v = k;
            return 0;
        }
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", k ? ", " : "",
                 pd->choices[k]);
    }
    if (parse_number(value, v) == 0 && *v == floor(*v) && *v >= 0 && *v < pd->nchoices)
        return 0;
    return errf(err, "filter %s: parameter %s='%s' is not one of %s (or an index 0..%d)",
                d->name, pd->name, value, names, pd->nchoices - 1);
}

int stage_bind_params(const struct filter_desc *d, const struct chain_stage *st,
                      struct stage_spec *out, char *err)
{
    for (int i = 0; i < st->nparams; i++) {
        int k = 0;
        while (k < d->nparams && strcmp(d->params[k].name, st->params[i].key) != 0)
            k++;
        if (k == d->nparams) {
            char known[512] = "";
            for (int j = 0; j < d->nparams; j++)
                snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s",
                         j ? ", " : "", d->params[j].name);
            return errf(err, "filter %s: unknown parameter '%s' (it takes: %s)", d->name,
                        st->params[i].key, d->nparams ? known : "no parameters");
        }
    }
    out->nparams = d->nparams;
    for (int k = 0; k < d->nparams; k++) {
        const struct filter_param_desc *pd = &d->params[k];
        double v = pd->def;
        if (pd->is_path) {
            if (bind_path(d, st, pd, out, err) < 0)
                return -1;
            snprintf(out->param_names[k], FILTER_NAME_MAX, "%s", pd->name);
            out->params[k] = 1.0f;
            continue;
        }
        for (int i = 0; i < st->nparams; i++) {
            if (strcmp(st->params[i].key, pd->name) != 0)
                continue;
            if (pd->nchoices) {
                if (bind_choice(d, pd, st->params[i].value, &v, err) < 0)
                    return -1;
            } else if (parse_number(st->params[i].value, &v) < 0) {
                return errf(err, "filter %s: parameter %s='%s' is not a number", d->name,
                            pd->name, st->params[i].value);
            }
        }
        if (v < pd->min || v > pd->max)
            return errf(err, "filter %s: parameter %s=%g is out of range [%g, %g]", d->name,
                        pd->name, v, pd->min, pd->max);
        snprintf(out->param_names[k], FILTER_NAME_MAX, "%s", pd->name);
        out->params[k] = (float)v;
    }
    return 0;
}

int stage_stats_merge(const struct stats_layout *l, uint64_t *acc, const uint64_t *v,
                      char *err)
{
    uint32_t i = 0;
    for (int k = 0; k < l->nfields; k++)
        for (uint32_t e = 0; e < l->f[k].count; e++, i++) {
            switch (l->f[k].merge) {
            case STATS_SUM:
                if (acc[i] > UINT64_MAX - v[i])
                    return errf(err, "statistics field %s: the sum overflows 64 bits",
                                l->f[k].name);
                acc[i] += v[i];
                break;
            case STATS_MIN:
                acc[i] = v[i] < acc[i] ? v[i] : acc[i];
                break;
            case STATS_MAX:
                acc[i] = v[i] > acc[i] ? v[i] : acc[i];
                break;
            }
        }
    return 0;
}
