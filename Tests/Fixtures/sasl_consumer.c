/*
 * sasl_consumer: the smallest real libsasl2 server application, used by authmux's integration
 * tests to prove that an unmodified Cyrus SASL consumer with `pwcheck_method: saslauthd`
 * authenticates through authmuxd.
 *
 * Usage: sasl_consumer -c CONFDIR [-a APPNAME] [-s SERVICE] [-r USER_REALM] USER PASSWORD
 *
 * libsasl2 looks for its configuration in "<dir>/<appname>.conf" for every directory in the
 * (colon separated) list returned by the SASL_CB_GETCONFPATH callback, so pointing that
 * callback at CONFDIR makes the library read CONFDIR/APPNAME.conf (APPNAME defaults to
 * "authmuxtest") instead of the system file in /etc/sasl2 or /usr/lib/sasl2.
 *
 * The password goes through sasl_checkpass(), the same call Postfix, Sendmail and the Cyrus
 * servers use for plaintext passwords. Exit status: 0 on SASL_OK, 1 when the check fails,
 * 2 on usage or library setup errors. The SASL result is printed on standard output.
 *
 * Build: cc -o consumer sasl_consumer.c -lsasl2
 */
#define _POSIX_C_SOURCE 200809L /* getopt, also under a strict -std=c11 */
#include <sasl/sasl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *config_dir = NULL;

/* SASL_CB_GETCONFPATH: the directory list where "<appname>.conf" is searched. */
static int get_conf_path(void *context, char **path)
{
    (void)context;
    if (path == NULL) {
        return SASL_BADPARAM;
    }
    *path = config_dir;
    return SASL_OK;
}

/* SASL_CB_LOG: send library diagnostics to stderr so a failing test shows them. */
static int log_message(void *context, int level, const char *message)
{
    (void)context;
    if (message != NULL && level <= SASL_LOG_NOTE) {
        fprintf(stderr, "libsasl2[%d]: %s\n", level, message);
    }
    return SASL_OK;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: sasl_consumer -c CONFDIR [-a APPNAME] [-s SERVICE] [-r USER_REALM] "
            "USER PASSWORD\n");
}

int main(int argc, char **argv)
{
    const char *appname = "authmuxtest";
    const char *service = "smtp";
    const char *user_realm = NULL;
    int opt;

    while ((opt = getopt(argc, argv, "c:a:s:r:")) != -1) {
        switch (opt) {
        case 'c': config_dir = optarg; break;
        case 'a': appname = optarg; break;
        case 's': service = optarg; break;
        case 'r': user_realm = optarg; break;
        default: usage(); return 2;
        }
    }
    if (config_dir == NULL || argc - optind != 2) {
        usage();
        return 2;
    }
    const char *user = argv[optind];
    const char *password = argv[optind + 1];

    /* The casts follow the library's own convention: sasl_callback_t.proc is a generic
     * function pointer whose real type depends on the callback id. */
    static sasl_callback_t callbacks[] = {
        { SASL_CB_GETCONFPATH, (int (*)(void))(void (*)(void))get_conf_path, NULL },
        { SASL_CB_LOG, (int (*)(void))(void (*)(void))log_message, NULL },
        { SASL_CB_LIST_END, NULL, NULL },
    };

    int result = sasl_server_init(callbacks, appname);
    if (result != SASL_OK) {
        printf("sasl_server_init: %s (%d)\n", sasl_errstring(result, NULL, NULL), result);
        return 2;
    }

    sasl_conn_t *conn = NULL;
    result = sasl_server_new(service, NULL, user_realm, NULL, NULL, NULL, 0, &conn);
    if (result != SASL_OK) {
        printf("sasl_server_new: %s (%d)\n", sasl_errstring(result, NULL, NULL), result);
        sasl_server_done();
        return 2;
    }

    result = sasl_checkpass(conn, user, (unsigned)strlen(user), password,
                            (unsigned)strlen(password));
    int status;
    if (result == SASL_OK) {
        printf("SASL_OK\n");
        status = 0;
    } else {
        printf("sasl_checkpass: %s (%d): %s\n", sasl_errstring(result, NULL, NULL), result,
               sasl_errdetail(conn));
        status = 1;
    }

    sasl_dispose(&conn);
    sasl_server_done();
    return status;
}
