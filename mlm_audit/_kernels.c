/*
 * Row loops of the scans that whole-array operations do poorly, compiled when the package is
 * built (hatch_build.py) and called through ctypes (mlm_audit/kernels.py), which releases the
 * interpreter lock for each call. Each function has a NumPy/polars twin that gives the same
 * result on every input (tests/test_kernels.py compares them); the package works without
 * this library, only more slowly.
 *
 * Plain C99, no Python headers: arrays come as pointers and lengths.
 */
#include <stdint.h>
#include <string.h>

#ifndef MLM_KERNELS_SOURCE
#define MLM_KERNELS_SOURCE "unknown"
#endif

/* The SHA-256 of this file when it was compiled: the loader uses the library only when it
 * matches the source beside it (an in-place build older than its source is not used). */
const char *mlm_kernels_source(void) { return MLM_KERNELS_SOURCE; }

#define EMPTY UINT64_MAX
#define MIX 0x9E3779B97F4A7C15ULL
#define AHEAD 16 /* probes whose home slot is fetched ahead of use */

/* HashIndex._search: the value word of each key's slot in a table of (key, value) pairs
 * (linear probing from the home slot, (key * MIX) >> (64 - bits); an empty slot's value is
 * all ones, and the table ends in one), all ones where the key is absent. The home slot of
 * the key AHEAD rows on is prefetched: the lookups wait on memory, not on arithmetic. */
static inline uint64_t slot_value(const uint64_t *table, int shift, uint64_t k) {
    uint64_t s = (k * MIX) >> shift;
    uint64_t v = table[2 * s + 1];
    while (v != EMPTY && table[2 * s] != k) {
        s++;
        v = table[2 * s + 1];
    }
    return v;
}

void mlm_probe(const uint64_t *table, int bits, const uint64_t *keys, int64_t n,
               uint64_t *out) {
    const int shift = 64 - bits;
    for (int64_t i = 0; i < n; i++) {
        if (i + AHEAD < n)
            __builtin_prefetch(table + 2 * ((keys[i + AHEAD] * MIX) >> shift), 0, 0);
        out[i] = slot_value(table, shift, keys[i]);
    }
}

/* coerce.money_clean on Arrow string views (16 bytes a row: the length, then up to 12 bytes
 * inline): the amount in minor units of each value spelled [+-]?[0-9]+(.[0-9][0-9])? and at
 * most 12 bytes long, with ok[i] = 1; ok[i] = 0 for every other value (longer ones, held
 * outside the view, included), which the exact parser then reads. A view's bytes are read
 * only up to its length: what lies beyond (and the view of a null) does not matter. */
void mlm_money_views(const uint8_t *views, int64_t n, int64_t *cents, uint8_t *ok) {
    for (int64_t i = 0; i < n; i++) {
        const uint8_t *v = views + 16 * i;
        uint32_t len;
        memcpy(&len, v, 4);
        const uint8_t *s = v + 4;
        cents[i] = 0;
        ok[i] = 0;
        if (len == 0 || len > 12)
            continue;
        uint32_t start = (s[0] == '+' || s[0] == '-') ? 1 : 0;
        uint32_t end = len;
        int frac = len >= 4 && s[len - 3] == '.';
        if (frac)
            end = len - 3;
        if (end <= start)
            continue;
        int64_t value = 0;
        uint32_t j = start;
        for (; j < end; j++) {
            const uint8_t d = (uint8_t)(s[j] - '0');
            if (d > 9)
                break;
            value = value * 10 + d;
        }
        if (j < end)
            continue;
        value *= 100;
        if (frac) {
            const uint8_t a = (uint8_t)(s[len - 2] - '0'), b = (uint8_t)(s[len - 1] - '0');
            if (a > 9 || b > 9)
                continue;
            value += a * 10 + b;
        }
        cents[i] = s[0] == '-' ? -value : value;
        ok[i] = 1;
    }
}

/* AgentIndex.lookup on a tagged table (HashIndex(tags=...)): the position of each id given
 * by its two hashes h and check, -1 where the id is not an agent or not given (given may be
 * NULL: every row given). A row whose h, check and given equal the row before's takes that
 * row's answer (the orders of one buyer come together); otherwise its slot is searched and
 * the hit confirmed by the low 32 bits of check, kept in the slot's value beside the
 * position. The home slot of the row AHEAD on is prefetched. */
void mlm_lookup_tagged(const uint64_t *table, int bits, const uint64_t *h,
                       const uint64_t *check, const uint8_t *given, int64_t n, int32_t *out) {
    const int shift = 64 - bits;
    for (int64_t i = 0; i < n; i++) {
        if (i + AHEAD < n)
            __builtin_prefetch(table + 2 * ((h[i + AHEAD] * MIX) >> shift), 0, 0);
        if (i > 0 && h[i] == h[i - 1] && check[i] == check[i - 1] &&
            (given == NULL || given[i] == given[i - 1])) {
            out[i] = out[i - 1];
            continue;
        }
        if (given != NULL && !given[i]) {
            out[i] = -1;
            continue;
        }
        const uint64_t v = slot_value(table, shift, h[i]);
        out[i] = (v != EMPTY && (v >> 32) == (check[i] & 0xFFFFFFFFULL))
                     ? (int32_t)(v & 0xFFFFFFFFULL) : -1;
    }
}

/* Dim.gen on the packed tree (per agent: pre, then level << 40 | pre + size): generations
 * from upper[i] down to lower[i], -1 when either is negative or outside a tree (level 0), or
 * lower is not in upper's downline. Both agents' entries are prefetched AHEAD rows on. */
void mlm_gen(const int64_t *tree, const int32_t *upper, const int32_t *lower, int64_t n,
             int32_t *out) {
    const int64_t low40 = ((int64_t)1 << 40) - 1;
    for (int64_t i = 0; i < n; i++) {
        if (i + AHEAD < n) {
            if (upper[i + AHEAD] >= 0) __builtin_prefetch(tree + 2 * (int64_t)upper[i + AHEAD], 0, 0);
            if (lower[i + AHEAD] >= 0) __builtin_prefetch(tree + 2 * (int64_t)lower[i + AHEAD], 0, 0);
        }
        const int32_t u = upper[i], v = lower[i];
        if (u < 0 || v < 0) {
            out[i] = -1;
            continue;
        }
        const int64_t pu = tree[2 * (int64_t)u], wu = tree[2 * (int64_t)u + 1];
        const int64_t pv = tree[2 * (int64_t)v], wv = tree[2 * (int64_t)v + 1];
        const int64_t lu = wu >> 40, lv = wv >> 40;
        out[i] = (lu > 0 && lv > 0 && pv >= pu && pv < (wu & low40)) ? (int32_t)(lv - lu) : -1;
    }
}

/* coerce._iso_seconds on Arrow string views: microseconds since 1970 of each value spelled
 * YYYY-MM-DD hh:mm:ss (or with T) that is a real date and time (year 1 to 9999, seconds up
 * to 59), ok[i] = 1; ok[i] = 0 for any other value. A view of 19 bytes holds a 4-byte
 * prefix, the index of the data buffer and the offset of the value in it; buffers[] are the
 * data buffers' addresses. The caller decides the nulls (ok of a null is meaningless). */
/* The bytes of the value an Arrow string view describes, and its length in *len: inline in
 * the view (up to 12 bytes), else in buffers[] at the buffer index and offset the view
 * holds after its 4-byte prefix; NULL when the view names a buffer that is not there. */
static inline const uint8_t *view_bytes(const uint8_t *v, const uint8_t *const *buffers,
                                        int64_t nbuf, uint32_t *len) {
    memcpy(len, v, 4);
    if (*len <= 12)
        return v + 4;
    uint32_t buf, off;
    memcpy(&buf, v + 8, 4);
    memcpy(&off, v + 12, 4);
    return (int64_t)buf < nbuf ? buffers[buf] + off : NULL;
}

static int two(const uint8_t *s, int *v) {
    const uint8_t a = (uint8_t)(s[0] - '0'), b = (uint8_t)(s[1] - '0');
    if (a > 9 || b > 9) return 0;
    *v = a * 10 + b;
    return 1;
}

static int64_t days_from_civil(uint32_t y, uint32_t m, uint32_t d) {
    /* proleptic Gregorian, years 1 to 9999: unsigned throughout, so that every division
     * is by a constant the compiler turns into a multiplication */
    y -= m <= 2;
    const uint32_t era = y / 400, yoe = y - era * 400;
    const uint32_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const uint32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int64_t)era * 146097 + (int64_t)doe - 719468;
}

void mlm_iso_views(const uint8_t *views, const uint8_t *const *buffers, int64_t nbuf,
                   int64_t n, int64_t *us, uint8_t *ok) {
    static const int mdays[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int64_t i = 0; i < n; i++) {
        uint32_t len;
        const uint8_t *s = view_bytes(views + 16 * i, buffers, nbuf, &len);
        us[i] = 0;
        ok[i] = 0;
        if (len != 19 || s == NULL)
            continue;
        int c1, c2, mo, d, hh, mi, se;
        if (!two(s, &c1) || !two(s + 2, &c2) || s[4] != '-' || !two(s + 5, &mo) ||
            s[7] != '-' || !two(s + 8, &d) || (s[10] != ' ' && s[10] != 'T') ||
            !two(s + 11, &hh) || s[13] != ':' || !two(s + 14, &mi) || s[16] != ':' ||
            !two(s + 17, &se))
            continue;
        const uint32_t y = (uint32_t)(c1 * 100 + c2);
        if (y < 1 || mo < 1 || mo > 12 || hh > 23 || mi > 59 || se > 59 || d < 1)
            continue;
        const int leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0));
        if (d > mdays[mo] + (mo == 2 && leap))
            continue;
        us[i] = (days_from_civil(y, (uint32_t)mo, (uint32_t)d) * 86400 + hh * 3600 + mi * 60 +
                 se) * 1000000LL;
        ok[i] = 1;
    }
}

/* np.add.reduceat(values * where, starts) for int64 values (where may be NULL: every row),
 * starts ascending: out[r] sums rows starts[r] up to the next start (the last run: up to n);
 * a run whose next start is not above its own is its first row alone, as reduceat has it.
 * Sums wrap as NumPy's int64 sums do (the arithmetic is unsigned). */
void mlm_run_sums(const int64_t *values, const uint8_t *where, int64_t n,
                  const int64_t *starts, int64_t runs, int64_t *out) {
    for (int64_t r = 0; r < runs; r++) {
        const int64_t s = starts[r];
        const int64_t e = r + 1 < runs ? starts[r + 1] : n;
        if (e <= s) {
            out[r] = where == NULL || where[s] ? values[s] : 0;
            continue;
        }
        uint64_t total = 0;
        if (where == NULL) {
            for (int64_t i = s; i < e; i++)
                total += (uint64_t)values[i];
        } else {
            for (int64_t i = s; i < e; i++)
                total += where[i] ? (uint64_t)values[i] : 0;
        }
        out[r] = (int64_t)total;
    }
}

/* money.sum_by: out[key[i]] += values[i] over rows with 0 <= key[i] < size (out zeroed by
 * the caller); returns the number of rows whose key is size or more (the caller then takes
 * its NumPy path, which widens the result for them). Sums wrap as int64 sums do. */
int64_t mlm_sum_by(const int64_t *key, const int64_t *values, int64_t n, int64_t size,
                   int64_t *out) {
    int64_t beyond = 0;
    uint64_t *acc = (uint64_t *)out;
    for (int64_t i = 0; i < n; i++) {
        const int64_t k = key[i];
        if (k < 0)
            continue;
        if (k >= size) {
            beyond++;
            continue;
        }
        acc[k] += (uint64_t)values[i];
    }
    return beyond;
}

/* The repeated-key test's first step: each key's bucket ((key * MIX) >> shift, a bit of
 * the two bitmaps) is marked in once, or in twice when once has it already. A key that
 * occurs more than once has its bucket in twice; few others share a bucket with one. */
void mlm_mark_twice(const uint64_t *keys, int64_t n, uint64_t *once, uint64_t *twice,
                    int shift) {
    for (int64_t i = 0; i < n; i++) {
        if (i + AHEAD < n)
            __builtin_prefetch(once + (((keys[i + AHEAD] * MIX) >> shift) >> 6), 1, 0);
        const uint64_t b = (keys[i] * MIX) >> shift;
        const uint64_t bit = 1ULL << (b & 63);
        if (once[b >> 6] & bit)
            twice[b >> 6] |= bit;
        else
            once[b >> 6] |= bit;
    }
}

/* The second step: the keys whose bucket is in twice, copied to out in order; returns how
 * many. Among them are every key that occurs more than once (each occurrence). */
int64_t mlm_in_twice(const uint64_t *keys, int64_t n, const uint64_t *twice, int shift,
                     uint64_t *out) {
    int64_t count = 0;
    for (int64_t i = 0; i < n; i++) {
        if (i + AHEAD < n)
            __builtin_prefetch(twice + (((keys[i + AHEAD] * MIX) >> shift) >> 6), 0, 0);
        const uint64_t b = (keys[i] * MIX) >> shift;
        if ((twice[b >> 6] >> (b & 63)) & 1)
            out[count++] = keys[i];
    }
    return count;
}

/* HashIndex's table built by inserting the keys one by one in order of position, with
 * linear probing from each key's home slot ((key * MIX) >> (64 - bits)). table holds size
 * slots of (key, value), every value all ones (empty) on entry; the value stored is the
 * position, with tags[i] in the upper 32 bits when tags is not NULL. A key that repeats is
 * stored at each position, the first in the earlier slot (it is inserted first): a search
 * finds the first position. Returns the last slot used, or -1 when a probe would reach the
 * table's last slot, which must stay empty (the caller then builds the table otherwise). */
int64_t mlm_build(const uint64_t *keys, const uint64_t *tags, int64_t n, int bits,
                  uint64_t *table, int64_t size) {
    const int shift = 64 - bits;
    int64_t last = -1;
    for (int64_t i = 0; i < n; i++) {
        if (i + AHEAD < n)
            __builtin_prefetch(table + 2 * ((keys[i + AHEAD] * MIX) >> shift), 1, 0);
        uint64_t s = (keys[i] * MIX) >> shift;
        while (table[2 * s + 1] != EMPTY)
            s++;
        if ((int64_t)s >= size - 1)
            return -1;
        table[2 * s] = keys[i];
        table[2 * s + 1] = tags == NULL ? (uint64_t)i : ((uint64_t)i | (tags[i] << 32));
        if ((int64_t)s > last)
            last = (int64_t)s;
    }
    return last;
}

/* tree.levels: level of every agent (roots 1), 0 where the sponsor chain never reaches a
 * root (a sponsor cycle, or below one). Each chain is walked up to the first agent whose
 * level is known (or a root, or an agent already on this walk: a cycle), then numbered on
 * the way back down, so every agent is walked once. stack: n int32 of scratch; onwalk: n
 * bytes, zeroed. */
void mlm_levels(const int32_t *parent, int64_t n, int32_t *level, int32_t *stack,
                uint8_t *onwalk) {
    for (int64_t i = 0; i < n; i++)
        level[i] = -1; /* not known yet */
    for (int64_t i = 0; i < n; i++) {
        int64_t top = 0;
        int32_t x = (int32_t)i;
        int32_t base = 0; /* the level above the walk's last agent; 0: none (unrooted) */
        while (level[x] < 0) {
            if (onwalk[x]) { /* a cycle: everything on this walk is unrooted */
                base = 0;
                break;
            }
            onwalk[x] = 1;
            stack[top++] = x;
            if (parent[x] < 0) { /* a root: its level is 0 + 1 */
                base = 0;
                x = -1;
                break;
            }
            x = parent[x];
        }
        const int rooted = x < 0 || (level[x] > 0 && !onwalk[x]);
        if (x >= 0 && !onwalk[x])
            base = level[x];
        while (top > 0) {
            const int32_t y = stack[--top];
            onwalk[y] = 0;
            level[y] = rooted ? ++base : 0;
        }
    }
}

/* tree.preorder: depth-first number of every rooted agent (level > 0), -1 for the others.
 * Roots are numbered in index order, each after the downlines (size) of the roots before
 * it; a child right after its parent and the downlines of its earlier siblings (by index).
 * Scratch: acc and offset, n int64 each; stack, n int32. */
void mlm_preorder(const int32_t *parent, const int32_t *level, const int64_t *size,
                  int64_t n, int64_t *pre, int64_t *acc, int64_t *offset, int32_t *stack) {
    int64_t next_root = 0;
    for (int64_t i = 0; i < n; i++) {
        pre[i] = -1;
        acc[i] = 0;
    }
    for (int64_t i = 0; i < n; i++) { /* agents in index order: siblings in index order */
        if (level[i] <= 0)
            continue;
        if (parent[i] < 0) {
            pre[i] = next_root;
            next_root += size[i];
        } else {
            offset[i] = acc[parent[i]];
            acc[parent[i]] += size[i];
        }
    }
    for (int64_t i = 0; i < n; i++) {
        if (level[i] <= 0 || pre[i] >= 0)
            continue;
        int64_t top = 0;
        int32_t x = (int32_t)i;
        while (pre[x] < 0) { /* rooted: the walk ends at a numbered agent (a root at last) */
            stack[top++] = x;
            x = parent[x];
        }
        while (top > 0) {
            const int32_t y = stack[--top];
            pre[y] = pre[parent[y]] + 1 + offset[y];
        }
    }
}

/* derive._codes on Arrow string views: the code of each value among k names (names: k
 * slots of 64 bytes, a uint32 length then the bytes), other where it is none of them. A
 * value of more than 12 bytes is read from buffers[] (prefix, buffer index, offset). The
 * caller sets the codes of nulls. */
void mlm_codes_views(const uint8_t *views, const uint8_t *const *buffers, int64_t nbuf,
                     int64_t n, const uint8_t *names, int k, const int8_t *codes, int8_t other,
                     int8_t *out) {
    for (int64_t i = 0; i < n; i++) {
        const uint8_t *v = views + 16 * i;
        if (i > 0 && memcmp(v, v - 16, 16) == 0) { /* the same view: the same value */
            out[i] = out[i - 1];
            continue;
        }
        uint32_t len;
        const uint8_t *s = view_bytes(v, buffers, nbuf, &len);
        if (s == NULL) {
            out[i] = other;
            continue;
        }
        int8_t code = other;
        for (int j = 0; j < k; j++) {
            uint32_t nlen;
            memcpy(&nlen, names + 64 * j, 4);
            if (nlen == len && memcmp(names + 64 * j + 4, s, len) == 0) {
                code = codes[j];
                break;
            }
        }
        out[i] = code;
    }
}

/* derive.orders' membership columns: per order, ext (the buyer is no agent, or the order
 * is dated outside the buyer's membership [joined, ended)) and jd (whole days, rounded up,
 * from the buyer's joining to the order, when both are known, the order is not before
 * it and the days are at most max_days; else -1). joined[] holds lo where unknown. */
void mlm_membership(const int32_t *buyer, const int64_t *at, const uint8_t *undated,
                    int64_t n, const int64_t *joined, const int64_t *ended, int64_t lo,
                    int64_t max_days, uint8_t *ext, int16_t *jd) {
    const int64_t day = 86400LL * 1000000LL;
    for (int64_t i = 0; i < n; i++) {
        if (i + AHEAD < n && buyer[i + AHEAD] >= 0) {
            __builtin_prefetch(joined + buyer[i + AHEAD], 0, 0);
            __builtin_prefetch(ended + buyer[i + AHEAD], 0, 0);
        }
        const int32_t b = buyer[i];
        jd[i] = -1;
        if (b < 0) {
            ext[i] = 1;
            continue;
        }
        if (undated[i]) {
            ext[i] = 0;
            continue;
        }
        const int64_t t = at[i], j = joined[b];
        ext[i] = !(j <= t && t < ended[b]);
        if (j != lo && t >= j) {
            const int64_t days = (t - j + day - 1) / day;
            if (days <= max_days)
                jd[i] = (int16_t)days;
        }
    }
}

/* partials.sum_by_key after its sort: words are (key << row_bits | row), sorted; each run
 * of equal keys is one group, emitted in order with the original key of its rows (keys[]),
 * the sum of values[] over its rows and the sum of counts[] (NULL: the number of rows).
 * Returns the number of groups. Sums wrap as NumPy's int64 sums do. */
int64_t mlm_group_sums(const uint64_t *words, int64_t n, int row_bits, const uint64_t *keys,
                       const int64_t *values, const int64_t *counts, uint64_t *out_keys,
                       int64_t *out_values, int64_t *out_counts) {
    const uint64_t mask = row_bits >= 64 ? ~0ULL : ((1ULL << row_bits) - 1);
    int64_t g = -1;
    uint64_t prev = 0, sum = 0, cnt = 0;
    for (int64_t i = 0; i < n; i++) {
        if (i + AHEAD < n) {
            const uint64_t r = words[i + AHEAD] & mask;
            __builtin_prefetch(values + r, 0, 0);
            if (counts != NULL)
                __builtin_prefetch(counts + r, 0, 0);
        }
        const uint64_t key = words[i] >> row_bits, row = words[i] & mask;
        if (g < 0 || key != prev) {
            if (g >= 0) {
                out_values[g] = (int64_t)sum;
                out_counts[g] = (int64_t)cnt;
            }
            g++;
            prev = key;
            out_keys[g] = keys[row];
            sum = 0;
            cnt = 0;
        }
        sum += (uint64_t)values[row];
        cnt += counts == NULL ? 1 : (uint64_t)counts[row];
    }
    if (g >= 0) {
        out_values[g] = (int64_t)sum;
        out_counts[g] = (int64_t)cnt;
    }
    return g + 1;
}

/* coerce.surely_trimmed on Arrow string views: the first row (from 0) whose value starts or
 * ends with a byte up to the space or beyond ASCII (whitespace, or maybe: U+3000, U+00A0),
 * -1 when there is none. Empty values and rows not valid (valid may be NULL: every row)
 * are skipped; a value of more than 12 bytes has its last byte read from buffers[]. */
static int spacey(uint8_t b) { return (uint8_t)(b - 0x21) > 0x5E; }

int64_t mlm_untrimmed_views(const uint8_t *views, const uint8_t *const *buffers, int64_t nbuf,
                            int64_t n, const uint8_t *valid) {
    for (int64_t i = 0; i < n; i++) {
        if (valid != NULL && !valid[i])
            continue;
        uint32_t len;
        const uint8_t *s = view_bytes(views + 16 * i, buffers, nbuf, &len);
        if (len == 0)
            continue;
        if (s == NULL || spacey(s[0]) || spacey(s[len - 1]))
            return i;
    }
    return -1;
}
