/* vm_dispatch.h - how the run loop in vm.c goes from one instruction to the
 * next. With GCC or Clang on a native target the instructions end in
 * indirect jumps of their own through a table of label addresses ("computed
 * goto"; the compiler may still merge a few of them): the branch predictor
 * then learns which instruction tends to follow which, where a single
 * shared switch jump keeps mispredicting. Elsewhere, and on wasm (where an
 * indirect goto is lowered back into a switch: measured no faster on Node,
 * and 3 KiB larger), it is a plain switch.
 *
 * The run loop writes CASE(NAME) for `case OP_NAME:`, NEXT to finish an
 * instruction, and DEFAULT for the corrupt-opcode case. NEXT is only used
 * at the level of the switch, never inside a loop of its own (in switch
 * mode it is `continue`). */
#ifndef LYNG_VM_DISPATCH_H
#define LYNG_VM_DISPATCH_H

#if (defined(__GNUC__) || defined(__clang__)) && !defined(__wasm__) && !defined(LYNG_NO_COMPUTED_GOTO)
#define VM_COMPUTED_GOTO 1
#else
#define VM_COMPUTED_GOTO 0
#endif

#if VM_COMPUTED_GOTO
/* vm.c builds the table of label addresses from opcodes.h over a default
 * for all 256 byte values, so NEXT needs no range check: it stays short
 * enough for GCC to copy it into every instruction instead of merging all
 * of them into one shared jump. The table's designated entries override
 * the range default on purpose. */
#ifdef __clang__
#define VM_DISPATCH_TABLE_BEGIN _Pragma("clang diagnostic push") _Pragma("clang diagnostic ignored \"-Winitializer-overrides\"")
#define VM_DISPATCH_TABLE_END _Pragma("clang diagnostic pop")
#else
#define VM_DISPATCH_TABLE_BEGIN _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Woverride-init\"")
#define VM_DISPATCH_TABLE_END _Pragma("GCC diagnostic pop")
#endif
#define CASE(n) case OP_##n: vm_op_##n:
#define DEFAULT default: vm_op_bad_:
#define NEXT                                                              \
    do {                                                                  \
        op = (OpCode)*ip++;                                               \
        goto *vm_dispatch_[op];                                           \
    } while (0)
#else
#define CASE(n) case OP_##n:
#define DEFAULT default:
#define NEXT continue
#endif

#endif
