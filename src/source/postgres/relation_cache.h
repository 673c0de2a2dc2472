#pragma once
// RelationCache: what the pgoutput stream has told us about tables and types, keyed by oid.
//
// Every Relation message installs a NEW immutable RelationDef, so a schema change mid-stream
// (ADD/DROP/RENAME COLUMN, type change) applies to the changes decoded after it, while changes
// decoded earlier keep sharing the definition they were decoded with.
//
// Owned by PgOutputDecoder; used only on the replication thread. Not thread-safe. The
// RelationPtrs it hands out are shared and stay valid after the cache replaces or drops them.
#include <cstdint>
#include <string>
#include <unordered_map>

#include "pipeline/change.h"

namespace sluice::pg {

// A type the stream described with a Type message (custom types: enums, domains, extensions).
struct StreamType {
  std::string schema;
  std::string name;
};

class RelationCache {
 public:
  // Installs `relation` as the current definition of relation->oid.
  void Put(RelationPtr relation);
  // The current definition, or nullptr when the stream has not described `oid` yet.
  const RelationPtr* Find(uint32_t oid) const;
  size_t size() const { return relations_.size(); }

  void PutType(uint32_t oid, StreamType type);
  // nullptr when no Type message named `oid`.
  const StreamType* FindType(uint32_t oid) const;

 private:
  std::unordered_map<uint32_t, RelationPtr> relations_;
  std::unordered_map<uint32_t, StreamType> types_;
};

}  // namespace sluice::pg
