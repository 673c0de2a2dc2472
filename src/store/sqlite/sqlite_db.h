#pragma once
// Thin RAII wrappers over the SQLite C API that turn result codes into Status values.
//
// Database owns one connection and a cache of prepared statements keyed by their SQL text.
// None of these types is thread-safe: SqliteStore serialises all use behind its mutex.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace sluice::sqlite {

// A prepared statement. Bind parameters are 1-based, columns 0-based (as in SQLite).
// Owned by the Database that prepared it; Reset() runs before each reuse.
class Statement {
 public:
  Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Bind(int index, int64_t value);
  // The text is copied by SQLite (SQLITE_TRANSIENT), so it need not outlive the call.
  Statement& Bind(int index, std::string_view text);
  Statement& BindNull(int index);

  // Runs one step: true when a row is available, false when done.
  Result<bool> Step();
  // Runs to completion, ignoring rows (INSERT, UPDATE, DELETE).
  Status Run();
  // Rows changed by the last Run() (sqlite3_changes).
  int64_t Changes() const;

  int64_t Int(int column) const;
  std::string Text(int column) const;
  bool IsNull(int column) const;

  // Clears bindings and rewinds, ending any read the statement holds open.
  void Reset();

 private:
  sqlite3_stmt* stmt_;
  sqlite3* db_;
};

// A cached Statement on loan: resets it when it goes out of scope, so no statement keeps a
// read snapshot open (which would stop WAL checkpoints) after its caller is done with it.
class ScopedStatement {
 public:
  explicit ScopedStatement(Statement* stmt) : stmt_(stmt) {}
  ~ScopedStatement() {
    if (stmt_ != nullptr) stmt_->Reset();
  }
  ScopedStatement(ScopedStatement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  ScopedStatement& operator=(ScopedStatement&&) = delete;
  ScopedStatement(const ScopedStatement&) = delete;
  ScopedStatement& operator=(const ScopedStatement&) = delete;

  Statement* operator->() const { return stmt_; }
  Statement& operator*() const { return *stmt_; }

 private:
  Statement* stmt_;
};

class Database {
 public:
  // Opens (creating) the database file at `path`. Fatal when it cannot be opened.
  static Result<std::unique_ptr<Database>> Open(const std::string& path);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more statements without parameters.
  Status Exec(const char* sql);
  // Lends the cached statement for `sql` (prepared on first use), ready to bind. Must not
  // outlive the Database.
  Result<ScopedStatement> Prepare(std::string_view sql);
  int64_t LastInsertRowid() const;

  // The Status for the connection's last error, classified (corruption and permission
  // problems are fatal, everything else transient), prefixed by `what`.
  Status Error(std::string_view what) const;

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::map<std::string, std::unique_ptr<Statement>, std::less<>> statements_;
};

// A write transaction (BEGIN IMMEDIATE, so the write lock is taken up front). Rolls back on
// destruction unless Commit() succeeded.
class Transaction {
 public:
  explicit Transaction(Database& db) : db_(db) {}
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Status Begin();
  Status Commit();

 private:
  Database& db_;
  bool open_ = false;
};

}  // namespace sluice::sqlite
