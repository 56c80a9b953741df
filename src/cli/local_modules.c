/* local_modules.c - finds the modules next to a script file. The directory
 * holding the script is the root; root/util/answer.lyng is `import
 * util.answer`. The whole tree is scanned before the script runs, so a
 * clash between two files, or a `package` line that disagrees with the
 * file's place, stops the run before any of it happens, not at the import
 * that would have stumbled on it. Hidden directories are skipped, and the
 * scan is bounded in depth and files so a script in a huge directory still
 * starts. */
#include "local_modules.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_DEPTH 16
#define MAX_FILES 10000

typedef struct found {
    char *name; /* util.answer */
    char *path; /* root/util/answer.lyng */
    char *rel;  /* util/answer.lyng, for messages */
} found;

typedef struct scan {
    found *files;
    int n, cap;
    const char *entry; /* the script's own file name, in the root */
} scan;

static char *xstrdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (!d) abort();
    return memcpy(d, s, n);
}

static char *join(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    char *p = malloc(la + lb + 2);
    if (!p) abort();
    memcpy(p, a, la);
    p[la] = '/';
    memcpy(p + la + 1, b, lb + 1);
    return p;
}

static bool ident_char(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
           (unsigned char)ch >= 0x80;
}

/* "util/answer.lyng" -> "util.answer"; NULL when a part could not be
 * written in an import (a dash, a space, a leading digit). */
static char *module_name(const char *rel) {
    size_t n = strlen(rel) - strlen(".lyng");
    char *name = malloc(n + 1);
    if (!name) abort();
    bool start = true;
    for (size_t i = 0; i < n; i++) {
        char ch = rel[i] == '/' ? '.' : rel[i];
        if (ch == '.') {
            if (start) { free(name); return NULL; }
            start = true;
        } else if (!ident_char(ch) || (start && ch >= '0' && ch <= '9')) {
            free(name);
            return NULL;
        } else {
            start = false;
        }
        name[i] = ch;
    }
    name[n] = 0;
    if (start) { free(name); return NULL; }
    return name;
}

static void add(scan *s, const char *path, const char *rel) {
    char *name = module_name(rel);
    if (!name) return;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->files = realloc(s->files, sizeof(found) * (size_t)s->cap);
        if (!s->files) abort();
    }
    s->files[s->n++] = (found){name, xstrdup(path), xstrdup(rel)};
}

static bool ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a > b && strcmp(s + a - b, suffix) == 0;
}

static void walk(scan *s, const char *dir, const char *rel, int depth) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && s->n < MAX_FILES) {
        if (e->d_name[0] == '.') continue; /* ., .., .git and friends */
        if (!rel && strcmp(e->d_name, s->entry) == 0) continue;
        char *path = join(dir, e->d_name);
        char *sub = rel ? join(rel, e->d_name) : xstrdup(e->d_name);
        struct stat st;
        if (stat(path, &st) == 0) {
            if (S_ISDIR(st.st_mode) && depth < MAX_DEPTH) walk(s, path, sub, depth + 1);
            else if (S_ISREG(st.st_mode) && ends_with(e->d_name, ".lyng")) add(s, path, sub);
        }
        free(path);
        free(sub);
    }
    closedir(d);
}

static int by_name(const void *a, const void *b) {
    const found *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->rel, y->rel);
}

/* The package a file declares on its first non-blank line, or NULL. */
static char *declared_package(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char line[1024];
    char *result = NULL;
    while (fgets(line, sizeof line, f)) {
        char *p = line;
        if (strncmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
        if (!*p) continue;
        if (strncmp(p, "package", 7) == 0 && (p[7] == ' ' || p[7] == '\t')) {
            p += 8;
            while (*p == ' ' || *p == '\t') p++;
            size_t n = 0;
            while (p[n] && (ident_char(p[n]) || p[n] == '.')) n++;
            result = malloc(n + 1);
            if (!result) abort();
            memcpy(result, p, n);
            result[n] = 0;
        }
        break;
    }
    fclose(f);
    return result;
}

bool local_modules_register(lyng_vm *vm, const char *script) {
    const char *slash = strrchr(script, '/');
    char *root;
    if (!slash) {
        root = xstrdup(".");
    } else if (slash == script) {
        root = xstrdup("/");
    } else {
        root = malloc((size_t)(slash - script) + 1);
        if (!root) abort();
        memcpy(root, script, (size_t)(slash - script));
        root[slash - script] = 0;
    }
    scan s = {.entry = slash ? slash + 1 : script};
    walk(&s, root, NULL, 0);
    if (s.n > 1) qsort(s.files, (size_t)s.n, sizeof(found), by_name);
    bool ok = true;
    for (int i = 0; i < s.n; i++) {
        found *f = &s.files[i];
        if (i > 0 && strcmp(f->name, s.files[i - 1].name) == 0) {
            fprintf(stderr, "lyng: two files give module %s: %s and %s\n", f->name, s.files[i - 1].rel, f->rel);
            ok = false;
            continue;
        }
        char *pkg = declared_package(f->path);
        if (pkg && strcmp(pkg, f->name) != 0) {
            fprintf(stderr, "lyng: %s declares package %s, but its place makes it %s\n", f->rel, pkg, f->name);
            ok = false;
        }
        free(pkg);
        if (ok) lyng_add_source_module(vm, f->name, f->path);
    }
    for (int i = 0; i < s.n; i++) {
        free(s.files[i].name);
        free(s.files[i].path);
        free(s.files[i].rel);
    }
    free(s.files);
    free(root);
    return ok;
}
