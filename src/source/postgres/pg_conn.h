#pragma once
// Small RAII and query helpers over libpq for the control connection (checks, slot and
// publication set-up, catalog reads, heartbeats). Not for the replication stream itself.
#include <libpq-fe.h>

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace sluice::pg {

struct PgConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
using PgConnPtr = std::unique_ptr<PGconn, PgConnDeleter>;

// Connects with `conninfo`. Failure is transient (the server may come back); `what` names the
// database in the message ("database app").
Result<PgConnPtr> Connect(const std::string& conninfo, const std::string& what);

using Rows = std::vector<std::vector<std::string>>;  // text values; NULL as ""
// Runs `sql` with text parameters $1..$n and returns all rows. Errors carry the server's
// message; a broken connection is transient, anything else fatal.
Result<Rows> Query(PGconn* conn, const std::string& sql,
                   const std::vector<std::string>& params = {});

// Quotes an identifier for SQL ("my""name").
std::string QuoteIdent(const std::string& name);

}  // namespace sluice::pg
