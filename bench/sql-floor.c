/*
 * sql-floor: the floor of a password check against PostgreSQL on this machine.
 *
 * THREADS threads, each with its own libpq connection and the password query prepared on it
 * once, check users for SECONDS seconds: per check one execution of the prepared statement
 * with the user's name bound, and a comparison of the first column with the entry expected
 * ("{PLAIN}" and the user's password, the scheme bench/sql.sh stores). Nothing else: no
 * socket to a client, no protocol, no hashing. No server that answers a client can check
 * faster, so bench/sql.sh measures it beside authmux and Dovecot. Prints one line:
 * "checks N seconds S failures F".
 *
 * Usage: sql-floor CONNINFO QUERY USERS THREADS WARMUP SECONDS
 *   (user i is bench<i>@bench.example with password pw-bench<i>)
 */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *conninfo, *query;
static int users;
static double warmup, seconds;
static atomic_long checks, failures;
static atomic_int measuring, stopping;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *worker(void *arg) {
    unsigned seed = (unsigned)(size_t)arg * 2654435761u;
    PGconn *connection = PQconnectdb(conninfo);
    if (PQstatus(connection) != CONNECTION_OK) {
        fprintf(stderr, "sql-floor: %s", PQerrorMessage(connection));
        exit(1);
    }
    PGresult *prepared = PQprepare(connection, "check", query, 1, NULL);
    if (PQresultStatus(prepared) != PGRES_COMMAND_OK) {
        fprintf(stderr, "sql-floor: prepare: %s", PQerrorMessage(connection));
        exit(1);
    }
    PQclear(prepared);
    char user[64], expected[64];
    while (!atomic_load(&stopping)) {
        int i = (int)(rand_r(&seed) % (unsigned)users);
        snprintf(user, sizeof user, "bench%d@bench.example", i);
        snprintf(expected, sizeof expected, "{PLAIN}pw-bench%d", i);
        const char *values[1] = {user};
        PGresult *result = PQexecPrepared(connection, "check", 1, values, NULL, NULL, 0);
        int ok = PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1 && !PQgetisnull(result, 0, 0) &&
                 strcmp(PQgetvalue(result, 0, 0), expected) == 0;
        PQclear(result);
        if (atomic_load(&measuring)) {
            atomic_fetch_add(&checks, 1);
            if (!ok) atomic_fetch_add(&failures, 1);
        }
    }
    PQfinish(connection);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: sql-floor CONNINFO QUERY USERS THREADS WARMUP SECONDS\n");
        return 2;
    }
    conninfo = argv[1];
    query = argv[2];
    users = atoi(argv[3]);
    int threads = atoi(argv[4]);
    warmup = atof(argv[5]);
    seconds = atof(argv[6]);
    if (users < 1 || threads < 1 || seconds <= 0) return 2;
    pthread_t *ids = calloc((size_t)threads, sizeof *ids);
    for (int i = 0; i < threads; i++) pthread_create(&ids[i], NULL, worker, (void *)(size_t)(i + 1));
    struct timespec pause = {(time_t)warmup, (long)((warmup - (double)(time_t)warmup) * 1e9)};
    nanosleep(&pause, NULL);
    atomic_store(&measuring, 1);
    double start = now();
    struct timespec run = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    nanosleep(&run, NULL);
    atomic_store(&measuring, 0);
    double elapsed = now() - start;
    atomic_store(&stopping, 1);
    for (int i = 0; i < threads; i++) pthread_join(ids[i], NULL);
    printf("checks %ld seconds %.3f failures %ld\n", atomic_load(&checks), elapsed, atomic_load(&failures));
    return 0;
}
