#include <gtest/gtest.h>

#include "config/config.h"

namespace sluice {
namespace {

TEST(TableSelectionTest, EmptySelectionMatchesEverything) {
  TableSelection selection;
  EXPECT_TRUE(selection.Matches("public", "orders"));
  EXPECT_TRUE(selection.Matches("audit", "log"));
}

TEST(TableSelectionTest, IncludeTablesAndSchemasAreAlternatives) {
  TableSelection selection;
  selection.include_tables = {"public.orders"};
  selection.include_schemas = {"billing"};
  EXPECT_TRUE(selection.Matches("public", "orders"));
  EXPECT_TRUE(selection.Matches("billing", "invoices"));
  EXPECT_FALSE(selection.Matches("public", "customers"));
  EXPECT_FALSE(selection.Matches("public", "order"));    // no prefix matches
  EXPECT_FALSE(selection.Matches("public", "orderss"));  // no suffix slack
  EXPECT_FALSE(selection.Matches("publi", "c.orders"));  // the dot is the separator
}

TEST(TableSelectionTest, ExclusionsWinOverInclusions) {
  TableSelection selection;
  selection.include_schemas = {"public"};
  selection.exclude_tables = {"public.secrets"};
  EXPECT_TRUE(selection.Matches("public", "orders"));
  EXPECT_FALSE(selection.Matches("public", "secrets"));

  TableSelection all_but;
  all_but.exclude_schemas = {"audit"};
  EXPECT_TRUE(all_but.Matches("public", "orders"));
  EXPECT_FALSE(all_but.Matches("audit", "log"));
}

}  // namespace
}  // namespace sluice
