// MariaDB Connector/C as Debian ships it (libmariadb-dev): the MySQL-compatible client API,
// blocking, used only on the sql backend's own thread pool.
#include <mariadb/mysql.h>

/// mysql_optionsv takes its value by pointer through C varargs, which Swift cannot call; these
/// set one option each.
static inline int authmux_mysql_set_uint(MYSQL *mysql, enum mysql_option option, unsigned int value) {
    return mysql_optionsv(mysql, option, &value);
}

static inline int authmux_mysql_set_bool(MYSQL *mysql, enum mysql_option option, my_bool value) {
    return mysql_optionsv(mysql, option, &value);
}

static inline int authmux_mysql_set_string(MYSQL *mysql, enum mysql_option option, const char *value) {
    return mysql_optionsv(mysql, option, value);
}
