/* lexer.c - tokens from source text. Newlines are not tokens: each token
 * records whether a newline preceded it (outside parentheses and brackets),
 * and the compiler decides where a statement ends. */
#include "lexer.h"

#include <stdlib.h>
#include <string.h>

void lex_init(Lexer *lx, const char *src, size_t len, uint32_t first_line) {
    memset(lx, 0, sizeof *lx);
    lx->src = lx->cur = lx->line_start = src;
    lx->end = src + len;
    lx->line = first_line;
}

static bool id_start(unsigned char c) { return c == '_' || ((c | 32) >= 'a' && (c | 32) <= 'z') || c >= 0x80; }
static bool id_char(unsigned char c) { return id_start(c) || (c >= '0' && c <= '9'); }

static void newline(Lexer *lx) {
    lx->line++;
    lx->line_start = lx->cur;
}

static bool in_parens(Lexer *lx) {
    int d = lx->depth - 1;
    return d >= 0 && (lx->parens[d / 64] >> (d % 64) & 1);
}

static void pop_nest(Lexer *lx) {
    if (lx->depth > 0) lx->depth--;
}

/* Skips blanks and comments; returns whether a newline was crossed. */
static bool skip_space(Lexer *lx, const char **err) {
    bool nl = false;
    while (lx->cur < lx->end) {
        char c = *lx->cur;
        if (c == ' ' || c == '\t' || c == '\r') {
            lx->cur++;
        } else if (c == '\n') {
            lx->cur++;
            newline(lx);
            nl = true;
        } else if (c == '/' && lx->cur + 1 < lx->end && lx->cur[1] == '/') {
            while (lx->cur < lx->end && *lx->cur != '\n') lx->cur++;
        } else if (c == '/' && lx->cur + 1 < lx->end && lx->cur[1] == '*') {
            int level = 1; /* nested comments, as in Kotlin */
            lx->cur += 2;
            while (lx->cur < lx->end && level > 0) {
                if (*lx->cur == '\n') { lx->cur++; newline(lx); nl = true; continue; }
                if (*lx->cur == '*' && lx->cur + 1 < lx->end && lx->cur[1] == '/') { level--; lx->cur += 2; continue; }
                if (*lx->cur == '/' && lx->cur + 1 < lx->end && lx->cur[1] == '*') { level++; lx->cur += 2; continue; }
                lx->cur++;
            }
            if (level > 0) *err = "unterminated comment";
        } else {
            break;
        }
    }
    return nl;
}

static const struct { const char *word; TokenType type; } keywords[] = {
    {"val", T_VAL}, {"var", T_VAR}, {"fun", T_FUN}, {"fn", T_FUN}, {"if", T_IF},
    {"else", T_ELSE}, {"when", T_WHEN}, {"while", T_WHILE}, {"do", T_DO},
    {"for", T_FOR}, {"in", T_IN}, {"return", T_RETURN}, {"break", T_BREAK},
    {"continue", T_CONTINUE}, {"true", T_TRUE}, {"false", T_FALSE}, {"null", T_NULL},
    {"void", T_VOID}, {"try", T_TRY}, {"catch", T_CATCH}, {"finally", T_FINALLY},
    {"throw", T_THROW}, {"is", T_IS}, {"as", T_AS}, {"import", T_IMPORT},
    {"this", T_THIS}, {"package", T_PACKAGE}, {"class", T_CLASS},
};

static Token make(Lexer *lx, TokenType t, const char *start) {
    Token tk;
    memset(&tk, 0, sizeof tk);
    tk.type = t;
    tk.start = start;
    tk.len = (uint32_t)(lx->cur - start);
    return tk;
}

static Token error_token(Lexer *lx, const char *start, const char *msg) {
    Token t = make(lx, T_ERROR, start);
    t.error = msg;
    return t;
}

#define STR_(x) #x
#define STR(x) STR_(x)

static const char too_deep[] = "brackets nested more than " STR(LYNG_MAX_NESTING) " levels deep";

static bool push_level(Lexer *lx, bool paren) {
    if (lx->depth >= LYNG_MAX_NESTING) return false;
    int d = lx->depth++;
    uint64_t bit = (uint64_t)1 << (d % 64);
    if (paren) lx->parens[d / 64] |= bit;
    else lx->parens[d / 64] &= ~bit;
    return true;
}

/* An opening bracket one level deeper, or an error at it past the limit. */
static Token open_bracket(Lexer *lx, const char *start, TokenType type) {
    if (!push_level(lx, type != T_LBRACE)) return error_token(lx, start, too_deep);
    return make(lx, type, start);
}

const char *lex_nest_in(Lexer *inner, const Lexer *outer) {
    memcpy(inner->parens, outer->parens, sizeof inner->parens);
    inner->depth = outer->depth;
    return push_level(inner, true) ? NULL : too_deep;
}

static Token number(Lexer *lx, const char *start) {
    char buf[128];
    size_t n = 0;
    bool real = false;
    if (*start == '0' && lx->cur < lx->end && (*lx->cur == 'x' || *lx->cur == 'X')) {
        lx->cur++;
        uint64_t v = 0;
        int digits = 0;
        while (lx->cur < lx->end) {
            char c = *lx->cur;
            int d;
            if (c >= '0' && c <= '9') d = c - '0';
            else if ((c | 32) >= 'a' && (c | 32) <= 'f') d = (c | 32) - 'a' + 10;
            else if (c == '_') { lx->cur++; continue; }
            else break;
            v = v * 16 + (uint64_t)d; /* wraps like Int arithmetic */
            digits++;
            lx->cur++;
        }
        if (digits == 0) return error_token(lx, start, "malformed hexadecimal number");
        Token t = make(lx, T_INT, start);
        t.ival = (int64_t)v;
        return t;
    }
    lx->cur = start;
    while (lx->cur < lx->end && n < sizeof buf - 1) {
        char c = *lx->cur;
        if (c >= '0' && c <= '9') buf[n++] = c;
        else if (c == '_') { /* digit separator */ }
        else if (c == '.' && !real && lx->cur + 1 < lx->end && lx->cur[1] >= '0' && lx->cur[1] <= '9') { real = true; buf[n++] = c; }
        else if ((c == 'e' || c == 'E') && lx->cur + 1 < lx->end &&
                 ((lx->cur[1] >= '0' && lx->cur[1] <= '9') ||
                  ((lx->cur[1] == '-' || lx->cur[1] == '+') && lx->cur + 2 < lx->end && lx->cur[2] >= '0' && lx->cur[2] <= '9'))) {
            real = true;
            buf[n++] = c;
            lx->cur++;
            buf[n++] = *lx->cur;
        } else break;
        lx->cur++;
    }
    buf[n] = 0;
    if (lx->cur < lx->end && id_start((unsigned char)*lx->cur) && !real)
        return error_token(lx, start, "malformed number");
    Token t = make(lx, real ? T_REAL : T_INT, start);
    if (real) {
        t.rval = strtod(buf, NULL);
    } else {
        uint64_t v = 0;
        for (size_t i = 0; i < n; i++) v = v * 10 + (uint64_t)(buf[i] - '0');
        t.ival = (int64_t)v;
    }
    return t;
}

/* Strings keep their raw text; the compiler decodes escapes and
 * interpolation. Here we only find the end, honouring `${ ... }` nesting. */
static Token string(Lexer *lx, const char *start) {
    int brace = 0;
    while (lx->cur < lx->end) {
        char c = *lx->cur;
        if (c == '\\') { lx->cur += 2; continue; }
        if (c == '\n') { lx->cur++; newline(lx); continue; }
        if (brace == 0 && c == '"') { lx->cur++; return make(lx, T_STRING, start); }
        if (c == '$' && lx->cur + 1 < lx->end && lx->cur[1] == '{') { brace++; lx->cur += 2; continue; }
        if (brace > 0 && c == '{') brace++;
        if (brace > 0 && c == '}') brace--;
        if (brace > 0 && c == '"') {
            /* a nested string inside ${...} */
            lx->cur++;
            while (lx->cur < lx->end && *lx->cur != '"') {
                if (*lx->cur == '\\') lx->cur++;
                else if (*lx->cur == '\n') { lx->cur++; newline(lx); continue; }
                lx->cur++;
            }
        }
        lx->cur++;
    }
    if (lx->cur > lx->end) lx->cur = lx->end;
    return error_token(lx, start, "unterminated string");
}

static Token chr(Lexer *lx, const char *start) {
    /* `'\'` is a backslash, as upstream reads it, unless `'\''` (a quote) */
    if (lx->end - lx->cur >= 2 && lx->cur[0] == '\\' && lx->cur[1] == '\'' &&
        !(lx->end - lx->cur >= 3 && lx->cur[2] == '\'')) {
        lx->cur += 2;
        return make(lx, T_CHAR, start);
    }
    while (lx->cur < lx->end && *lx->cur != '\'' && *lx->cur != '\n') {
        if (*lx->cur == '\\') lx->cur++;
        lx->cur++;
    }
    if (lx->cur >= lx->end || *lx->cur != '\'') return error_token(lx, start, "unterminated character literal");
    lx->cur++;
    return make(lx, T_CHAR, start);
}

static bool match(Lexer *lx, char c) {
    if (lx->cur < lx->end && *lx->cur == c) { lx->cur++; return true; }
    return false;
}

static bool follows_word(Lexer *lx, const char *w) {
    size_t n = strlen(w);
    if ((size_t)(lx->end - lx->cur) < n || memcmp(lx->cur, w, n) != 0) return false;
    return lx->cur + n >= lx->end || !id_char((unsigned char)lx->cur[n]);
}

Token lex_next(Lexer *lx) {
    const char *err = NULL;
    bool nl = skip_space(lx, &err);
    const char *start = lx->cur;
    uint32_t line = lx->line, col = (uint32_t)(start - lx->line_start) + 1;
    Token t;
    if (err) {
        t = error_token(lx, start, err);
    } else if (lx->cur >= lx->end) {
        t = make(lx, T_EOF, start);
    } else {
        unsigned char c = (unsigned char)*lx->cur++;
        if (id_start(c)) {
            while (lx->cur < lx->end && id_char((unsigned char)*lx->cur)) lx->cur++;
            if (lx->cur < lx->end && *lx->cur == '@' && !(lx->cur + 1 < lx->end && id_start((unsigned char)lx->cur[1]))) {
                t = make(lx, T_LABEL, start);
                lx->cur++;
            } else {
                t = make(lx, T_IDENT, start);
                for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++) {
                    /* strncmp stops at the keyword's end, where the word must end too */
                    const char *k = keywords[i].word;
                    if (k[0] == *start && strncmp(k, start, t.len) == 0 && k[t.len] == 0) {
                        t.type = keywords[i].type;
                        break;
                    }
                }
                if (t.type == T_AS && lx->cur < lx->end && *lx->cur == '?') { lx->cur++; t.type = T_AS_SAFE; t.len++; }
            }
        } else if (c >= '0' && c <= '9') {
            t = number(lx, start);
        } else {
            switch (c) {
            case '"': t = string(lx, start); break;
            case '\'': t = chr(lx, start); break;
            case '(': t = open_bracket(lx, start, T_LPAREN); break;
            case ')': pop_nest(lx); t = make(lx, T_RPAREN, start); break;
            case '[': t = open_bracket(lx, start, T_LBRACKET); break;
            case ']': pop_nest(lx); t = make(lx, T_RBRACKET, start); break;
            case '{': t = open_bracket(lx, start, T_LBRACE); break;
            case '}': pop_nest(lx); t = make(lx, T_RBRACE, start); break;
            case ',': t = make(lx, T_COMMA, start); break;
            case ';': t = make(lx, T_SEMI, start); break;
            case ':': t = make(lx, match(lx, ':') ? T_COLONCOLON : T_COLON, start); break;
            case '~': t = make(lx, T_TILDE, start); break;
            case '^': t = make(lx, T_CARET, start); break;
            case '@':
                if (lx->cur < lx->end && id_start((unsigned char)*lx->cur)) {
                    while (lx->cur < lx->end && id_char((unsigned char)*lx->cur)) lx->cur++;
                    t = make(lx, T_AT_LABEL, start);
                } else {
                    t = error_token(lx, start, "unexpected '@'");
                }
                break;
            case '.':
                if (match(lx, '.')) {
                    if (match(lx, '.')) t = make(lx, T_ELLIPSIS, start);
                    else if (match(lx, '<')) t = make(lx, T_DOTDOTLT, start);
                    else t = make(lx, T_DOTDOT, start);
                } else {
                    t = make(lx, T_DOT, start);
                }
                break;
            case '?':
                if (match(lx, '.')) t = make(lx, T_SAFE_DOT, start);
                else if (match(lx, ':')) t = make(lx, T_ELVIS, start);
                else if (match(lx, '?')) t = make(lx, T_ELVIS, start);
                else if (match(lx, '=')) t = make(lx, T_NULL_ASSIGN, start);
                else if (match(lx, '[')) t = open_bracket(lx, start, T_SAFE_LBRACKET);
                else if (match(lx, '(')) t = open_bracket(lx, start, T_SAFE_LPAREN);
                else t = make(lx, T_QUESTION, start);
                break;
            case '!':
                if (match(lx, '!')) t = make(lx, T_BANGBANG, start);
                else if (match(lx, '=')) t = make(lx, match(lx, '=') ? T_NID : T_NE, start);
                else if (match(lx, '~')) t = make(lx, T_NOT_MATCH, start);
                else if (follows_word(lx, "in")) { lx->cur += 2; t = make(lx, T_NOT_IN, start); }
                else if (follows_word(lx, "is")) { lx->cur += 2; t = make(lx, T_NOT_IS, start); }
                else t = make(lx, T_BANG, start);
                break;
            case '=':
                if (match(lx, '=')) t = make(lx, match(lx, '=') ? T_ID : T_EQ, start);
                else if (match(lx, '>')) t = make(lx, T_FATARROW, start);
                else if (match(lx, '~')) t = make(lx, T_MATCH, start);
                else t = make(lx, T_ASSIGN, start);
                break;
            case '<':
                if (match(lx, '=')) t = make(lx, match(lx, '>') ? T_CMP : T_LE, start);
                else if (match(lx, '<')) t = make(lx, T_SHL, start);
                else t = make(lx, T_LT, start);
                break;
            case '>':
                if (match(lx, '=')) t = make(lx, T_GE, start);
                else if (match(lx, '>')) t = make(lx, T_SHR, start);
                else t = make(lx, T_GT, start);
                break;
            case '+':
                if (match(lx, '+')) t = make(lx, T_PLUSPLUS, start);
                else if (match(lx, '=')) t = make(lx, T_PLUS_ASSIGN, start);
                else t = make(lx, T_PLUS, start);
                break;
            case '-':
                if (match(lx, '-')) t = make(lx, T_MINUSMINUS, start);
                else if (match(lx, '=')) t = make(lx, T_MINUS_ASSIGN, start);
                else if (match(lx, '>')) t = make(lx, T_ARROW, start);
                else t = make(lx, T_MINUS, start);
                break;
            case '*': t = make(lx, match(lx, '=') ? T_STAR_ASSIGN : T_STAR, start); break;
            case '/': t = make(lx, match(lx, '=') ? T_SLASH_ASSIGN : T_SLASH, start); break;
            case '%': t = make(lx, match(lx, '=') ? T_PERCENT_ASSIGN : T_PERCENT, start); break;
            case '&': t = make(lx, match(lx, '&') ? T_AND : T_AMP, start); break;
            case '|': t = make(lx, match(lx, '|') ? T_OR : T_PIPE, start); break;
            case '$':
                /* `$~`: the RegexMatch of the last `=~` (a global set by the runtime) */
                if (match(lx, '~')) t = make(lx, T_IDENT, start);
                else t = error_token(lx, start, "unexpected character");
                break;
            case '#':
                /* `#!` is only valid on the first line; the CLI blanks it */
                t = error_token(lx, start, "unexpected character '#'");
                break;
            default:
                t = error_token(lx, start, "unexpected character");
                break;
            }
        }
    }
    t.line = line;
    t.col = col;
    t.nl_before = nl && !in_parens(lx);
    /* the opening bracket itself was pushed already; judge by the outer level */
    if (nl && (t.type == T_LPAREN || t.type == T_LBRACKET || t.type == T_SAFE_LBRACKET || t.type == T_SAFE_LPAREN || t.type == T_LBRACE)) {
        lx->depth--;
        t.nl_before = !in_parens(lx);
        lx->depth++;
    }
    if (nl && (t.type == T_RPAREN || t.type == T_RBRACKET)) t.nl_before = false;
    return t;
}

const char *token_name(TokenType t) {
    switch (t) {
    case T_EOF: return "end of input";
    case T_IDENT: return "identifier";
    case T_INT: case T_REAL: return "number";
    case T_STRING: return "string";
    case T_RPAREN: return "')'";
    case T_RBRACKET: return "']'";
    case T_RBRACE: return "'}'";
    case T_LBRACE: return "'{'";
    case T_LPAREN: return "'('";
    default: return "token";
    }
}
