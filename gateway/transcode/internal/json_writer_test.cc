// The writer against protobuf's own printer (MessageToJsonString with
// preserve_proto_field_names and always_print_primitive_fields): the same
// JSON for messages without the option (byte for byte where protobuf keeps
// declaration order), and the seed's shapes for messages with it.
#include "gateway/transcode/internal/json_writer.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "datamgmt/dht/v1/dht.pb.h"
#include "datamgmt/health/v1/health_monitor.pb.h"
#include "datamgmt/peers/v1/peers.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/status.pb.h"
#include "nlohmann/json.hpp"
#include "gtest/gtest.h"
#include "testdata/transcode_testdata.pb.h"

namespace datamgmt::gateway::transcode::internal {
namespace {

using ::google::protobuf::Message;
using testdata::Everything;
using testdata::Numbers;
using testdata::Outer;

std::string Ours(const Message& message) {
  std::string json;
  const absl::Status s = AppendMessageJson(message, &json);
  EXPECT_TRUE(s.ok()) << s;
  return json;
}

std::string Protobuf(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  EXPECT_TRUE(
      google::protobuf::util::MessageToJsonString(message, &json, options)
          .ok());
  return json;
}

void ExpectSameAsProtobuf(const Message& message) {
  EXPECT_EQ(Ours(message), Protobuf(message)) << message.DebugString();
}

// The same JSON value, keys in any order.
void ExpectEquivalentToProtobuf(const Message& message) {
  const std::string ours = Ours(message);
  const std::string theirs = Protobuf(message);
  EXPECT_EQ(nlohmann::json::parse(ours), nlohmann::json::parse(theirs))
      << ours << "\n" << theirs;
}

Everything Populated() {
  Everything e;
  e.set_declared_first(18446744073709551615u);
  e.set_d(0.1);
  e.set_f(0.1f);
  e.set_i32(-2147483648);
  e.set_i64(-9223372036854775807 - 1);
  e.set_u32(4294967295u);
  e.set_u64(9007199254740993u);
  e.set_s32(-7);
  e.set_s64(-8);
  e.set_fx32(9);
  e.set_fx64(10);
  e.set_sfx32(-11);
  e.set_sfx64(-12);
  e.set_b(true);
  e.set_s("h\xc3\xa9llo \"<w>\" \\ \n");
  e.set_by(std::string("\x00\xff\xfe bytes", 9));
  e.set_color(testdata::COLOR_BLUE);
  e.add_r_i64(1);
  e.add_r_i64(-2);
  e.add_r_s("a");
  e.add_r_s("");
  e.add_r_book()->set_name("b1");
  e.add_r_book();
  e.add_r_color(testdata::COLOR_RED);
  e.add_r_color(static_cast<testdata::Color>(7));  // Unknown: a number.
  e.add_r_d(1.5);
  e.add_r_d(-0.0);
  e.add_r_by("xy");
  e.mutable_book()->set_name("book");
  e.mutable_book()->mutable_shelf()->set_id("s");
  e.mutable_book()->mutable_shelf()->set_size(3);
  (*e.mutable_m_s_i64())["k"] = -5;
  (*e.mutable_m_i_book())[-3].set_count(4);
  (*e.mutable_m_b_s())[true] = "t";
  (*e.mutable_m_u_color())[18446744073709551615u] = testdata::COLOR_RED;
  e.set_opt(0);
  e.mutable_c_book()->set_name("choice");
  e.mutable_dur()->set_seconds(-1);
  e.mutable_dur()->set_nanos(-500000000);
  e.mutable_ts()->set_seconds(1700000000);
  e.mutable_ts()->set_nanos(123456000);
  e.mutable_w_i64()->set_value(64);
  e.mutable_w_s()->set_value("wrapped");
  e.mutable_mask()->add_paths("book.shelf_id");
  (*e.mutable_st()->mutable_fields())["x"].set_number_value(1.25);
  e.mutable_v()->set_string_value("value");
  e.mutable_any()->PackFrom(e.book());
  e.mutable_empty();
  e.add_r_dur()->set_nanos(5000000);
  e.add_r_dur()->set_seconds(3);
  e.mutable_lv()->add_values()->set_bool_value(false);
  return e;
}

TEST(JsonWriterTest, DefaultMessageIsLikeProtobuf) {
  ExpectSameAsProtobuf(Everything());
  EXPECT_EQ(Ours(testdata::Book()),
            R"({"name":"","count":"0","color":"COLOR_UNSPECIFIED"})");
}

TEST(JsonWriterTest, PopulatedMessageIsLikeProtobuf) {
  ExpectEquivalentToProtobuf(Populated());
  Everything other = Populated();
  other.set_c_s("string choice");
  other.clear_opt();
  ExpectEquivalentToProtobuf(other);
}

TEST(JsonWriterTest, FieldsAreInDeclarationOrder) {
  Everything e;
  e.set_c_s("c");
  e.set_opt(1);
  e.mutable_dur();
  e.mutable_w_i64();
  const std::string json = Ours(e);
  EXPECT_LT(json.find(R"("declared_first":)"), json.find(R"("d":)"));
  EXPECT_LT(json.find(R"("m_u_color":{})"), json.find(R"("opt":1)"));
  EXPECT_LT(json.find(R"("opt":1)"), json.find(R"("c_s":"c")"));
  EXPECT_LT(json.find(R"("c_s":"c")"), json.find(R"("dur":"0s")"));
  EXPECT_LT(json.find(R"("dur":"0s")"), json.find(R"("w_i64":"0")"));
  EXPECT_LT(json.find(R"("w_i64":"0")"), json.find(R"("r_dur":[])"));
}

TEST(JsonWriterTest, NullValueIsNull) {
  EXPECT_EQ(Ours(testdata::WithNull()), R"({"null_value":null})");
}

TEST(JsonWriterTest, FloatingPointIsLikeProtobuf) {
  const double kInf = std::numeric_limits<double>::infinity();
  for (double d : {0.0, -0.0, 0.1, 1.0 / 3, 1e21, 1e-7, 123456789.125, 1e300,
                   5e-324, -2.5, kInf, -kInf,
                   std::numeric_limits<double>::quiet_NaN()}) {
    Everything e;
    e.set_d(d);
    e.set_f(static_cast<float>(d));
    e.add_r_d(d);
    ExpectSameAsProtobuf(e);
  }
}

TEST(JsonWriterTest, StringEscapingIsLikeProtobuf) {
  std::vector<std::string> strings;
  for (int c = 0; c < 256; ++c) strings.push_back(std::string(1, c));
  for (const char* s : {
           "\xc2\x80",          // U+0080, C1 control.
           "\xc2\xa0",          // U+00A0.
           "\xc2\xad",          // Soft hyphen.
           "\xe2\x80\xa8",      // U+2028.
           "\xe2\x82\xac",      // Euro sign.
           "\xef\xbb\xbf",      // U+FEFF.
           "\xf0\x9f\x98\x80",  // Emoji.
           "\xf0\x9d\x85\xb3",  // U+1D173, escaped as a surrogate pair.
           "\xf3\xa0\x80\x81",  // U+E0001.
           "\xc3",              // Truncated.
           "a\xc3",             // Truncated after text.
           "\xc3(",             // Bad continuation.
           "\xe2\x82(x",        // Bad continuation, 3 bytes.
           "\xed\xa0\x80",      // A surrogate.
           "\xf4\x90\x80\x80",  // Beyond U+10FFFF.
           "\xf8\x88\x80\x80\x80",
           "plain text",
           "</script>&amp;",
       }) {
    strings.push_back(s);
  }
  for (const std::string& s : strings) {
    Everything e;
    e.set_s(s);
    e.add_r_s(s);
    (*e.mutable_m_b_s())[false] = s;
    ExpectSameAsProtobuf(e);
  }
}

TEST(JsonWriterTest, MapsAreSortedByKey) {
  Everything e;
  (*e.mutable_m_s_i64())["b"] = 2;
  (*e.mutable_m_s_i64())["a"] = 1;
  (*e.mutable_m_s_i64())["c"] = 3;
  (*e.mutable_m_i_book())[10];
  (*e.mutable_m_i_book())[-1];
  (*e.mutable_m_i_book())[2];
  (*e.mutable_m_b_s())[true] = "t";
  (*e.mutable_m_b_s())[false] = "f";
  const std::string json = Ours(e);
  EXPECT_NE(json.find(R"("m_s_i64":{"a":"1","b":"2","c":"3"})"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("m_i_book":{"-1":{)"), std::string::npos) << json;
  EXPECT_LT(json.find(R"("-1":)"), json.find(R"("2":)"));
  EXPECT_LT(json.find(R"("2":)"), json.find(R"("10":)"));
  EXPECT_NE(json.find(R"("m_b_s":{"false":"f","true":"t"})"),
            std::string::npos)
      << json;
}

TEST(JsonWriterTest, DurationsAndTimestampsAreLikeProtobuf) {
  const std::vector<std::pair<int64_t, int32_t>> durations = {
      {0, 0},           {0, 5000000},  {1, 0},         {1, 500000000},
      {-1, -500000000}, {0, -1},       {100, 1},       {0, 1000},
      {315576000000, 999999999},       {-315576000000, -999999999}};
  for (const auto& [seconds, nanos] : durations) {
    testdata::Times t;
    t.mutable_dur()->set_seconds(seconds);
    t.mutable_dur()->set_nanos(nanos);
    ExpectSameAsProtobuf(t);
  }
  const std::vector<std::pair<int64_t, int32_t>> timestamps = {
      {0, 0},   {1700000000, 5000000}, {-62135596800, 0},
      {253402300799, 999999999},       {-1, 999000000},
      {951782400, 1}};  // 2000-02-29.
  for (const auto& [seconds, nanos] : timestamps) {
    testdata::Times t;
    t.mutable_ts()->set_seconds(seconds);
    t.mutable_ts()->set_nanos(nanos);
    ExpectSameAsProtobuf(t);
  }
  testdata::Times t;
  t.mutable_dur()->set_nanos(5000000);
  t.mutable_ts()->set_seconds(1);
  EXPECT_EQ(Ours(t), R"({"dur":"0.005s","ts":"1970-01-01T00:00:01Z"})");
  // Mixed signs are not valid Durations; protobuf's printer decides.
  t.mutable_dur()->set_seconds(1);
  t.mutable_dur()->set_nanos(-1);
  ExpectSameAsProtobuf(t);
}

TEST(JsonWriterTest, InvalidWellKnownValuesAreInternalErrors) {
  for (const auto& [seconds, nanos] :
       std::vector<std::pair<int64_t, int32_t>>{
           {315576000001, 0}, {-1, 1}, {0, 1000000000}}) {
    Everything e;
    e.mutable_dur()->set_seconds(seconds);
    e.mutable_dur()->set_nanos(nanos);
    std::string json;
    EXPECT_EQ(AppendMessageJson(e, &json).code(), absl::StatusCode::kInternal)
        << seconds << "s " << nanos << "ns";
  }
  Everything e;
  e.mutable_ts()->set_seconds(253402300800);  // Year 10000.
  std::string json;
  EXPECT_EQ(AppendMessageJson(e, &json).code(), absl::StatusCode::kInternal);
}

TEST(JsonWriterTest, RealMessagesWithoutTheOptionAreLikeProtobuf) {
  dht::v1::DhtStats stats;
  stats.set_node_id(std::string(64, 'a'));
  stats.mutable_start_time()->set_seconds(1700000000);
  stats.set_bytes_sent(10);
  (*stats.mutable_rpcs())["Ping"].set_inbound(3);
  ExpectEquivalentToProtobuf(stats);

  health::v1::MonitorStatus status;
  status.set_rounds_completed(7);
  status.mutable_interval()->set_seconds(60);
  health::v1::CheckRound* round = status.mutable_last_round();
  round->add_pruned_addresses("10.0.0.1:8000");
  round->mutable_error()->set_code(14);
  round->mutable_error()->set_message("peer-manager unreachable");
  const health::v1::CheckRound detail = *round;
  round->mutable_error()->add_details()->PackFrom(detail);
  ExpectEquivalentToProtobuf(status);
  ExpectSameAsProtobuf(peers::v1::RecordContactsResponse());
}

TEST(JsonWriterTest, NetworkStatsHasTheSeedShape) {
  dht::v1::NetworkStats stats;
  stats.set_total_peers(15);
  stats.set_healthy_peers(12);
  stats.set_data_sent(10485760);
  stats.set_data_received(5242880);
  stats.set_uptime(86400);
  EXPECT_EQ(Ours(stats),
            R"({"total_peers":15,"healthy_peers":12,"data_sent":10485760,)"
            R"("data_received":5242880,"uptime":86400})");
  EXPECT_EQ(Ours(dht::v1::NetworkStats()),
            R"({"total_peers":0,"healthy_peers":0,"data_sent":0,)"
            R"("data_received":0,"uptime":0})");
}

TEST(JsonWriterTest, OptionAppliesToTheMessagesOwnFieldsOnly) {
  Outer outer;
  outer.set_own(1);
  Numbers* n = outer.add_numbers();
  n->set_i64(-1);
  n->set_u64(18446744073709551615u);
  n->set_s64(-3);
  n->set_fx64(4);
  n->set_sfx64(-5);
  n->add_r_i64(6);
  n->add_r_i64(7);
  (*n->mutable_m())["k"] = 8;
  n->set_i32(9);
  n->mutable_shelf()->set_size(10);
  n->mutable_dur()->set_nanos(5000000);
  n->mutable_w_i64()->set_value(11);
  EXPECT_EQ(Ours(outer),
            R"({"own":"1","numbers":[{"i64":-1,"u64":18446744073709551615,)"
            R"("s64":-3,"fx64":4,"sfx64":-5,"r_i64":[6,7],"m":{"k":8},)"
            R"("i32":9,"shelf":{"id":"","size":"10"},"dur":"0.005s",)"
            R"("w_i64":"11"}]})");
}

TEST(JsonWriterTest, FieldAlone) {
  Outer outer;
  outer.add_numbers()->set_i64(1);
  outer.set_own(2);
  const auto* d = Outer::descriptor();
  std::string json;
  ASSERT_TRUE(
      AppendFieldJson(outer, d->FindFieldByName("numbers"), &json).ok());
  EXPECT_EQ(json, R"([{"i64":1,"u64":0,"s64":0,"fx64":0,"sfx64":0,)"
                  R"("r_i64":[],"m":{},"i32":0}])");
  json.clear();
  ASSERT_TRUE(AppendFieldJson(outer, d->FindFieldByName("own"), &json).ok());
  EXPECT_EQ(json, R"("2")");
  Numbers n;
  n.set_u64(5);
  json.clear();
  ASSERT_TRUE(
      AppendFieldJson(n, Numbers::descriptor()->FindFieldByName("u64"), &json)
          .ok());
  EXPECT_EQ(json, "5");
}

TEST(AppendJsonStringTest, EscapesAsProtobufDoes) {
  std::string out;
  AppendJsonString("a\"b\\c<d>e\x01\x7f\n\t/", &out);
  EXPECT_EQ(out, R"("a\"b\\c\u003cd\u003ee\u0001\u007f\n\t/")");
  out.clear();
  AppendJsonString("", &out);
  EXPECT_EQ(out, R"("")");
}

}  // namespace
}  // namespace datamgmt::gateway::transcode::internal
