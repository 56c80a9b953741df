/* lib_regex.c - Regex and RegexMatch for scripts: `Regex("\\d+")`, `"\\d+".re`,
 * `s =~ re` (true or false; the RegexMatch or null goes to `$~`), matches/find/findAll/replace/split, and
 * String.replace/split with a Regex. The engine is regex.c. */
#include <stdlib.h>
#include <string.h>

#include "lib.h"
#include "regex.h"

/* The compiled program and its source text (for `pattern` and printing). */
typedef struct {
    Regex *re;
    String *pattern;
} RegexBox;

#define BOX(v) ((RegexBox *)((Handle *)(v).as.o)->ptr)
#define SELF_RE (BOX(self)->re)

static void regex_finalize(VM *vm, Handle *h) {
    (void)vm;
    RegexBox *box = h->ptr;
    if (box) regex_free(box->re);
    free(box);
    h->ptr = NULL;
}

static void regex_mark(VM *vm, Handle *h) {
    RegexBox *box = h->ptr;
    if (box) gc_mark_obj(vm, (Obj *)box->pattern);
}

/* Bytes of a pattern an error message repeats. */
#define REGEX_SHOWN_BYTES 80

/* Compiles a pattern into a Regex object; V_UNSET after raising
 * IllegalArgumentException. */
static Value regex_value(VM *vm, String *pat) {
    char err[200];
    Regex *re = regex_compile(pat->data, pat->len, err, sizeof err);
    if (!re) {
        StrBuf sb;
        sb_init(&sb);
        v_inspect(vm, &sb, v_obj(pat));
        /* a generated pattern may be huge: its head says which one it was */
        if (sb.len > REGEX_SHOWN_BYTES) {
            size_t cut = REGEX_SHOWN_BYTES;
            while (cut > 0 && ((unsigned char)sb.data[cut] & 0xC0) == 0x80) cut--;
            sb.len = cut;
            sb_adds(&sb, "...\"");
        }
        vm_throw(vm, vm->c.illegal_argument, "invalid regex %s: %s", sb.data, err);
        sb_free(&sb);
        return V_UNSET;
    }
    RegexBox *box = malloc(sizeof *box);
    if (!box) {
        regex_free(re);
        vm_throw(vm, vm->c.out_of_memory, "out of memory compiling a regex");
        return V_UNSET;
    }
    box->re = re;
    box->pattern = pat;
    Handle *h = handle_new(vm, vm->c.regex, box, regex_finalize);
    h->mark = regex_mark;
    return v_obj(h);
}

/* A Regex from a Regex or a String pattern (compiled); V_UNSET after raising. */
static Value as_regex(VM *vm, Value v, const char *fn) {
    if (IS_OT(v, OT_HANDLE) && v.as.o->cls == vm->c.regex) return v;
    if (IS_OT(v, OT_STRING)) return regex_value(vm, (String *)v.as.o);
    vm_throw(vm, vm->c.illegal_argument, "%s: expected a Regex or a String pattern, got %s", fn, v_type_name(vm, v));
    return V_UNSET;
}

static bool text_of(VM *vm, Value *argv, int argc, int i, const char *fn, String **out) {
    return arg_str(vm, argv, argc, i, fn, out);
}

static bool search(VM *vm, Regex *re, String *s, size_t from, bool whole, long *caps, bool *found) {
    bool oom;
    *found = regex_search(re, s->data, s->len, from, whole, caps, &oom);
    if (oom) {
        vm_throw(vm, vm->c.out_of_memory, "out of memory matching a regex");
        return false;
    }
    return true;
}

/* Room for one search's capture positions, two per group; NULL after
 * raising OutOfMemoryException. The caller frees it. */
static long *caps_new(VM *vm, Regex *re) {
    long *caps = malloc(sizeof(long) * 2 * (size_t)regex_groups(re));
    if (!caps) vm_throw(vm, vm->c.out_of_memory, "out of memory matching a regex");
    return caps;
}

/* RegexMatch: value, range (character indexes, end inclusive) and groups
 * (group 0 is the whole match; null for a group that did not take part). */
static Value match_value(VM *vm, Regex *re, String *s, const long *caps) {
    Instance *m = instance_new(vm, vm->c.regex_match);
    List *groups = list_new(vm, (uint32_t)regex_groups(re));
    for (int g = 0; g < regex_groups(re); g++) {
        long a = caps[2 * g], b = caps[2 * g + 1];
        list_push(vm, groups, a < 0 || b < 0 ? V_NULL : v_obj(str_new(vm, s->data + a, (size_t)(b - a))));
    }
    size_t from = utf8_char_index(s, (size_t)caps[0]), to = utf8_char_index(s, (size_t)caps[1]);
    map_put_str(vm, m->fields, "value", groups->items[0]);
    /* inclusive, as upstream prints it: 12..17 (an empty match gives 3..2) */
    map_put_str(vm, m->fields, "range", v_obj(range_new(vm, v_int((int64_t)from), v_int((int64_t)to - 1), true)));
    map_put_str(vm, m->fields, "groups", v_obj(groups));
    return v_obj(m);
}

/* Start byte of the search after a match ending at `end` (one character
 * further for an empty match, so findAll always advances). */
static size_t next_start(String *s, long start, long end) {
    size_t i = (size_t)end;
    if (end == start && i < s->len) utf8_next(s->data, s->len, &i);
    return i;
}

/* Shared by find/findAll/replace/split: calls `each` per match in order. */
typedef bool (*MatchFn)(VM *vm, Regex *re, String *s, const long *caps, void *ctx);

static bool each_match(VM *vm, Regex *re, String *s, MatchFn each, void *ctx) {
    long *caps = caps_new(vm, re);
    if (!caps) return false;
    size_t from = 0;
    bool ok = true;
    while (from <= s->len) {
        bool found;
        if (!(ok = search(vm, re, s, from, false, caps, &found)) || !found) break;
        if (!(ok = each(vm, re, s, caps, ctx))) break;
        if (caps[1] >= (long)s->len && caps[0] == caps[1]) break;
        from = next_start(s, caps[0], caps[1]);
    }
    free(caps);
    return ok;
}

/* ---- Regex methods ---- */

static NativeResult re_ctor(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    if (arg_count(vm, argc, 1, 1, "Regex") != NR_OK) return NR_ERR;
    *out = as_regex(vm, argv[0], "Regex");
    return IS_UNSET(*out) ? NR_ERR : NR_OK;
}

static NativeResult re_pattern(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)vm;
    (void)argc;
    (void)argv;
    *out = v_obj(BOX(self)->pattern);
    return NR_OK;
}

static NativeResult re_matches(VM *vm, Value self, int argc, Value *argv, Value *out) {
    String *s;
    if (arg_count(vm, argc, 1, 1, "matches") != NR_OK || !text_of(vm, argv, argc, 0, "matches", &s)) return NR_ERR;
    long *caps = caps_new(vm, SELF_RE);
    bool found;
    bool ok = caps && search(vm, SELF_RE, s, 0, true, caps, &found);
    free(caps);
    if (!ok) return NR_ERR;
    *out = v_bool(found);
    return NR_OK;
}

static NativeResult re_find(VM *vm, Value self, int argc, Value *argv, Value *out) {
    String *s;
    int64_t start = 0;
    if (arg_count(vm, argc, 1, 2, "find") != NR_OK || !text_of(vm, argv, argc, 0, "find", &s)) return NR_ERR;
    if (argc == 2 && !arg_int(vm, argv, argc, 1, "find", &start)) return NR_ERR;
    if (start < 0 || start > (int64_t)s->nchars)
        return vm_throw(vm, vm->c.index_out_of_bounds, "find: start %lld is out of bounds for length %u", (long long)start, s->nchars);
    long *caps = caps_new(vm, SELF_RE);
    bool found;
    bool ok = caps && search(vm, SELF_RE, s, utf8_offset(s, (uint32_t)start), false, caps, &found);
    if (ok) *out = found ? match_value(vm, SELF_RE, s, caps) : V_NULL;
    free(caps);
    return ok ? NR_OK : NR_ERR;
}

static bool collect(VM *vm, Regex *re, String *s, const long *caps, void *ctx) {
    list_push(vm, (List *)ctx, match_value(vm, re, s, caps));
    return true;
}

static NativeResult re_find_all(VM *vm, Value self, int argc, Value *argv, Value *out) {
    String *s;
    if (arg_count(vm, argc, 1, 1, "findAll") != NR_OK || !text_of(vm, argv, argc, 0, "findAll", &s)) return NR_ERR;
    List *l = list_new(vm, 0);
    if (!each_match(vm, SELF_RE, s, collect, l)) return NR_ERR;
    *out = v_obj(l);
    return NR_OK;
}

typedef struct {
    StrBuf sb;
    size_t done;      /* bytes of the input already copied */
    Value with;       /* replacement: String with $n references, or a function of the match */
} Replace;

/* Appends the replacement text, expanding `$n` to group n. */
static bool expand(VM *vm, Replace *r, Regex *re, String *s, const long *caps) {
    String *w = (String *)r->with.as.o;
    for (size_t i = 0; i < w->len; i++) {
        char c = w->data[i];
        if (c != '$' || i + 1 >= w->len || w->data[i + 1] < '0' || w->data[i + 1] > '9') {
            sb_addc(&r->sb, c);
            continue;
        }
        int g = 0;
        size_t k = i + 1;
        /* the longest group number that exists: `$12` is group 1 then '2' with two groups */
        while (k < w->len && w->data[k] >= '0' && w->data[k] <= '9' && g * 10 + (w->data[k] - '0') < regex_groups(re)) {
            g = g * 10 + (w->data[k] - '0');
            k++;
        }
        if (k == i + 1) return vm_throw(vm, vm->c.illegal_argument, "replace: no group %c in the regex", w->data[i + 1]) == NR_OK;
        if (caps[2 * g] >= 0) sb_add(&r->sb, s->data + caps[2 * g], (size_t)(caps[2 * g + 1] - caps[2 * g]));
        i = k - 1;
    }
    return true;
}

static bool replace_one(VM *vm, Regex *re, String *s, const long *caps, void *ctx) {
    Replace *r = ctx;
    sb_add(&r->sb, s->data + r->done, (size_t)caps[0] - r->done);
    r->done = (size_t)caps[1];
    if (IS_OT(r->with, OT_STRING)) return expand(vm, r, re, s, caps);
    Value m = match_value(vm, re, s, caps), res;
    if (vm_call_sync(vm, r->with, V_VOID, 1, &m, &res) != NR_OK) return false;
    v_to_string(vm, &r->sb, res);
    return true;
}

static NativeResult do_replace(VM *vm, Regex *re, String *s, Value with, Value *out) {
    if (!IS_OT(with, OT_STRING) && !IS_OT(with, OT_CLOSURE) && !IS_OT(with, OT_NATIVE) && !IS_OT(with, OT_BOUND))
        return vm_throw(vm, vm->c.illegal_argument, "replace: the replacement must be a String or a function, got %s", v_type_name(vm, with));
    Replace r;
    sb_init(&r.sb);
    r.done = 0;
    r.with = with;
    bool ok = each_match(vm, re, s, replace_one, &r);
    if (ok) {
        sb_add(&r.sb, s->data + r.done, s->len - r.done);
        *out = v_obj(str_new(vm, r.sb.data ? r.sb.data : "", r.sb.len));
    }
    sb_free(&r.sb);
    return ok ? NR_OK : NR_ERR;
}

static NativeResult re_replace(VM *vm, Value self, int argc, Value *argv, Value *out) {
    String *s;
    if (arg_count(vm, argc, 2, 2, "replace") != NR_OK || !text_of(vm, argv, argc, 0, "replace", &s)) return NR_ERR;
    return do_replace(vm, SELF_RE, s, argv[1], out);
}

typedef struct {
    List *parts;
    size_t done;
} Split;

static bool split_one(VM *vm, Regex *re, String *s, const long *caps, void *ctx) {
    (void)re;
    Split *sp = ctx;
    if (caps[1] == 0) return true; /* an empty match at the very start separates nothing */
    if (caps[0] == caps[1] && (size_t)caps[0] >= s->len) return true;
    list_push(vm, sp->parts, v_obj(str_new(vm, s->data + sp->done, (size_t)caps[0] - sp->done)));
    sp->done = (size_t)caps[1];
    return true;
}

static NativeResult do_split(VM *vm, Regex *re, String *s, Value *out) {
    Split sp = {list_new(vm, 0), 0};
    if (!each_match(vm, re, s, split_one, &sp)) return NR_ERR;
    list_push(vm, sp.parts, v_obj(str_new(vm, s->data + sp.done, s->len - sp.done)));
    *out = v_obj(sp.parts);
    return NR_OK;
}

static NativeResult re_split(VM *vm, Value self, int argc, Value *argv, Value *out) {
    String *s;
    if (arg_count(vm, argc, 1, 1, "split") != NR_OK || !text_of(vm, argv, argc, 0, "split", &s)) return NR_ERR;
    return do_split(vm, SELF_RE, s, out);
}

/* ---- String side ---- */

static NativeResult s_re(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)argc;
    (void)argv;
    *out = regex_value(vm, (String *)self.as.o);
    return IS_UNSET(*out) ? NR_ERR : NR_OK;
}

static bool is_regex(VM *vm, Value v) { return IS_OT(v, OT_HANDLE) && v.as.o->cls == vm->c.regex; }

/* String.replace/split keep their plain-text meaning unless given a Regex. */
static NativeFn plain_replace, plain_split;

static NativeResult s_replace(VM *vm, Value self, int argc, Value *argv, Value *out) {
    if (argc == 2 && is_regex(vm, argv[0])) return do_replace(vm, BOX(argv[0])->re, (String *)self.as.o, argv[1], out);
    return plain_replace(vm, self, argc, argv, out);
}

static NativeResult s_split(VM *vm, Value self, int argc, Value *argv, Value *out) {
    if (argc == 1 && is_regex(vm, argv[0])) return do_split(vm, BOX(argv[0])->re, (String *)self.as.o, out);
    return plain_split(vm, self, argc, argv, out);
}

static NativeResult s_matches(VM *vm, Value self, int argc, Value *argv, Value *out) {
    if (arg_count(vm, argc, 1, 1, "matches") != NR_OK) return NR_ERR;
    Value re = as_regex(vm, argv[0], "matches");
    if (IS_UNSET(re)) return NR_ERR;
    return re_matches(vm, re, 1, &self, out);
}

bool regex_match_op(VM *vm, Value text, Value pattern, Value *out) {
    /* commutative: `regex =~ text` too */
    if (IS_OT(pattern, OT_STRING) && IS_OT(text, OT_HANDLE) && text.as.o->cls == vm->c.regex) {
        Value t = text;
        text = pattern;
        pattern = t;
    }
    if (!IS_OT(text, OT_STRING))
        return vm_throw(vm, vm->c.illegal_argument, "=~ needs a String on the left, got %s", v_type_name(vm, text)) == NR_OK;
    Value re = as_regex(vm, pattern, "=~");
    Value m;
    if (IS_UNSET(re) || re_find(vm, re, 1, &text, &m) != NR_OK) return false;
    vm->gvals[vm_global_slot(vm, "$~", 2)] = m;
    *out = v_bool(!IS_NULL(m));
    return true;
}

bool regex_index(VM *vm, Value text, Value re, Value *out, bool *ok_index) {
    if (!IS_OT(re, OT_HANDLE) || re.as.o->cls != vm->c.regex) return false;
    *ok_index = re_find(vm, re, 1, &text, out) == NR_OK;
    return true;
}

/* match[i]: group i, as upstream indexes a RegexMatch */
static NativeResult m_get_at(VM *vm, Value self, int argc, Value *argv, Value *out) {
    Value g;
    int64_t i;
    if (!IS_OT(self, OT_INSTANCE) || !map_get_str(((Instance *)self.as.o)->fields, "groups", &g) || !IS_OT(g, OT_LIST))
        return vm_throw(vm, vm->c.illegal_argument, "getAt: not a RegexMatch");
    uint32_t k;
    if (!arg_int(vm, argv, argc, 0, "RegexMatch[]", &i) || !list_index(vm, (List *)g.as.o, i, &k)) return NR_ERR;
    *out = ((List *)g.as.o)->items[k];
    return NR_OK;
}

static Native *method_of(Class *c, const char *name) {
    Value v;
    return map_get_str(c->methods, name, &v) && IS_OT(v, OT_NATIVE) ? (Native *)v.as.o : NULL;
}

void lib_regex_init(VM *vm) {
    Class *re = vm->c.regex = vm_def_class(vm, "Regex", vm->c.any);
    vm->c.regex_match = vm_def_class(vm, "RegexMatch", vm->c.any);
    vm_def_method(vm, vm->c.regex_match, "getAt", m_get_at);
    re->ctor = re_ctor;
    vm_def_property(vm, re, "pattern", re_pattern);
    vm_def_method(vm, re, "toString", re_pattern);
    vm_def_method(vm, re, "matches", re_matches);
    vm_def_method(vm, re, "find", re_find);
    vm_def_method(vm, re, "findAll", re_find_all);
    vm_def_method(vm, re, "replace", re_replace);
    vm_def_method(vm, re, "split", re_split);
    vm_def_global(vm, "$~", V_NULL);
    Class *s = vm->c.string;
    vm_def_property(vm, s, "re", s_re);
    vm_def_method(vm, s, "matches", s_matches);
    Native *r = method_of(s, "replace"), *sp = method_of(s, "split");
    if (r && sp) {
        plain_replace = r->fn;
        plain_split = sp->fn;
        vm_def_method(vm, s, "replace", s_replace);
        vm_def_method(vm, s, "split", s_split);
    }
}
