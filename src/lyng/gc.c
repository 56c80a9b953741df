/* gc.c - allocation accounting and a precise mark-and-sweep collector.
 *
 * Collection only happens at safe points of the interpreter (calls and loop
 * back-edges), where every live value sits in a fiber stack, a global, or a
 * root list; natives and the compiler may therefore hold raw pointers to
 * fresh objects without registering them. Marking uses an explicit gray
 * stack, so deep structures cannot overflow the C stack. */
#include <malloc.h> /* malloc_usable_size */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm.h"


/* Small blocks (most objects, small maps and lists) come in SMALL_GRAIN
 * size classes, and a freed one goes on the VM's free list of its class for
 * the next allocation of that size: the sweep frees in bulk what the
 * interpreter allocates again at once, and a list pop is much cheaper than
 * malloc and free. */
#define SMALL_CLASS(n) (((n) + SMALL_GRAIN - 1) / SMALL_GRAIN)

/* Small blocks are carved from chunks: an empty free list is refilled with
 * a chunk's worth of blocks of its size, so that a block is a list pop even
 * before a collection has freed any (a server's first collection may be
 * thousands of requests away, and malloc's own path was 250-300
 * instructions for each socket read's Buffer natively; on wasm dlmalloc's
 * was the most of string build's allocations). A small block is then never
 * given to realloc or free: a change of size moves it to a block of the new
 * size. Chunks go back to malloc with the VM. Under AddressSanitizer a
 * chunk holds one block, so that every block stays an allocation of its
 * own, which it checks. */
#if defined(__SANITIZE_ADDRESS__)
#define SMALL_CHUNK_BYTES 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SMALL_CHUNK_BYTES 0
#endif
#endif
#ifndef SMALL_CHUNK_BYTES
#define SMALL_CHUNK_BYTES 4096
#endif

/* The next collection comes once the heap is twice what survived, but not
 * before it holds GC_MIN_HEAP. The floor is small so that a script with
 * little live data (a server answering requests) reuses its garbage while
 * the blocks are still in the CPU's cache: with a 1 MiB floor, popping a
 * free-list block missed the cache so often that it was 18% of the Redis
 * example's time under redis-benchmark -P 16. Marking a small live heap
 * more often costs less than that. */
#define GC_MIN_HEAP (256u * 1024u)

#if defined(__GNUC__) || defined(__clang__)
#define GC_PREFETCH(p) __builtin_prefetch((p), 1)
/* what large blocks need, kept out of vm_realloc's common path */
#define GC_OUT_OF_LINE __attribute__((noinline))
#else
#define GC_PREFETCH(p) ((void)(p))
#define GC_OUT_OF_LINE
#endif

/* Large blocks (buffers read from a socket, long strings, the arrays of big
 * lists and maps) are paced apart: counted with the rest, a script that
 * keeps little alive but reads 64 KiB at a time collected every four reads,
 * marking all it keeps for the sake of a few dead buffers. Their garbage
 * does not bring the small blocks' collection forward, and has its own
 * allowance: as much as the whole heap the last collection kept (Go's
 * GOGC=100, Lua's pause of 200), but at least GC_MIN_LARGE. The memory
 * limit still counts every byte. */
#define GC_MIN_LARGE ((size_t)1 << 20)

/* The large blocks freed since the last collection, up to this many bytes,
 * are kept for the large allocations that follow: given back to malloc at
 * once, a sweep's worth of them went back to the system (glibc trims the top
 * of its heap) and each later read faulted its pages in again. What stays
 * unused for a whole cycle is given back at the next collection. */
#define LARGE_CACHE_BYTES GC_MIN_LARGE

static void large_release(VM *vm, void *p) {
    if (vm->nlarge_free < LARGE_CACHE_SLOTS) {
        size_t cap = malloc_usable_size(p);
        /* memory the limit does not count: at most a 16th of it */
        if (vm->large_free_bytes + cap <= LARGE_CACHE_BYTES && vm->large_free_bytes + cap <= vm->mem_limit / 16) {
            vm->large_free[vm->nlarge_free].blk = p;
            vm->large_free[vm->nlarge_free++].cap = cap;
            vm->large_free_bytes += cap;
            return;
        }
    }
    free(p);
}

/* A kept block of at least `size` bytes that wastes at most an eighth, the
 * most recently freed first (the likeliest to be in the cache). */
static void *large_reuse(VM *vm, size_t size) {
    for (uint32_t i = vm->nlarge_free; i-- > 0;) {
        size_t cap = vm->large_free[i].cap;
        if (cap < size || cap - size > size / 8) continue;
        void *blk = vm->large_free[i].blk;
        vm->large_free[i] = vm->large_free[--vm->nlarge_free];
        vm->large_free_bytes -= cap;
        return blk;
    }
    return NULL;
}

/* next_gc moves with every large block, so that the common path compares
 * `bytes` alone and large garbage does not count against the small blocks. */
static void large_account(VM *vm, size_t old, size_t size) {
    size_t was = old >= LARGE_MIN ? old : 0, now = size >= LARGE_MIN ? size : 0;
    vm->large_bytes = vm->large_bytes - was + now;
    vm->next_gc = vm->next_gc - was + now;
    if (now > was && vm->large_bytes > vm->next_large_gc) vm->gc_requested = true;
    if (size > old && vm->bytes > vm->next_gc) vm->gc_requested = true; /* a block that became large or small */
}

static void large_flush(VM *vm) {
    while (vm->nlarge_free) free(vm->large_free[--vm->nlarge_free].blk);
    vm->large_free_bytes = 0;
}


/* lyng_mem_realloc; when the system refuses memory below the limit, what is
 * in use becomes the limit, so the next safe point throws */
static void *sys_realloc(VM *vm, void *p, size_t size) {
    void *np = lyng_mem_realloc(p, size);
    if (lyng_mem_refused()) {
        large_flush(vm);
        vm->mem_limit = vm->bytes > size ? vm->bytes - size : 0;
        vm->oom = vm->gc_requested = true;
    }
    return np;
}

/* A refill: a chunk's worth of blocks of class c, the first on top */
GC_OUT_OF_LINE static void **small_refill(VM *vm, size_t c) {
    size_t bsize = c * SMALL_GRAIN, n = SMALL_CHUNK_BYTES / bsize ? SMALL_CHUNK_BYTES / bsize : 1;
    char *chunk = sys_realloc(vm, NULL, SMALL_GRAIN + n * bsize); /* the first grain links the chunks */
    *(void **)chunk = vm->small_chunks;
    vm->small_chunks = chunk;
    for (size_t i = n; i-- > 0;) {
        void **blk = (void **)(chunk + SMALL_GRAIN + i * bsize);
        *blk = vm->small_free[c];
        vm->small_free[c] = blk;
    }
    return vm->small_free[c];
}

static inline void *small_take(VM *vm, size_t c) {
    void **blk = vm->small_free[c];
    if (!blk) blk = small_refill(vm, c);
    vm->small_free[c] = *blk;
    /* the next block of this size is likely cold (the sweep freed it a
     * while ago): fetch it now, so the next allocation does not wait */
    GC_PREFETCH(*blk);
    return blk;
}

/* The bytes of block p (old bytes, not NULL) move to blk; p is given back */
GC_OUT_OF_LINE static void block_move(VM *vm, void *blk, void *p, size_t old, size_t size) {
    memcpy(blk, p, old < size ? old : size);
    if (old <= SMALL_MAX) {
        *(void **)p = vm->small_free[SMALL_CLASS(old)];
        vm->small_free[SMALL_CLASS(old)] = p;
    } else {
        free(p);
    }
}

/* vm_realloc of a block that is or becomes large: kept out of line, so the
 * common path stays as short as it was before large blocks had a pace */
GC_OUT_OF_LINE static void *large_realloc(VM *vm, void *p, size_t old, size_t size) {
    large_account(vm, old, size);
    if (vm->bytes > vm->mem_limit) vm->oom = vm->gc_requested = true; /* garbage may make room */
    if (size <= SMALL_MAX) { /* shrinking into a small block */
        void *blk = small_take(vm, SMALL_CLASS(size));
        block_move(vm, blk, p, old, size);
        return blk;
    }
    if (size < LARGE_MIN) return sys_realloc(vm, p, size);
    if (!p || (old && old <= SMALL_MAX)) { /* a small block is never realloc'ed (old 0: malloc's, adopted) */
        void *blk = large_reuse(vm, size);
        if (!blk) blk = sys_realloc(vm, NULL, size);
        if (p) block_move(vm, blk, p, old, size);
        return blk;
    }
    if (p) lyng_mem_room(old, size); /* a big List or Map growing at the heap's top grows in place */
    return sys_realloc(vm, p, size);
}

GC_OUT_OF_LINE static void large_free(VM *vm, void *p, size_t old) {
    large_account(vm, old, 0);
    large_release(vm, p);
}

/* vm_realloc to size 0; the sweep calls it directly, so that freeing stays
 * inline there whatever the compiler makes of vm_realloc */
static inline void free_block(VM *vm, void *p, size_t old) {
    vm->bytes -= old;
    if (old && old <= SMALL_MAX) {
        void **blk = p;
        *blk = vm->small_free[SMALL_CLASS(old)];
        vm->small_free[SMALL_CLASS(old)] = blk;
    } else if (old >= LARGE_MIN) {
        large_free(vm, p, old);
    } else {
        free(p);
    }
}

void *vm_realloc(VM *vm, void *p, size_t old, size_t size) {
    if (size == 0) {
        free_block(vm, p, old);
        return NULL;
    }
    vm->bytes += size;
    vm->bytes -= old;
    /* LARGE_MIN is a power of two: one test for either side being large */
    if ((old | size) >= LARGE_MIN) return large_realloc(vm, p, old, size);
    if (size > old && vm->bytes > vm->next_gc) vm->gc_requested = true;
    if (vm->bytes > vm->mem_limit) vm->oom = vm->gc_requested = true; /* garbage may make room */
    if (size <= SMALL_MAX) {
        if (p && SMALL_CLASS(old) == SMALL_CLASS(size)) return p; /* fits already */
        void *blk = small_take(vm, SMALL_CLASS(size));
        if (p) block_move(vm, blk, p, old, size);
        return blk;
    }
    if (p && old <= SMALL_MAX) { /* a small block grows into a medium one */
        void *blk = sys_realloc(vm, NULL, size);
        block_move(vm, blk, p, old, size);
        return blk;
    }
    return sys_realloc(vm, p, size);
}

bool vm_reserve(VM *vm, uint64_t bytes) {
    /* What is in use may be garbage, which only a safe point can collect:
     * count as live what the last collection kept, if no more is in use. */
    size_t live = vm->bytes < vm->bytes_live ? vm->bytes : vm->bytes_live;
    if (bytes <= vm->mem_limit && live + bytes <= vm->mem_limit) return true;
    /* a small step past the limit is caught at the next safe point, after
     * a collection: right after an unwinding most of `live` is garbage */
    if (bytes <= vm->mem_limit / 64) return true;
    vm_throw(vm, vm->c.out_of_memory, "memory limit of %zu MiB exceeded (%llu more bytes wanted)", vm->mem_limit >> 20,
             (unsigned long long)bytes);
    return false;
}

void *vm_alloc(VM *vm, ObjType type, Class *cls, size_t size) {
    /* most objects are small: vm_realloc's small path for a new block,
     * inline (a call to vm_realloc saved and restored six registers) */
    Obj *o;
    if (size <= SMALL_MAX) {
        vm->bytes += size;
        if (vm->bytes > vm->next_gc) vm->gc_requested = true;
        if (vm->bytes > vm->mem_limit) vm->oom = vm->gc_requested = true; /* garbage may make room */
        o = small_take(vm, SMALL_CLASS(size));
    } else {
        o = vm_realloc(vm, NULL, 0, size);
    }
    o->type = (uint8_t)type;
    o->cls = cls;
    o->marked = 0;
    o->flags = 0;
    o->next = vm->objects;
    vm->objects = o;
    return o;
}

/* Most edges lead to an object already marked (every object's class, the
 * names and strings shared by many): inside the collector that is a test
 * at the edge, and only an object marked now is a call. A collection of
 * the ~1,300 objects a server keeps alive followed ~5,600 edges; as calls
 * they were a third of its instructions. */
GC_OUT_OF_LINE static void gray_push(VM *vm, Obj *o) {
    o->marked = 1;
    if (vm->ngray == vm->gray_cap) {
        vm->gray_cap = vm->gray_cap ? vm->gray_cap * 2 : 256;
        vm->gray = realloc(vm->gray, vm->gray_cap * sizeof(Obj *));
        if (!vm->gray) abort();
    }
    vm->gray[vm->ngray++] = o;
}

static inline void mark_obj(VM *vm, Obj *o) {
    if (o && !o->marked) gray_push(vm, o);
}

static inline void mark_value(VM *vm, Value v) {
    if (v.type == VT_OBJ) mark_obj(vm, v.as.o);
}

void gc_mark_obj(VM *vm, Obj *o) { mark_obj(vm, o); }

void gc_mark_value(VM *vm, Value v) { mark_value(vm, v); }

static void mark_map(VM *vm, Map *m) {
    for (uint32_t i = 0; i < m->nslots; i++) {
        if (!m->slots[i].live) continue;
        mark_value(vm, m->slots[i].key);
        mark_value(vm, m->slots[i].value);
    }
}

static void blacken(VM *vm, Obj *o) {
    mark_obj(vm, (Obj *)o->cls);
    switch ((ObjType)o->type) {
    case OT_STRING: break;
    case OT_LIST: {
        List *l = (List *)o;
        for (uint32_t i = 0; i < l->count; i++) mark_value(vm, l->items[i]);
        break;
    }
    case OT_MAP: mark_map(vm, (Map *)o); break;
    case OT_RANGE: mark_value(vm, ((Range *)o)->start); mark_value(vm, ((Range *)o)->end); break;
    case OT_ENTRY: mark_value(vm, ((Entry *)o)->key); mark_value(vm, ((Entry *)o)->value); break;
    case OT_PROTO: {
        Proto *p = (Proto *)o;
        mark_obj(vm, (Obj *)p->name);
        mark_obj(vm, (Obj *)p->source);
        for (uint32_t i = 0; i < p->nconsts; i++) mark_value(vm, p->consts[i]);
        if (p->param_names)
            for (uint32_t i = 0; i < p->nparams; i++) mark_obj(vm, (Obj *)p->param_names[i]);
        break;
    }
    case OT_CLOSURE: {
        Closure *c = (Closure *)o;
        mark_obj(vm, (Obj *)c->proto);
        mark_value(vm, c->self);
        for (uint16_t i = 0; i < c->nupvals; i++) mark_obj(vm, (Obj *)c->upvals[i]);
        break;
    }
    case OT_UPVAL: {
        Upval *u = (Upval *)o;
        if (u->fiber) mark_obj(vm, (Obj *)u->fiber); /* open */
        else mark_value(vm, u->closed);
        break;
    }
    case OT_NATIVE: break;
    case OT_BOUND: mark_value(vm, ((Bound *)o)->self); mark_value(vm, ((Bound *)o)->fn); break;
    case OT_CLASS: {
        Class *c = (Class *)o;
        mark_obj(vm, (Obj *)c->name);
        mark_obj(vm, (Obj *)c->super);
        mark_obj(vm, (Obj *)c->mro);
        mark_obj(vm, (Obj *)c->methods);
        mark_obj(vm, (Obj *)c->statics);
        break;
    }
    case OT_INSTANCE:
        mark_map(vm, ((Instance *)o)->fields); /* within the instance */
        if (((Instance *)o)->inited_more) mark_obj(vm, (Obj *)((Instance *)o)->inited_more);
        break;
    case OT_BUFFER: break;
    case OT_FIBER: {
        Fiber *f = (Fiber *)o;
        for (uint32_t i = 0; i < f->sp; i++) mark_value(vm, f->stack[i]);
        for (uint32_t i = 0; i < f->nframes; i++) mark_obj(vm, (Obj *)f->frames[i].closure);
        for (Upval *u = f->open_upvals; u; u = u->next_open) mark_obj(vm, (Obj *)u);
        mark_value(vm, f->resume);
        mark_obj(vm, (Obj *)f->deferred);
        mark_value(vm, f->result);
        break;
    }
    case OT_DEFERRED: {
        Deferred *d = (Deferred *)o;
        mark_value(vm, d->value);
        mark_obj(vm, (Obj *)d->waiters);
        mark_obj(vm, (Obj *)d->fiber);
        break;
    }
    case OT_MUTEX: mark_obj(vm, (Obj *)((Mutex *)o)->waiters); break;
    case OT_ITER: mark_value(vm, ((Iter *)o)->src); break;
    case OT_HANDLE: {
        Handle *h = (Handle *)o;
        if (h->mark) h->mark(vm, h);
        break;
    }
    }
}

static size_t obj_size(Obj *o) {
    switch ((ObjType)o->type) {
    case OT_STRING: return sizeof(String) + ((String *)o)->len + 1;
    case OT_LIST: return sizeof(List);
    case OT_MAP: return sizeof(Map);
    case OT_RANGE: return sizeof(Range);
    case OT_ENTRY: return sizeof(Entry);
    case OT_PROTO: return sizeof(Proto);
    case OT_CLOSURE: return sizeof(Closure) + sizeof(Upval *) * ((Closure *)o)->nupvals;
    case OT_UPVAL: return sizeof(Upval);
    case OT_NATIVE: return sizeof(Native);
    case OT_BOUND: return sizeof(Bound);
    case OT_CLASS: return sizeof(Class);
    case OT_INSTANCE: return sizeof(Instance) + sizeof(MapSlot) * ((Instance *)o)->inline_slots;
    case OT_BUFFER: return sizeof(Buffer) + ((o->flags & OF_INLINE_DATA) ? ((Buffer *)o)->cap : 0);
    case OT_FIBER: return sizeof(Fiber);
    case OT_DEFERRED: return sizeof(Deferred);
    case OT_MUTEX: return sizeof(Mutex);
    case OT_ITER: return sizeof(Iter);
    case OT_HANDLE: return sizeof(Handle);
    }
    return 0;
}

static void free_map(VM *vm, Map *m) {
    /* most instances have neither block of their own */
    if (m->slots && !(m->h.flags & OF_INLINE_SLOTS)) free_block(vm, m->slots, sizeof(MapSlot) * m->slot_cap);
    if (m->index) free_block(vm, m->index, sizeof(int32_t) * m->index_cap);
}

static void free_obj(VM *vm, Obj *o) {
    switch ((ObjType)o->type) {
    case OT_LIST: free_block(vm, ((List *)o)->items, sizeof(Value) * ((List *)o)->cap); break;
    case OT_MAP: free_map(vm, (Map *)o); break;
    case OT_INSTANCE: free_map(vm, ((Instance *)o)->fields); break;
    case OT_PROTO: {
        Proto *p = (Proto *)o;
        free_block(vm, p->code, p->code_cap);
        free_block(vm, p->lines, sizeof(LineInfo) * p->code_cap);
        free_block(vm, p->consts, sizeof(Value) * p->const_cap);
        if (p->param_names) free_block(vm, p->param_names, sizeof(String *) * (p->nparams ? p->nparams : 1));
        if (p->nupvals) {
            free_block(vm, p->upval_is_local, p->nupvals);
            free_block(vm, p->upval_index, sizeof(uint32_t) * p->nupvals);
        }
        break;
    }
    case OT_BUFFER:
        if (!(o->flags & OF_INLINE_DATA)) free_block(vm, ((Buffer *)o)->data, ((Buffer *)o)->cap);
        break;
    case OT_FIBER: {
        Fiber *f = (Fiber *)o;
        free_block(vm, f->stack, sizeof(Value) * f->stack_cap);
        free_block(vm, f->frames, sizeof(Frame) * f->frame_cap);
        free_block(vm, f->handlers, sizeof(Handler) * f->handler_cap);
        break;
    }
    case OT_HANDLE: {
        Handle *h = (Handle *)o;
        if (h->finalize) h->finalize(vm, h);
        break;
    }
    default: break;
    }
    free_block(vm, o, obj_size(o));
}

static void mark_roots(VM *vm) {
    for (uint32_t i = 0; i < vm->nglobals; i++) {
        mark_value(vm, vm->gvals[i]);
        mark_obj(vm, (Obj *)vm->gnames[i]);
    }
    for (uint32_t i = 0; i < vm->icap; i++) mark_obj(vm, (Obj *)vm->itab[i]);
    mark_obj(vm, (Obj *)vm->global_names);
    mark_obj(vm, (Obj *)vm->roots);
    Class **cls = (Class **)&vm->c;
    for (size_t i = 0; i < sizeof(Classes) / sizeof(Class *); i++) mark_obj(vm, (Obj *)cls[i]);
    mark_obj(vm, (Obj *)vm->current);
    for (Fiber *f = vm->ready_head; f; f = f->next_ready) mark_obj(vm, (Obj *)f);
    mark_obj(vm, (Obj *)vm->main);
    for (uint32_t i = 0; i < vm->ntasks; i++) {
        mark_obj(vm, (Obj *)vm->tasks[i].main);
        mark_value(vm, vm->tasks[i].stopped);
    }
    mark_value(vm, vm->host_value);
    for (uint32_t i = 0; i < vm->nops; i++) {
        mark_obj(vm, (Obj *)vm->ops[i].fiber);
        mark_obj(vm, vm->ops[i].keep[0]);
        mark_obj(vm, vm->ops[i].keep[1]);
    }
    for (uint32_t i = 0; i < vm->nmodules; i++) mark_obj(vm, (Obj *)vm->modules[i].exports);
    mark_value(vm, vm->pending_exc);
    mark_value(vm, vm->main_result);
    mark_value(vm, vm->main_error);
    mark_value(vm, vm->prelude_result);
    mark_value(vm, vm->import_noop);
}

void gc_collect(VM *vm) {
    large_flush(vm); /* what a whole cycle did not reuse */
    memset(vm->scache, 0, sizeof vm->scache); /* holds strings weakly: the sweep may free them */
    mark_roots(vm);
    while (vm->ngray > 0) blacken(vm, vm->gray[--vm->ngray]);
    Obj **link = &vm->objects;
    while (*link) {
        Obj *o = *link;
        GC_PREFETCH(o->next); /* its miss overlaps the work on o */
        if (o->marked) {
            o->marked = 0;
            link = &o->next;
        } else {
            *link = o->next;
            free_obj(vm, o);
        }
    }
    vm->next_gc = vm->bytes * 2 < GC_MIN_HEAP ? GC_MIN_HEAP : vm->bytes * 2;
    vm->next_large_gc = vm->large_bytes + (vm->bytes < GC_MIN_LARGE ? GC_MIN_LARGE : vm->bytes);
    vm->bytes_live = vm->bytes;
    vm->gc_requested = false;
    vm->oom = vm->bytes > vm->mem_limit;
}

void gc_free_all(VM *vm) {
    /* finalizers first, while every object is still intact */
    for (Obj *o = vm->objects; o; o = o->next) {
        if (o->type == OT_HANDLE && ((Handle *)o)->finalize) {
            ((Handle *)o)->finalize(vm, (Handle *)o);
            ((Handle *)o)->finalize = NULL;
        }
    }
    Obj *o = vm->objects;
    while (o) {
        Obj *next = o->next;
        free_obj(vm, o);
        o = next;
    }
    vm->objects = NULL;
    /* the VM's own arrays are blocks of vm_realloc too */
    free_block(vm, vm->gvals, sizeof(Value) * vm->gcap);
    free_block(vm, vm->gflags, vm->gcap);
    free_block(vm, vm->gnames, sizeof(String *) * vm->gcap);
    free_block(vm, vm->ops, sizeof(PendingOp) * vm->ops_cap);
    large_flush(vm);
    memset(vm->small_free, 0, sizeof vm->small_free);
    while (vm->small_chunks) {
        void **chunk = vm->small_chunks;
        vm->small_chunks = *chunk;
        free(chunk);
    }
    free(vm->gray);
    vm->gray = NULL;
    vm->ngray = vm->gray_cap = 0;
}
