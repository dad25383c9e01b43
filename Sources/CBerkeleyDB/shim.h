// Berkeley DB 5.3 as Debian ships it (libdb-dev / libdb5.3-dev): Cyrus saslpasswd2 writes its
// sasldb with this library, so authmux reads it with the same one.
#include <db.h>

// DB is a struct of function pointers; Swift can call them, but these wrappers keep the
// call sites readable and in one place.
static inline int authmux_db_open_readonly(DB *db, const char *path) {
    return db->open(db, NULL, path, NULL, DB_UNKNOWN, DB_RDONLY, 0);
}
static inline int authmux_db_close(DB *db) { return db->close(db, 0); }
static inline int authmux_db_cursor(DB *db, DBC **cursor) { return db->cursor(db, NULL, cursor, 0); }
static inline int authmux_dbc_next(DBC *cursor, DBT *key, DBT *data) { return cursor->get(cursor, key, data, DB_NEXT); }
static inline int authmux_dbc_close(DBC *cursor) { return cursor->close(cursor); }
static inline int authmux_db_get(DB *db, DBT *key, DBT *data) { return db->get(db, NULL, key, data, 0); }

// A handle several pool threads share for point look-ups while the file is unchanged.
static inline int authmux_db_open_shared(DB *db, const char *path) {
    return db->open(db, NULL, path, NULL, DB_UNKNOWN, DB_RDONLY | DB_THREAD, 0);
}
// One key's value, in memory libdb allocates with malloc (a free-threaded handle needs
// DB_DBT_MALLOC or USERMEM): the caller copies it, wipes it and frees it.
static inline int authmux_db_get_malloc(DB *db, const void *key, u_int32_t key_size, void **data, u_int32_t *data_size) {
    DBT k = {0};
    DBT d = {0};
    k.data = (void *)key;
    k.size = key_size;
    d.flags = DB_DBT_MALLOC;
    int status = db->get(db, NULL, &k, &d, 0);
    if (status == 0) {
        *data = d.data;
        *data_size = d.size;
    }
    return status;
}
