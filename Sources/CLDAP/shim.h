// OpenLDAP's client library as Debian ships it (libldap2-dev): libldap-2.5, reentrant, built
// with GnuTLS. Only the non-deprecated API is visible, so nothing here can fall back to
// ldap_simple_bind_s or ldap_search_st by accident.
#define LDAP_DEPRECATED 0
#include <ldap.h>
#include <lber.h>
