// ConfigNode on its own: shapes, positions, unknown keys.
#include "config/node.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace sluice {
namespace {

using namespace std::chrono_literals;

class ConfigNodeTest : public ::testing::Test {
 protected:
  ConfigNode Load(const std::string& yaml) {
    return ConfigNode(YAML::Load(yaml), "n.yaml", "root", errors_);
  }
  std::shared_ptr<ConfigErrors> errors_ = std::make_shared<ConfigErrors>();
};

TEST_F(ConfigNodeTest, ScalarCountsAsListOfOne) {
  ConfigNode node = Load("a: x\nb: [y, z]\nc: []\n");
  EXPECT_EQ(node.GetStringList("a"), std::vector<std::string>{"x"});
  EXPECT_EQ(node.GetStringList("b"), (std::vector<std::string>{"y", "z"}));
  EXPECT_TRUE(node.GetStringList("c").empty());
  EXPECT_TRUE(node.GetStringList("missing").empty());
  EXPECT_TRUE(errors_->empty());
}

TEST_F(ConfigNodeTest, NullIsAbsent) {
  ConfigNode node = Load("a: null\nb: ~\nc:\nd: 'null'\n");
  EXPECT_FALSE(node.Has("a"));
  EXPECT_EQ(node.GetString("b"), std::nullopt);
  EXPECT_EQ(node.GetInt("c", 7), 7);
  EXPECT_EQ(node.GetString("d"), "null");  // quoted: a string
  EXPECT_EQ(node.KindOf("a"), ConfigNode::Kind::kAbsent);
  node.RejectUnknownKeys();
  EXPECT_TRUE(errors_->empty());
}

TEST_F(ConfigNodeTest, TypeErrorsNamePositionAndPathButNotTheValue) {
  ConfigNode node = Load("port: fifty\non: maybe\nt: 5x\nl: [a, {b: c}]\nm: {k: [1]}\n");
  EXPECT_EQ(node.GetInt("port", 1), 1);
  EXPECT_TRUE(node.GetBool("on", true));
  EXPECT_EQ(node.GetDuration("t", 3s), 3s);
  EXPECT_TRUE(node.GetStringList("l").empty());
  EXPECT_TRUE(node.GetStringMap("m").empty());
  EXPECT_EQ(errors_->all(),
            (std::vector<std::string>{
                "n.yaml:1:1: root.port: expected an integer",
                "n.yaml:2:1: root.on: expected true or false",
                "n.yaml:3:1: root.t: expected a duration like 250ms, 15s, 2m, 1h or a number of "
                "milliseconds",
                "n.yaml:4:1: root.l: expected a list of strings",
                "n.yaml:5:1: root.m: expected a mapping of strings to strings",
            }));
}

TEST_F(ConfigNodeTest, MapListGivesIndexedPaths) {
  ConfigNode node = Load("items:\n  - {a: 1}\n  - 2\n  - {b: 3}\n");
  std::vector<ConfigNode> items = node.GetMapList("items");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].path(), "root.items[0]");
  EXPECT_EQ(items[1].path(), "root.items[2]");
  items[1].RejectUnknownKeys();
  EXPECT_EQ(errors_->all(),
            (std::vector<std::string>{"n.yaml:3:5: root.items[1]: expected a mapping",
                                      "n.yaml:4:6: root.items[2].b: unknown key"}));
}

TEST_F(ConfigNodeTest, CopiesShareErrorsAndRereadingDoesNotDuplicate) {
  ConfigNode node = Load("x: 1\n");
  ConfigNode copy = node;
  copy.RejectUnknownKeys();
  node.RejectUnknownKeys();
  EXPECT_EQ(errors_->all(), std::vector<std::string>{"n.yaml:1:1: root.x: unknown key"});
}

TEST_F(ConfigNodeTest, RequireStringReportsMissingAndEmpty) {
  ConfigNode node = Load("a: ''\nb: 1\n");
  EXPECT_EQ(node.RequireString("a"), "");
  EXPECT_EQ(node.RequireString("b"), "1");
  EXPECT_EQ(node.RequireString("c"), "");
  EXPECT_EQ(errors_->all(), (std::vector<std::string>{"n.yaml:1:1: root.a: must not be empty",
                                                      "n.yaml:1:1: root.c: required"}));
}

TEST_F(ConfigNodeTest, AllKeepsFindOrderWhileStatusIsInFileOrder) {
  ConfigNode node = Load("a: x\nb: y\n");
  node.GetInt("b", 0);
  node.GetInt("a", 0);
  EXPECT_EQ(errors_->all(), (std::vector<std::string>{"n.yaml:2:1: root.b: expected an integer",
                                                      "n.yaml:1:1: root.a: expected an integer"}));
  errors_->Add("general problem");
  EXPECT_EQ(errors_->ToStatus().message(),
            "general problem\nn.yaml:1:1: root.a: expected an integer\nn.yaml:2:1: root.b: "
            "expected an integer");
}

}  // namespace
}  // namespace sluice
