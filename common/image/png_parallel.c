/*
 * png_parallel.c - PNG image data deflated in bands on several threads,
 * the same bytes for any number of threads.
 *
 * NAME
 *	pngp - pngp_create/pngp_write/pngp_finish/pngp_abandon
 * SUMMARY
 *	A PNG's image data is one zlib stream of filtered rows (a filter
 *	byte, then the row's bytes with one of the five standard filters
 *	applied).  Here the rows are cut into bands of pngp_band_rows()
 *	rows, a number that depends on the row size alone.  Each band is
 *	filtered and deflated on its own as raw deflate data: its first row
 *	is still filtered against the previous image row, so the file is a
 *	normal PNG; its deflate starts with an empty window and ends with a
 *	full flush (the last band: the final block), so no back-reference
 *	crosses a band boundary and each band's bits end on a byte.  The
 *	bands' deflate data, joined in order after one zlib header, is then
 *	one valid deflate stream; the Adler-32 of the whole filtered data
 *	is combined from the bands' (adler32_combine).  Since the cut, each
 *	row's filter and each band's deflate depend only on the pixels, the
 *	output is byte for byte the same whatever the number of threads.
 *
 *	Filters: a fixed one (0-4) for every row, or with -1 the adaptive
 *	choice libpng makes too: each of the five is tried and the one whose
 *	bytes, read as signed, have the smallest sum of absolute values is
 *	kept (ties to the lower filter number).  It looks at the row and the
 *	row before only.  zlib's strategy is libpng's: Z_FILTERED when rows
 *	may be filtered, the default for filter 0; window 32 KiB, memory
 *	level 8.
 * DESCRIPTION
 *	The caller's thread copies rows into a band (16-bit samples swapped
 *	to big-endian there), hands full bands to the worker threads and
 *	writes finished bands in order as IDAT chunks of PNGP_IDAT_MAX
 *	bytes.  At most two bands a thread are in flight: a band's slot is
 *	taken again only after that band is written, so memory is bounded
 *	by the thread count and the band size, not the image.
 *
 *	Workers take the lowest-numbered band waiting, so the writer is
 *	rarely kept waiting.  A worker that fails (out of memory in zlib)
 *	marks its band; the writer reports it when the band's turn comes.
 * DIAGNOSTICS
 *	"NAME: png: MESSAGE".
 */
#include "png_parallel.h"
#include "err.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

enum slot_state { SLOT_FREE, SLOT_FILLING, SLOT_READY, SLOT_BUSY, SLOT_DONE };

/* One band in flight: its rows, and its deflate data once done. */
struct slot {
    enum slot_state state;
    uint64_t seq;           /* the band's number, 0 the first */
    uint32_t nrows;
    int last;               /* the image's last band: ends with Z_FINISH */
    uint8_t *raw;           /* the previous image row (zeros for the
                             * first band), then nrows rows */
    uint8_t *scratch;       /* 5 filtered rows, filter byte first */
    uint8_t *out;           /* deflate data */
    size_t out_len, out_cap;
    uint32_t adler;         /* of the band's filtered bytes */
    uint64_t filtered;      /* how many */
    int failed;             /* zlib error or out of memory */
    z_stream z;
    int z_ready;
};

struct pngp {
    FILE *f;
    const char *name;
    struct pngp_shape s;
    size_t stride;          /* bytes of a row */
    int bpp;                /* bytes of a pixel, what filters step by */
    uint32_t band_rows;
    int nslots, nthreads;
    struct slot *slots;
    pthread_t *threads;
    pthread_mutex_t mu;
    pthread_cond_t work;    /* a band is ready, or quit */
    pthread_cond_t done;    /* a band is done */
    int quit;
    uint64_t fill_seq;      /* the band being filled */
    uint64_t write_seq;     /* the next band to write */
    uint32_t rows_in;       /* rows given so far */
    struct slot *cur;       /* the band being filled, or NULL */
    uint8_t *last_row;      /* the last row of the band before fill_seq */
    uint32_t adler;         /* of the filtered data written so far */
    uint8_t *idat;          /* the IDAT chunk being gathered */
    size_t idat_len;
};

/* paeth - the Paeth predictor of a (left), b (up), c (up-left). */
static uint8_t paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);

    if (pa <= pb && pa <= pc)
        return (uint8_t)a;
    return (uint8_t)(pb <= pc ? b : c);
}

/* filter_row - writes filter `type` of row (prev the row above) to out,
 * filter byte first; returns nothing.  The first pixel, which has no
 * left neighbour, is done apart so that the main loops have no test. */
static void filter_row(int type, const uint8_t *row, const uint8_t *prev, size_t n, int bpp,
                       uint8_t *out)
{
    size_t i, k = (size_t)bpp < n ? (size_t)bpp : n;

    *out++ = (uint8_t)type;
    switch (type) {
    case 0:
        memcpy(out, row, n);
        break;
    case 1:
        memcpy(out, row, k);
        for (i = k; i < n; i++)
            out[i] = (uint8_t)(row[i] - row[i - bpp]);
        break;
    case 2:
        for (i = 0; i < n; i++)
            out[i] = (uint8_t)(row[i] - prev[i]);
        break;
    case 3:
        for (i = 0; i < k; i++)
            out[i] = (uint8_t)(row[i] - (prev[i] >> 1));
        for (i = k; i < n; i++)
            out[i] = (uint8_t)(row[i] - ((row[i - bpp] + prev[i]) >> 1));
        break;
    default:
        for (i = 0; i < k; i++)
            out[i] = (uint8_t)(row[i] - prev[i]);     /* paeth(0, b, 0) is b */
        for (i = k; i < n; i++)
            out[i] = (uint8_t)(row[i] - paeth(row[i - bpp], prev[i], prev[i - bpp]));
        break;
    }
}

/* row_cost - the sum of |b| of n bytes read as signed; the adaptive
 * filter's measure. */
static uint64_t row_cost(const uint8_t *f, size_t n)
{
    uint64_t sum = 0;

    for (size_t i = 0; i < n; i++)
        sum += (unsigned)abs((int8_t)f[i]);
    return sum;
}

/* choose_row - filters row into the slot's scratch as the settings say;
 * returns the filtered row (filter byte first, stride + 1 bytes). */
static const uint8_t *choose_row(const pngp *p, struct slot *sl, const uint8_t *row,
                                 const uint8_t *prev)
{
    size_t n = p->stride;
    uint64_t best_cost = UINT64_MAX;
    int best = 0;

    if (p->s.filter >= 0) {
        filter_row(p->s.filter, row, prev, n, p->bpp, sl->scratch);
        return sl->scratch;
    }
    for (int t = 0; t < 5; t++) {
        uint8_t *out = sl->scratch + (size_t)t * (n + 1);
        uint64_t cost;

        filter_row(t, row, prev, n, p->bpp, out);
        if ((cost = row_cost(out + 1, n)) < best_cost) {
            best_cost = cost;
            best = t;
        }
    }
    return sl->scratch + (size_t)best * (n + 1);
}

/* deflate_some - deflates the slot's pending input with `flush`,
 * growing its output; returns 0, or -1 (out of memory, zlib error). */
static int deflate_some(struct slot *sl, int flush)
{
    for (;;) {
        int rc;

        if (sl->out_len == sl->out_cap) {
            size_t cap = sl->out_cap ? sl->out_cap * 2 : 65536;
            uint8_t *o = realloc(sl->out, cap);

            if (o == NULL)
                return -1;
            sl->out = o;
            sl->out_cap = cap;
        }
        sl->z.next_out = sl->out + sl->out_len;
        sl->z.avail_out = (uInt)(sl->out_cap - sl->out_len);
        rc = deflate(&sl->z, flush);
        sl->out_len = sl->out_cap - sl->z.avail_out;
        if (rc == Z_STREAM_END)
            return 0;
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            return -1;
        /* room left over means zlib has emitted everything asked for */
        if (sl->z.avail_in == 0 && sl->z.avail_out > 0 && flush != Z_FINISH)
            return 0;
    }
}

/* encode_band - filters and deflates one band into its slot; returns 0
 * or -1.  Runs on a worker, touching only the slot and p's constants. */
static int encode_band(const pngp *p, struct slot *sl)
{
    const uint8_t *prev = sl->raw;

    sl->out_len = 0;
    sl->adler = adler32(0L, Z_NULL, 0);
    sl->filtered = 0;
    if (deflateReset(&sl->z) != Z_OK)
        return -1;
    for (uint32_t i = 0; i < sl->nrows; i++) {
        const uint8_t *row = sl->raw + (size_t)(i + 1) * p->stride;
        const uint8_t *f = choose_row(p, sl, row, prev);
        int last = i + 1 == sl->nrows;

        sl->adler = adler32(sl->adler, f, (uInt)(p->stride + 1));
        sl->filtered += p->stride + 1;
        sl->z.next_in = (Bytef *)f;
        sl->z.avail_in = (uInt)(p->stride + 1);
        if (deflate_some(sl, !last ? Z_NO_FLUSH : sl->last ? Z_FINISH : Z_FULL_FLUSH) < 0)
            return -1;
        prev = row;
    }
    return 0;
}

/* next_ready - the waiting band with the lowest number, or NULL; called
 * with p->mu held. */
static struct slot *next_ready(pngp *p)
{
    struct slot *best = NULL;

    for (int i = 0; i < p->nslots; i++)
        if (p->slots[i].state == SLOT_READY && (best == NULL || p->slots[i].seq < best->seq))
            best = &p->slots[i];
    return best;
}

/* worker - a thread's loop: encode bands until told to quit; returns NULL. */
static void *worker(void *arg)
{
    pngp *p = arg;
    struct slot *sl = NULL;

    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->quit && (sl = next_ready(p)) == NULL)
            pthread_cond_wait(&p->work, &p->mu);
        if (p->quit)
            break;
        sl->state = SLOT_BUSY;
        pthread_mutex_unlock(&p->mu);
        int failed = encode_band(p, sl) < 0;
        pthread_mutex_lock(&p->mu);
        sl->failed = failed;
        sl->state = SLOT_DONE;
        pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* put_be32 - stores v big-endian at b; returns nothing. */
static void put_be32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

/* write_chunk - writes one chunk with its length and CRC; returns 0 or
 * -1 with err. */
static int write_chunk(pngp *p, const char *type, const uint8_t *data, size_t len, char *err)
{
    uint8_t head[8], tail[4];
    uint32_t crc = (uint32_t)crc32(0L, (const Bytef *)type, 4);

    assert(len <= PNGP_IDAT_MAX);
    if (len > 0)        /* crc32 of a NULL buffer is its start value */
        crc = (uint32_t)crc32(crc, data, (uInt)len);
    put_be32(head, (uint32_t)len);
    memcpy(head + 4, type, 4);
    put_be32(tail, crc);
    if (fwrite(head, 1, 8, p->f) != 8 || (len > 0 && fwrite(data, 1, len, p->f) != len)
        || fwrite(tail, 1, 4, p->f) != 4)
        return errf_sys(err, "%s: png: write", p->name);
    return 0;
}

/* put_data - appends n bytes of zlib data, writing each full IDAT chunk;
 * returns 0 or -1. */
static int put_data(pngp *p, const uint8_t *data, size_t n, char *err)
{
    while (n > 0) {
        size_t k = PNGP_IDAT_MAX - p->idat_len;

        if (k > n)
            k = n;
        memcpy(p->idat + p->idat_len, data, k);
        p->idat_len += k;
        data += k;
        n -= k;
        if (p->idat_len == PNGP_IDAT_MAX) {
            if (write_chunk(p, "IDAT", p->idat, p->idat_len, err) < 0)
                return -1;
            p->idat_len = 0;
        }
    }
    return 0;
}

/* write_done - writes the bands done, in order, freeing their slots;
 * with `wait`, first waits for band `upto` to be done.  Returns 0 or
 * -1.  Called with p->mu held. */
static int write_done(pngp *p, uint64_t upto, int wait, char *err)
{
    int rc;

    for (;;) {
        struct slot *sl = &p->slots[p->write_seq % (uint64_t)p->nslots];

        if (sl->state != SLOT_DONE || sl->seq != p->write_seq) {
            if (!wait || p->write_seq > upto)
                return 0;
            pthread_cond_wait(&p->done, &p->mu);
            continue;
        }
        if (sl->failed)
            return errf(err, "%s: png: out of memory compressing rows", p->name);
        /* a done band is the writer's alone: the workers go on meanwhile */
        pthread_mutex_unlock(&p->mu);
        p->adler = (uint32_t)adler32_combine(p->adler, sl->adler, (z_off_t)sl->filtered);
        rc = put_data(p, sl->out, sl->out_len, err);
        pthread_mutex_lock(&p->mu);
        if (rc < 0)
            return -1;
        sl->state = SLOT_FREE;
        p->write_seq++;
    }
}

/* pngp_band_rows - returns the rows of a band for rows of stride bytes. */
uint32_t pngp_band_rows(size_t stride, size_t band_bytes)
{
    size_t n = (band_bytes ? band_bytes : PNGP_BAND_BYTES) / (stride + 1);

    return n < 1 ? 1 : n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/* slot_init - allocates a slot's buffers and deflate state; returns 0 or -1. */
static int slot_init(pngp *p, struct slot *sl)
{
    int strategy = p->s.filter == 0 ? Z_DEFAULT_STRATEGY : Z_FILTERED;

    sl->raw = malloc(((size_t)p->band_rows + 1) * p->stride);
    sl->scratch = malloc(5 * (p->stride + 1));
    if (sl->raw == NULL || sl->scratch == NULL)
        return -1;
    if (deflateInit2(&sl->z, p->s.level, Z_DEFLATED, -15, 8, strategy) != Z_OK)
        return -1;
    sl->z_ready = 1;
    return 0;
}

/* zlib_header - the two bytes opening the zlib stream, for level; 32 KiB
 * window, no dictionary, the level hint zlib itself writes. */
static uint16_t zlib_header(int level)
{
    int hint = level < 2 ? 0 : level < 6 ? 1 : level == 6 ? 2 : 3;
    unsigned h = (0x78u << 8) | ((unsigned)hint << 6);

    return (uint16_t)(h + 31 - h % 31);
}

/* start_threads - starts the workers; returns 0, or -1 if none started
 * (fewer than asked still give the same bytes). */
static int start_threads(pngp *p, char *err)
{
    for (int i = 0; i < p->s.threads; i++) {
        if (pthread_create(&p->threads[i], NULL, worker, p) != 0)
            break;
        p->nthreads++;
    }
    if (p->nthreads == 0)
        return errf(err, "%s: png: cannot start an encoding thread", p->name);
    return 0;
}

/* pngp_create - returns an encoder ready for the first row, or NULL. */
pngp *pngp_create(FILE *f, const char *name, const struct pngp_shape *s, char *err)
{
    pngp *p = calloc(1, sizeof *p);
    uint16_t zh = zlib_header(s->level);
    uint8_t zhb[2] = { (uint8_t)(zh >> 8), (uint8_t)zh };

    assert(s->width > 0 && s->height > 0 && s->channels >= 1 && s->channels <= 4);
    assert(s->depth == 8 || s->depth == 16);
    assert(s->threads >= 1 && s->filter >= -1 && s->filter <= 4);
    if (p == NULL)
        return errf(err, "%s: png: out of memory", name), NULL;
    p->f = f;
    p->name = name;
    p->s = *s;
    p->bpp = s->channels * s->depth / 8;
    p->stride = (size_t)s->width * (size_t)p->bpp;
    if (p->stride >= UINT32_MAX / 2)
        return errf(err, "%s: png: rows of %zu bytes are too long", name, p->stride),
               free(p), NULL;
    p->band_rows = pngp_band_rows(p->stride, s->band_bytes);
    p->nslots = 2 * s->threads;
    p->adler = adler32(0L, Z_NULL, 0);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    p->slots = calloc((size_t)p->nslots, sizeof *p->slots);
    p->threads = calloc((size_t)s->threads, sizeof *p->threads);
    p->last_row = calloc(1, p->stride);
    p->idat = malloc(PNGP_IDAT_MAX);
    if (p->slots == NULL || p->threads == NULL || p->last_row == NULL || p->idat == NULL)
        goto nomem;
    for (int i = 0; i < p->nslots; i++)
        if (slot_init(p, &p->slots[i]) < 0)
            goto nomem;
    if (put_data(p, zhb, 2, err) < 0 || start_threads(p, err) < 0)
        goto fail;
    return p;

nomem:
    errf(err, "%s: png: out of memory for %d bands of %u rows", name, p->nslots,
         p->band_rows);
fail:
    pngp_abandon(p);
    return NULL;
}

/* copy_row - copies one row into dst, 16-bit samples to big-endian;
 * returns nothing. */
static void copy_row(const pngp *p, uint8_t *dst, const uint8_t *src)
{
    if (p->s.depth == 8) {
        memcpy(dst, src, p->stride);
        return;
    }
    for (size_t i = 0; i < p->stride; i += 2) {
        uint16_t v;

        memcpy(&v, src + i, 2);
        dst[i] = (uint8_t)(v >> 8);
        dst[i + 1] = (uint8_t)v;
    }
}

/* take_slot - the slot for the next band, waiting (and writing) until
 * it is free; returns it, or NULL with err. */
static struct slot *take_slot(pngp *p, char *err)
{
    struct slot *sl = &p->slots[p->fill_seq % (uint64_t)p->nslots];
    int rc = 0;

    pthread_mutex_lock(&p->mu);
    /* the band that held it last is nslots bands back: write up to it */
    if (p->fill_seq >= (uint64_t)p->nslots)
        rc = write_done(p, p->fill_seq - (uint64_t)p->nslots, 1, err);
    assert(rc < 0 || sl->state == SLOT_FREE);
    if (rc == 0)
        sl->state = SLOT_FILLING;
    pthread_mutex_unlock(&p->mu);
    if (rc < 0)
        return NULL;
    sl->seq = p->fill_seq;
    sl->nrows = 0;
    sl->last = 0;
    memcpy(sl->raw, p->last_row, p->stride);
    return sl;
}

/* submit - hands the band being filled to the workers and writes what
 * is done; returns 0 or -1. */
static int submit(pngp *p, char *err)
{
    struct slot *sl = p->cur;
    int rc;

    sl->last = p->rows_in == p->s.height;
    memcpy(p->last_row, sl->raw + (size_t)sl->nrows * p->stride, p->stride);
    p->cur = NULL;
    p->fill_seq++;
    pthread_mutex_lock(&p->mu);
    sl->state = SLOT_READY;
    pthread_cond_signal(&p->work);
    rc = write_done(p, 0, 0, err);
    pthread_mutex_unlock(&p->mu);
    return rc;
}

/* pngp_write - returns 0 after taking nrows rows, or -1. */
int pngp_write(pngp *p, const uint8_t *buf, uint32_t nrows, char *err)
{
    assert(nrows <= p->s.height - p->rows_in);
    for (uint32_t i = 0; i < nrows; i++) {
        if (p->cur == NULL && (p->cur = take_slot(p, err)) == NULL)
            return -1;
        copy_row(p, p->cur->raw + (size_t)(p->cur->nrows + 1) * p->stride,
                 buf + (size_t)i * p->stride);
        p->cur->nrows++;
        p->rows_in++;
        if ((p->cur->nrows == p->band_rows || p->rows_in == p->s.height)
            && submit(p, err) < 0)
            return -1;
    }
    return 0;
}

/* pngp_finish - returns 0 once the image data and IEND are written, or
 * -1; frees p. */
int pngp_finish(pngp *p, char *err)
{
    uint8_t tail[4];
    int rc;

    assert(p->rows_in == p->s.height);
    pthread_mutex_lock(&p->mu);
    rc = write_done(p, p->fill_seq - 1, 1, err);
    pthread_mutex_unlock(&p->mu);
    if (rc == 0) {
        put_be32(tail, p->adler);
        if (put_data(p, tail, 4, err) < 0 || write_chunk(p, "IDAT", p->idat, p->idat_len,
                                                          err) < 0
            || write_chunk(p, "IEND", NULL, 0, err) < 0)
            rc = -1;
    }
    pngp_abandon(p);
    return rc;
}

/* pngp_abandon - stops the threads and frees p; returns nothing. */
void pngp_abandon(pngp *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    p->quit = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    for (int i = 0; p->slots != NULL && i < p->nslots; i++) {
        if (p->slots[i].z_ready)
            deflateEnd(&p->slots[i].z);
        free(p->slots[i].raw);
        free(p->slots[i].scratch);
        free(p->slots[i].out);
    }
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->work);
    pthread_mutex_destroy(&p->mu);
    free(p->slots);
    free(p->threads);
    free(p->last_row);
    free(p->idat);
    free(p);
}
