/* lib_buffer.c - Buffer and MutableBuffer (`import lyng.buffer`): byte
 * sequences with constructors, hex/base64 views, UTF-8 decoding, and the
 * concatenation helper behind `+`. Indexing and slicing are the VM's. */
#include <string.h>

#include "lib.h"

#define UNUSED(x) (void)(x)
#define SELF_BUF ((Buffer *)self.as.o)
#define MAX_BUFFER (1u << 30)

static bool is_mutable_class(VM *vm, Value cls) {
    for (Class *c = IS_OT(cls, OT_CLASS) ? (Class *)cls.as.o : NULL; c; c = c->super)
        if (c == vm->c.mutable_buffer) return true;
    return false;
}

/* Appends the bytes of a List of Ints (or Chars below 256); false after
 * raising. */
static bool append_list(VM *vm, Buffer *b, List *l) {
    for (uint32_t i = 0; i < l->count; i++) {
        Value x = l->items[i];
        if (IS_CHAR(x) && x.as.c <= 255) x = v_int(x.as.c); /* `b + "!".characters()` */
        if (!IS_INT(x) || x.as.i < 0 || x.as.i > 255) {
            StrBuf sb;
            sb_init(&sb);
            v_inspect(vm, &sb, x);
            vm_throw(vm, vm->c.illegal_argument, "byte value %s at index %u is not an Int in 0..255", sb.data, i);
            sb_free(&sb);
            return false;
        }
        if (b->len == b->cap) {
            uint32_t ncap = b->cap ? b->cap * 2 : 16;
            b->data = vm_realloc(vm, b->data, b->cap, ncap);
            b->cap = ncap;
        }
        b->data[b->len++] = (uint8_t)x.as.i;
    }
    return true;
}

static NativeResult buffer_ctor(VM *vm, Value self, int argc, Value *argv, Value *out) {
    bool mut = is_mutable_class(vm, self);
    if (argc == 1 && IS_OT(argv[0], OT_STRING)) {
        String *s = (String *)argv[0].as.o;
        *out = v_obj(mut ? buffer_new(vm, (const uint8_t *)s->data, s->len, true) : buffer_new_fixed(vm, (const uint8_t *)s->data, s->len));
        return NR_OK;
    }
    if (argc == 1 && IS_OT(argv[0], OT_BUFFER)) {
        Buffer *b = (Buffer *)argv[0].as.o;
        *out = v_obj(buffer_new(vm, b->data, b->len, mut));
        return NR_OK;
    }
    if (argc == 1 && IS_INT(argv[0])) {
        /* Buffer(n): n zero bytes */
        int64_t n = argv[0].as.i;
        if (n < 0 || n > MAX_BUFFER) return vm_throw(vm, vm->c.illegal_argument, "buffer size %lld is out of range", (long long)n);
        if (!vm_reserve(vm, (uint64_t)n)) return NR_ERR;
        Buffer *b = buffer_new(vm, NULL, (size_t)n, mut); /* zero-filled */
        *out = v_obj(b);
        return NR_OK;
    }
    Buffer *b = buffer_new(vm, NULL, 0, mut);
    if (argc == 1 && IS_OBJ(argv[0]) && !IS_INT(argv[0])) {
        List *l = iter_to_list(vm, argv[0]);
        if (!l) return NR_ERR;
        if (!append_list(vm, b, l)) return NR_ERR;
    } else {
        List tmp;
        memset(&tmp, 0, sizeof tmp);
        tmp.items = argv;
        tmp.count = (uint32_t)argc;
        if (!append_list(vm, b, &tmp)) return NR_ERR;
    }
    *out = v_obj(b);
    return NR_OK;
}

Buffer *buffer_concat(VM *vm, Buffer *a, Value other) {
    Buffer *r = buffer_new(vm, a->data, a->len, (a->h.flags & OF_MUTABLE) != 0);
    if (IS_OT(other, OT_BUFFER)) {
        Buffer *b = (Buffer *)other.as.o;
        if ((uint64_t)r->len + b->len > MAX_BUFFER) {
            vm_throw(vm, vm->c.illegal_argument, "buffer too large");
            return NULL;
        }
        if (!vm_reserve(vm, (uint64_t)r->len + b->len)) return NULL;
        uint32_t n = r->len + b->len;
        if (n > r->cap) {
            r->data = vm_realloc(vm, r->data, r->cap, n);
            r->cap = n;
        }
        if (b->len) memcpy(r->data + r->len, b->data, b->len);
        r->len = n;
        return r;
    }
    if (IS_OT(other, OT_LIST)) return append_list(vm, r, (List *)other.as.o) ? r : NULL;
    vm_throw(vm, vm->c.illegal_argument, "cannot add %s to a Buffer", v_type_name(vm, other));
    return NULL;
}

/* ---- properties and methods ---- */

static NativeResult b_size(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(vm), UNUSED(argc), UNUSED(argv);
    *out = v_int(SELF_BUF->len);
    return NR_OK;
}

static NativeResult b_hex(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argc), UNUSED(argv);
    static const char digits[] = "0123456789abcdef";
    Buffer *b = SELF_BUF;
    StrBuf sb;
    sb_init(&sb);
    for (uint32_t i = 0; i < b->len; i++) {
        sb_addc(&sb, digits[b->data[i] >> 4]);
        sb_addc(&sb, digits[b->data[i] & 15]);
    }
    *out = v_obj(str_new(vm, sb.data ? sb.data : "", sb.len));
    sb_free(&sb);
    return NR_OK;
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static NativeResult b_base64(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argc), UNUSED(argv);
    Buffer *b = SELF_BUF;
    StrBuf sb;
    sb_init(&sb);
    for (uint32_t i = 0; i < b->len; i += 3) {
        uint32_t n = b->len - i;
        uint32_t v = (uint32_t)b->data[i] << 16;
        if (n > 1) v |= (uint32_t)b->data[i + 1] << 8;
        if (n > 2) v |= b->data[i + 2];
        sb_addc(&sb, B64[(v >> 18) & 63]);
        sb_addc(&sb, B64[(v >> 12) & 63]);
        sb_addc(&sb, n > 1 ? B64[(v >> 6) & 63] : '=');
        sb_addc(&sb, n > 2 ? B64[v & 63] : '=');
    }
    *out = v_obj(str_new(vm, sb.data ? sb.data : "", sb.len));
    sb_free(&sb);
    return NR_OK;
}

static NativeResult b_decode_utf8(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argc), UNUSED(argv);
    Buffer *b = SELF_BUF;
    const char *text = b->len ? (const char *)b->data : "";
#ifdef __wasm__ /* the smaller code: check, then share */
    size_t bad = utf8_check(text, b->len, NULL);
    if (bad != b->len) return vm_throw(vm, vm->c.illegal_argument, "invalid UTF-8 at byte %zu", bad);
    *out = v_obj(str_new_shared(vm, text, b->len));
#else
    uint32_t slot;
    String *s = str_shared_get(vm, text, b->len, &slot);
    if (!s) {
        size_t bad = utf8_check(text, b->len, NULL);
        if (bad != b->len) return vm_throw(vm, vm->c.illegal_argument, "invalid UTF-8 at byte %zu", bad);
        s = str_shared_put(vm, text, b->len, slot);
    }
    *out = v_obj(s);
#endif
    return NR_OK;
}

static NativeResult b_to_mutable(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argc), UNUSED(argv);
    *out = v_obj(buffer_new(vm, SELF_BUF->data, SELF_BUF->len, true));
    return NR_OK;
}

static NativeResult b_to_immutable(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argc), UNUSED(argv);
    *out = v_obj(buffer_new(vm, SELF_BUF->data, SELF_BUF->len, false));
    return NR_OK;
}

/* ---- statics ---- */

static int hex_val(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static NativeResult s_decode_hex(VM *vm, Value self, int argc, Value *argv, Value *out) {
    String *s;
    if (arg_count(vm, argc, 1, 1, "decodeHex") != NR_OK || !arg_str(vm, argv, argc, 0, "decodeHex", &s)) return NR_ERR;
    if (s->len % 2) return vm_throw(vm, vm->c.illegal_argument, "hex text has an odd length %u", s->len);
    Buffer *b = buffer_new(vm, NULL, 0, is_mutable_class(vm, self));
    if (s->len) {
        b->data = vm_realloc(vm, b->data, b->cap, s->len / 2);
        b->cap = s->len / 2;
    }
    for (uint32_t i = 0; i < s->len; i += 2) {
        int hi = hex_val(s->data[i]), lo = hex_val(s->data[i + 1]);
        if (hi < 0 || lo < 0) {
            uint32_t at = hi < 0 ? i : i + 1;
            return vm_throw(vm, vm->c.illegal_argument, "invalid hex digit at index %u", at);
        }
        b->data[b->len++] = (uint8_t)(hi << 4 | lo);
    }
    *out = v_obj(b);
    return NR_OK;
}

static int b64_val(char c) {
    const char *p = c ? strchr(B64, c) : NULL;
    return p ? (int)(p - B64) : -1;
}

static NativeResult s_decode_base64(VM *vm, Value self, int argc, Value *argv, Value *out) {
    String *s;
    if (arg_count(vm, argc, 1, 1, "decodeBase64") != NR_OK || !arg_str(vm, argv, argc, 0, "decodeBase64", &s)) return NR_ERR;
    uint32_t len = s->len;
    while (len > 0 && s->data[len - 1] == '=') len--; /* padding is optional */
    if (s->len - len > 2 || len % 4 == 1) return vm_throw(vm, vm->c.illegal_argument, "invalid base64 length %u", s->len);
    Buffer *b = buffer_new(vm, NULL, 0, is_mutable_class(vm, self));
    uint32_t cap = len / 4 * 3 + 3;
    b->data = vm_realloc(vm, b->data, b->cap, cap);
    b->cap = cap;
    uint32_t acc = 0;
    int bits = 0;
    for (uint32_t i = 0; i < len; i++) {
        int v = b64_val(s->data[i]);
        if (v < 0) return vm_throw(vm, vm->c.illegal_argument, "invalid base64 character at index %u", i);
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            b->data[b->len++] = (uint8_t)(acc >> bits);
        }
    }
    *out = v_obj(b);
    return NR_OK;
}

void lib_buffer_init(VM *vm) {
    Class *b = vm->c.buffer;
    b->ctor = buffer_ctor;
    vm->c.mutable_buffer->ctor = buffer_ctor;
    vm_def_property(vm, b, "size", b_size);
    vm_def_property(vm, b, "hex", b_hex);
    vm_def_property(vm, b, "base64", b_base64);
    vm_def_method(vm, b, "decodeUtf8", b_decode_utf8);
    vm_def_method(vm, b, "toMutable", b_to_mutable);
    vm_def_method(vm, b, "toImmutable", b_to_immutable);
    vm_def_static(vm, b, "decodeHex", s_decode_hex);
    vm_def_static(vm, b, "decodeBase64", s_decode_base64);
}
