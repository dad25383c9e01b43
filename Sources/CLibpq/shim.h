// libpq as Debian ships it (libpq-dev): PostgreSQL's own client library.
#include <postgresql/libpq-fe.h>
