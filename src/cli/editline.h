/* editline.h - libedit for the native REPL (main_native.c), loaded (dlopen)
 * when a REPL starts instead of linked: running a script, which is what
 * the binary does nearly always, then does not map libedit and the
 * libraries it needs (libtinfo, libbsd, libmd) at every start.
 *
 * Every libedit name main_native.c uses is in EDITLINE_FUNCS or
 * EDITLINE_VARS; where EDITLINE_CALLS is defined before including this,
 * the defines at the end send each through a pointer of editline, typed
 * by libedit's own declaration. */
#ifndef LYNG_CLI_EDITLINE_H
#define LYNG_CLI_EDITLINE_H

#include <stdbool.h>
#include <stdio.h>

#include <editline/readline.h>

#define EDITLINE_FUNCS(X)                                                                     \
    X(add_history) X(write_history) X(read_history) X(using_history) X(stifle_history)        \
    X(rl_callback_handler_install) X(rl_callback_handler_remove) X(rl_callback_read_char)      \
    X(rl_insert_text) X(rl_forced_update_display)
#define EDITLINE_VARS(X) X(rl_point) X(rl_line_buffer) X(rl_catch_signals)

typedef struct editline_fns {
#define EDITLINE_FIELD(name) __typeof__(name) *name;
    EDITLINE_FUNCS(EDITLINE_FIELD)
    EDITLINE_VARS(EDITLINE_FIELD)
#undef EDITLINE_FIELD
} editline_fns;

extern editline_fns editline;

/* Loads libedit the first time; false, every time, when it cannot be. */
bool editline_load(void);

#ifdef EDITLINE_CALLS
#define add_history (editline.add_history)
#define write_history (editline.write_history)
#define read_history (editline.read_history)
#define using_history (editline.using_history)
#define stifle_history (editline.stifle_history)
#define rl_callback_handler_install (editline.rl_callback_handler_install)
#define rl_callback_handler_remove (editline.rl_callback_handler_remove)
#define rl_callback_read_char (editline.rl_callback_read_char)
#define rl_insert_text (editline.rl_insert_text)
#define rl_forced_update_display (editline.rl_forced_update_display)
#define rl_point (*editline.rl_point)
#define rl_line_buffer (*editline.rl_line_buffer)
#define rl_catch_signals (*editline.rl_catch_signals)
#endif

#endif
