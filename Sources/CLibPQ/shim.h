#ifndef VERIFYD_CLIBPQ_SHIM_H
#define VERIFYD_CLIBPQ_SHIM_H

#include <libpq-fe.h>

// Swift cannot import character-literal macros such as PG_DIAG_SQLSTATE ('C'), so they are re-exported as constants.
static const int CLibPQ_DIAG_SQLSTATE = PG_DIAG_SQLSTATE;
static const int CLibPQ_DIAG_MESSAGE_PRIMARY = PG_DIAG_MESSAGE_PRIMARY;
static const int CLibPQ_DIAG_SEVERITY_NONLOCALIZED = PG_DIAG_SEVERITY_NONLOCALIZED;

#endif
