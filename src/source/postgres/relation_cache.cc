#include "source/postgres/relation_cache.h"

#include <utility>

namespace sluice::pg {

void RelationCache::Put(RelationPtr relation) {
  uint32_t oid = relation->oid;
  relations_[oid] = std::move(relation);
}

const RelationPtr* RelationCache::Find(uint32_t oid) const {
  auto it = relations_.find(oid);
  return it == relations_.end() ? nullptr : &it->second;
}

void RelationCache::PutType(uint32_t oid, StreamType type) { types_[oid] = std::move(type); }

const StreamType* RelationCache::FindType(uint32_t oid) const {
  auto it = types_.find(oid);
  return it == types_.end() ? nullptr : &it->second;
}

}  // namespace sluice::pg
