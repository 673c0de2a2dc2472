#include "pgoutput_reader.h"

#include <unistd.h>

#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

namespace sluice::bench {
namespace {

// Postgres timestamps count microseconds from 2000-01-01.
constexpr int64_t kPostgresEpochMicros = 946684800LL * 1000000;

// A cursor over one buffer. Every getter fails (returns false) rather than read past the end,
// which is how the caller learns that a message is not complete yet.
class Cursor {
 public:
  Cursor(const char* data, size_t size) : p_(data), end_(data + size) {}
  bool Byte(char* v) {
    if (p_ >= end_) return false;
    *v = *p_++;
    return true;
  }
  bool Int16(int64_t* v) { return BigEndian(2, v); }
  bool Int32(int64_t* v) { return BigEndian(4, v); }
  bool Int64(int64_t* v) { return BigEndian(8, v); }
  bool Skip(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) return false;
    p_ += n;
    return true;
  }
  bool CString(std::string_view* s) {
    const void* nul = std::memchr(p_, 0, static_cast<size_t>(end_ - p_));
    if (nul == nullptr) return false;
    *s = std::string_view(p_, static_cast<const char*>(nul) - p_);
    p_ = static_cast<const char*>(nul) + 1;
    return true;
  }
  bool Bytes(size_t n, std::string_view* s) {
    if (static_cast<size_t>(end_ - p_) < n) return false;
    *s = std::string_view(p_, n);
    p_ += n;
    return true;
  }
  const char* position() const { return p_; }

 private:
  bool BigEndian(int n, int64_t* v) {
    if (end_ - p_ < n) return false;
    uint64_t x = 0;
    for (int i = 0; i < n; ++i) x = (x << 8) | static_cast<unsigned char>(p_[i]);
    p_ += n;
    // Sign-extend 16 and 32-bit fields (column counts are small, OIDs stay positive here).
    if (n < 8 && (x >> (8 * n - 1)) != 0) x |= ~0ULL << (8 * n);
    *v = static_cast<int64_t>(x);
    return true;
  }
  const char* p_;
  const char* end_;
};

enum class Step { kDone, kNeedMore, kBad };

class PgoutputParser {
 public:
  explicit PgoutputParser(ArrivalStats* stats) : stats_(stats) {}

  // Parses as many whole messages as `buf` holds; returns how many bytes it consumed, or
  // -1 on a malformed stream.
  ssize_t Parse(const char* buf, size_t size, int64_t arrival_us) {
    size_t consumed = 0;
    arrival_us_ = arrival_us;
    while (consumed < size) {
      Cursor c(buf + consumed, size - consumed);
      Step step = ParseOne(c);
      if (step == Step::kNeedMore) break;
      if (step == Step::kBad) return -1;
      consumed = static_cast<size_t>(c.position() - buf);
    }
    Flush();
    return static_cast<ssize_t>(consumed);
  }

  const std::string& error() const { return error_; }

 private:
  void Flush() {
    if (batch_.empty()) return;
    stats_->Record(batch_, arrival_us_);
    batch_.clear();
  }

  // The id is the first column of the tuple (every benchmark table starts with it).
  bool Tuple(Cursor& c, int64_t* id, bool* ok) {
    int64_t ncols;
    if (!c.Int16(&ncols)) return false;
    *ok = false;
    for (int64_t i = 0; i < ncols; ++i) {
      char kind;
      if (!c.Byte(&kind)) return false;
      if (kind == 'n' || kind == 'u') continue;
      int64_t len;
      std::string_view value;
      if (!c.Int32(&len) || len < 0 || !c.Bytes(static_cast<size_t>(len), &value)) return false;
      if (i == 0 && kind == 't' && !value.empty()) {
        int64_t v = 0;
        bool digits = true;
        for (char ch : value) {
          if (ch < '0' || ch > '9') digits = false;
          v = v * 10 + (ch - '0');
        }
        *id = v;
        *ok = digits;
      }
    }
    return true;
  }

  Step Change(Cursor& c, ChangeKind kind) {
    int64_t relid;
    if (!c.Int32(&relid)) return Step::kNeedMore;
    char marker;
    if (!c.Byte(&marker)) return Step::kNeedMore;
    int64_t id = 0;
    bool id_ok = false;
    if (kind == ChangeKind::kUpdate && (marker == 'K' || marker == 'O')) {
      if (!Tuple(c, &id, &id_ok) || !c.Byte(&marker)) return Step::kNeedMore;
    }
    if (!Tuple(c, &id, &id_ok)) return Step::kNeedMore;
    if (!Newline(c)) return Step::kNeedMore;
    auto rel = relations_.find(relid);
    if (rel == relations_.end() || !id_ok) {
      error_ = "change for an unknown relation or without an integer first column";
      return Step::kBad;
    }
    batch_.push_back(Arrival{rel->second, kind, id, commit_us_});
    return Step::kDone;
  }

  // pg_recvlogical ends every message with '\n'.
  static bool Newline(Cursor& c) {
    char nl;
    return c.Byte(&nl);
  }

  Step ParseOne(Cursor& c) {
    char type;
    if (!c.Byte(&type)) return Step::kNeedMore;
    int64_t v;
    std::string_view s;
    switch (type) {
      case 'B':  // final LSN, commit timestamp, xid
        if (!c.Skip(8) || !c.Int64(&v) || !c.Skip(4) || !Newline(c)) return Step::kNeedMore;
        commit_us_ = v + kPostgresEpochMicros;
        return Step::kDone;
      case 'C':  // flags, commit LSN, end LSN, commit timestamp
        return c.Skip(1 + 8 + 8 + 8) && Newline(c) ? Step::kDone : Step::kNeedMore;
      case 'O':  // origin LSN, name
        return c.Skip(8) && c.CString(&s) && Newline(c) ? Step::kDone : Step::kNeedMore;
      case 'Y':  // type OID, namespace, name
        return c.Skip(4) && c.CString(&s) && c.CString(&s) && Newline(c) ? Step::kDone
                                                                         : Step::kNeedMore;
      case 'R': {
        int64_t relid, natts;
        std::string_view ns, name;
        if (!c.Int32(&relid) || !c.CString(&ns) || !c.CString(&name) || !c.Skip(1) ||
            !c.Int16(&natts)) {
          return Step::kNeedMore;
        }
        for (int64_t i = 0; i < natts; ++i) {
          if (!c.Skip(1) || !c.CString(&s) || !c.Skip(8)) return Step::kNeedMore;
        }
        if (!Newline(c)) return Step::kNeedMore;
        // Queued arrivals point at the names; record them before a name may be replaced.
        Flush();
        relations_[relid] = std::string(name);
        return Step::kDone;
      }
      case 'I':
        return Change(c, ChangeKind::kInsert);
      case 'U':
        return Change(c, ChangeKind::kUpdate);
      case 'D':
        return Change(c, ChangeKind::kDelete);
      case 'T': {  // truncates are not benchmark changes
        int64_t nrels;
        if (!c.Int32(&nrels) || !c.Skip(1 + 4 * static_cast<size_t>(nrels)) || !Newline(c)) {
          return Step::kNeedMore;
        }
        return Step::kDone;
      }
      case 'M': {  // logical decoding message
        int64_t len;
        if (!c.Skip(1 + 8) || !c.CString(&s) || !c.Int32(&len) ||
            !c.Skip(static_cast<size_t>(len)) || !Newline(c)) {
          return Step::kNeedMore;
        }
        return Step::kDone;
      }
      default:
        error_ = std::string("unexpected pgoutput message type '") + type + "'";
        return Step::kBad;
    }
  }

  ArrivalStats* stats_;
  std::unordered_map<int64_t, std::string> relations_;
  int64_t commit_us_ = 0;
  int64_t arrival_us_ = 0;
  std::vector<Arrival> batch_;
  std::string error_;
};

}  // namespace

bool ReadPgoutputStream(int fd, ArrivalStats* stats) {
  PgoutputParser parser(stats);
  std::vector<char> buf(1 << 20);
  size_t filled = 0;
  for (;;) {
    if (filled == buf.size()) buf.resize(buf.size() * 2);  // one message larger than the buffer
    ssize_t n = read(fd, buf.data() + filled, buf.size() - filled);
    if (n == 0) return true;
    if (n < 0) {
      if (errno == EINTR) continue;
      stats->RecordProblem(std::string("read: ") + std::strerror(errno));
      return false;
    }
    filled += static_cast<size_t>(n);
    ssize_t used = parser.Parse(buf.data(), filled, NowMicros());
    if (used < 0) {
      stats->RecordProblem(parser.error());
      return false;
    }
    std::memmove(buf.data(), buf.data() + used, filled - static_cast<size_t>(used));
    filled -= static_cast<size_t>(used);
  }
}

}  // namespace sluice::bench
