/*
 * test_stage.c - unit tests of what ABI v2 adds to a filter's description
 * and the binding of its parameters (stage.h): kind geometry, "depths",
 * "channels_out" and "choices" parsed and checked, a choices parameter
 * bound by name or index, and each malformed field refused naming the
 * module and the field.
 */
#include "stage.h"
#include "err.h"
#include "check.h"

#include <stdio.h>
#include <string.h>

static char err[ERR_MAX];

static int has(const char *s) { return strstr(err, s) != NULL; }

/* desc - "{name, summary, kind, channels, params[kernel, fit], <extra>}";
 * kernel is 0..3, fit 0..1. */
static const char *desc(const char *kind, const char *extra)
{
    static char text[2048];
    snprintf(text, sizeof text,
             "{\"name\":\"resize\",\"summary\":\"s\",\"kind\":\"%s\",\"channels\":[1,2,3,4],"
             "\"params\":[{\"name\":\"width\",\"default\":0,\"min\":0,\"max\":65535},"
             "{\"name\":\"kernel\",\"default\":3,\"min\":0,\"max\":3},"
             "{\"name\":\"fit\",\"default\":0,\"min\":0,\"max\":1}]%s%s}",
             kind, *extra ? "," : "", extra);
    return text;
}

static const char *const choices =
    "\"choices\":{\"kernel\":[\"nearest\",\"linear\",\"cubic\",\"lanczos3\"],"
    "\"fit\":[\"inside\",\"cover\"]}";

static void test_parse(void)
{
    struct filter_desc d;
    char extra[1024];
    snprintf(extra, sizeof extra, "\"depths\":[8,16],\"channels_out\":[1,2,1,2],%s", choices);
    int rc = stage_parse_desc(desc("geometry", extra), "resize", &d, err);
    CHECK(rc == 0 && strcmp(d.kind, "geometry") == 0 && d.depths == 3 &&
              d.channels_out[1] == 1 && d.channels_out[3] == 1 && d.channels_out[4] == 2 &&
              d.params[0].nchoices == 0 && d.params[1].nchoices == 4 &&
              strcmp(d.params[1].choices[3], "lanczos3") == 0 && d.params[2].nchoices == 2 &&
              strcmp(d.params[2].choices[1], "cover") == 0,
          "kind geometry with depths, channels_out and choices", "rc %d err '%s' depths %u", rc,
          err, d.depths);
    rc = stage_parse_desc(desc("point", ""), "resize", &d, err);
    CHECK(rc == 0 && d.depths == STAGE_DEPTH_8 && d.channels_out[3] == 0 &&
              d.params[1].nchoices == 0,
          "without them: 8-bit only, output channels not said, no choices", "rc %d err '%s'",
          rc, err);
    rc = stage_parse_desc(desc("point", "\"depths\":[16]"), "resize", &d, err);
    CHECK(rc == 0 && d.depths == STAGE_DEPTH_16, "depths [16]: 16-bit only", "rc %d err '%s'",
          rc, err);

    static const struct {
        const char *name, *extra, *want;
    } bad[] = {
        {"depths with 12", "\"depths\":[8,12]", "depths must hold 8 and 16 only"},
        {"depths empty", "\"depths\":[]", "depths is empty"},
        {"depths not an array", "\"depths\":8", "depths must be an array"},
        {"channels_out of 5 entries", "\"channels_out\":[1,1,1,1,1]", "at most 4"},
        {"channels_out with 5", "\"channels_out\":[5]", "channels_out must hold numbers 0..4"},
        {"choices not an object", "\"choices\":[1]", "choices must be an object"},
        {"choices of no param", "\"choices\":{\"size\":[\"a\"]}", "'size', which is not a param"},
        {"choices of the wrong count", "\"choices\":{\"kernel\":[\"a\",\"b\"]}",
         "param kernel has 2 choices: min must be 0, max 1"},
        {"a choice named in capitals", "\"choices\":{\"fit\":[\"Inside\",\"cover\"]}",
         "each name must be 1..32 characters [a-z0-9_]"},
        {"a choice of 33 characters",
         "\"choices\":{\"fit\":[\"a23456789012345678901234567890123\",\"b\"]}",
         "each name must be 1..32 characters"},
        {"a choice named twice", "\"choices\":{\"fit\":[\"same\",\"same\"]}", "'same' named twice"},
        {"17 choices", "\"choices\":{\"width\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\","
         "\"i\",\"j\",\"k\",\"l\",\"m\",\"n\",\"o\",\"p\",\"q\"]}", "an array of 1..16 names"},
    };
    char name[128];
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        err[0] = '\0';
        rc = stage_parse_desc(desc("point", bad[k].extra), "mod", &d, err);
        snprintf(name, sizeof name, "refused: %s", bad[k].name);
        CHECK(rc == -1 && has("filter mod: describe: ") && has(bad[k].want), name,
              "rc %d err '%s'", rc, err);
    }
    rc = stage_parse_desc(desc("warp", ""), "mod", &d, err);
    CHECK(rc == -1 && has("kind 'warp' is not supported (point, neighborhood, geometry, global)"),
          "refused: an unknown kind, naming the four", "rc %d err '%s'", rc, err);
}

/* bind - bind chain text's only stage against d into *out; 0 or -1. */
static int bind(const struct filter_desc *d, const char *text, struct stage_spec *out)
{
    struct chain c;
    memset(out, 0, sizeof *out);
    err[0] = '\0';
    if (chain_parse(text, &c, err) < 0)
        return -2;
    return stage_bind_params(d, &c.stages[0], out, err);
}

static void test_bind(void)
{
    struct filter_desc d;
    struct stage_spec s;
    if (stage_parse_desc(desc("geometry", choices), "resize", &d, err) < 0) {
        CHECK(0, "parse the description to bind against", "err '%s'", err);
        return;
    }
    int rc = bind(&d, "resize:width=100", &s);
    CHECK(rc == 0 && s.params[0] == 100 && s.params[1] == 3 && s.params[2] == 0,
          "choices at their defaults: the default index", "rc %d err '%s'", rc, err);
    rc = bind(&d, "resize:kernel=linear:fit=cover", &s);
    CHECK(rc == 0 && s.params[1] == 1 && s.params[2] == 1, "a choice by name: its index",
          "rc %d err '%s' %g %g", rc, err, (double)s.params[1], (double)s.params[2]);
    rc = bind(&d, "resize:kernel=2", &s);
    CHECK(rc == 0 && s.params[1] == 2, "a choice by index", "rc %d err '%s'", rc, err);
    rc = bind(&d, "resize:kernel=bicubic", &s);
    CHECK(rc == -1 && has("filter resize: parameter kernel='bicubic' is not one of nearest, "
                          "linear, cubic, lanczos3 (or an index 0..3)"),
          "an unknown choice: refused, listing the names", "rc %d err '%s'", rc, err);
    rc = bind(&d, "resize:kernel=4", &s);
    CHECK(rc == -1 && has("is not one of"), "an index past the last choice: refused",
          "rc %d err '%s'", rc, err);
    rc = bind(&d, "resize:kernel=1.5", &s);
    CHECK(rc == -1 && has("is not one of"), "a fraction for a choice: refused", "rc %d err '%s'",
          rc, err);
    rc = bind(&d, "resize:width=lanczos3", &s);
    CHECK(rc == -1 && has("parameter width='lanczos3' is not a number"),
          "a name for a plain number: refused as before", "rc %d err '%s'", rc, err);
}

int main(void)
{
    test_parse();
    test_bind();
    CHECK_DONE();
}
