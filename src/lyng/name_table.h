/* name_table.h - an open-addressing table from names (pointer and length
 * into text that outlives the table) to an int and a stamp. The compiler
 * uses it to find the latest local of a name in functions with very many
 * locals; the stamp lets it tell a stale entry from a current one. */
#ifndef LYNG_NAME_TABLE_H
#define LYNG_NAME_TABLE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct NameSlot {
    const char *name; /* NULL: empty */
    uint32_t len;
    uint32_t stamp;
    int32_t value;
} NameSlot;

typedef struct NameTable {
    NameSlot *slots;
    uint32_t cap, used; /* cap is 0 or a power of two */
} NameTable;

/* Sets the entry of `name` (replacing an earlier one of the same name). */
void name_table_put(NameTable *t, const char *name, uint32_t len, int32_t value, uint32_t stamp);
/* The entry of `name`, if there is one. */
bool name_table_get(const NameTable *t, const char *name, uint32_t len, int32_t *value, uint32_t *stamp);
void name_table_free(NameTable *t);

#endif
