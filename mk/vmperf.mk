# mk/vmperf.mk - checks of the interpreter's fast paths beyond the language
# tests: tools/test_vm_budget.c (on the ASan runtime) proves that range loops
# count steps like every other loop, stop at the step limit and yield in
# slices; tests/vm_fast_paths/ also runs on the WASI build, whose language
# suite in `make test` covers only a subset of tests/.

.PHONY: test-vm-budget test-vm-fast-wasi

VM_BUDGET_OBJ := $(filter-out $(B)/asan/obj/src/cli/%,$(ASAN_OBJ))

$(B)/tools/test_vm_budget: tools/test_vm_budget.c $(VM_BUDGET_OBJ)
	@mkdir -p $(@D)
	$(CLANG) $(ASAN_CFLAGS) -o $@ $^ $(NATIVE_LIBS)

test-vm-budget: $(B)/tools/test_vm_budget
	$(call suite,vm step budget,tools/test_vm_budget.c,$(ASAN_ENV) timeout 120 $(B)/tools/test_vm_budget)

test-vm-fast-wasi: wasi
	$(call suite,vm fast paths (wasi),tests/run.mjs,node tests/run.mjs --timeout 30 --cmd $(WASI_RUN) vm_fast_paths/)

BUILD_EXTRA += $(B)/tools/test_vm_budget
TEST_EXTRA += test-vm-budget test-vm-fast-wasi
