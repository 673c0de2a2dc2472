#include "source/postgres/type_registry.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <memory>
#include <utility>

namespace sluice::pg {
namespace {

// Oids below this are the server's own (FirstNormalObjectId in Postgres's transam.h).
constexpr uint32_t kFirstUserOid = 16384;
// Every built-in oid in kBuiltins is below this; the dense lookup table covers them.
constexpr uint32_t kDenseOids = 4096;

struct Builtin {
  uint32_t oid;
  const char* name;
  TypeCategory category;
  uint32_t element_oid;  // arrays only
};

using C = TypeCategory;
// Scalars rendered specially, then arrays. Types absent here render as strings, as do these
// string types; they are listed so that their arrays know their element.
constexpr Builtin kBuiltins[] = {
    {16, "bool", C::kBool, 0},
    {17, "bytea", C::kBytea, 0},
    {18, "char", C::kString, 0},
    {19, "name", C::kString, 0},
    {20, "int8", C::kInteger, 0},
    {21, "int2", C::kInteger, 0},
    {23, "int4", C::kInteger, 0},
    {25, "text", C::kString, 0},
    {26, "oid", C::kInteger, 0},
    {114, "json", C::kJson, 0},
    {600, "point", C::kString, 0},
    {603, "box", C::kString, 0},
    {700, "float4", C::kFloat, 0},
    {701, "float8", C::kFloat, 0},
    {790, "money", C::kString, 0},
    {869, "inet", C::kString, 0},
    {1042, "bpchar", C::kString, 0},
    {1043, "varchar", C::kString, 0},
    {1082, "date", C::kDate, 0},
    {1083, "time", C::kTime, 0},
    {1114, "timestamp", C::kTimestamp, 0},
    {1184, "timestamptz", C::kTimestampTz, 0},
    {1186, "interval", C::kInterval, 0},
    {1266, "timetz", C::kTime, 0},
    {1700, "numeric", C::kNumeric, 0},
    {2950, "uuid", C::kString, 0},
    {3802, "jsonb", C::kJson, 0},
    {199, "_json", C::kArray, 114},
    {1000, "_bool", C::kArray, 16},
    {1001, "_bytea", C::kArray, 17},
    {1002, "_char", C::kArray, 18},
    {1003, "_name", C::kArray, 19},
    {1005, "_int2", C::kArray, 21},
    {1007, "_int4", C::kArray, 23},
    {1009, "_text", C::kArray, 25},
    {1014, "_bpchar", C::kArray, 1042},
    {1015, "_varchar", C::kArray, 1043},
    {1016, "_int8", C::kArray, 20},
    {1017, "_point", C::kArray, 600},
    {1020, "_box", C::kArray, 603},
    {1021, "_float4", C::kArray, 700},
    {1022, "_float8", C::kArray, 701},
    {1028, "_oid", C::kArray, 26},
    {791, "_money", C::kArray, 790},
    {1041, "_inet", C::kArray, 869},
    {1115, "_timestamp", C::kArray, 1114},
    {1182, "_date", C::kArray, 1082},
    {1183, "_time", C::kArray, 1083},
    {1185, "_timestamptz", C::kArray, 1184},
    {1187, "_interval", C::kArray, 1186},
    {1231, "_numeric", C::kArray, 1700},
    {1270, "_timetz", C::kArray, 1266},
    {2951, "_uuid", C::kArray, 2950},
    {3807, "_jsonb", C::kArray, 3802},
};

// pgvector's text forms ('[1,2.5,3]') are JSON arrays of numbers already.
bool IsVectorTypeName(std::string_view name) { return name == "vector" || name == "halfvec"; }

constexpr char kCatalogQuery[] =
    "SELECT t.oid, n.nspname, t.typname, t.typtype, t.typelem, t.typbasetype, t.typdelim, "
    "t.typcategory "
    "FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace "
    "WHERE t.oid >= 16384";

}  // namespace

TypeRegistry::TypeRegistry() : dense_(kDenseOids, nullptr) {
  for (const Builtin& builtin : kBuiltins) {
    TypeInfo info;
    info.name = builtin.name;
    info.category = builtin.category;
    info.element_oid = builtin.element_oid;
    if (builtin.oid == 603) info.delimiter = ';';  // box: the only built-in with ';'
    Put(builtin.oid, std::move(info));
  }
}

void TypeRegistry::Put(uint32_t oid, TypeInfo info) {
  TypeInfo& stored = types_[oid];
  stored = std::move(info);
  if (oid < dense_.size()) dense_[oid] = &stored;
}

void TypeRegistry::AddStreamType(uint32_t oid, std::string_view schema, std::string_view name) {
  if (oid < kFirstUserOid) return;  // built-ins are known better already
  TypeInfo info;
  info.name.assign(schema).append(".").append(name);
  info.category = IsVectorTypeName(name) ? TypeCategory::kVector : TypeCategory::kString;
  Put(oid, std::move(info));
}

Status TypeRegistry::LoadFromCatalog(PGconn* conn) {
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(conn, kCatalogQuery), &PQclear);
  if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
    return Status::Transient(std::string("loading custom types from pg_type failed: ") +
                             PQerrorMessage(conn));
  }
  const int row_count = PQntuples(result.get());
  std::vector<CatalogRow> rows;
  rows.reserve(row_count);
  auto oid_at = [&](int row, int column) {
    return static_cast<uint32_t>(std::strtoul(PQgetvalue(result.get(), row, column), nullptr, 10));
  };
  for (int row = 0; row < row_count; ++row) {
    CatalogRow catalog_row;
    catalog_row.oid = oid_at(row, 0);
    catalog_row.name.assign(PQgetvalue(result.get(), row, 1))
        .append(".")
        .append(PQgetvalue(result.get(), row, 2));
    catalog_row.typtype = PQgetvalue(result.get(), row, 3)[0];
    catalog_row.element_oid = oid_at(row, 4);
    catalog_row.base_oid = oid_at(row, 5);
    catalog_row.delimiter = PQgetvalue(result.get(), row, 6)[0];
    catalog_row.typcategory = PQgetvalue(result.get(), row, 7)[0];
    rows.push_back(std::move(catalog_row));
  }
  ResolveCatalog(rows);
  return Status::Ok();
}

void TypeRegistry::ResolveCatalog(const std::vector<CatalogRow>& rows) {
  // First every type on its own, so that domains and arrays can refer to any of them.
  for (const CatalogRow& row : rows) {
    TypeInfo info;
    info.name = row.name;
    info.delimiter = row.delimiter;
    std::string_view bare_name = std::string_view(row.name).substr(row.name.find('.') + 1);
    if (IsVectorTypeName(bare_name)) {
      info.category = TypeCategory::kVector;
    } else if (row.typcategory == 'A' && row.element_oid != 0) {
      // An array type. (typelem alone is not enough: fixed-length types such as `point` set
      // it too.)
      info.category = TypeCategory::kArray;
      info.element_oid = row.element_oid;
    }
    Put(row.oid, std::move(info));
  }
  // Then domains take their final base type's rendering. A domain's base may itself be a
  // domain: follow the chain through the rows, bounded in case the catalog has a cycle.
  std::unordered_map<uint32_t, uint32_t> domain_base;
  for (const CatalogRow& row : rows) {
    if (row.typtype == 'd') domain_base[row.oid] = row.base_oid;
  }
  for (const auto& [domain_oid, first_base] : domain_base) {
    uint32_t base_oid = first_base;
    for (int depth = 0; depth < 16; ++depth) {
      auto next = domain_base.find(base_oid);
      if (next == domain_base.end()) break;
      base_oid = next->second;
    }
    const TypeInfo* base = Find(base_oid);
    if (base == nullptr || domain_base.count(base_oid) != 0) continue;  // stays a string
    TypeInfo info = *base;
    info.name = types_[domain_oid].name;
    info.base_oid = base_oid;
    Put(domain_oid, std::move(info));
  }
}

}  // namespace sluice::pg
