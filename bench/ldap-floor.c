/*
 * ldap-floor: the floor of a saslauthd-protocol LDAP check (auth method "bind") on this machine.
 *
 * THREADS threads each hold two LDAP connections of their own (one for searches, left
 * anonymous, one for user binds) and block in accept on the socket. A thread reads one
 * request, searches BASE for (uid=LOGIN) asking for no attributes, binds as the entry found
 * with the password, answers OK or NO, and closes. Like authmuxd, it reads the directory's
 * answers through liblber's read-ahead layer (one read per answer). That is the least a daemon
 * can do per check with libldap's synchronous calls: no second thread, no event loop, no log line, no
 * metrics, no escaping of the login (the benchmark's logins need none; a real server must
 * escape them), no timeouts beyond libldap's defaults, no failover, no reconnecting. It is not
 * a server to deploy: bench/ldap.sh runs it beside saslauthd and authmux to show how much of a
 * check's cost any daemon must pay on this machine (slapd's work and the socket round trips).
 *
 * Usage: ldap-floor SOCKET_PATH LDAP_URI BASE [THREADS]
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../Sources/CLDAP/shim.h" /* libldap, and authmux_ldap_add_readahead */
#include "floor-listen.h"

static int listener;
static const char *uri;
static const char *base;

static LDAP *connect_to_directory(void) {
    LDAP *ld = NULL;
    int version = LDAP_VERSION3;
    if (ldap_initialize(&ld, uri) != LDAP_SUCCESS) return NULL;
    ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
    if (ldap_connect(ld) != LDAP_SUCCESS || authmux_ldap_add_readahead(ld) != 0) return NULL;
    return ld;
}

/* One counted string of the saslauthd request: 2-byte big-endian length, then the bytes. */
static int field(const unsigned char *request, ssize_t length, ssize_t *at, char *out, size_t room) {
    if (*at + 2 > length) return -1;
    size_t size = ((size_t)request[*at] << 8) | request[*at + 1];
    *at += 2;
    if (size >= room || *at + (ssize_t)size > length) return -1;
    memcpy(out, request + *at, size);
    out[size] = 0;
    *at += (ssize_t)size;
    return 0;
}

static int check(LDAP *searcher, LDAP *binder, const char *login, const char *password) {
    char filter[300];
    char *no_attributes[] = {"1.1", NULL};
    LDAPMessage *result = NULL;
    snprintf(filter, sizeof filter, "(uid=%s)", login);
    int code = ldap_search_ext_s(searcher, base, LDAP_SCOPE_SUBTREE, filter, no_attributes, 0, NULL, NULL, NULL, 2, &result);
    if (code != LDAP_SUCCESS || ldap_count_entries(searcher, result) != 1) {
        ldap_msgfree(result);
        return 0;
    }
    char *dn = ldap_get_dn(searcher, ldap_first_entry(searcher, result));
    ldap_msgfree(result);
    if (dn == NULL) return 0;
    struct berval credential = {strlen(password), (char *)password};
    code = ldap_sasl_bind_s(binder, dn, LDAP_SASL_SIMPLE, &credential, NULL, NULL, NULL);
    ldap_memfree(dn);
    return code == LDAP_SUCCESS;
}

static void *serve(void *unused) {
    (void)unused;
    static const unsigned char ok[] = {0, 2, 'O', 'K'};
    static const unsigned char no[] = {0, 2, 'N', 'O'};
    unsigned char request[2048];
    char login[257], password[257];
    LDAP *searcher = connect_to_directory(), *binder = connect_to_directory();
    if (searcher == NULL || binder == NULL) {
        fprintf(stderr, "ldap-floor: cannot set up connections to %s\n", uri);
        exit(1);
    }
    for (;;) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR) continue;
            exit(1);
        }
        /* Clients write the whole request at once; one read takes it. */
        ssize_t length = read(fd, request, sizeof request), at = 0;
        if (length > 0) {
            int good = field(request, length, &at, login, sizeof login) == 0 &&
                       field(request, length, &at, password, sizeof password) == 0 && password[0] != 0 &&
                       check(searcher, binder, login, password);
            (void)!write(fd, good ? ok : no, 4);
            memset(password, 0, sizeof password);
        }
        close(fd);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s SOCKET_PATH LDAP_URI BASE [THREADS]\n", argv[0]);
        return 2;
    }
    uri = argv[2];
    base = argv[3];
    int threads = argc > 4 ? atoi(argv[4]) : 16;
    if (threads < 1) threads = 1;

    listener = floor_listen("ldap-floor", argv[1]);
    if (listener < 0) return 1;
    pthread_t thread;
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&thread, NULL, serve, NULL) != 0) {
            perror("ldap-floor");
            return 1;
        }
    }
    pause();
    return 0;
}
