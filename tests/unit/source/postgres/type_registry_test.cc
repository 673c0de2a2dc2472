#include "source/postgres/type_registry.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <memory>
#include <string>

#include "source/postgres/type_codec.h"
#include "unit/source/postgres/scratch_postgres.h"

namespace sluice::pg {
namespace {

using PgConn = std::unique_ptr<PGconn, decltype(&PQfinish)>;

TEST(TypeRegistryTest, KnowsBuiltinTypesAndNotCustomOnes) {
  TypeRegistry types;
  ASSERT_NE(types.Find(1184), nullptr);
  EXPECT_EQ(types.Find(1184)->category, TypeCategory::kTimestampTz);
  EXPECT_EQ(types.Find(1007)->category, TypeCategory::kArray);
  EXPECT_EQ(types.Find(1007)->element_oid, 23u);
  EXPECT_EQ(types.Find(603)->delimiter, ';');
  EXPECT_EQ(types.Find(16384), nullptr);
  EXPECT_EQ(types.Find(4000000000u), nullptr);
}

TEST(TypeRegistryTest, StreamTypeMessagesNameVectors) {
  TypeRegistry types;
  types.AddStreamType(16500, "public", "vector");
  types.AddStreamType(16501, "public", "mood");
  types.AddStreamType(25, "pg_catalog", "text");  // built-ins are not overridden
  EXPECT_EQ(types.Find(16500)->category, TypeCategory::kVector);
  EXPECT_EQ(types.Find(16501)->category, TypeCategory::kString);
  EXPECT_EQ(types.Find(16501)->name, "public.mood");
  EXPECT_EQ(types.Find(25)->name, "text");
}

TEST(TypeRegistryTest, LoadFromCatalogFailsCleanlyWithoutAServer) {
  PgConn conn(PQconnectdb("host=/nonexistent-sluice-dir dbname=x"), &PQfinish);
  TypeRegistry types;
  Status status = types.LoadFromCatalog(conn.get());
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.retry(), Retry::kTransient);
  EXPECT_NE(status.message().find("pg_type"), std::string::npos);
}

class CatalogTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new testing::ScratchPostgres();
    start_error_ = server_->Start();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_EQ(start_error_, "");
    conn_.reset(PQconnectdb(server_->conninfo().c_str()));
    ASSERT_EQ(PQstatus(conn_.get()), CONNECTION_OK) << PQerrorMessage(conn_.get());
  }
  void Exec(const std::string& sql) {
    std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(conn_.get(), sql.c_str()),
                                                         &PQclear);
    const ExecStatusType status = PQresultStatus(result.get());
    ASSERT_TRUE(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
        << sql << ": " << PQerrorMessage(conn_.get());
  }
  uint32_t Oid(const std::string& type_name) {
    std::unique_ptr<PGresult, decltype(&PQclear)> result(
        PQexec(conn_.get(), ("SELECT '" + type_name + "'::regtype::oid").c_str()), &PQclear);
    EXPECT_EQ(PQresultStatus(result.get()), PGRES_TUPLES_OK) << PQerrorMessage(conn_.get());
    return static_cast<uint32_t>(std::stoul(PQgetvalue(result.get(), 0, 0)));
  }
  std::string Render(const TypeRegistry& types, const std::string& type_name, std::string_view text,
                     CodecOptions options = {}) {
    std::string out;
    AppendJsonValue(types, Oid(type_name), text, options, &out);
    return out;
  }

  static testing::ScratchPostgres* server_;
  static std::string start_error_;
  PgConn conn_{nullptr, &PQfinish};
};
testing::ScratchPostgres* CatalogTest::server_ = nullptr;
std::string CatalogTest::start_error_;

TEST_F(CatalogTest, CustomTypesRenderLikeTheirBaseTypes) {
  Exec("CREATE TYPE mood AS ENUM ('sad', 'happy')");
  Exec("CREATE DOMAIN positive_int AS int4 CHECK (VALUE > 0)");
  Exec("CREATE DOMAIN small_positive AS positive_int CHECK (VALUE < 100)");
  Exec("CREATE DOMAIN amounts AS numeric[]");
  Exec("CREATE DOMAIN utc_time AS timestamptz");
  Exec("CREATE TYPE pair AS (x int, y text)");
  // Named like pgvector's type; pgvector itself is not packaged in Debian 12.
  Exec("CREATE SCHEMA ext");
  Exec("CREATE TYPE ext.vector AS ENUM ('unused')");

  TypeRegistry types;
  ASSERT_TRUE(types.LoadFromCatalog(conn_.get()).ok());
  EXPECT_EQ(Render(types, "mood", "happy"), R"("happy")");
  EXPECT_EQ(Render(types, "_mood", "{sad,happy,NULL}"), R"(["sad","happy",null])");
  EXPECT_EQ(Render(types, "positive_int", "42"), "42");
  EXPECT_EQ(Render(types, "small_positive", "7"), "7");
  EXPECT_EQ(Render(types, "_positive_int", "{1,2}"), "[1,2]");
  CodecOptions numbers;
  numbers.numeric_as_number = true;
  EXPECT_EQ(Render(types, "amounts", "{1.5,2}", numbers), "[1.5,2]");
  EXPECT_EQ(Render(types, "utc_time", "2026-01-01 05:30:00+05:30"),
            R"("2026-01-01T00:00:00.000000Z")");
  EXPECT_EQ(Render(types, "pair", "(1,x)"), R"j("(1,x)")j");
  EXPECT_EQ(Render(types, "_pair", R"j({"(1,x)","(2,\"y z\")"})j"), R"j(["(1,x)","(2,\"y z\")"])j");
  EXPECT_EQ(types.Find(Oid("ext.vector"))->category, TypeCategory::kVector);
  EXPECT_EQ(types.Find(Oid("small_positive"))->name, "public.small_positive");
  EXPECT_EQ(types.Find(Oid("small_positive"))->base_oid, 23u);
}

TEST_F(CatalogTest, ReloadingPicksUpTypesCreatedLater) {
  TypeRegistry types;
  ASSERT_TRUE(types.LoadFromCatalog(conn_.get()).ok());
  Exec("CREATE DOMAIN late_flag AS bool");
  EXPECT_EQ(Render(types, "late_flag", "t"), R"("t")");  // unknown yet: a string
  ASSERT_TRUE(types.LoadFromCatalog(conn_.get()).ok());
  EXPECT_EQ(Render(types, "late_flag", "t"), "true");
}

}  // namespace
}  // namespace sluice::pg
