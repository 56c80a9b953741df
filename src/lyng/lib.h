/* lib.h - helpers the interpreter shares with the standard library natives
 * (strings, lists, maps, sets, buffers) beyond what value.h declares. */
#ifndef LYNG_LIB_H
#define LYNG_LIB_H

#include "vm.h"

/* Decimal digits with an optional sign and nothing else; false for
 * anything else and for a value outside the range of Int (lib_string.c;
 * JSON's numbers too: libc's strtoll cost lyng.wasm 0.3 KiB). */
bool parse_i64(const char *s, size_t len, int64_t *out);

/* The byte offset of needle in hay at or after `from`, or -1 (lib_string.c;
 * `in` too: libc's strstr stopped at a NUL and cost 0.7 KiB of lyng.wasm). */
int64_t str_find(const char *hay, size_t hlen, const char *needle, size_t nlen, size_t from);

/* "%s:%d"(a, b): printf-style formatting. NULL after raising
 * IllegalArgumentException on a bad specifier or argument. */
String *fmt_printf(VM *vm, String *fmt, int argc, Value *argv);

/* `text =~ pattern` (lib_regex.c): whether a Regex or String pattern occurs in
 * text; the RegexMatch (or null) goes to the global `$~`. False after raising. */
bool regex_match_op(VM *vm, Value text, Value pattern, Value *out);
/* `text[regex]`: the first RegexMatch (or null) in *out, *ok false after
 * raising. False when idx is not a Regex. */
bool regex_index(VM *vm, Value text, Value idx, Value *out, bool *ok);

/* List.add (lib_list.c): the run loop on wasm recognizes it to store one
 * item into a list with room without the call. */
NativeResult list_add_native(VM *vm, Value self, int argc, Value *argv, Value *out);

/* Resolves a list index (negative counts from the end); raises
 * IndexOutOfBoundsException "index 5 is out of bounds for size 3". */
bool list_index(VM *vm, List *l, int64_t i, uint32_t *out);

/* The elements of any builtin iterable as a List: the List itself for a
 * List, a new List otherwise (Range of Int/Char, Set keys, Map entries,
 * Buffer bytes, String chars). NULL after raising for anything else. */
List *iter_to_list(VM *vm, Value v);

/* `x in range`: x between the bounds, or x a Range lying inside r. */
bool range_contains(Range *r, Value x);
/* [from, to) of take/drop/takeLast/dropLast(n) over `count` elements (n >= 0) */
void take_drop_bounds(uint32_t count, int64_t n, bool take, bool from_end, uint32_t *from, uint32_t *to);

/* Set `+` (union), `-` (difference), `*` (intersection) with a Set or any
 * iterable; `+`/`-` with a plain value add/remove that element. Returns a new
 * Set, or V_UNSET after raising. */
Value set_op(VM *vm, Map *a, Value b, char op);

/* Map `+`: a new Map with a's entries, then b's (b wins on equal keys). */
Map *map_merged(VM *vm, Map *a, Map *b);

/* Buffer `+` with a Buffer or a List of byte Ints; NULL after raising. */
Buffer *buffer_concat(VM *vm, Buffer *a, Value other);

/* UTF-8 (utf8.c): byte offset of the first malformed sequence (len when the
 * whole text is valid); code point count of the valid prefix in *nchars. */
size_t utf8_check(const char *s, size_t len, size_t *nchars);
/* char index of a byte offset (which must start a character) */
size_t utf8_char_index(const String *s, size_t byte_off);
/* encodes cp (invalid ones as U+FFFD); returns the byte count */
size_t utf8_encode(uint32_t cp, char out[4]);

/* Script classes (class.c). */
bool class_body_fn(VM *vm, Class *cls, Value *body);  /* the per-instance code, if a script class */
bool class_is_abstract(VM *vm, Class *cls);
/* The hooks below return false when the class defines nothing special (the
 * caller does the plain thing); else *ok says whether it ran without raising. */
bool class_access_hook(VM *vm, Value recv, String *name); /* false after raising */
bool class_member_hidden(VM *vm, Class *cls, String *name); /* private or protected in cls's order */
bool class_set_hook(VM *vm, Instance *in, String *name, Value v, bool *ok);
bool class_equals_hook(VM *vm, Value a, Value b, bool *result, bool *ok);
bool class_compare_hook(VM *vm, Value a, Value b, int *result, bool *ok);
/* User-defined equals/hashCode/compareTo for value.c's v_equal, v_hash and
 * v_compare (so maps, sets, contains, sorted... respect them). False when
 * the class defines none. A raising method makes the operation's result
 * meaningless and sets vm->cls_names.hook_failed; class_hook_failed() then
 * reports it (and clears it) where the interpreter can raise. */
bool class_user_equals(Class *cls, Value a, Value b, bool *result);
bool class_user_hash(Class *cls, Value v, uint32_t *hash);
/* The key of a property's setter among its class's methods: "name=". */
String *class_setter_key(VM *vm, String *name);
bool class_user_compare(Class *cls, Value a, Value b, int *result);
bool class_hook_failed(VM *vm);
/* Operator methods a script class may define. */
enum { CLS_OP_PLUS, CLS_OP_MINUS, CLS_OP_TIMES, CLS_OP_DIV, CLS_OP_REM, CLS_OP_CONTAINS, CLS_OP_GET_AT,
       CLS_OP_PUT_AT, CLS_OP_INVOKE, CLS_OP_ITERATOR, CLS_OP_HAS_NEXT, CLS_OP_NEXT,
       CLS_OP_MUL, CLS_OP_MOD, CLS_OP_NEGATE, CLS_OP_NOT, CLS_OP_BIT_NOT,
       CLS_OP_BIT_AND, CLS_OP_BIT_OR, CLS_OP_BIT_XOR, CLS_OP_SHL, CLS_OP_SHR,
       CLS_OP_PLUS_ASSIGN, CLS_OP_MINUS_ASSIGN, CLS_OP_MUL_ASSIGN, CLS_OP_DIV_ASSIGN, CLS_OP_MOD_ASSIGN,
       CLS_OP_COUNT };
/* The method an arithmetic or bit opcode (OP_ADD...OP_SHR) calls on an
 * instance: upstream's name first (mul, mod), then the alias (times, rem). */
bool class_arith_hook(VM *vm, int opcode, Value a, Value b, Value *out, bool *ok);
/* `a op= b` on an instance whose class defines plusAssign (minusAssign...):
 * it is called and a stays where it is. */
bool class_assign_hook(VM *vm, int opcode, Value a, Value b, bool *ok);
/* recv.<op>(args) when recv is an instance whose class defines it. */
bool class_op_hook(VM *vm, Value recv, int op, int argc, Value *argv, Value *out, bool *ok);
/* The method for an operator, or false (any receiver). */
bool class_op_method(VM *vm, Value recv, int op, Value *method);

/* Serialization (serial_fields.c, json.c, lynon.c). */
List *serial_fields(VM *vm, Instance *in);          /* names of the fields JSON and Lynon write, in order */
List *serial_ctor_params(VM *vm, Class *cls);       /* constructor parameter names; NULL: not a script class */
bool serial_is_transient(VM *vm, Class *cls, String *name);
bool serial_is_exception(VM *vm, Class *cls);
bool serial_param_required(VM *vm, Class *cls, uint32_t i); /* constructor parameter i has no default */
/* an enum entry: its class, ordinal and the class's entries (each may be NULL) */
bool serial_enum_entry(VM *vm, Value v, Class **cls, int64_t *ordinal, List **entries);
void serial_fields_init(VM *vm);
void json_init(VM *vm);
Class *json_class(VM *vm); /* the Json class of lyng.serialization */
bool json_parse(VM *vm, const char *s, size_t len, Value *out);
void buffer_dump(StrBuf *sb, const uint8_t *p, size_t n);

/* s repeated n times (`s * n`, `s.repeat(n)`), or NULL with an exception
 * thrown when n is negative or the result too large. */
String *str_repeat(VM *vm, String *s, int64_t n);

#endif
