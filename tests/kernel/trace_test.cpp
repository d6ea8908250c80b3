#include <catch2/catch.hpp>

#include <sstream>

#include "sim/kernel/sha256.hpp"
#include "sim/kernel/trace.hpp"

using namespace sim::kernel;

TEST_CASE("SHA-256 matches the FIPS 180-2 test vectors") {
    CHECK(Sha256::of("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(Sha256::of("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    Sha256 running;
    running.update("a");
    running.update("bc");
    CHECK(running.hex() == Sha256::of("abc"));
    running.update("d");  // hex() did not disturb the running state
    CHECK(running.hex() == Sha256::of("abcd"));
}

TEST_CASE("trace lines keep key order and escape strings") {
    std::ostringstream out;
    TraceWriter trace(&out);
    trace.line(90 * kSecond, "step")
        .str("action", "apply \"x\"\n")
        .num("objects", 3)
        .real("share", 0.1)
        .boolean("ok", true)
        .raw("object", R"({"a":1})");
    trace.line(0, "end").end();
    CHECK(out.str() ==
          "{\"t\":90000000000,\"time\":\"00:01:30\",\"kind\":\"step\",\"action\":\"apply "
          "\\\"x\\\"\\n\",\"objects\":3,\"share\":0.1,\"ok\":true,\"object\":{\"a\":1}}\n"
          "{\"t\":0,\"time\":\"00:00:00\",\"kind\":\"end\"}\n");
    CHECK(trace.lines() == 2);
    CHECK(trace.sha256_hex() == Sha256::of(out.str()));
}

TEST_CASE("json numbers are shortest round-trip and control characters are escaped") {
    std::string s;
    append_json_number(s, 0.1 + 0.2);
    CHECK(s == "0.30000000000000004");
    s.clear();
    append_json_number(s, 1.0 / 0.0);
    CHECK(s == "null");
    s.clear();
    append_json_string(s, std::string("a\x01") + "\xC3\xA9");
    CHECK(s == "\"a\\u0001\xC3\xA9\"");
}

TEST_CASE("a trace without a sink is still hashed") {
    std::ostringstream out;
    TraceWriter with_sink(&out);
    TraceWriter hash_only;
    with_sink.line(1, "x").num("n", 1);
    hash_only.line(1, "x").num("n", 1);
    CHECK(with_sink.sha256_hex() == hash_only.sha256_hex());
    CHECK(hash_only.bytes() == out.str().size());
}
