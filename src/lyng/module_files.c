/* module_files.c - source modules found as files when they are imported.
 *
 * `import a.b` of a module nobody registered looks for module_dir/a/b.lyng
 * (lyng_set_module_dir; the command line sets the directory of the script
 * it runs). Only the file an import names is looked at, when that import
 * runs, so unrelated files nearby, however broken or clashing, never
 * matter, and a script in a huge directory starts at once. A file found
 * this way is the module its place names: a `package` line saying
 * otherwise makes the import fail. The files of modules added by path
 * (lyng_add_source_module) are read here too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lexer.h"
#include "vm.h"

static Module *find_file(VM *vm, const char *name) {
    if (!vm->module_dir) return NULL;
    size_t dl = strlen(vm->module_dir), nl = strlen(name);
    char *path = malloc(dl + nl + sizeof "/.lyng");
    if (!path) abort();
    memcpy(path, vm->module_dir, dl);
    path[dl] = '/';
    for (size_t i = 0; i < nl; i++) path[dl + 1 + i] = name[i] == '.' ? '/' : name[i];
    memcpy(path + dl + 1 + nl, ".lyng", sizeof ".lyng");
    struct stat st;
    Module *m = NULL;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) m = vm_module_add(vm, name);
    if (!m) {
        free(path);
        return NULL;
    }
    m->path = path;
    m->found = true;
    return m;
}

bool module_package_ok(VM *vm, Module *m, const char *text, size_t len) {
    Lexer lx;
    lex_init(&lx, text, len, 1);
    Token t = lex_next(&lx);
    while (t.type == T_SEMI) t = lex_next(&lx);
    if (t.type != T_PACKAGE) return true;
    StrBuf pkg;
    sb_init(&pkg);
    /* the rest of the line, keywords included: `package a.else` is named too */
    for (t = lex_next(&lx); t.type != T_EOF && t.type != T_ERROR && t.type != T_SEMI && !t.nl_before; t = lex_next(&lx))
        sb_add(&pkg, t.start, t.len);
    bool ok = pkg.len == strlen(m->name) && memcmp(pkg.data, m->name, pkg.len) == 0;
    if (!ok)
        vm_throw(vm, vm->c.illegal_state, "module '%s': %s declares package %.*s, but its place makes it %s", m->name,
                 m->path, (int)pkg.len, pkg.data ? pkg.data : "", m->name);
    sb_free(&pkg);
    return ok;
}

static bool read_file(VM *vm, Module *m, StrBuf *sb) {
    sb_init(sb);
    FILE *f = fopen(m->path, "rb");
    if (!f) {
        vm_throw(vm, vm->c.not_found, "module '%s': cannot open %s", m->name, m->path);
        return false;
    }
    char chunk[8192];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) sb_add(sb, chunk, got);
    bool failed = ferror(f) != 0;
    fclose(f);
    if (failed) {
        sb_free(sb);
        vm_throw(vm, vm->c.illegal_state, "module '%s': cannot read %s", m->name, m->path);
        return false;
    }
    return true;
}

const ModuleFiles module_files = {find_file, read_file};
