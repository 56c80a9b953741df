/* vm_dispatch.h - how the run loop in vm.c goes from one instruction to the
 * next. With GCC or Clang on a native target each instruction ends in its
 * own indirect jump through a table of label addresses ("computed goto"):
 * the branch predictor then learns which instruction tends to follow which,
 * where a single shared switch jump keeps mispredicting. Elsewhere, and on
 * wasm (where an indirect goto is lowered back into a switch and only adds
 * code), it is a plain switch.
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
/* vm.c builds the table of label addresses from opcodes.h, with one more
 * entry for bytes that are no opcode. */
#define CASE(n) case OP_##n: vm_op_##n:
#define DEFAULT default: vm_op_bad_:
#define NEXT                                                              \
    do {                                                                  \
        op = (OpCode)*ip++;                                               \
        goto *vm_dispatch_[op < OP__COUNT ? op : OP__COUNT];              \
    } while (0)
#else
#define CASE(n) case OP_##n:
#define DEFAULT default:
#define NEXT continue
#endif

#endif
