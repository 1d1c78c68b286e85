/*
 * fuzz_chain.c - libFuzzer target: the command-line filter chain parser
 * (chain_parse, chain_name_ok).
 *
 * The input, cut at its first NUL byte (the parser takes a C string, as
 * argv gives it), is parsed as "name[:key=value...][,name...]".
 *
 * Invariants (a broken one abort()s, so libFuzzer saves the input):
 *  - a refused chain has a message; parsing is deterministic;
 *  - an accepted chain has 1-16 stages; each name is a valid filter name
 *    or is_path says it is a path ('/' in it, or ending in ".wasm" after
 *    at least one character), and is_path is exactly that test; a name
 *    holds no ',' or ':';
 *  - each stage has at most 16 params, with non-empty keys and values
 *    that fit their buffers, keys without ',', ':' or '=', values
 *    without ',' or ':', and no key twice;
 *  - writing the chain back out ("name:k=v", stages joined by ',') gives
 *    the input text itself, and parsing that gives the same struct:
 *    nothing is dropped or reinterpreted.
 */
#include "chain.h"
#include "err.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_INPUT (64u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fail - report a broken invariant and abort (libFuzzer keeps the input). */
static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_chain: invariant broken: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
    abort();
}

/* path_like - the documented test for a module given by path. */
static int path_like(const char *s)
{
    size_t n = strlen(s);
    return strchr(s, '/') != NULL || (n > 5 && strcmp(s + n - 5, ".wasm") == 0);
}

/* check_stage - the invariants of one accepted stage. */
static void check_stage(const struct chain_stage *st)
{
    if (st->is_path != path_like(st->name))
        fail("is_path disagrees with the name", st->name);
    if (!st->is_path && !chain_name_ok(st->name))
        fail("invalid filter name accepted", st->name);
    if (st->name[0] == '\0' || strpbrk(st->name, ",:"))
        fail("empty name, or ',' or ':' in a name", st->name);
    if (st->nparams < 0 || st->nparams > CHAIN_MAX_PARAMS)
        fail("param count out of range", st->name);
    for (int i = 0; i < st->nparams; i++) {
        const struct chain_param *p = &st->params[i];
        if (p->key[0] == '\0' || p->value[0] == '\0')
            fail("empty key or value", st->name);
        if (strlen(p->key) >= CHAIN_KEY_MAX || strlen(p->value) >= CHAIN_VALUE_MAX)
            fail("key or value too long", p->key);
        if (strpbrk(p->key, ",:=") || strpbrk(p->value, ",:"))
            fail("separator inside a key or value", p->key);
        for (int j = 0; j < i; j++)
            if (strcmp(st->params[j].key, p->key) == 0)
                fail("key given twice accepted", p->key);
    }
}

/* serialise - write c back in chain syntax into out (size n); returns 0, or
 * -1 if it does not fit (it always does: it is at most the input's size). */
static int serialise(const struct chain *c, char *out, size_t n)
{
    size_t len = 0;

    out[0] = '\0';
    for (int s = 0; s < c->nstages; s++) {
        const struct chain_stage *st = &c->stages[s];
        int k = snprintf(out + len, n - len, "%s%s", s ? "," : "", st->name);
        if (k < 0 || (size_t)k >= n - len)
            return -1;
        len += (size_t)k;
        for (int i = 0; i < st->nparams; i++) {
            k = snprintf(out + len, n - len, ":%s=%s", st->params[i].key, st->params[i].value);
            if (k < 0 || (size_t)k >= n - len)
                return -1;
            len += (size_t)k;
        }
    }
    return 0;
}

/* LLVMFuzzerTestOneInput - one input; returns 0 (libFuzzer's convention). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct chain c, again;
    char err[ERR_MAX] = "", err2[ERR_MAX] = "";

    if (size > FUZZ_MAX_INPUT)
        return 0;
    char *text = malloc(size + 1), *back = malloc(size + 1);
    if (!text || !back) {
        free(text);
        free(back);
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    int rc = chain_parse(text, &c, err);
    int rc2 = chain_parse(text, &again, err2);
    if (rc != rc2 || strcmp(err, err2) != 0 || memcmp(&c, &again, sizeof c) != 0)
        fail("parsing the same text twice gives different results", NULL);
    if (rc != 0) {
        if (err[0] == '\0')
            fail("chain_parse fails without a message", NULL);
        goto done;
    }
    if (c.nstages < 1 || c.nstages > CHAIN_MAX_STAGES)
        fail("stage count out of range", NULL);
    for (int s = 0; s < c.nstages; s++)
        check_stage(&c.stages[s]);
    if (serialise(&c, back, size + 1) != 0 || strcmp(back, text) != 0)
        fail("the chain written back is not the input", back);
    if (chain_parse(back, &again, err) != 0 || memcmp(&c, &again, sizeof c) != 0)
        fail("the chain written back parses differently", err);
done:
    free(text);
    free(back);
    return 0;
}
