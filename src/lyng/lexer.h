/* lexer.h - turns Lyng source text into tokens on demand.
 *
 * The lexer is a small value type: the compiler copies it to look ahead and
 * to re-read a region (string interpolation, `finally` bodies), so it must
 * hold no pointers into anything but the source text. */
#ifndef LYNG_LEXER_H
#define LYNG_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "limits.h"

typedef enum {
    T_EOF, T_NEWLINE, T_ERROR,
    T_IDENT, T_INT, T_REAL, T_STRING, T_CHAR,
    T_LABEL,    /* name@  (a loop label) */
    T_AT_LABEL, /* @name  (after break/continue/return/this) */
    /* punctuation */
    T_LPAREN, T_RPAREN, T_LBRACKET, T_RBRACKET, T_LBRACE, T_RBRACE,
    T_COMMA, T_SEMI, T_COLON, T_COLONCOLON, T_DOT, T_SAFE_DOT, T_SAFE_LBRACKET,
    T_SAFE_LPAREN, T_DOTDOT, T_DOTDOTLT, T_ELLIPSIS, T_ARROW, T_FATARROW,
    T_QUESTION, T_ELVIS, T_BANGBANG,
    T_PLUS, T_MINUS, T_STAR, T_SLASH, T_PERCENT, T_PLUSPLUS, T_MINUSMINUS,
    T_ASSIGN, T_PLUS_ASSIGN, T_MINUS_ASSIGN, T_STAR_ASSIGN, T_SLASH_ASSIGN,
    T_PERCENT_ASSIGN, T_NULL_ASSIGN,
    T_EQ, T_NE, T_ID, T_NID, T_LT, T_LE, T_GT, T_GE, T_CMP,
    T_AND, T_OR, T_BANG, T_AMP, T_PIPE, T_CARET, T_TILDE, T_SHL, T_SHR,
    T_MATCH, T_NOT_MATCH,
    /* keywords */
    T_VAL, T_VAR, T_FUN, T_IF, T_ELSE, T_WHEN, T_WHILE, T_DO, T_FOR, T_IN,
    T_NOT_IN, T_RETURN, T_BREAK, T_CONTINUE, T_TRUE, T_FALSE, T_NULL, T_VOID,
    T_TRY, T_CATCH, T_FINALLY, T_THROW, T_IS, T_NOT_IS, T_AS, T_AS_SAFE,
    T_IMPORT, T_THIS, T_PACKAGE, T_CLASS,
    T_COUNT
} TokenType;

typedef struct Token {
    TokenType type;
    const char *start;
    uint32_t len;
    uint32_t line, col;
    bool nl_before; /* a newline separated this token from the previous one */
    int64_t ival;
    double rval;
    const char *error;
} Token;

typedef struct Lexer {
    const char *src, *cur, *end;
    uint32_t line;
    const char *line_start;
    /* bracket nesting: newlines inside ( and [ are not statement ends;
     * bit i of parens is set when level i is a ( or [ */
    uint64_t parens[(LYNG_MAX_NESTING + 63) / 64];
    int depth;
} Lexer;

void lex_init(Lexer *lx, const char *src, size_t len, uint32_t first_line);
Token lex_next(Lexer *lx);
/* Makes `inner`, which reads a `${...}` of a string that `outer` read, one
 * bracket level deeper than `outer`; returns an error message when that is
 * past LYNG_MAX_NESTING, else NULL. */
const char *lex_nest_in(Lexer *inner, const Lexer *outer);
const char *token_name(TokenType t);

#endif
