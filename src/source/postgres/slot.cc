#include "source/postgres/slot.h"

#include <cstdlib>

#include "common/log.h"
#include "source/postgres/pg_conn.h"

namespace sluice::pg {
namespace {

constexpr int kMinServerVersion = 140000;  // pgoutput protocol 2 with streaming

Status CheckServer(PGconn* conn, const DatabaseConfig& db) {
  const std::string where = "database " + db.name;
  if (PQserverVersion(conn) < kMinServerVersion) {
    return Status::Fatal(where + ": Postgres " + std::to_string(PQserverVersion(conn) / 10000) +
                         " is too old; sluice needs Postgres 14 or newer");
  }
  auto wal_level = Query(conn, "SHOW wal_level");
  if (!wal_level) return wal_level.error().WithContext(where);
  if ((*wal_level)[0][0] != "logical") {
    return Status::Fatal(where + ": wal_level is '" + (*wal_level)[0][0] +
                         "'; set wal_level = logical in postgresql.conf and restart Postgres");
  }
  auto privilege = Query(conn,
                         "SELECT rolreplication OR rolsuper FROM pg_roles "
                         "WHERE rolname = current_user");
  if (!privilege) return privilege.error().WithContext(where);
  if (privilege->empty() || (*privilege)[0][0] != "t") {
    return Status::Fatal(where + ": user \"" + std::string(PQuser(conn)) +
                         "\" lacks the REPLICATION privilege; run ALTER ROLE " +
                         QuoteIdent(PQuser(conn)) + " WITH REPLICATION");
  }
  return Status::Ok();
}

Status EnsurePublication(PGconn* conn, const DatabaseConfig& db) {
  const std::string where = "database " + db.name;
  const std::string& name = db.publication.name;
  auto exists = Query(conn, "SELECT 1 FROM pg_publication WHERE pubname = $1", {name});
  if (!exists) return exists.error().WithContext(where);
  if (!exists->empty()) return Status::Ok();
  if (!db.publication.create_if_not_exists) {
    return Status::Fatal(where + ": publication \"" + name +
                         "\" does not exist; create it (CREATE PUBLICATION " + QuoteIdent(name) +
                         " FOR ALL TABLES) or set publication.create_if_not_exists: true");
  }
  auto created = Query(conn, "CREATE PUBLICATION " + QuoteIdent(name) + " FOR ALL TABLES");
  if (!created) {
    return created.error().WithContext(where + ": cannot create publication \"" + name + "\"");
  }
  SLUICE_LOG_INFO("database {}: created publication \"{}\" for all tables", db.name, name);
  return Status::Ok();
}

Status EnsureSlot(PGconn* conn, const DatabaseConfig& db) {
  const std::string where = "database " + db.name;
  const std::string& name = db.slot.name;
  auto slot =
      Query(conn, "SELECT plugin, database FROM pg_replication_slots WHERE slot_name = $1", {name});
  if (!slot) return slot.error().WithContext(where);
  if (!slot->empty()) {
    const auto& row = (*slot)[0];
    if (row[0] != "pgoutput") {
      return Status::Fatal(where + ": replication slot \"" + name + "\" uses plugin \"" + row[0] +
                           "\", not pgoutput; drop it or choose another slot.name");
    }
    if (row[1] != PQdb(conn)) {
      return Status::Fatal(where + ": replication slot \"" + name + "\" belongs to database \"" +
                           row[1] + "\"; choose another slot.name");
    }
    return Status::Ok();
  }
  if (!db.slot.create_if_not_exists) {
    return Status::Fatal(
        where + ": replication slot \"" + name +
        "\" does not exist; create it (SELECT pg_create_logical_replication_slot('" + name +
        "', 'pgoutput')) or set slot.create_if_not_exists: true");
  }
  auto created = Query(conn, "SELECT pg_create_logical_replication_slot($1, 'pgoutput')", {name});
  if (!created) {
    return created.error().WithContext(where + ": cannot create replication slot \"" + name + "\"");
  }
  SLUICE_LOG_INFO("database {}: created replication slot \"{}\"", db.name, name);
  return Status::Ok();
}

}  // namespace

Status PrepareDatabase(PGconn* conn, const DatabaseConfig& db) {
  SLUICE_RETURN_IF_ERROR(CheckServer(conn, db));
  SLUICE_RETURN_IF_ERROR(EnsurePublication(conn, db));
  return EnsureSlot(conn, db);
}

Result<Lsn> SlotConfirmedFlush(PGconn* conn, const std::string& slot_name) {
  auto rows = Query(conn,
                    "SELECT coalesce(confirmed_flush_lsn, '0/0')::text FROM pg_replication_slots "
                    "WHERE slot_name = $1",
                    {slot_name});
  if (!rows) return rows.error();
  if (rows->empty()) return Status::Fatal("replication slot \"" + slot_name + "\" disappeared");
  auto lsn = ParseLsn((*rows)[0][0]);
  if (!lsn) return Status::Fatal("cannot parse LSN " + (*rows)[0][0]);
  return *lsn;
}

Result<Lsn> CurrentWalLsn(PGconn* conn) {
  auto rows = Query(conn, "SELECT pg_current_wal_lsn()::text");
  if (!rows) return rows.error();
  auto lsn = ParseLsn((*rows)[0][0]);
  if (!lsn) return Status::Fatal("cannot parse LSN " + (*rows)[0][0]);
  return *lsn;
}

}  // namespace sluice::pg
