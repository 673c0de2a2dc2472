#pragma once
// TypeRegistry: maps a Postgres type oid to how its text value renders as JSON (type_codec.h).
//
// Built-in types have fixed oids and are known from construction. Custom types (enums,
// domains, arrays of custom types, extension types such as pgvector's `vector` or citext) get
// oids at CREATE time, so they are loaded from pg_type with LoadFromCatalog, or named by a
// pgoutput Type message (AddStreamType). Domains resolve to their base type's rendering.
// An oid the registry does not know renders as a JSON string of its text form, which is
// always valid JSON, so a stale registry degrades output, never correctness.
//
// Threads: const methods may be called from any number of threads at once. The mutating
// methods must not run concurrently with anything else: to refresh a registry in use, build
// a new one (or copy-free: load into a fresh registry) and publish it as a new shared_ptr.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"

typedef struct pg_conn PGconn;

namespace sluice::pg {

// How a type's text form becomes JSON; see /work/shared/spec/messages.md "Values".
enum class TypeCategory : uint8_t {
  kString,       // text as a JSON string (text, uuid, enum, inet, money, range, ... and unknown)
  kInteger,      // int2, int4, int8, oid: the digits as a JSON number
  kFloat,        // float4, float8: number; NaN and +-Infinity as strings
  kNumeric,      // numeric: string, or number with CodecOptions::numeric_as_number
  kBool,         // 't' / 'f'
  kJson,         // json, jsonb: embedded as is
  kTimestampTz,  // normalised to UTC "...Z"
  kTimestamp,    // "YYYY-MM-DDTHH:MM:SS.ffffff"
  kDate,         // kept as is (ISO already)
  kTime,         // time, timetz: kept as is
  kInterval,     // {"months","days","microseconds"}
  kBytea,        // "\x.." hex text, or base64
  kVector,       // pgvector '[1,2,3]': array of numbers
  kArray,        // Postgres array text: JSON array of element_oid values
};

struct TypeInfo {
  std::string name;  // "int4", "public.mood"
  TypeCategory category = TypeCategory::kString;
  uint32_t element_oid = 0;  // kArray: the element type
  uint32_t base_oid = 0;     // domains: the base type (already applied to category)
  char delimiter = ',';      // array element delimiter when this is an element (';' for box)
};

class TypeRegistry {
 public:
  TypeRegistry();  // knows every built-in type sluice renders specially
  TypeRegistry(TypeRegistry&&) = default;
  TypeRegistry& operator=(TypeRegistry&&) = default;
  TypeRegistry(const TypeRegistry&) = delete;
  TypeRegistry& operator=(const TypeRegistry&) = delete;

  // The type's rendering info, or nullptr for an oid the registry does not know.
  const TypeInfo* Find(uint32_t oid) const {
    if (oid < dense_.size()) return dense_[oid];
    auto it = types_.find(oid);
    return it == types_.end() ? nullptr : &it->second;
  }

  // Loads every user-defined type (oid >= 16384) from pg_type with one query: enums, domains
  // (resolved to their base type), arrays of custom types, and `vector`/`halfvec` (pgvector).
  // Blocks on `conn` (any connection, also a replication=database one); transient Status on
  // query failure. Replaces what an earlier load or AddStreamType said about the same oids.
  Status LoadFromCatalog(PGconn* conn);

  // Records a type named by a pgoutput Type message. Only the name is known, so a `vector` or
  // `halfvec` becomes kVector and anything else a string; LoadFromCatalog knows more.
  void AddStreamType(uint32_t oid, std::string_view schema, std::string_view name);

 private:
  // Catalog facts about one user-defined type, before domains and arrays are resolved.
  struct CatalogRow {
    uint32_t oid;
    std::string name;
    char typtype;
    uint32_t element_oid;
    uint32_t base_oid;
    char delimiter;
    char typcategory;  // 'A' for arrays
  };
  void Put(uint32_t oid, TypeInfo info);
  void ResolveCatalog(const std::vector<CatalogRow>& rows);

  // Built-in oids are small: a direct table for them keeps the per-value lookup one load.
  std::vector<const TypeInfo*> dense_;
  // Owns every TypeInfo; node-based, so dense_'s pointers survive rehashing and moves.
  std::unordered_map<uint32_t, TypeInfo> types_;
};

}  // namespace sluice::pg
