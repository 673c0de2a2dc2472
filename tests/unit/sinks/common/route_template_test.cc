#include "sinks/route_template.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

Message Sample() {
  Message m;
  m.action = Action::kDelete;
  m.schema_name = "app";
  m.table_name = "orders";
  m.group_key = "42:eu";
  m.record_pks = {"42", "eu"};
  return m;
}

TEST(RouteTemplateTest, RendersEveryPlaceholder) {
  auto t = RouteTemplate::Compile("{schema}.{table}/{action}/{group_key}/{pks}");
  ASSERT_TRUE(t.has_value()) << t.error().message();
  EXPECT_EQ(t->Render(Sample()), "app.orders/delete/42:eu/42:eu");
  EXPECT_FALSE(t->is_literal());
}

TEST(RouteTemplateTest, LiteralTextAndEscapedBraces) {
  auto t = RouteTemplate::Compile("plain-{{x}}");
  ASSERT_TRUE(t.has_value());
  EXPECT_TRUE(t->is_literal());
  EXPECT_EQ(t->Render(Sample()), "plain-{x}");
}

TEST(RouteTemplateTest, RenderToAppends) {
  auto t = RouteTemplate::Compile("{table}").value();
  std::string out = "prefix:";
  t.RenderTo(Sample(), &out);
  EXPECT_EQ(out, "prefix:orders");
}

TEST(RouteTemplateTest, RejectsUnknownAndUnbalancedPlaceholders) {
  for (const char* bad : {"{tabel}", "{table", "table}", "{}"}) {
    auto t = RouteTemplate::Compile(bad);
    EXPECT_FALSE(t.has_value()) << bad;
  }
  auto unknown = RouteTemplate::Compile("x.{tabel}");
  EXPECT_NE(unknown.error().message().find("unknown placeholder {tabel}"), std::string::npos);
}

}  // namespace
}  // namespace sluice
