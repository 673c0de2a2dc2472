#include "source/postgres/pg_conn.h"

#include <string_view>

namespace sluice::pg {
namespace {

std::string TrimmedError(PGconn* conn) {
  std::string message = PQerrorMessage(conn);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  // libpq messages may span lines ("connection to server ... failed: ..."); keep one line.
  for (char& c : message) {
    if (c == '\n') c = ' ';
  }
  return message;
}

}  // namespace

Result<PgConnPtr> Connect(const std::string& conninfo, const std::string& what) {
  // Value text in the stream follows the session's settings; the type codec reads these.
  // expand_dbname lets `conninfo` be either key=value pairs or a postgres:// URL.
  const char* keywords[] = {"dbname", "client_encoding", "options", nullptr};
  const char* values[] = {conninfo.c_str(), "UTF8",
                          "-c datestyle=ISO -c intervalstyle=postgres -c bytea_output=hex",
                          nullptr};
  PgConnPtr conn(PQconnectdbParams(keywords, values, /*expand_dbname=*/1));
  if (!conn) return Status::Transient(what + ": out of memory connecting");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return Status::Transient(what + ": cannot connect: " + TrimmedError(conn.get()));
  }
  return conn;
}

Result<Rows> Query(PGconn* conn, const std::string& sql, const std::vector<std::string>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  std::unique_ptr<PGresult, decltype(&PQclear)> result(
      PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                   nullptr, nullptr, 0),
      &PQclear);
  ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    std::string message = TrimmedError(conn);
    if (PQstatus(conn) != CONNECTION_OK) return Status::Transient(message);
    return Status::Fatal(message);
  }
  Rows rows;
  int n_rows = PQntuples(result.get());
  int n_cols = PQnfields(result.get());
  rows.reserve(n_rows);
  for (int r = 0; r < n_rows; ++r) {
    auto& row = rows.emplace_back();
    row.reserve(n_cols);
    for (int c = 0; c < n_cols; ++c) row.emplace_back(PQgetvalue(result.get(), r, c));
  }
  return rows;
}

std::string QuoteIdent(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace sluice::pg
