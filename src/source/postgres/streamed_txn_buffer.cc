#include "source/postgres/streamed_txn_buffer.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace sluice::pg {
namespace {

Status IoError(const std::string& what, const std::string& path) {
  return Status::Fatal(what + " " + path + ": " + std::strerror(errno));
}

template <typename T>
bool Put(std::FILE* f, T value) {
  return std::fwrite(&value, sizeof value, 1, f) == 1;
}

template <typename T>
bool Get(std::FILE* f, T* value) {
  return std::fread(value, sizeof *value, 1, f) == 1;
}

bool PutTuple(std::FILE* f, const Tuple& tuple) {
  if (!Put<uint32_t>(f, static_cast<uint32_t>(tuple.size()))) return false;
  for (const Value& v : tuple) {
    if (!Put<uint8_t>(f, static_cast<uint8_t>(v.kind))) return false;
    if (!Put<uint32_t>(f, static_cast<uint32_t>(v.text.size()))) return false;
    if (!v.text.empty() && std::fwrite(v.text.data(), 1, v.text.size(), f) != v.text.size()) {
      return false;
    }
  }
  return true;
}

bool GetTuple(std::FILE* f, Tuple* tuple) {
  uint32_t n = 0;
  if (!Get(f, &n)) return false;
  tuple->resize(n);
  for (Value& v : *tuple) {
    uint8_t kind = 0;
    uint32_t len = 0;
    if (!Get(f, &kind) || !Get(f, &len)) return false;
    v.kind = static_cast<ValueKind>(kind);
    v.text.resize(len);
    if (len > 0 && std::fread(v.text.data(), 1, len, f) != len) return false;
  }
  return true;
}

}  // namespace

size_t ApproximateSize(const Change& change) {
  size_t size = sizeof(Change);
  for (const Tuple* t : {&change.new_values, &change.old_values}) {
    for (const Value& v : *t) size += sizeof(Value) + (v.text.size() > 15 ? v.text.capacity() : 0);
  }
  return size;
}

StreamedTxnBuffer::StreamedTxnBuffer(std::string spill_dir, size_t memory_limit_bytes)
    : spill_dir_(std::move(spill_dir)), memory_limit_bytes_(memory_limit_bytes) {}

StreamedTxnBuffer::~StreamedTxnBuffer() { Clear(); }

Status StreamedTxnBuffer::Append(uint32_t xid, uint32_t sub_xid, Change&& change) {
  Txn& txn = txns_[xid];
  if (sub_xid != 0 && sub_xid != xid && !txn.subxacts.contains(sub_xid)) {
    uint64_t offset = txn.file ? static_cast<uint64_t>(std::ftell(txn.file)) : 0;
    txn.subxacts[sub_xid] = SubxactStart{txn.count, offset};
  }
  ++txn.count;
  if (txn.file != nullptr) return WriteChange(txn, change);
  size_t size = ApproximateSize(change);
  txn.in_memory.push_back(std::move(change));
  txn.memory_bytes += size;
  memory_bytes_ += size;
  if (memory_bytes_ > memory_limit_bytes_) return Spill(txn, xid);
  return Status::Ok();
}

Status StreamedTxnBuffer::Spill(Txn& txn, uint32_t xid) {
  std::error_code ec;
  std::filesystem::create_directories(spill_dir_, ec);
  txn.file_path =
      spill_dir_ + "/txn-" + std::to_string(xid) + "-" + std::to_string(getpid()) + ".spill";
  txn.file = std::fopen(txn.file_path.c_str(), "w+b");
  if (txn.file == nullptr) return IoError("cannot create spill file", txn.file_path);
  static constexpr size_t kFileBuffer = 1 << 20;
  std::setvbuf(txn.file, nullptr, _IOFBF, kFileBuffer);
  ++spilled_transactions_;
  uint64_t first_index = txn.count - txn.in_memory.size();
  for (uint64_t i = 0; i < txn.in_memory.size(); ++i) {
    for (auto& [sub, start] : txn.subxacts) {
      if (start.index == first_index + i)
        start.file_offset = static_cast<uint64_t>(std::ftell(txn.file));
    }
    SLUICE_RETURN_IF_ERROR(WriteChange(txn, txn.in_memory[i]));
  }
  memory_bytes_ -= txn.memory_bytes;
  txn.memory_bytes = 0;
  std::vector<Change>().swap(txn.in_memory);
  return Status::Ok();
}

Status StreamedTxnBuffer::WriteChange(Txn& txn, const Change& change) {
  auto [it, inserted] = txn.relation_index.try_emplace(change.relation.get(),
                                                       static_cast<uint32_t>(txn.relations.size()));
  if (inserted) txn.relations.push_back(change.relation);
  std::FILE* f = txn.file;
  bool ok = Put<uint8_t>(f, static_cast<uint8_t>(change.action)) && Put<uint32_t>(f, it->second) &&
            Put<uint8_t>(f, change.has_old) && Put<uint8_t>(f, change.old_is_key_only) &&
            PutTuple(f, change.new_values) && PutTuple(f, change.old_values);
  if (!ok) return IoError("cannot write spill file", txn.file_path);
  return Status::Ok();
}

Status StreamedTxnBuffer::ReadChange(Txn& txn, Change* change) {
  std::FILE* f = txn.file;
  uint8_t action = 0, has_old = 0, key_only = 0;
  uint32_t relation = 0;
  bool ok = Get(f, &action) && Get(f, &relation) && Get(f, &has_old) && Get(f, &key_only) &&
            relation < txn.relations.size() && GetTuple(f, &change->new_values) &&
            GetTuple(f, &change->old_values);
  if (!ok) return IoError("spill file is truncated or unreadable:", txn.file_path);
  change->action = static_cast<Action>(action);
  change->relation = txn.relations[relation];
  change->has_old = has_old != 0;
  change->old_is_key_only = key_only != 0;
  return Status::Ok();
}

Status StreamedTxnBuffer::Abort(uint32_t xid, uint32_t sub_xid) {
  auto it = txns_.find(xid);
  if (it == txns_.end()) return Status::Ok();
  Txn& txn = it->second;
  if (sub_xid == xid || sub_xid == 0) {
    Drop(txn);
    txns_.erase(it);
    return Status::Ok();
  }
  auto sub = txn.subxacts.find(sub_xid);
  if (sub == txn.subxacts.end()) return Status::Ok();  // it made no changes
  SubxactStart start = sub->second;
  if (txn.file != nullptr) {
    if (std::fflush(txn.file) != 0 ||
        ftruncate(fileno(txn.file), static_cast<off_t>(start.file_offset)) != 0 ||
        std::fseek(txn.file, static_cast<long>(start.file_offset), SEEK_SET) != 0) {
      return IoError("cannot truncate spill file", txn.file_path);
    }
  } else {
    uint64_t first_index = txn.count - txn.in_memory.size();
    size_t keep = static_cast<size_t>(start.index - first_index);
    for (size_t i = keep; i < txn.in_memory.size(); ++i) {
      size_t size = ApproximateSize(txn.in_memory[i]);
      txn.memory_bytes -= size;
      memory_bytes_ -= size;
    }
    txn.in_memory.resize(keep);
  }
  txn.count = start.index;
  // Subtransactions that began after this one were nested in it or came later: gone too.
  for (auto s = txn.subxacts.begin(); s != txn.subxacts.end();) {
    s = s->second.index >= start.index ? txn.subxacts.erase(s) : std::next(s);
  }
  return Status::Ok();
}

Status StreamedTxnBuffer::Replay(uint32_t xid, const std::function<Status(Change&&)>& fn) {
  auto it = txns_.find(xid);
  if (it == txns_.end()) return Status::Ok();
  Txn& txn = it->second;
  Status status;
  if (txn.file != nullptr) {
    if (std::fflush(txn.file) != 0 || std::fseek(txn.file, 0, SEEK_SET) != 0) {
      status = IoError("cannot rewind spill file", txn.file_path);
    }
    for (uint64_t i = 0; status.ok() && i < txn.count; ++i) {
      Change change;
      status = ReadChange(txn, &change);
      if (status.ok()) status = fn(std::move(change));
    }
  } else {
    for (Change& change : txn.in_memory) {
      status = fn(std::move(change));
      if (!status.ok()) break;
    }
  }
  Drop(txn);
  txns_.erase(it);
  return status;
}

void StreamedTxnBuffer::Drop(Txn& txn) {
  memory_bytes_ -= txn.memory_bytes;
  txn.memory_bytes = 0;
  txn.in_memory.clear();
  if (txn.file != nullptr) {
    std::fclose(txn.file);
    txn.file = nullptr;
    std::remove(txn.file_path.c_str());
  }
}

void StreamedTxnBuffer::Clear() {
  for (auto& [xid, txn] : txns_) Drop(txn);
  txns_.clear();
}

}  // namespace sluice::pg
