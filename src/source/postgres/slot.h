#pragma once
// Prepares a database for streaming: checks what logical replication needs and creates the
// publication and slot when the config asks for it. Every failure is one line that says what
// to change.
#include <libpq-fe.h>

#include "common/lsn.h"
#include "common/status.h"
#include "config/config.h"

namespace sluice::pg {

// Checks wal_level, the REPLICATION privilege and the server version, then makes sure the
// publication and slot exist. Fatal errors are configuration problems (restart won't help).
Status PrepareDatabase(PGconn* conn, const DatabaseConfig& db);

// The slot's confirmed flush LSN (0 when never confirmed).
Result<Lsn> SlotConfirmedFlush(PGconn* conn, const std::string& slot_name);

// Server's current WAL insert position, for lag figures.
Result<Lsn> CurrentWalLsn(PGconn* conn);

}  // namespace sluice::pg
