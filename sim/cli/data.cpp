// `sim-run data`: writes labelled synthetic product reviews as CSV (text,sentiment).
#include <charconv>
#include <fstream>
#include <iostream>
#include <string>

#include "components/model/reviews.hpp"
#include "sim/cli/command.hpp"

namespace sim::cli {
namespace {

bool parse_u64(const std::string& text, std::uint64_t& out) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

int data_main(std::span<const std::string> args) {
    std::uint64_t samples = 1000;
    std::uint64_t seed = 42;
    std::string out_path;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (i + 1 >= args.size())
            return usage_error(kDataCommand, "option " + a + " needs a value or is unknown");
        const std::string& value = args[++i];
        if (a == "--samples") {
            if (!parse_u64(value, samples) || samples == 0 || samples > 10'000'000) {
                return usage_error(
                    kDataCommand,
                    "--samples: expected an integer in [1, 10000000], got \"" + value + "\"");
            }
        } else if (a == "--seed") {
            if (!parse_u64(value, seed)) {
                return usage_error(
                    kDataCommand, "--seed: expected a non-negative integer, got \"" + value + "\"");
            }
        } else if (a == "--out") {
            out_path = value;
        } else {
            return usage_error(kDataCommand, "unknown option \"" + a + "\"");
        }
    }
    if (out_path.empty())
        return usage_error(kDataCommand, "--out FILE.csv is required (- for stdout)");
    const auto rows = components::model::generate_reviews(samples, seed);
    if (out_path == "-") {
        components::model::write_labelled_csv(std::cout, rows);
        return kExitOk;
    }
    std::ofstream out(out_path, std::ios::binary);
    if (!out) {
        std::cerr << "sim-run data: " << out_path << ": cannot open for writing\n";
        return kExitBadInput;
    }
    components::model::write_labelled_csv(out, rows);
    std::cerr << "sim-run data: wrote " << rows.size() << " reviews to " << out_path << "\n";
    return kExitOk;
}

}  // namespace

extern const Command kDataCommand{
    "data", "generate labelled product reviews (CSV) for the sentiment model",
    "Usage: sim-run data --out FILE.csv [--samples N] [--seed S]\n\n"
    "Writes N (default 1000) synthetic three-class product reviews with header\n"
    "`text,sentiment` (labels positive, neutral, negative; N//3, N//3 and the rest), the format\n"
    "of the reference project's data/raw/sentiment_data.csv. Deterministic by seed (default 42).\n"
    "--out - writes to stdout.\n\n"
    "Example:\n  sim-run data --samples 1000 --seed 42 --out fixtures/data/reviews.csv\n",
    data_main};

}  // namespace sim::cli
