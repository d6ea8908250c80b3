#include <catch2/catch.hpp>

#include <sstream>

#include "components/model/csv.hpp"
#include "components/model/reviews.hpp"

using namespace components::model;

TEST_CASE("CSV rows round-trip with Python csv quoting", "[csv]") {
    const std::vector<LabelledText> rows{{"plain text", "positive"},
                                         {"has, a comma", "neutral"},
                                         {"has \"quotes\"", "negative"},
                                         {"two\nlines", "neutral"}};
    std::ostringstream out;
    write_labelled_csv(out, rows);
    CHECK(out.str() ==
          "text,sentiment\nplain text,positive\n\"has, a comma\",neutral\n"
          "\"has \"\"quotes\"\"\",negative\n\"two\nlines\",neutral\n");
    std::istringstream in(out.str());
    const auto back = read_labelled_csv(in, "mem.csv");
    REQUIRE(back.size() == rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        CHECK(back[i].text == rows[i].text);
        CHECK(back[i].label == rows[i].label);
    }
}

TEST_CASE("CSV reader takes columns by header name and CRLF lines", "[csv]") {
    std::istringstream in("id,sentiment,text\r\n1,positive,good\r\n2,negative,\"bad, bad\"\r\n");
    const auto rows = read_labelled_csv(in, "x.csv");
    REQUIRE(rows.size() == 2);
    CHECK(rows[1].text == "bad, bad");
    CHECK(rows[1].label == "negative");
}

TEST_CASE("CSV errors name the file and line", "[csv]") {
    std::istringstream no_header("text,label\na,b\n");
    CHECK_THROWS_WITH(read_labelled_csv(no_header, "f.csv"),
                      Catch::Contains("f.csv:1") && Catch::Contains("sentiment"));
    std::istringstream short_row("text,sentiment\ngood,positive\nlonely\n");
    CHECK_THROWS_WITH(read_labelled_csv(short_row, "f.csv"), Catch::Contains("f.csv:3"));
    std::istringstream open_quote("text,sentiment\n\"never closed,positive\n");
    CHECK_THROWS_WITH(read_labelled_csv(open_quote, "f.csv"),
                      Catch::Contains("f.csv:2") && Catch::Contains("unterminated"));
    std::istringstream empty_label("text,sentiment\ngood,\n");
    CHECK_THROWS_WITH(read_labelled_csv(empty_label, "f.csv"), Catch::Contains("f.csv:2"));
}

TEST_CASE("generated reviews: counts n//3, n//3, rest, deterministic by seed", "[data]") {
    const auto a = generate_reviews(100, 42);
    const auto b = generate_reviews(100, 42);
    const auto c = generate_reviews(100, 43);
    REQUIRE(a.size() == 100);
    std::size_t pos = 0, neu = 0, neg = 0;
    bool same = true, differs = false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        pos += a[i].label == "positive";
        neu += a[i].label == "neutral";
        neg += a[i].label == "negative";
        same = same && a[i].text == b[i].text && a[i].label == b[i].label;
        differs = differs || a[i].text != c[i].text;
        CHECK(!a[i].text.empty());
    }
    CHECK(pos == 33);
    CHECK(neu == 33);
    CHECK(neg == 34);
    CHECK(same);
    CHECK(differs);
}

TEST_CASE("the shipped fixtures/data/reviews.csv is `sim-run data --samples 1000 --seed 42`",
          "[data]") {
    const auto shipped = read_labelled_csv_file(SIM_SOURCE_DIR "/fixtures/data/reviews.csv");
    const auto generated = generate_reviews(1000, 42);
    REQUIRE(shipped.size() == generated.size());
    for (std::size_t i = 0; i < shipped.size(); ++i) {
        REQUIRE(shipped[i].text == generated[i].text);
        REQUIRE(shipped[i].label == generated[i].label);
    }
}
