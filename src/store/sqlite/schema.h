#pragma once
// The state store's schema as numbered migrations. A database records the last migration it
// has applied in `schema_version`; opening it applies the missing ones, each in its own
// transaction, so an old data directory is upgraded in place and a crash mid-way is harmless.
#include "common/status.h"
#include "store/sqlite/sqlite_db.h"

namespace sluice::sqlite {

// Brings `db` to the newest schema. Fatal when the file was written by a newer sluice.
Status Migrate(Database& db);

}  // namespace sluice::sqlite
