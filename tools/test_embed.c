/* test_embed.c - the C library as an embedder gets it: linked with
 * build/native/liblyng.a alone and written against lyng.h and net.h only.
 * Runs a value, a delay and a TCP echo on loopback, each driven by
 * lyng_run and lyng_host_wait as lyng.h shows. Prints "N passed, N failed". */
#include <stdio.h>
#include <string.h>

#include "lyng.h"
#include "net/net.h"

static int passed, failed;

static void check(const char *what, int ok, const char *detail) {
    if (ok) {
        passed++;
    } else {
        failed++;
        printf("FAIL %s: %s\n", what, detail ? detail : "");
    }
}

/* Output of the scripts, collected. */
static char out[4096];
static size_t out_len;

static void collect(void *ud, int stream, const char *data, size_t len) {
    (void)ud;
    (void)stream;
    if (len > sizeof out - 1 - out_len) len = sizeof out - 1 - out_len;
    memcpy(out + out_len, data, len);
    out_len += len;
    out[out_len] = 0;
}

/* Runs src to its end; returns the final status. *waits counts the
 * lyng_host_wait calls that delivered something. */
static int run(lyng_vm *vm, const char *src, int *waits) {
    int st = lyng_eval(vm, "embed.lyng", src, strlen(src));
    *waits = 0;
    while (st == LYNG_WAITING) {
        st = lyng_run(vm);
        if (st == LYNG_WAITING && lyng_host_wait(vm, 5000) > 0) (*waits)++;
    }
    return st;
}

/* A VM with lyng.io.net allowed to reach loopback only, output cleared. */
static lyng_vm *loopback_vm(const lyng_config *cfg) {
    lyng_vm *vm = lyng_new(cfg);
    lyng_net_register(vm);
    lyng_net_set_policy(vm, "127.0.0.1", NULL);
    out_len = 0;
    return vm;
}

int main(void) {
    lyng_config cfg = {.write = collect};
    int waits;

    lyng_vm *vm = lyng_new(&cfg);
    lyng_define_int(vm, "N", 41);
    int st = run(vm, "N + 1", &waits);
    check("a value", st == LYNG_DONE && strcmp(lyng_result_text(vm), "42") == 0, lyng_result_text(vm));
    lyng_free(vm);

    vm = lyng_new(&cfg);
    out_len = 0;
    st = run(vm, "delay(20); println(\"after\"); 7", &waits);
    check("a delay waits for the host", st == LYNG_DONE && waits >= 1 && strcmp(out, "after\n") == 0, out);
    lyng_free(vm);

    vm = loopback_vm(&cfg);
    st = run(vm,
             "import lyng.buffer\n"
             "import lyng.io.net\n"
             "val server = Net.tcpListen(0, \"127.0.0.1\")\n"
             "launch { val c = server.accept(); c.write(c.read(100) as Buffer); c.close() }\n"
             "val s = Net.tcpConnect(\"127.0.0.1\", server.localAddress().port)\n"
             "s.writeUtf8(\"ping\")\n"
             "println((s.read(100) as Buffer).decodeUtf8())\n"
             "s.close(); server.close()\n",
             &waits);
    check("a TCP echo on loopback", st == LYNG_DONE && strcmp(out, "ping\n") == 0,
          st == LYNG_DONE ? out : lyng_result_text(vm));
    lyng_free(vm);

    /* a UDP socket keeps the verdict for its last destination: a policy
     * set between two sends to it decides the second */
    vm = loopback_vm(&cfg);
    st = run(vm,
             "import lyng.buffer\n"
             "import lyng.io.net\n"
             "val u = Net.udpBind(0, \"127.0.0.1\")\n"
             "val port = u.localAddress().port\n"
             "u.send(\"ab\".encodeUtf8(), \"127.0.0.1\", port)\n"
             "u.send(\"c\".encodeUtf8(), \"127.0.0.1\", port)\n"
             "println(u.receive().data.size + u.receive().data.size)\n",
             &waits);
    check("datagrams to a listed address", st == LYNG_DONE && strcmp(out, "3\n") == 0,
          st == LYNG_DONE ? out : lyng_result_text(vm));
    lyng_net_set_policy(vm, "127.0.0.2", NULL);
    st = run(vm, "u.send(\"d\".encodeUtf8(), \"127.0.0.1\", port)", &waits);
    check("a send the new policy denies", st == LYNG_ERROR && strstr(lyng_result_text(vm), "denied"),
          lyng_result_text(vm));
    lyng_net_set_policy(vm, "127.0.0.1", "127.0.0.1");
    st = run(vm, "u.send(\"e\".encodeUtf8(), \"127.0.0.1\", port)", &waits);
    check("a send the new deny list denies", st == LYNG_ERROR && strstr(lyng_result_text(vm), "denied"),
          lyng_result_text(vm));
    lyng_net_set_policy(vm, "127.0.0.1", NULL);
    out_len = 0;
    st = run(vm, "u.send(\"xyz\".encodeUtf8(), \"127.0.0.1\", port)\nprintln(u.receive().data.size)\nu.close()", &waits);
    check("and allowed again", st == LYNG_DONE && strcmp(out, "3\n") == 0, st == LYNG_DONE ? out : lyng_result_text(vm));
    lyng_free(vm);

    vm = lyng_new(&cfg);
    lyng_net_register(vm);
    st = run(vm, "import lyng.io.net\nNet.tcpConnect(\"127.0.0.1\", 9)", &waits);
    check("the policy denies what it does not list", st == LYNG_ERROR, lyng_result_text(vm));
    lyng_free(vm);

    /* a module added by path is read from its file when imported */
    const char *mod_path = "build/tools/test_embed_greet.lyng";
    FILE *f = fopen(mod_path, "w");
    check("the module file is written", f && fputs("fun greet(who) = \"hello \" + who\n", f) >= 0 && fclose(f) == 0, mod_path);
    vm = lyng_new(&cfg);
    check("a module added by path", lyng_add_source_module(vm, "embed.greet", mod_path) == 0, NULL);
    lyng_add_source_module(vm, "embed.missing", "build/tools/test_embed_missing.lyng");
    st = run(vm, "import embed.greet\ngreet(\"file\")", &waits);
    check("imports the file's declarations", st == LYNG_DONE && strcmp(lyng_result_text(vm), "\"hello file\"") == 0,
          lyng_result_text(vm));
    st = run(vm, "import embed.missing", &waits);
    check("a module whose file is missing fails its import",
          st == LYNG_ERROR && strstr(lyng_result_text(vm), "cannot open build/tools/test_embed_missing.lyng"),
          lyng_result_text(vm));
    lyng_free(vm);
    remove(mod_path);

    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
