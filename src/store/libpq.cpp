#include "libpq.hpp"

#include <mutex>

#include <dlfcn.h>

#include "core/dl_symbol.hpp"

namespace megarouter::store::detail {

namespace {

bool bind(void* library, const char* name, auto& slot, std::string& why) {
    return megarouter::core::dl_symbol(library, "libpq", name, slot, why);
}

} // namespace

const LibPq& libpq() {
    static LibPq table;
    static std::once_flag once;
    std::call_once(once, [] {
        void* library = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
        if (!library) {
            const char* error = dlerror();
            table.why = std::string("PostgreSQL support needs libpq, which could not be loaded (") +
                        (error ? error : "libpq.so.5") + "); install libpq5";
            return;
        }
        std::string& why = table.why;
        table.loaded = bind(library, "PQconnectdbParams", table.connectdb_params, why) &
                       bind(library, "PQstatus", table.status, why) &
                       bind(library, "PQerrorMessage", table.error_message, why) &
                       bind(library, "PQfinish", table.finish, why) & bind(library, "PQexec", table.exec, why) &
                       bind(library, "PQexecParams", table.exec_params, why) &
                       bind(library, "PQprepare", table.prepare, why) &
                       bind(library, "PQexecPrepared", table.exec_prepared, why) &
                       bind(library, "PQresultStatus", table.result_status, why) &
                       bind(library, "PQresultErrorField", table.result_error_field, why) &
                       bind(library, "PQresultErrorMessage", table.result_error_message, why) &
                       bind(library, "PQclear", table.clear, why) & bind(library, "PQntuples", table.ntuples, why) &
                       bind(library, "PQnfields", table.nfields, why) & bind(library, "PQftype", table.ftype, why) &
                       bind(library, "PQgetvalue", table.getvalue, why) &
                       bind(library, "PQgetlength", table.getlength, why) &
                       bind(library, "PQgetisnull", table.getisnull, why) &
                       bind(library, "PQcmdTuples", table.cmd_tuples, why) &
                       bind(library, "PQreset", table.reset, why) & bind(library, "PQhost", table.host, why) &
                       bind(library, "PQport", table.port, why) & bind(library, "PQdb", table.db, why) &
                       bind(library, "PQtransactionStatus", table.transaction_status, why);
    });
    return table;
}

} // namespace megarouter::store::detail
