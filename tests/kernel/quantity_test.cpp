#include <catch2/catch.hpp>

#include "sim/kube/quantity.hpp"

using sim::kube::format_quantity;
using sim::kube::parse_quantity;

TEST_CASE("quantities parse to exact milli-units") {
    CHECK(parse_quantity("500m")->milli == 500);
    CHECK(parse_quantity("4")->milli == 4000);
    CHECK(parse_quantity("1.5")->milli == 1500);
    CHECK(parse_quantity("16Gi")->milli == 16LL * 1024 * 1024 * 1024 * 1000);
    CHECK(parse_quantity("512Mi")->milli == 512LL * 1024 * 1024 * 1000);
    CHECK(parse_quantity("1k")->milli == 1'000'000);
    CHECK(parse_quantity("2e3")->milli == 2'000'000);
    CHECK(parse_quantity("100u")->milli == 1);   // 0.0001 rounds up to 1m, like MilliValue
    CHECK(parse_quantity("-1")->milli == -1000);
    CHECK(parse_quantity("110")->value() == 110);
    CHECK(parse_quantity("1.5Gi")->milli == 1536LL * 1024 * 1024 * 1000);
}

TEST_CASE("malformed quantities are refused with a reason") {
    std::string error;
    CHECK_FALSE(parse_quantity("", &error));
    CHECK_FALSE(parse_quantity("lots", &error));
    CHECK(error == "invalid quantity \"lots\": expected a number like 500m, 4, 16Gi");
    CHECK_FALSE(parse_quantity("4 cores", &error));
    CHECK(error.find("unknown suffix \" cores\"") != std::string::npos);
    CHECK_FALSE(parse_quantity("16GB", &error));
    CHECK_FALSE(parse_quantity("1e", &error));
    CHECK_FALSE(parse_quantity("99999999999999999999", &error));
    CHECK(error == "invalid quantity \"99999999999999999999\": too large");
}

TEST_CASE("quantities format back") {
    CHECK(format_quantity(*parse_quantity("500m"), false) == "500m");
    CHECK(format_quantity(*parse_quantity("16Gi"), true) == "16Gi");
    CHECK(format_quantity(*parse_quantity("4"), false) == "4");
    CHECK(format_quantity(*parse_quantity("2000"), false) == "2k");
}
