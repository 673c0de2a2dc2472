// The pieces of `sluice quickstart` against a real temporary Postgres: server lifecycle and
// cleanup, demo schema, workload, and the helper-process runner.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "cli/quickstart_postgres.h"
#include "cli/quickstart_process.h"
#include "cli/quickstart_workload.h"
#include "config/config.h"

namespace sluice::cli {
namespace {

using namespace std::chrono_literals;

std::string ConnInfo(const TempPostgres& server, const std::string& dbname) {
  DatabaseConfig db;
  db.hostname = "127.0.0.1";
  db.port = server.port();
  db.database = dbname;
  return db.ConnInfo(false);
}

// The first column of the first row of `sql`, or "" when the query fails.
std::string QueryValue(const std::string& conninfo, const char* sql) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  std::string value;
  if (PQstatus(conn) == CONNECTION_OK) {
    PGresult* result = PQexec(conn, sql);
    if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) > 0) {
      value = PQgetvalue(result, 0, 0);
    }
    PQclear(result);
  }
  PQfinish(conn);
  return value;
}

TEST(RunProcessTest, ReturnsCombinedOutput) {
  Result<std::string> output = RunProcess({"sh", "-c", "echo out; echo err >&2"}, "/");
  ASSERT_TRUE(output.has_value()) << output.error().message();
  EXPECT_EQ(*output, "out\nerr\n");
}

TEST(RunProcessTest, RunsInTheWorkingDirectory) {
  Result<std::string> output = RunProcess({"pwd"}, "/usr");
  ASSERT_TRUE(output.has_value());
  EXPECT_EQ(*output, "/usr\n");
}

TEST(RunProcessTest, NonZeroExitIsAnErrorWithTheOutputTail) {
  Result<std::string> output = RunProcess({"sh", "-c", "echo why; exit 3"}, "/");
  ASSERT_FALSE(output.has_value());
  EXPECT_EQ(output.error().message(), "sh -c echo why; exit 3 failed (exit code 3):\nwhy");
}

TEST(RunProcessTest, MissingProgramIsAnError) {
  Result<std::string> output = RunProcess({"/nonexistent/tool"}, "/");
  ASSERT_FALSE(output.has_value());
  EXPECT_NE(output.error().message().find("/nonexistent/tool"), std::string::npos);
}

TEST(FindFreePortTest, GivesAUsablePort) {
  Result<int> port = FindFreePort();
  ASSERT_TRUE(port.has_value()) << port.error().message();
  EXPECT_GT(*port, 0);
  EXPECT_LT(*port, 65536);
}

class TempPostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!FindPostgresBinDir().has_value()) GTEST_SKIP() << "no Postgres server binaries";
  }
};

TEST_F(TempPostgresTest, RunsALogicalReplicationServerAndCleansUp) {
  std::string dir;
  std::string conninfo;
  {
    Result<std::unique_ptr<TempPostgres>> server = TempPostgres::Start();
    ASSERT_TRUE(server.has_value()) << server.error().message();
    dir = (*server)->dir();
    conninfo = ConnInfo(**server, "postgres");
    EXPECT_TRUE(std::filesystem::exists(dir + "/data/PG_VERSION"));
    EXPECT_EQ(QueryValue(conninfo, "SHOW wal_level"), "logical");
    EXPECT_EQ(QueryValue(conninfo, "SHOW listen_addresses"), "127.0.0.1");
  }
  EXPECT_FALSE(std::filesystem::exists(dir)) << "temporary directory left behind";
  EXPECT_EQ(QueryValue(conninfo, "SELECT 1"), "") << "server still running";
}

TEST_F(TempPostgresTest, DemoDatabaseAndWorkloadChangeOrders) {
  Result<std::unique_ptr<TempPostgres>> server = TempPostgres::Start();
  ASSERT_TRUE(server.has_value()) << server.error().message();
  const std::string demo = ConnInfo(**server, "demo");
  Status created = CreateDemoDatabase(ConnInfo(**server, "postgres"), demo);
  ASSERT_TRUE(created.ok()) << created.message();
  EXPECT_EQ(QueryValue(demo, "SELECT count(*) FROM public.orders"), "5");
  EXPECT_EQ(QueryValue(demo,
                       "SELECT string_agg(column_name || ':' || data_type, ',' ORDER BY "
                       "ordinal_position) FROM information_schema.columns WHERE table_name = "
                       "'orders'"),
            "id:bigint,customer:text,total:numeric,status:text,created_at:timestamp with time "
            "zone");

  DemoWorkload workload(demo, 10ms);
  workload.Start();
  // One cycle is two inserts, two updates and a delete; wait (bounded) for two cycles.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (workload.statements() < 10 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  auto stop_started = std::chrono::steady_clock::now();
  workload.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_started, 2s);
  ASSERT_GE(workload.statements(), 10);
  int64_t done = workload.statements();
  // Five seed rows, +2 inserts -1 delete per five statements.
  int64_t cycles = done / 5;
  int64_t extra_inserts = (done % 5 >= 1 ? 1 : 0) + (done % 5 >= 3 ? 1 : 0);
  EXPECT_EQ(QueryValue(demo, "SELECT count(*) FROM public.orders"),
            std::to_string(5 + cycles + extra_inserts));
  EXPECT_NE(QueryValue(demo, "SELECT count(*) FROM public.orders WHERE id > 5"), "0");
}

TEST(DemoWorkloadTest, StopsWhenItCannotConnect) {
  DemoWorkload workload("host=127.0.0.1 port=1 dbname=demo connect_timeout=2", 10ms);
  workload.Start();
  workload.Stop();  // returns although the connection never succeeded
  EXPECT_EQ(workload.statements(), 0);
}

}  // namespace
}  // namespace sluice::cli
