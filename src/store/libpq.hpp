// libpq, opened with dlopen when a PostgreSQL store is first used, so that
// the SQLite default (and every command that never sees PostgreSQL) starts
// without it and the libraries it pulls in (TLS, Kerberos, LDAP).
#pragma once

#include <libpq-fe.h>

#include <string>

namespace megarouter::store::detail {

struct LibPq {
    PGconn* (*connectdb_params)(const char* const*, const char* const*, int);
    ConnStatusType (*status)(const PGconn*);
    char* (*error_message)(const PGconn*);
    void (*finish)(PGconn*);
    PGresult* (*exec)(PGconn*, const char*);
    PGresult* (*exec_params)(PGconn*, const char*, int, const Oid*, const char* const*, const int*, const int*, int);
    PGresult* (*prepare)(PGconn*, const char*, const char*, int, const Oid*);
    PGresult* (*exec_prepared)(PGconn*, const char*, int, const char* const*, const int*, const int*, int);
    ExecStatusType (*result_status)(const PGresult*);
    char* (*result_error_field)(const PGresult*, int);
    char* (*result_error_message)(const PGresult*);
    void (*clear)(PGresult*);
    int (*ntuples)(const PGresult*);
    int (*nfields)(const PGresult*);
    Oid (*ftype)(const PGresult*, int);
    char* (*getvalue)(const PGresult*, int, int);
    int (*getlength)(const PGresult*, int, int);
    int (*getisnull)(const PGresult*, int, int);
    char* (*cmd_tuples)(PGresult*);
    void (*reset)(PGconn*);
    char* (*host)(const PGconn*);
    char* (*port)(const PGconn*);
    char* (*db)(const PGconn*);
    PGTransactionStatusType (*transaction_status)(const PGconn*);
    bool loaded = false;
    std::string why; // when not loaded
};

// The table, loaded on the first call; `loaded` false and `why` set when
// libpq.so.5 cannot be opened or lacks a function.
const LibPq& libpq();

} // namespace megarouter::store::detail
