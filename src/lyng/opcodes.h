/* opcodes.h - the instruction set, listed once.
 * OP(name, operand bytes, stack effect) - effect is the net change in stack
 * depth (the compiler tracks depth to place block locals; variable-effect
 * instructions say 0 here and the compiler adjusts by hand). An operand is
 * ARG bytes (a little-endian u32, compiler.h) unless noted as a byte. */
OP(CONST, ARG, 1)
OP(NULL, 0, 1)
OP(VOID, 0, 1)
OP(TRUE, 0, 1)
OP(FALSE, 0, 1)
OP(UNSET, 0, 1)
OP(POP, 0, -1)
OP(DUP, 0, 1)
OP(SWAP, 0, 0)
OP(GET_LOCAL, ARG, 1)
OP(SET_LOCAL, ARG, 0)        /* keeps the value */
OP(GET_UPVAL, ARG, 1)
OP(SET_UPVAL, ARG, 0)
OP(GET_GLOBAL, ARG, 1)       /* operand: global slot */
OP(GET_RECV_OR_GLOBAL, ARG, 1) /* global slot: a member of `this` by that name, else the global */
OP(SET_RECV_OR_GLOBAL, ARG, 0) /* global slot: stores to `this`'s member by that name, else the global */
OP(SET_GLOBAL, ARG, 0)
OP(DEF_GLOBAL, ARG + 1, -1)      /* slot, flags byte (1 = val): pops */
OP(ASSIGN_VAL, ARG, 0)       /* raises IllegalAssignmentException for name const */
OP(GET_PROP, ARG, 0)         /* name const: obj -> value */
OP(GET_LOCAL_PROP, 2 * ARG, 1) /* slot, name const: -> the local's property (GET_LOCAL GET_PROP) */
OP(SET_PROP, ARG, -1)        /* obj value -> value */
OP(GET_INDEX, 0, -1)       /* obj idx -> value */
OP(GET_INDEX_LOCAL, ARG, 0)  /* slot: obj -> obj[the local] (the compiler's form of `obj[name]`) */
OP(GET_GLOBAL_INDEX_LOCAL, 2 * ARG, 1) /* global slot, local slot: -> global[local] */
OP(SET_INDEX, 0, -2)       /* obj idx value -> value */
OP(ADD, 0, -1)
OP(SUB, 0, -1)
OP(MUL, 0, -1)
OP(DIV, 0, -1)
OP(MOD, 0, -1)
OP(NEG, 0, 0)
OP(POS, 0, 0)
OP(NOT, 0, 0)
OP(BNOT, 0, 0)
OP(BAND, 0, -1)
OP(BOR, 0, -1)
OP(BXOR, 0, -1)
OP(SHL, 0, -1)
OP(SHR, 0, -1)
OP(EQ, 0, -1)
OP(NE, 0, -1)
OP(EQ_NULL, 0, 0)          /* a -> a == null */
OP(NE_NULL, 0, 0)
OP(ID, 0, -1)
OP(NID, 0, -1)
OP(LT, 0, -1)
OP(LE, 0, -1)
OP(GT, 0, -1)
OP(GE, 0, -1)
OP(CMP, 0, -1)
OP(ADD_K, ARG, 0)            /* Int const: a -> a + const (the compiler's form of `a + 1`) */
OP(SUB_K, ARG, 0)
OP(MUL_K, ARG, 0)
OP(MOD_K, ARG, 0)            /* a zero or -1 divisor takes the general MOD */
OP(LT_K, ARG, 0)             /* Int const: a -> a < const */
OP(LE_K, ARG, 0)
OP(GT_K, ARG, 0)
OP(GE_K, ARG, 0)
OP(IN, 0, -1)              /* elem container -> Bool */
OP(IS, 0, -1)              /* value class -> Bool */
OP(AS, 1, -1)              /* value class -> value; operand 1 = as? */
OP(MATCH, 0, -1)
OP(RANGE, 1, -1)           /* start end -> Range; operand: inclusive */
OP(ENTRY, 0, -1)
OP(NOT_NULL, 0, 0)         /* !! */
OP(CLASS_OF, 0, 0)
OP(TOSTR, 0, 0)
OP(CONCAT, ARG, 0)           /* n strings -> one (effect adjusted by compiler) */
OP(LIST, ARG, 0)             /* n values -> List */
OP(LIST_EXTEND, 0, -1)     /* list iterable -> list */
OP(LIST_APPEND, 0, -1)     /* list value -> list */
OP(MAP, ARG, 0)              /* 2n values -> Map */
OP(JUMP, ARG, 0)             /* forward */
OP(LOOP, ARG, 0)             /* backward; a GC safe point */
OP(JUMP_IF_FALSE, ARG, -1)
OP(JUMP_IF_TRUE, ARG, -1)
OP(AND, ARG, -1)             /* if false: keep it and jump, else pop */
OP(OR, ARG, -1)
OP(JUMP_IF_NULL, ARG, 0)     /* if null: keep it and jump */
OP(ELVIS, ARG, -1)           /* if not null: keep it and jump, else pop */
OP(CALL, ARG, 0)             /* argc: callee args -> result */
OP(CALL_NAMED, 2 * ARG, 0)       /* argc, names const */
OP(INVOKE, 2 * ARG, 0)           /* name const, argc: recv args -> result */
OP(SPREAD_CALL, ARG, -1)     /* method name const or ARG_NONE: callee-or-receiver argsList -> result */
OP(INVOKE_NAMED, 3 * ARG, 0)     /* name const, argc, names const */
OP(CLOSURE, ARG, 1)          /* proto const, then per upvalue: is_local byte, index */
OP(CLOSE_SCOPE, ARG, 0)      /* slot: close upvalues >= slot, move top to slot, sp = slot + 1 */
OP(UNWIND, ARG, 0)           /* slot: close upvalues >= slot, sp = slot */
OP(RETURN, 0, -1)
/* A `for` loop keeps two hidden slots under its variable: the next Int and
 * the exclusive end of an Int range, or the iterator of anything else and
 * VOID. */
OP(FOR_INIT, ARG, 1)         /* iterable -> state end, then jumps forward to the loop's FOR_NEXT */
OP(FOR_LOOP, ARG, 0)         /* var slot: end of an iteration (a back-edge), then as FOR_NEXT, which follows */
OP(FOR_NEXT, ARG, 0)         /* pushes the next element and jumps back to the body, or goes on at the end */
OP(FOR_LOOP_VAL, ARG, -1)    /* var slot: stores the body's value in the loop's value slot (var slot - 3), then as FOR_LOOP */
OP(SET_LOCAL_POP, ARG, -1)   /* slot: stores the value on top and pops it */
OP(ITER_CLOSE, ARG, 0)       /* slot: a loop left early; a flow's producer is cancelled */
OP(TRY, ARG, 0)              /* handler offset */
OP(END_TRY, 0, 0)
OP(THROW, 0, -1)
OP(ARG_DEFAULT, 2 * ARG, 0)      /* slot, jump offset when the argument was given */
OP(ARG_REQUIRED, ARG, 0)     /* slot: raise if the argument is missing */
OP(IMPORT, ARG, 1)           /* module name const -> the body to call once */
OP(FORMAT, 1, 0)           /* "fmt"(args): fmt args -> String */
OP(INC_DEC, 1, 0)
OP(ARITH_INPLACE, 1 + ARG, -1)   /* arith opcode byte, jump: a b -> a (a.minusAssign(b)..., then jumps) or a - b */
OP(ADD_INPLACE, ARG, -1)     /* a b -> a (mutated: List/Map/Set, then jumps) or a + b */          /* operand byte: +1/-1, signed; Int -> Int */
OP(ADD_SET_LOCAL, ARG, -1)   /* slot: `name += value` for a local var: old value -> result, stored unless it grew in place */
OP(ADD_SET_GLOBAL, ARG, -1)  /* global slot: the same for a global */
OP(ADD_LOCAL_TO_LOCAL, 2 * ARG, 1)  /* slot, other slot: `name += other` for local vars, as GET_LOCAL GET_LOCAL ADD_SET_LOCAL */
OP(ADD_LOCAL_TO_GLOBAL, 2 * ARG, 1) /* global slot, local slot: the same for a global, as GET_GLOBAL GET_LOCAL ADD_SET_GLOBAL */
/* `n - 1`, `n < 2` with n a local and an Int constant: GET_LOCAL, followed
 * by the K instruction (ADD_K, SUB_K, LT_K), which it runs as well when the
 * local is an Int (a dispatch less for a recursive call's argument and test) */
OP(LOCAL_ADD_K, ARG, 1)      /* local slot; then ADD_K */
OP(LOCAL_SUB_K, ARG, 1)      /* local slot; then SUB_K */
OP(LOCAL_LT_K, ARG, 1)       /* local slot; then LT_K */
