/*
 * test_chain.c - unit tests for the filter chain syntax (chain.h).
 *
 * chain_parse is fed well-formed chains (one stage, several, with
 * parameters, paths to user modules) and every kind of malformed one;
 * each error must name the part of the text that is wrong.  Limits
 * (stages, parameters, name, key and value lengths) are probed at the
 * boundary: the largest accepted and the smallest refused.
 */
#include "chain.h"
#include "err.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct chain c;
static char err[ERR_MAX];

/* parse - run chain_parse on text with a fresh error buffer; returns its result. */
static int parse(const char *text)
{
    err[0] = '\0';
    return chain_parse(text, &c, err);
}

/* has - 1 if the error message contains s. */
static int has(const char *s)
{
    return strstr(err, s) != NULL;
}

/* repeat - a string of n copies of ch (static buffer, 2 deep). */
static const char *repeat(char ch, size_t n)
{
    static char buf[2][2048];
    static int next;

    next = (next + 1) % 2;
    memset(buf[next], ch, n);
    buf[next][n] = '\0';
    return buf[next];
}

static void test_good(void)
{
    int rc = parse("identity");
    CHECK(rc == 0 && c.nstages == 1 && strcmp(c.stages[0].name, "identity") == 0 &&
              c.stages[0].nparams == 0 && c.stages[0].is_path == 0,
          "single stage", "rc %d nstages %d name '%s' err '%s'", rc, c.nstages,
          c.stages[0].name, err);

    rc = parse("gaussian_blur:sigma=1.5,sharpen:amount=0.6:sigma=1,invert");
    CHECK(rc == 0 && c.nstages == 3, "three stages", "rc %d nstages %d err '%s'", rc,
          c.nstages, err);
    CHECK(strcmp(c.stages[0].name, "gaussian_blur") == 0 && c.stages[0].nparams == 1 &&
              strcmp(c.stages[0].params[0].key, "sigma") == 0 &&
              strcmp(c.stages[0].params[0].value, "1.5") == 0,
          "stage 1 with one param", "name '%s' nparams %d", c.stages[0].name,
          c.stages[0].nparams);
    CHECK(strcmp(c.stages[1].name, "sharpen") == 0 && c.stages[1].nparams == 2 &&
              strcmp(c.stages[1].params[0].key, "amount") == 0 &&
              strcmp(c.stages[1].params[0].value, "0.6") == 0 &&
              strcmp(c.stages[1].params[1].key, "sigma") == 0 &&
              strcmp(c.stages[1].params[1].value, "1") == 0,
          "stage 2 with two params in order", "name '%s' nparams %d", c.stages[1].name,
          c.stages[1].nparams);
    CHECK(strcmp(c.stages[2].name, "invert") == 0 && c.stages[2].nparams == 0 &&
              !c.stages[0].is_path && !c.stages[1].is_path && !c.stages[2].is_path,
          "stage 3 without params", "name '%s' nparams %d", c.stages[2].name,
          c.stages[2].nparams);

    rc = parse("a:k=v=w");
    CHECK(rc == 0 && strcmp(c.stages[0].params[0].key, "k") == 0 &&
              strcmp(c.stages[0].params[0].value, "v=w") == 0,
          "value may contain '='", "rc %d key '%s' value '%s'", rc,
          c.stages[0].params[0].key, c.stages[0].params[0].value);

    rc = parse("a_1,b2,z9_");
    CHECK(rc == 0 && c.nstages == 3 && strcmp(c.stages[2].name, "z9_") == 0,
          "digits and underscores in names", "rc %d err '%s'", rc, err);

    /* a re-parse must not keep anything of the previous chain */
    rc = parse("sepia");
    CHECK(rc == 0 && c.nstages == 1 && c.stages[1].name[0] == '\0' &&
              c.stages[0].nparams == 0,
          "parse resets the chain", "rc %d nstages %d", rc, c.nstages);
}

static void test_paths(void)
{
    int rc = parse("./x.wasm");
    CHECK(rc == 0 && c.stages[0].is_path && strcmp(c.stages[0].name, "./x.wasm") == 0,
          "./x.wasm is a path", "rc %d is_path %d err '%s'", rc, c.stages[0].is_path, err);
    rc = parse("dir/f");
    CHECK(rc == 0 && c.stages[0].is_path && strcmp(c.stages[0].name, "dir/f") == 0,
          "dir/f is a path", "rc %d is_path %d err '%s'", rc, c.stages[0].is_path, err);
    rc = parse("My.wasm");
    CHECK(rc == 0 && c.stages[0].is_path, "name.wasm is a path", "rc %d is_path %d err '%s'",
          rc, c.stages[0].is_path, err);
    rc = parse("/abs/Dir/m.wasm:gain=2,identity");
    CHECK(rc == 0 && c.nstages == 2 && c.stages[0].is_path && !c.stages[1].is_path &&
              strcmp(c.stages[0].name, "/abs/Dir/m.wasm") == 0 && c.stages[0].nparams == 1 &&
              strcmp(c.stages[0].params[0].key, "gain") == 0,
          "path with params, then a bundled name", "rc %d nstages %d err '%s'", rc,
          c.nstages, err);
    rc = parse(".wasm");
    CHECK(rc < 0 && has("'.wasm'"), "bare .wasm is neither a name nor a path", "rc %d err '%s'",
          rc, err);
}

static void test_errors(void)
{
    int rc = parse("blur:sigma=1:sigma=2");
    CHECK(rc < 0 && has("sigma") && has("twice") && has("blur"), "repeated param",
          "rc %d err '%s'", rc, err);

    rc = parse("blur:radius");
    CHECK(rc < 0 && has("'radius'") && has("no '=value'"), "missing '='", "rc %d err '%s'",
          rc, err);
    CHECK(rc < 0 && has("blur"), "missing '=' names the stage", "err '%s'", err);

    rc = parse("a,,b");
    CHECK(rc < 0 && has("empty filter name"), "empty stage a,,b", "rc %d err '%s'", rc, err);
    rc = parse("a,");
    CHECK(rc < 0 && has("empty filter name"), "trailing comma", "rc %d err '%s'", rc, err);
    rc = parse(",a");
    CHECK(rc < 0 && has("empty filter name"), "leading comma", "rc %d err '%s'", rc, err);
    rc = parse(":x=1");
    CHECK(rc < 0 && has("empty filter name") && has(":x=1"), "empty name :x=1",
          "rc %d err '%s'", rc, err);
    rc = parse("");
    CHECK(rc < 0 && has("empty"), "empty chain", "rc %d err '%s'", rc, err);
    rc = chain_parse(NULL, &c, err);
    CHECK(rc < 0 && has("empty"), "NULL chain", "rc %d err '%s'", rc, err);

    rc = parse("a:=1");
    CHECK(rc < 0 && has("bad parameter name") && has("=1"), "empty param name",
          "rc %d err '%s'", rc, err);
    rc = parse("a:k=");
    CHECK(rc < 0 && has("'k'") && has("empty"), "empty value", "rc %d err '%s'", rc, err);
    rc = parse("a:");
    CHECK(rc < 0 && has("no '=value'"), "trailing ':'", "rc %d err '%s'", rc, err);
    rc = parse("a::k=1");
    CHECK(rc < 0 && has("no '=value'"), "empty param '::'", "rc %d err '%s'", rc, err);

    rc = parse("Blur");
    CHECK(rc < 0 && has("'Blur'") && has("not a filter name"), "upper case name",
          "rc %d err '%s'", rc, err);
    rc = parse("gaussian blur");
    CHECK(rc < 0 && has("'gaussian blur'"), "name with a space", "rc %d err '%s'", rc, err);
    rc = parse("identity, invert");
    CHECK(rc < 0 && has("' invert'"), "space after comma", "rc %d err '%s'", rc, err);
    rc = parse("a-b");
    CHECK(rc < 0 && has("'a-b'"), "name with '-'", "rc %d err '%s'", rc, err);
    rc = parse("ok,BAD:x=1");
    CHECK(rc < 0 && has("'BAD'"), "bad name in the second stage is named", "rc %d err '%s'",
          rc, err);
}

static void test_limits(void)
{
    char text[4096];
    size_t n = 0;

    /* 16 stages pass, 17 fail */
    text[0] = '\0';
    for (int i = 0; i < CHAIN_MAX_STAGES; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "%sf%d", i ? "," : "", i);
    int rc = parse(text);
    CHECK(rc == 0 && c.nstages == CHAIN_MAX_STAGES &&
              strcmp(c.stages[CHAIN_MAX_STAGES - 1].name, "f15") == 0,
          "16 stages", "rc %d nstages %d err '%s'", rc, c.nstages, err);
    snprintf(text + n, sizeof text - n, ",f16");
    rc = parse(text);
    CHECK(rc < 0 && has("more than 16 filters"), "17 stages", "rc %d err '%s'", rc, err);

    /* 16 params pass, 17 fail */
    n = (size_t)snprintf(text, sizeof text, "p");
    for (int i = 0; i < CHAIN_MAX_PARAMS; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, ":k%d=%d", i, i);
    rc = parse(text);
    CHECK(rc == 0 && c.stages[0].nparams == CHAIN_MAX_PARAMS &&
              strcmp(c.stages[0].params[15].key, "k15") == 0 &&
              strcmp(c.stages[0].params[15].value, "15") == 0,
          "16 params", "rc %d nparams %d err '%s'", rc, c.stages[0].nparams, err);
    snprintf(text + n, sizeof text - n, ":k16=16");
    rc = parse(text);
    CHECK(rc < 0 && has("more than 16 parameters") && has("filter chain: p:"),
          "17 params (names the stage)", "rc %d err '%s'", rc, err);

    /* names: 63 characters pass, 64 fail (bundled); long paths up to 255 */
    snprintf(text, sizeof text, "%s", repeat('a', 63));
    rc = parse(text);
    CHECK(rc == 0 && strlen(c.stages[0].name) == 63, "63-char name", "rc %d err '%s'", rc, err);
    snprintf(text, sizeof text, "%s", repeat('a', 64));
    rc = parse(text);
    CHECK(rc < 0 && has("not a filter name"), "64-char name", "rc %d err '%s'", rc, err);
    snprintf(text, sizeof text, "d/%s", repeat('p', CHAIN_NAME_MAX - 3));
    rc = parse(text);
    CHECK(rc == 0 && c.stages[0].is_path && strlen(c.stages[0].name) == CHAIN_NAME_MAX - 1,
          "255-char path", "rc %d err '%s'", rc, err);
    snprintf(text, sizeof text, "d/%s", repeat('p', CHAIN_NAME_MAX - 2));
    rc = parse(text);
    CHECK(rc < 0 && has("too long"), "256-char path", "rc %d err '%s'", rc, err);

    /* keys: 63 pass, 64 fail; values: 255 pass, 256 fail */
    snprintf(text, sizeof text, "f:%s=1", repeat('k', CHAIN_KEY_MAX - 1));
    rc = parse(text);
    CHECK(rc == 0 && strlen(c.stages[0].params[0].key) == CHAIN_KEY_MAX - 1, "63-char key",
          "rc %d err '%s'", rc, err);
    snprintf(text, sizeof text, "f:%s=1", repeat('k', CHAIN_KEY_MAX));
    rc = parse(text);
    CHECK(rc < 0 && has("bad parameter name"), "64-char key", "rc %d err '%s'", rc, err);
    snprintf(text, sizeof text, "f:v=%s", repeat('9', CHAIN_VALUE_MAX - 1));
    rc = parse(text);
    CHECK(rc == 0 && strlen(c.stages[0].params[0].value) == CHAIN_VALUE_MAX - 1,
          "255-char value", "rc %d err '%s'", rc, err);
    snprintf(text, sizeof text, "f:v=%s", repeat('9', CHAIN_VALUE_MAX));
    rc = parse(text);
    CHECK(rc < 0 && has("'v'") && has("too long"), "256-char value names the param",
          "rc %d err '%s'", rc, err);
}

static void test_name_ok(void)
{
    static const char *good[] = {"a", "identity", "gaussian_blur", "x9", "_", "0"};
    static const char *bad[] = {"", "A", "a b", "a-b", "a.b", "a/b", "../x", "é", "a\n"};
    int ok = 1;

    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (!chain_name_ok(good[i])) {
            ok = 0;
            CHECK(0, "chain_name_ok accepts", "refused '%s'", good[i]);
        }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (chain_name_ok(bad[i])) {
            ok = 0;
            CHECK(0, "chain_name_ok refuses", "accepted '%s'", bad[i]);
        }
    CHECK(ok, "chain_name_ok good and bad names", "see above");
    CHECK(chain_name_ok(repeat('z', 63)) && !chain_name_ok(repeat('z', 64)),
          "chain_name_ok length limit 63", "63 %d 64 %d", chain_name_ok(repeat('z', 63)),
          chain_name_ok(repeat('z', 64)));
}

int main(void)
{
    test_good();
    test_paths();
    test_errors();
    test_limits();
    test_name_ok();
    CHECK_DONE();
}
