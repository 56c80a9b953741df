/* fuzz_compile.c - libFuzzer target: the lexer and the compiler on arbitrary
 * text. Every token of the input is lexed, then the whole input compiled;
 * either may reject it, neither may crash or read out of bounds. */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_common.h"
#include "lyng/compiler.h"
#include "lyng/lexer.h"
#include "lyng/vm.h"

static void lex_all(const char *src, size_t len) {
    Lexer lx;
    lex_init(&lx, src, len, 1);
    /* every token consumes input or ends it; the bound only guards that */
    for (size_t i = 0; i <= len + 1; i++) {
        Token t = lex_next(&lx);
        (void)token_name(t.type);
        if (t.type == T_EOF || t.type == T_ERROR) break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *src = (const char *)data;
    lex_all(src, size);
    /* compiling runs nothing, so the VM is shared (fuzz_common.h); what a
     * compilation records in it for later ones, the top-level delegated
     * names, is forgotten after each input */
    lyng_vm *vm = fuzz_prepared_vm("");
    char *error = NULL;
    Proto *p = compile_script(vm, "fuzz.lyng", src, size, &error);
    if (!p && !error) abort(); /* a rejection must say why */
    free(error);
    uint32_t delegated = vm_global_slot(vm, "__delegatedGlobals", 18);
    vm->gvals[delegated] = V_VOID;
    vm->gflags[delegated] = 0;
    return 0;
}
