/* vm_cold_ops.h - the run loop's instructions that programs run rarely, or
 * once per loop or call rather than per iteration: declarations, try and
 * throw, spreads, imports, bit operations, string building, ranges and
 * loop set-up, type tests. Counted on the benchmarks (bench/) and the
 * language tests: together under 0.1% of the instructions run.
 *
 * vm.c includes this inside a switch twice over: natively in the run loop
 * itself, on wasm in vm_run_cold, apart from the loop (why: vm.c). Both
 * define COLD_CASE(name) for the label, COLD_NEXT to finish, COLD_ERROR
 * for an exception raised (after SAVE_IP) and COLD_SUSPEND for a fiber
 * that waits, and have the loop's locals and macros (fr, ip, slots,
 * consts, sp; SAVE_IP, LOAD_FRAME, TOP, POP, PUSH). No include guard on
 * purpose. */
COLD_CASE(DEF_GLOBAL) {
    uint32_t g = rd_arg(ip);
    uint8_t fl = ip[ARG];
    ip += ARG + 1;
    vm->gvals[g] = POP();
    vm->gflags[g] = GF_DEFINED | (fl ? GF_VAL : 0);
    COLD_NEXT;
}
COLD_CASE(ASSIGN_VAL) {
    String *n = (String *)consts[rd_arg(ip)].as.o;
    ip += ARG;
    SAVE_IP();
    vm_throw(vm, vm->c.illegal_assignment, "cannot assign to val '%s'", n->data);
    COLD_ERROR;
}
COLD_CASE(NEG) {
    Value a = TOP;
    if (IS_INT(a)) TOP = v_int((int64_t)(0 - (uint64_t)a.as.i));
    else if (IS_REAL(a)) TOP = v_real(-a.as.r);
    else if (!unary_hook(vm, CLS_OP_NEGATE, &TOP, "unary - is not defined for %s")) { SAVE_IP(); COLD_ERROR; }
    COLD_NEXT;
}
COLD_CASE(POS)
    if (!IS_NUM(TOP)) { SAVE_IP(); vm_throw(vm, vm->c.illegal_argument, "unary + is not defined for %s", v_type_name(vm, TOP)); COLD_ERROR; }
    COLD_NEXT;
COLD_CASE(BNOT)
    if (IS_INT(TOP)) TOP = v_int(~TOP.as.i);
    else if (!unary_hook(vm, CLS_OP_BIT_NOT, &TOP, "~ needs an Int, got %s")) { SAVE_IP(); COLD_ERROR; }
    COLD_NEXT;
COLD_CASE(BAND)
COLD_CASE(BOR)
COLD_CASE(BXOR)
COLD_CASE(SHL)
COLD_CASE(SHR) {
    SAVE_IP();
    Value b = POP(), a = POP(), out;
    if (!bitop(vm, op, a, b, &out)) COLD_ERROR;
    PUSH(out);
    COLD_NEXT;
}
COLD_CASE(ID) { Value b = POP(); TOP = v_bool(v_identical(TOP, b)); COLD_NEXT; }
COLD_CASE(NID) { Value b = POP(); TOP = v_bool(!v_identical(TOP, b)); COLD_NEXT; }
COLD_CASE(IN) {
    SAVE_IP();
    Value cont = POP(), x = POP();
    bool r;
    if (!contains(vm, cont, x, &r)) COLD_ERROR;
    PUSH(v_bool(r));
    COLD_NEXT;
}
COLD_CASE(IS) {
    Value cls = POP(), v = POP();
    if (!IS_OT(cls, OT_CLASS)) { SAVE_IP(); vm_throw(vm, vm->c.illegal_argument, "'is' needs a class on the right"); COLD_ERROR; }
    PUSH(v_bool(vm_is_instance(vm, v, (Class *)cls.as.o)));
    COLD_NEXT;
}
COLD_CASE(AS) {
    bool safe = *ip++;
    Value cls = POP(), v = TOP;
    if (!IS_OT(cls, OT_CLASS)) { SAVE_IP(); vm_throw(vm, vm->c.illegal_argument, "'as' needs a class on the right"); COLD_ERROR; }
    if (!vm_is_instance(vm, v, (Class *)cls.as.o)) {
        if (safe) TOP = V_NULL;
        else {
            SAVE_IP();
            vm_throw(vm, vm->c.class_cast, "cannot cast %s to %s", v_type_name(vm, v), ((Class *)cls.as.o)->name->data);
            COLD_ERROR;
        }
    }
    COLD_NEXT;
}
COLD_CASE(MATCH) {
    SAVE_IP();
    Value b = POP(), a = POP(), r;
    if (!regex_match_op(vm, a, b, &r)) COLD_ERROR;
    PUSH(r);
    COLD_NEXT;
}
COLD_CASE(RANGE) {
    bool incl = *ip++;
    if (*ip == OP_GET_INDEX && IS_OBJ(sp[-3]) &&
        (sp[-3].as.o->type == OT_BUFFER || sp[-3].as.o->type == OT_STRING || sp[-3].as.o->type == OT_LIST)) {
        /* `data[a..<b]` of a built-in sequence: the range only
         * bounds the slice, so it need not be allocated */
        Range r;
        memset(&r, 0, sizeof r);
        r.h.type = OT_RANGE;
        r.h.cls = vm->c.range;
        VMOVE(r.start, sp[-2]);
        VMOVE(r.end, sp[-1]);
        r.inclusive = incl;
        ip++;
        SAVE_IP();
        Value out;
        if (!get_index(vm, sp[-3], v_obj(&r), &out)) COLD_ERROR;
        sp -= 2;
        VMOVE(sp[-1], out);
        COLD_NEXT;
    }
    Value b = POP(), a = POP();
    PUSH(v_obj(range_new(vm, a, b, incl)));
    COLD_NEXT;
}
COLD_CASE(ENTRY) {
    Value b = POP(), a = POP();
    PUSH(v_obj(entry_new(vm, a, b)));
    COLD_NEXT;
}
COLD_CASE(NOT_NULL)
    if (IS_NULL(TOP)) { SAVE_IP(); vm_throw(vm, vm->c.null_reference, "value is null"); COLD_ERROR; }
    COLD_NEXT;
COLD_CASE(CLASS_OF) TOP = v_obj(v_class(vm, TOP)); COLD_NEXT;
COLD_CASE(TOSTR)
    if (!IS_OT(TOP, OT_STRING)) TOP = v_obj(v_to_String(vm, TOP));
    COLD_NEXT;
COLD_CASE(CONCAT) {
    uint32_t n = rd_arg(ip);
    ip += ARG;
    uint64_t total = 0;
    for (Value *v = sp - n; v < sp; v++) total += ((String *)v->as.o)->len;
    if (!vm_reserve(vm, 2 * total)) { SAVE_IP(); COLD_ERROR; } /* the buffer, then the string */
    StrBuf sb;
    sb_init(&sb);
    for (Value *v = sp - n; v < sp; v++) {
        String *s = (String *)v->as.o;
        sb_add(&sb, s->data, s->len);
    }
    sp -= n;
    PUSH(v_obj(str_new(vm, sb.data ? sb.data : "", sb.len)));
    sb_free(&sb);
    COLD_NEXT;
}
COLD_CASE(LIST_EXTEND) {
    SAVE_IP();
    Value src = POP();
    List *s = iter_to_list(vm, src);
    if (!s) COLD_ERROR;
    List *l = (List *)TOP.as.o;
    for (uint32_t i = 0; i < s->count; i++) list_push(vm, l, s->items[i]);
    COLD_NEXT;
}
COLD_CASE(LIST_APPEND) {
    Value v = POP();
    list_push(vm, (List *)TOP.as.o, v);
    COLD_NEXT;
}
COLD_CASE(MAP) {
    uint32_t n = rd_arg(ip);
    ip += ARG;
    Map *m = map_new(vm);
    for (Value *v = sp - 2u * n; v < sp; v += 2) map_put(vm, m, v[0], v[1]);
    sp -= 2u * n;
    PUSH(v_obj(m));
    if (class_hook_failed(vm)) { SAVE_IP(); COLD_ERROR; }
    COLD_NEXT;
}
COLD_CASE(SPREAD_CALL) {
    /* f(a, ...list, ...map): the arguments come as one List in which
     * each splat is an Entry keyed by the splat marker */
    uint32_t k = rd_arg(ip);
    ip += ARG;
    List *parts = (List *)POP().as.o;
    SAVE_IP();
    uint32_t base = f->sp - 1;
    int argc = 0;
    List *names = NULL;
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < parts->count; i++) {
            Value v = parts->items[i];
            bool splat = IS_OT(v, OT_ENTRY) && ((Entry *)v.as.o)->key.as.o == (Obj *)vm->cls_names.splat;
            if (splat) v = ((Entry *)v.as.o)->value;
            bool named = splat && IS_OT(v, OT_MAP) && !(v.as.o->flags & OF_SET);
            if (pass == 0 && !named) {
                List *items = splat ? iter_to_list(vm, v) : NULL;
                if (splat && !items) COLD_ERROR;
                uint32_t n = items ? items->count : 1;
                SAVE_IP();
                ensure_stack(vm, f, n + 8);
                LOAD_FRAME();
                for (uint32_t j = 0; j < n; j++) PUSH(items ? items->items[j] : v);
                argc += (int)n;
            } else if (pass == 1 && named) {
                Map *m = (Map *)v.as.o;
                if (!names) names = list_new(vm, m->live);
                SAVE_IP();
                ensure_stack(vm, f, m->live + 8);
                LOAD_FRAME();
                for (uint32_t j = 0; j < m->nslots; j++) {
                    if (!m->slots[j].live) continue;
                    if (!IS_OT(m->slots[j].key, OT_STRING)) {
                        vm_throw(vm, vm->c.illegal_argument, "a spread map needs String keys, got %s", v_type_name(vm, m->slots[j].key));
                        COLD_ERROR;
                    }
                    String *key = (String *)m->slots[j].key.as.o;
                    list_push(vm, names, v_obj(str_intern(vm, key->data, key->len)));
                    PUSH(m->slots[j].value);
                    argc++;
                }
            }
        }
    }
    SAVE_IP();
    CallResult r = k == ARG_NONE ? call_value(vm, f, f->stack[base], V_VOID, false, base, argc, names)
                               : invoke(vm, f, (String *)consts[k].as.o, argc, names);
    if (r == CR_ERROR) COLD_ERROR;
    if (r == CR_SUSPEND) COLD_SUSPEND;
    if (vm->exiting) COLD_SUSPEND;
    LOAD_FRAME();
    COLD_NEXT;
}
COLD_CASE(UNWIND) {
    uint32_t s = fr->base + rd_arg(ip);
    ip += ARG;
    close_upvals(f, s);
    sp = f->stack + s;
    COLD_NEXT;
}
COLD_CASE(FOR_INIT) {
    /* an Int range needs no iterator: its next Int and end stay on the stack */
    Value src = TOP;
    uint32_t off = rd_arg(ip);
    ip += ARG;
    int64_t pos, end;
    if (IS_OT(src, OT_RANGE) && range_int_bounds((Range *)src.as.o, &pos, &end)) {
        TOP = v_int(pos);
        PUSH(v_int(end));
    } else {
        SAVE_IP();
        Value it;
        if (!iter_init(vm, src, &it)) COLD_ERROR;
        TOP = it;
        PUSH(V_VOID);
    }
    ip += off;
    COLD_NEXT;
}
COLD_CASE(ITER_CLOSE) {
    Value v = slots[rd_arg(ip)];
    ip += ARG;
    if (IS_OT(v, OT_ITER) && ((Iter *)v.as.o)->kind == ITER_FLOW) {
        SAVE_IP();
        FlowStep r = flow_channel_close(vm, (List *)((Iter *)v.as.o)->src.as.o);
        if (r == FLOW_WAIT) { fr->ip = ip - 1 - ARG; COLD_SUSPEND; }
        if (r == FLOW_ERROR) { SAVE_IP(); COLD_ERROR; }
    }
    COLD_NEXT;
}
COLD_CASE(TRY) {
    if (f->nhandlers == f->handler_cap) {
        /* one handler first: a coroutine waiting inside one try holds no more */
        uint32_t ncap = f->handler_cap ? f->handler_cap * 2 : 1;
        f->handlers = vm_realloc(vm, f->handlers, sizeof(Handler) * f->handler_cap, sizeof(Handler) * ncap);
        f->handler_cap = ncap;
    }
    Handler *h = &f->handlers[f->nhandlers++];
    h->frame = f->nframes - 1;
    h->catch_ip = ip + ARG + rd_arg(ip);
    h->sp = (uint32_t)(sp - f->stack);
    ip += ARG;
    COLD_NEXT;
}
COLD_CASE(END_TRY) f->nhandlers--; COLD_NEXT;
COLD_CASE(THROW) {
    SAVE_IP();
    Value e = POP();
    if (!IS_OT(e, OT_INSTANCE) || !((Class *)e.as.o->cls)->is_exception) {
        String *msg = v_to_String(vm, e);
        e = v_obj(vm_make_exception(vm, vm->c.exception, msg));
    }
    vm->pending_exc = e;
    COLD_ERROR;
}
COLD_CASE(ARG_DEFAULT) {
    uint32_t s = rd_arg(ip);
    if (!IS_UNSET(slots[s])) ip += 2 * ARG + rd_arg(ip + ARG);
    else ip += 2 * ARG;
    COLD_NEXT;
}
COLD_CASE(IMPORT) {
    String *n = (String *)consts[rd_arg(ip)].as.o;
    ip += ARG;
    SAVE_IP();
    Value body;
    if (!import_module(vm, n, &body)) COLD_ERROR;
    PUSH(body);
    COLD_NEXT;
}
COLD_CASE(FORMAT) ip++; COLD_NEXT;
COLD_CASE(ARITH_INPLACE) {
    /* a b -> a, after a.minusAssign(b) (and the like), skipping the store; else a - b */
    OpCode aop = (OpCode)ip[0];
    sp--;
    Value b = VLOAD(*sp), out;
    bool ok;
    SAVE_IP();
    if (IS_OT(TOP, OT_INSTANCE) && class_assign_hook(vm, aop, TOP, b, &ok)) {
        if (!ok) COLD_ERROR;
        ip += 1 + ARG + rd_arg(ip + 1);
        COLD_NEXT;
    }
    if (!arith(vm, aop, TOP, b, &out)) COLD_ERROR;
    VMOVE(TOP, out);
    ip += 1 + ARG;
    COLD_NEXT;
}
COLD_CASE(ADD_SET_LOCAL) {
    uint32_t s = rd_arg(ip);
    ip += ARG;
    Value b = POP();
    if (IS_INT(b) && IS_INT(TOP)) {
        TOP.as.i = (int64_t)((uint64_t)TOP.as.i + (uint64_t)b.as.i);
        VMOVE(slots[s], TOP);
        COLD_NEXT;
    }
    SAVE_IP();
    int r = add_inplace(vm, &sp[-1], b);
    if (r < 0) COLD_ERROR;
    if (r == 0) slots[s] = TOP;
    COLD_NEXT;
}
