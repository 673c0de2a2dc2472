#include <gtest/gtest.h>

#include "config/config.h"

namespace sluice {
namespace {

TEST(ConnInfoTest, FieldsAreQuotedAndEscaped) {
  DatabaseConfig db;
  db.hostname = "db.internal";
  db.port = 6543;
  db.database = "my app";
  db.username = "o'brien";
  db.password = R"(p\w'd x)";
  EXPECT_EQ(db.ConnInfo(false), R"(host='db.internal' port='6543' dbname='my app' user='o\'brien' )"
                                R"(password='p\\w\'d x' sslmode='disable')");
}

TEST(ConnInfoTest, ReplicationAndSslAreAdded) {
  DatabaseConfig db;
  db.database = "app";
  db.ssl.mode = "verify-full";
  db.ssl.root_cert = "/etc/ca.pem";
  EXPECT_EQ(db.ConnInfo(true),
            "host='localhost' port='5432' dbname='app' user='postgres' sslmode='verify-full' "
            "sslrootcert='/etc/ca.pem' replication='database'");
}

TEST(ConnInfoTest, EmptyPasswordIsLeftToLibpq) {
  DatabaseConfig db;
  db.database = "app";
  EXPECT_EQ(db.ConnInfo(false).find("password"), std::string::npos);
}

TEST(ConnInfoTest, UrlPassesThroughWithReplicationAppended) {
  DatabaseConfig db;
  db.url = "postgres://u:p@h:5432/app";
  EXPECT_EQ(db.ConnInfo(false), "postgres://u:p@h:5432/app");
  EXPECT_EQ(db.ConnInfo(true), "postgres://u:p@h:5432/app?replication=database");
  db.url = "postgres://h/app?sslmode=require";
  EXPECT_EQ(db.ConnInfo(true), "postgres://h/app?sslmode=require&replication=database");
  db.url = "postgres://h/app?";
  EXPECT_EQ(db.ConnInfo(true), "postgres://h/app?replication=database");
}

}  // namespace
}  // namespace sluice
