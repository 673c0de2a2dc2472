#include "source/postgres/pgoutput_decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/source/postgres/recording_handler.h"

namespace sluice::pg {
namespace {

using testing::RecordingHandler;

// Writes pgoutput fields big-endian, to build messages the server would send (or would not).
class MessageBuilder {
 public:
  explicit MessageBuilder(char tag) { bytes_.push_back(tag); }
  MessageBuilder& U8(uint8_t v) { return Int(v, 1); }
  MessageBuilder& U16(uint16_t v) { return Int(v, 2); }
  MessageBuilder& U32(uint32_t v) { return Int(v, 4); }
  MessageBuilder& U64(uint64_t v) { return Int(v, 8); }
  MessageBuilder& Str(std::string_view s) {
    bytes_.append(s);
    bytes_.push_back('\0');
    return *this;
  }
  MessageBuilder& Text(std::string_view s) {  // a 't' tuple value
    U8('t').U32(static_cast<uint32_t>(s.size()));
    bytes_.append(s);
    return *this;
  }
  MessageBuilder& Raw(std::string_view s) {
    bytes_.append(s);
    return *this;
  }
  const std::string& bytes() const { return bytes_; }

 private:
  MessageBuilder& Int(uint64_t v, int size) {
    for (int i = size - 1; i >= 0; --i) bytes_.push_back(static_cast<char>(v >> (8 * i)));
    return *this;
  }
  std::string bytes_;
};

// Relation 16400 public.t (id int8 key, name text), optionally with a stream xid.
std::string RelationMessage(std::optional<uint32_t> stream_xid = std::nullopt,
                            std::string second_column = "name") {
  MessageBuilder m('R');
  if (stream_xid) m.U32(*stream_xid);
  m.U32(16400).Str("public").Str("t").U8('d').U16(2);
  m.U8(1).Str("id").U32(20).U32(0xffffffff);
  m.U8(0).Str(second_column).U32(25).U32(0xffffffff);
  return m.bytes();
}

std::string InsertMessage(std::optional<uint32_t> stream_xid = std::nullopt) {
  MessageBuilder m('I');
  if (stream_xid) m.U32(*stream_xid);
  m.U32(16400).U8('N').U16(2).Text("1").Text("ada");
  return m.bytes();
}

class DecoderTest : public ::testing::Test {
 protected:
  Status Decode(const std::string& payload) { return decoder_.Decode(payload, handler_); }
  PgOutputDecoder decoder_;
  RecordingHandler handler_;
};

TEST_F(DecoderTest, BeginAndCommitTimestampsBecomeUnixEpochMicros) {
  ASSERT_TRUE(Decode(MessageBuilder('B').U64(0x100).U64(0).U32(7).bytes()).ok());
  ASSERT_TRUE(Decode(MessageBuilder('C').U8(0).U64(0x100).U64(0x130).U64(1).bytes()).ok());
  ASSERT_EQ(handler_.events.size(), 2u);
  EXPECT_EQ(handler_.events[0]["commit_time_us"], 946684800000000);
  EXPECT_EQ(handler_.events[0]["xid"], 7);
  EXPECT_EQ(handler_.events[1]["commit_time_us"], 946684800000001);
  EXPECT_EQ(handler_.events[1]["end_lsn"], 0x130);
}

TEST_F(DecoderTest, ChangeForUndescribedRelationIsAnError) {
  Status status = Decode(InsertMessage());
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("16400"), std::string::npos) << status.message();
  EXPECT_TRUE(handler_.changes.empty());
}

TEST_F(DecoderTest, NewRelationMessageAppliesToLaterChangesOnly) {
  ASSERT_TRUE(Decode(RelationMessage()).ok());
  ASSERT_TRUE(Decode(InsertMessage()).ok());
  ASSERT_TRUE(Decode(RelationMessage(std::nullopt, "full_name")).ok());
  ASSERT_TRUE(Decode(InsertMessage()).ok());
  ASSERT_EQ(handler_.changes.size(), 2u);
  EXPECT_EQ(handler_.changes[0].relation->columns[1].name, "name");
  EXPECT_EQ(handler_.changes[1].relation->columns[1].name, "full_name");
  EXPECT_TRUE(handler_.changes[0].relation->columns[0].is_key);
  EXPECT_EQ(handler_.changes[0].new_values[1].text, "ada");
  EXPECT_EQ(decoder_.relations().size(), 1u);
}

TEST_F(DecoderTest, DataMessagesInsideAStreamBlockCarryTheirXid) {
  ASSERT_TRUE(Decode(MessageBuilder('S').U32(500).U8(1).bytes()).ok());
  ASSERT_TRUE(Decode(RelationMessage(500)).ok());
  ASSERT_TRUE(Decode(InsertMessage(501)).ok());
  ASSERT_TRUE(
      Decode(MessageBuilder('M').U32(501).U8(1).U64(9).Str("p").U32(2).Raw("hi").bytes()).ok());
  ASSERT_TRUE(Decode(MessageBuilder('E').bytes()).ok());
  // Outside the block the same message has no xid.
  ASSERT_TRUE(Decode(InsertMessage()).ok());
  // The xid-carrying form is malformed outside a block (5 trailing bytes).
  EXPECT_FALSE(Decode(InsertMessage(501)).ok());
  ASSERT_EQ(handler_.changes.size(), 2u);
  EXPECT_EQ(handler_.events[1]["stream_xid"], 501);
  EXPECT_EQ(handler_.changes[0].xid, 500u);
  EXPECT_EQ(handler_.events[2]["xid"], 501);
  EXPECT_EQ(handler_.events[2]["content"], "hi");
  EXPECT_EQ(handler_.events[4]["stream_xid"], 0);
}

TEST_F(DecoderTest, StreamStopOutsideABlockIsAnError) {
  EXPECT_FALSE(Decode(MessageBuilder('E').bytes()).ok());
  ASSERT_TRUE(Decode(MessageBuilder('S').U32(1).U8(1).bytes()).ok());
  EXPECT_FALSE(Decode(MessageBuilder('S').U32(2).U8(0).bytes()).ok());
}

TEST_F(DecoderTest, StreamAbortAcceptsTheProtocol4AbortLsnAndTime) {
  ASSERT_TRUE(Decode(MessageBuilder('A').U32(10).U32(11).bytes()).ok());
  ASSERT_TRUE(Decode(MessageBuilder('A').U32(10).U32(10).U64(0x500).U64(1).bytes()).ok());
  EXPECT_FALSE(Decode(MessageBuilder('A').U32(10).U32(10).U64(0x500).bytes()).ok());
  ASSERT_EQ(handler_.events.size(), 2u);
  EXPECT_EQ(handler_.events[0]["subxid"], 11);
  EXPECT_EQ(handler_.events[1]["subxid"], 10);
}

TEST_F(DecoderTest, TwoPhaseMessagesAreRejectedAsFatal) {
  for (char tag : {'b', 'P', 'K', 'r', 'p'}) {
    Status status = Decode(MessageBuilder(tag).U64(1).U64(2).U64(3).U32(4).Str("gid").bytes());
    ASSERT_FALSE(status.ok()) << tag;
    EXPECT_EQ(status.retry(), Retry::kFatal);
    EXPECT_NE(status.message().find("two_phase"), std::string::npos);
  }
}

TEST_F(DecoderTest, UnknownAndEmptyMessagesAreErrors) {
  EXPECT_FALSE(Decode("").ok());
  Status status = Decode("Z");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.retry(), Retry::kPermanent);
  EXPECT_NE(status.message().find("unknown message type"), std::string::npos);
}

TEST_F(DecoderTest, TypeAndOriginMessagesAreAccepted) {
  ASSERT_TRUE(Decode(MessageBuilder('Y').U32(16500).Str("public").Str("vector").bytes()).ok());
  ASSERT_TRUE(Decode(MessageBuilder('O').U64(0x10).Str("node_b").bytes()).ok());
  const StreamType* type = decoder_.relations().FindType(16500);
  ASSERT_NE(type, nullptr);
  EXPECT_EQ(type->name, "vector");
  EXPECT_EQ(type->schema, "public");
  EXPECT_TRUE(handler_.events.empty());
}

TEST_F(DecoderTest, TuplesKeepNullUnchangedToastAndBinaryValues) {
  ASSERT_TRUE(Decode(RelationMessage()).ok());
  std::string binary("\x00\x01", 2);
  ASSERT_TRUE(Decode(MessageBuilder('U')
                         .U32(16400)
                         .U8('K')
                         .U16(2)
                         .Text("1")
                         .U8('n')
                         .U8('N')
                         .U16(2)
                         .U8('b')
                         .U32(2)
                         .Raw(binary)
                         .U8('u')
                         .bytes())
                  .ok());
  ASSERT_EQ(handler_.changes.size(), 1u);
  const Change& change = handler_.changes[0];
  EXPECT_TRUE(change.has_old);
  EXPECT_TRUE(change.old_is_key_only);
  EXPECT_EQ(change.old_values[1].kind, ValueKind::kNull);
  EXPECT_EQ(change.new_values[0].kind, ValueKind::kText);
  EXPECT_EQ(change.new_values[0].text, binary);
  EXPECT_EQ(change.new_values[1].kind, ValueKind::kUnchangedToast);
}

TEST_F(DecoderTest, TupleWithWrongColumnCountIsAnError) {
  ASSERT_TRUE(Decode(RelationMessage()).ok());
  Status status = Decode(MessageBuilder('I').U32(16400).U8('N').U16(1).Text("1").bytes());
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("1 columns but relation public.t has 2"), std::string::npos)
      << status.message();
}

TEST_F(DecoderTest, TruncateOfAnUnknownRelationEmitsNothing) {
  ASSERT_TRUE(Decode(RelationMessage()).ok());
  EXPECT_FALSE(Decode(MessageBuilder('T').U32(2).U8(0).U32(16400).U32(99).bytes()).ok());
  EXPECT_TRUE(handler_.changes.empty());
  ASSERT_TRUE(Decode(MessageBuilder('T').U32(1).U8(1).U32(16400).bytes()).ok());
  ASSERT_EQ(handler_.changes.size(), 1u);
  EXPECT_EQ(handler_.changes[0].action, Action::kTruncate);
  // A count that promises more oids than the message holds.
  EXPECT_FALSE(Decode(MessageBuilder('T').U32(0x40000000).U8(0).U32(16400).bytes()).ok());
}

// Every proper prefix of every captured message is rejected without reading out of bounds
// (run under ASan), and the decoder's state is unharmed: the full message still decodes.
TEST(DecoderRobustnessTest, EveryTruncationOfEveryCapturedMessageIsAnError) {
  size_t prefixes = 0;
  for (const char* name : {"crud", "types", "streamed", "messages", "unchanged_toast",
                           "schema_change", "truncate", "identity_full"}) {
    std::vector<std::string> frames;
    ASSERT_TRUE(testing::SplitFrames(
        testing::ReadFile(testing::GoldenDir() + "/pgoutput/" + name + ".bin"), &frames));
    PgOutputDecoder decoder;
    RecordingHandler handler;
    for (const std::string& frame : frames) {
      for (size_t length = 0; length < frame.size(); ++length) {
        // A copy of exactly `length` bytes, so ASan sees any read past it.
        const std::string prefix = frame.substr(0, length);
        Status status = decoder.Decode(prefix, handler);
        ASSERT_FALSE(status.ok()) << name << ": prefix of " << length << " bytes decoded";
        ++prefixes;
      }
      ASSERT_TRUE(decoder.Decode(frame, handler).ok()) << name;
    }
  }
  EXPECT_GT(prefixes, 100000u);
}

// Random corruption of real messages: whatever the result, never a crash or a bad read.
TEST(DecoderRobustnessTest, CorruptedMessagesNeverCrash) {
  std::vector<std::string> frames;
  for (const char* name : {"crud", "types", "schema_change", "messages"}) {
    ASSERT_TRUE(testing::SplitFrames(
        testing::ReadFile(testing::GoldenDir() + "/pgoutput/" + name + ".bin"), &frames));
  }
  uint32_t seed = 42;
  auto next = [&seed] {
    seed = seed * 1103515245 + 12345;
    return seed >> 8;
  };
  PgOutputDecoder decoder;
  RecordingHandler handler;
  size_t errors = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string message = frames[next() % frames.size()];
    const int flips = 1 + next() % 4;
    for (int i = 0; i < flips && !message.empty(); ++i) {
      message[next() % message.size()] = static_cast<char>(next());
    }
    if (!decoder.Decode(message, handler).ok()) ++errors;
    if (handler.changes.size() > 1000) handler = RecordingHandler();  // bound memory
  }
  EXPECT_GT(errors, 0u);
}

}  // namespace
}  // namespace sluice::pg
