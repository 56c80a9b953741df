/* value.h - the value representation and heap object layouts of the VM.
 *
 * A Value is a small tagged struct: immediate Int/Real/Bool/Char/null/void, or
 * a pointer to a garbage-collected Obj. Every Obj carries its class, so method
 * dispatch is one pointer load for builtin and user types alike. */
#ifndef LYNG_VALUE_H
#define LYNG_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct VM VM;
typedef struct Obj Obj;
typedef struct Class Class;
typedef struct Fiber Fiber;

typedef enum {
    VT_VOID,
    VT_NULL,
    VT_BOOL,
    VT_INT,
    VT_REAL,
    VT_CHAR,
    VT_OBJ,
    VT_UNSET /* an unassigned `var`, or an argument not passed (defaults) */
} ValueType;

typedef struct Value {
    uint64_t type; /* a ValueType, as wide as the payload: a Value is two 8-byte words, written and read whole */
    union {
        int64_t i;
        double r;
        bool b;
        uint32_t c;
        Obj *o;
    } as;
} Value;

#define V_VOID ((Value){VT_VOID, {.i = 0}})
#define V_NULL ((Value){VT_NULL, {.i = 0}})
#define V_UNSET ((Value){VT_UNSET, {.i = 0}})
#define V_TRUE ((Value){VT_BOOL, {.b = true}})
#define V_FALSE ((Value){VT_BOOL, {.b = false}})
static inline Value v_int(int64_t i) { Value v; v.type = VT_INT; v.as.i = i; return v; }
static inline Value v_real(double r) { Value v; v.type = VT_REAL; v.as.r = r; return v; }
static inline Value v_bool(bool b) { Value v; v.type = VT_BOOL; v.as.i = 0; v.as.b = b; return v; }
static inline Value v_char(uint32_t c) { Value v; v.type = VT_CHAR; v.as.i = 0; v.as.c = c; return v; }
static inline Value v_obj(void *o) { Value v; v.type = VT_OBJ; v.as.o = (Obj *)o; return v; }

#define IS_INT(v) ((v).type == VT_INT)
#define IS_REAL(v) ((v).type == VT_REAL)
#define IS_NUM(v) ((v).type == VT_INT || (v).type == VT_REAL)
#define IS_BOOL(v) ((v).type == VT_BOOL)
#define IS_NULL(v) ((v).type == VT_NULL)
#define IS_VOID(v) ((v).type == VT_VOID)
#define IS_UNSET(v) ((v).type == VT_UNSET)
#define IS_CHAR(v) ((v).type == VT_CHAR)
#define IS_OBJ(v) ((v).type == VT_OBJ)
#define IS_OT(v, t) (IS_OBJ(v) && (v).as.o->type == (t))
#define AS_NUM(v) (IS_INT(v) ? (double)(v).as.i : (v).as.r)

typedef enum {
    OT_STRING,
    OT_LIST,
    OT_MAP, /* ordered hash map; also Set (flag) */
    OT_RANGE,
    OT_ENTRY,
    OT_PROTO,
    OT_CLOSURE,
    OT_UPVAL,
    OT_NATIVE,
    OT_BOUND,
    OT_CLASS,
    OT_INSTANCE,
    OT_BUFFER,
    OT_FIBER,
    OT_DEFERRED,
    OT_MUTEX,
    OT_ITER,
    OT_HANDLE /* native resource owned by a module (sockets) */
} ObjType;

struct Obj {
    Obj *next;      /* all-objects list for the sweeper */
    Class *cls;     /* class for dispatch, `::class`, `is` */
    uint8_t type;   /* ObjType */
    uint8_t marked;
    uint8_t flags;  /* per-type flags, see below */
};

/* Obj.flags */
#define OF_SET 1       /* OT_MAP used as a Set */
#define OF_MUTABLE 1   /* OT_BUFFER that may be written (MutableBuffer) */
#define OF_INTERNED 1  /* OT_STRING in the intern table: lives as long as the VM, unique for its text */
#define OF_MEMBERS 2   /* OT_MAP holding a class's methods: writes invalidate the VM's method cache */
#define OF_DIRECT 4    /* OT_MAP whose keys are all small Ints: index[key] is the slot (object.c) */
#define OF_FIELDS 8    /* OT_MAP inside an Instance (its fmap): marked and freed with it, not on the heap list */
#define OF_INLINE_SLOTS 32 /* OT_MAP (OF_FIELDS) whose slots are the ones that follow its Instance */
#define OF_INLINE_DATA 16 /* OT_BUFFER from buffer_new_fixed: the bytes follow the header (bits 1..3 are a BitBuffer's padding, lynon.c) */

typedef struct String {
    Obj h;
    uint32_t hash;
    uint32_t len;    /* bytes */
    uint32_t nchars; /* code points */
    bool ascii;      /* len == nchars: O(1) indexing */
    char data[];     /* NUL-terminated UTF-8 */
} String;

typedef struct List {
    Obj h;
    Value *items;
    uint32_t count, cap;
} List;

typedef struct MapSlot {
    Value key, value;
    uint32_t hash;
    bool live;
} MapSlot;

/* Insertion-ordered hash map: `slots` in insertion order, `index` is an open
 * addressing table of slot numbers (-1 empty), or indexed by the key itself
 * (OF_DIRECT), or absent up to MAP_LINEAR slots (scanned). Deleted slots are
 * compacted on rehash. */
#define MAP_LINEAR 8
typedef struct Map {
    Obj h;
    MapSlot *slots;
    uint32_t nslots, slot_cap, live;
    int32_t *index;
    uint32_t index_cap; /* power of two, or 0 */
} Map;

typedef struct Range {
    Obj h;
    Value start, end; /* VT_NULL for an open end */
    bool inclusive;
} Range;

typedef struct Entry {
    Obj h;
    Value key, value;
} Entry;

typedef struct Buffer {
    Obj h;
    uint8_t *data;
    uint32_t len, cap;
} Buffer;

/* ---- functions ---- */

typedef struct LineInfo {
    uint32_t line, col;
} LineInfo;

typedef struct Proto {
    Obj h;
    String *name;
    String *source; /* file name */
    uint8_t *code;
    uint32_t code_len, code_cap;
    LineInfo *lines; /* one per code byte */
    Value *consts;
    uint32_t nconsts, const_cap;
    /* parameters occupy slots 1..nparams (slot 0 is `this`) */
    uint16_t nparams;
    int32_t rest_param;  /* index of the `rest...` parameter, or -1 */
    bool implicit_it;    /* lambda without `->`: packs args into `it` */
    bool has_defaults;
    bool abstract_stub;  /* stands for an abstract method: a later base's implementation wins */
    String **param_names;
    uint16_t nupvals;
    uint8_t *upval_is_local;
    uint32_t *upval_index;
    uint32_t max_stack;
    /* where a call that passes every parameter, unnamed, starts: past the
     * prologue's ARG_REQUIRED checks, which such a call cannot fail (set by
     * proto_set_checked_entry) */
    uint32_t checked_entry;
} Proto;

typedef struct Upval {
    Obj h;
    uint32_t slot;
    Value closed;
    Fiber *fiber;      /* while open: the slot lives in fiber->stack[slot]; NULL once closed */
    struct Upval *next_open;
} Upval;

typedef struct Closure {
    Obj h;
    Proto *proto;
    Value self; /* `this` captured where the closure was made */
    uint16_t nupvals;
    Upval *upvals[];
} Closure;

typedef enum { NR_OK, NR_ERR, NR_SUSPEND } NativeResult;

/* A native function: `self` is the receiver (void for globals), argv the
 * positional arguments. It returns NR_OK with *out set, NR_ERR after
 * vm_throw*(), or NR_SUSPEND after parking the current fiber (the value is
 * delivered later by vm_resume). */
typedef NativeResult (*NativeFn)(VM *vm, Value self, int argc, Value *argv, Value *out);

typedef struct Native {
    Obj h;
    NativeFn fn;
    const char *name;
    const char *params; /* NULL, or "a,b,c": names for named arguments */
    bool property;      /* a getter: `x.size` calls it with no arguments */
    void *data;         /* for natives made by modules */
} Native;

typedef struct Bound {
    Obj h;
    Value self;
    Value fn;
} Bound;

/* A name's bit in Class.field_names: the top 6 bits of its FNV-1a hash,
 * where the multiplies have carried every byte's bits (the low bits of
 * short names repeat: "add" and "y" shared bit 20 of the 32 the filter
 * had, and every call of Vec.add in bench/objects.lyng scanned the
 * fields). */
#define FIELD_BIT(hash) ((uint64_t)1 << ((hash) >> 26))
struct Class {
    Obj h;
    String *name;
    Class *super; /* the first base */
    List *mro;    /* NULL, or the C3 linearisation (this class first) when
                     a class of the hierarchy has more than one base */
    VM *vm;       /* for user equals/hashCode/compareTo called from value.c */
    Map *methods; /* String -> Native/Closure; property getters are Natives with property=true */
    Map *statics; /* String -> value: `Cls.member` */
    NativeFn ctor; /* calling the class: `List(...)`, `Buffer(...)`; NULL = not constructible */
    bool is_exception;
    bool is_abstract; /* a script class declared abstract: not instantiated */
    uint8_t field_hint; /* the fields its instances came to have (up to MAP_LINEAR): room made for them at once */
    uint64_t field_names; /* bit FIELD_BIT(hash) of each name any of its instances has had as a field: a name
                             whose bit is clear is no instance's field, so a method call skips the field scan */
    uint32_t body_slot; /* where statics held __body when last looked up (class.c) */
    bool has_setters; /* a script class with property setters or `private set` */
    bool has_hidden;  /* a script class with private or protected members */
    bool is_dynamic;  /* members it lacks are read with getAt(name), written with putAt(name, v) */
};

/* An object of a script (or exception...) class. Its fields are a map
 * within the instance, and its first slots follow it in the same block, so
 * a small object is one allocation. */
typedef struct Instance {
    Obj h;
    Map *fields;     /* String -> Value: &fmap */
    uint64_t inited; /* bit i: the class's mro[i] is initialised (multiple inheritance) */
    Map *inited_more; /* NULL, or the ancestors past the 64th initialised, as keys */
    uint32_t inline_slots; /* MapSlots after the instance (fmap's until it outgrows them) */
    Map fmap;
} Instance;

/* Steps through cls's linearisation, cls first: with i = 0,
 * `for (Class *c = cls; c; c = class_next(cls, c, &i))`. Without an mro
 * that is the super chain. */
static inline Class *class_next(Class *cls, Class *c, uint32_t *i) {
    if (!cls->mro) return c->super;
    return ++*i < cls->mro->count ? (Class *)cls->mro->items[*i].as.o : NULL;
}

/* A host resource (socket...) owned by a native module. `finalize` runs when
 * the object is collected or the VM shuts down, so leaked handles get closed. */
typedef struct Handle {
    Obj h;
    void *ptr;
    void (*finalize)(VM *vm, struct Handle *h);
    void (*mark)(VM *vm, struct Handle *h);
} Handle;

/* ---- allocation and basic operations (object.c) ---- */

String *str_new(VM *vm, const char *s, size_t len); /* copies; validates nothing */
/* The same, but a short text may come back as a string made before: for
 * results no caller changes in place (lines read, substrings, decoded bytes) */
String *str_new_shared(VM *vm, const char *s, size_t len);
/* Its two halves, for bytes still to be checked: the shared string with this
 * text, or NULL (a hit needs no check: its text was valid when it was made),
 * with the text's slot in the table for str_shared_put, which makes the
 * string. */
String *str_shared_get(VM *vm, const char *s, size_t len, uint32_t *slot);
String *str_shared_put(VM *vm, const char *s, size_t len, uint32_t slot);
String *str_cstr(VM *vm, const char *s);
String *str_intern(VM *vm, const char *s, size_t len); /* for names and keys */
String *str_concat(VM *vm, String *a, String *b);
String *str_concat_ascii(VM *vm, String *a, const char *b, size_t n); /* b: n ASCII bytes */
uint32_t hash_bytes(const char *s, size_t len);

List *list_new(VM *vm, uint32_t cap);
void list_push(VM *vm, List *l, Value v);
void list_push_ref(VM *vm, List *l, const Value *v);

Map *map_new(VM *vm);
Map *set_new(VM *vm);
bool map_get(Map *m, Value key, Value *out);
void map_put(VM *vm, Map *m, Value key, Value value);
bool map_remove(Map *m, Value key);
int32_t map_slot(Map *m, Value key); /* index into m->slots, or -1 */
/* string-keyed convenience */
bool map_get_str(Map *m, const char *key, Value *out);
void map_put_str(VM *vm, Map *m, const char *key, Value value);

Range *range_new(VM *vm, Value start, Value end, bool inclusive);
Entry *entry_new(VM *vm, Value key, Value value);
Buffer *buffer_new(VM *vm, const uint8_t *data, size_t len, bool mutable_);
/* An immutable Buffer whose bytes live in the same block as its header (one
 * allocation instead of two): its data is never reallocated. data NULL:
 * the caller writes the len bytes (or lowers len) before anyone sees it. */
Buffer *buffer_new_fixed(VM *vm, const uint8_t *data, size_t len);
Native *native_new(VM *vm, const char *name, NativeFn fn);
Bound *bound_new(VM *vm, Value self, Value fn);
Class *class_new(VM *vm, const char *name, Class *super);
Instance *instance_new(VM *vm, Class *cls);
Handle *handle_new(VM *vm, Class *cls, void *ptr, void (*finalize)(VM *, Handle *));

/* Generic allocation through the VM's accounting (gc.c). */
void *vm_alloc(VM *vm, ObjType type, Class *cls, size_t size);
/* p with old 0 and size >= LARGE_MIN: a block of malloc's, adopted (a bulk
 * read's region on Node, net.c) */
void *vm_realloc(VM *vm, void *p, size_t old, size_t size);
#define VM_FREE(vm, p, size) vm_realloc(vm, p, size, 0)

/* ---- semantics (value.c) ---- */

bool v_truthy(Value v);
bool v_equal(Value a, Value b);                 /* `==` */
bool v_identical(Value a, Value b);             /* `===` */
uint32_t v_hash(Value v);                       /* consistent with v_equal */
/* The hash of an Int (v_hash's, inlined for map keys). */
static inline uint32_t v_mix64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return (uint32_t)x;
}
/* `<=>`: returns false when the values are not comparable. */
bool v_compare(Value a, Value b, int *result);
Class *v_class(VM *vm, Value v);
const char *v_type_name(VM *vm, Value v);

/* toString() and inspect() into a growable byte buffer (format.c). */
typedef struct StrBuf {
    char *data;
    size_t len, cap;
} StrBuf;
void sb_init(StrBuf *sb);
void sb_free(StrBuf *sb);
void sb_add(StrBuf *sb, const char *s, size_t n);
void sb_adds(StrBuf *sb, const char *s);
void sb_addc(StrBuf *sb, char c);
void sb_printf(StrBuf *sb, const char *fmt, ...);
void sb_add_utf8(StrBuf *sb, uint32_t cp);
void v_to_string(VM *vm, StrBuf *sb, Value v);
void v_inspect(VM *vm, StrBuf *sb, Value v);
/* Kotlin/JVM Double.toString(): shortest digits that read back. */
void fmt_real(StrBuf *sb, double d);
String *v_to_String(VM *vm, Value v);
/* An Int in decimal into buf (at least 21 bytes, not NUL-terminated);
 * returns the length. */
size_t fmt_int_decimal(int64_t i, char *buf);

/* UTF-8 helpers (utf8.c) */
bool utf8_valid(const char *s, size_t len, size_t *nchars);
/* decodes one code point at s[*i], advancing *i; invalid bytes give U+FFFD */
uint32_t utf8_next(const char *s, size_t len, size_t *i);
size_t utf8_offset(const String *s, uint32_t char_index); /* byte offset of a char index */
/* the value of the four hex digits at s (a \u escape), or -1 if one is not */
int32_t utf8_hex4(const char *s);

#endif
