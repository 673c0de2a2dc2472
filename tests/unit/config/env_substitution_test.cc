#include "config/env_substitution.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace sluice {
namespace {

class EnvSubstitutionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("SLUICE_ENV_A", "alpha", 1);
    setenv("SLUICE_ENV_EMPTY", "", 1);
    unsetenv("SLUICE_ENV_UNSET");
  }
  std::string Substitute(std::string_view text) { return SubstituteEnv(text, "f.yaml", errors_); }
  ConfigErrors errors_;
};

TEST_F(EnvSubstitutionTest, ReplacesSetVariables) {
  EXPECT_EQ(Substitute("a: ${SLUICE_ENV_A}/${SLUICE_ENV_A}\n"), "a: alpha/alpha\n");
  EXPECT_TRUE(errors_.empty());
}

TEST_F(EnvSubstitutionTest, DefaultAppliesWhenUnsetOrEmpty) {
  EXPECT_EQ(Substitute("${SLUICE_ENV_UNSET:-x y}|${SLUICE_ENV_EMPTY:-d}|${SLUICE_ENV_A:-d}"),
            "x y|d|alpha");
  EXPECT_EQ(Substitute("${SLUICE_ENV_UNSET:-}"), "");
  EXPECT_TRUE(errors_.empty());
}

TEST_F(EnvSubstitutionTest, UnsetVariableIsAnErrorWithPosition) {
  EXPECT_EQ(Substitute("a: 1\nb: x${SLUICE_ENV_UNSET}y\nc: ${SLUICE_ENV_UNSET}\n"),
            "a: 1\nb: xy\nc: \n");
  ASSERT_EQ(errors_.all().size(), 2u);  // both places are reported, no early stop
  EXPECT_EQ(errors_.all()[0],
            "f.yaml:2:5: environment variable SLUICE_ENV_UNSET is not set (use "
            "${SLUICE_ENV_UNSET:-default} to give a default)");
  EXPECT_EQ(errors_.all()[1].substr(0, 12), "f.yaml:3:4: ");
}

TEST_F(EnvSubstitutionTest, EmptyValueCountsAsSet) {
  EXPECT_EQ(Substitute("[${SLUICE_ENV_EMPTY}]"), "[]");
  EXPECT_TRUE(errors_.empty());
}

TEST_F(EnvSubstitutionTest, DoubleDollarEscapes) {
  EXPECT_EQ(Substitute("code: $${SLUICE_ENV_A} costs $5"), "code: ${SLUICE_ENV_A} costs $5");
  EXPECT_TRUE(errors_.empty());
}

TEST_F(EnvSubstitutionTest, CommentsAreLeftAlone) {
  EXPECT_EQ(Substitute("# ${SLUICE_ENV_UNSET}\na: 1 # ${SLUICE_ENV_UNSET}\n"),
            "# ${SLUICE_ENV_UNSET}\na: 1 # ${SLUICE_ENV_UNSET}\n");
  EXPECT_TRUE(errors_.empty());
}

TEST_F(EnvSubstitutionTest, HashInsideQuotesIsNotAComment) {
  EXPECT_EQ(
      Substitute("a: \"x # ${SLUICE_ENV_A}\"\nb: 'y # ${SLUICE_ENV_A}'\nc: d#${SLUICE_ENV_A}"),
      "a: \"x # alpha\"\nb: 'y # alpha'\nc: d#alpha");
}

TEST_F(EnvSubstitutionTest, MalformedReferencesAreErrors) {
  Substitute("a: ${1X}\nb: ${A B}\nc: ${UNCLOSED\n");
  ASSERT_EQ(errors_.all().size(), 3u);
  EXPECT_EQ(errors_.all()[0],
            "f.yaml:1:4: invalid environment variable reference (expected ${NAME} or "
            "${NAME:-default})");
  EXPECT_EQ(errors_.all()[2], "f.yaml:3:4: unterminated ${ (write $${ for a literal \"${\")");
}

}  // namespace
}  // namespace sluice
