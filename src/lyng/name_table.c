/* name_table.c - see name_table.h. Entries are never removed: the table
 * lives as long as one function is being compiled. */
#include "name_table.h"

#include <stdlib.h>
#include <string.h>

static uint32_t hash(const char *s, uint32_t len) {
    uint32_t h = 2166136261u; /* FNV-1a */
    for (uint32_t i = 0; i < len; i++) h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static NameSlot *find(const NameTable *t, const char *name, uint32_t len) {
    uint32_t m = t->cap - 1;
    for (uint32_t i = hash(name, len) & m;; i = (i + 1) & m) {
        NameSlot *s = &t->slots[i];
        if (!s->name || (s->len == len && memcmp(s->name, name, len) == 0)) return s;
    }
}

void name_table_put(NameTable *t, const char *name, uint32_t len, int32_t value, uint32_t stamp) {
    if ((t->used + 1) * 2 > t->cap) {
        NameTable bigger = {calloc(t->cap ? t->cap * 2 : 64, sizeof(NameSlot)), t->cap ? t->cap * 2 : 64, 0};
        if (!bigger.slots) abort();
        for (uint32_t i = 0; i < t->cap; i++)
            if (t->slots[i].name) *find(&bigger, t->slots[i].name, t->slots[i].len) = t->slots[i];
        bigger.used = t->used;
        free(t->slots);
        *t = bigger;
    }
    NameSlot *s = find(t, name, len);
    if (!s->name) t->used++;
    *s = (NameSlot){name, len, stamp, value};
}

bool name_table_get(const NameTable *t, const char *name, uint32_t len, int32_t *value, uint32_t *stamp) {
    if (!t->cap) return false;
    NameSlot *s = find(t, name, len);
    if (!s->name) return false;
    *value = s->value;
    *stamp = s->stamp;
    return true;
}

void name_table_free(NameTable *t) {
    free(t->slots);
    t->slots = NULL;
    t->cap = t->used = 0;
}
