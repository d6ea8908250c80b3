#include "components/model/reviews.hpp"

#include <array>
#include <span>
#include <string>
#include <string_view>

#include "sim/kernel/random.hpp"

namespace components::model {
namespace {

using sim::kernel::Random;
using Words = std::span<const std::string_view>;

constexpr std::array<std::string_view, 24> kProducts{
    "smartphone", "laptop",   "headphones", "coffee maker", "vacuum cleaner", "camera",
    "tablet",     "watch",    "speaker",    "monitor",      "keyboard",       "mouse",
    "charger",    "case",     "stand",      "router",       "blender",        "e-reader",
    "drone",      "backpack", "desk lamp",  "earbuds",      "toaster",        "power bank"};

constexpr std::array<std::string_view, 18> kPositiveWords{
    "amazing", "excellent", "fantastic", "great",    "superb",      "wonderful",
    "awesome", "brilliant", "perfect",   "lovely",   "rad",         "stellar",
    "solid",   "sweet",     "amazng",    "fantastc", "outstanding", "delightful"};

constexpr std::array<std::string_view, 18> kNegativeWords{
    "terrible", "awful",  "horrible", "useless",  "broken",    "flimsy",
    "garbage",  "meh",    "junk",     "poor",     "defective", "disappointing",
    "terible",  "awfull", "cheap",    "dreadful", "faulty",    "pathetic"};

constexpr std::array<std::string_view, 14> kNeutralWords{
    "okay", "fine",       "average",      "decent", "ordinary", "standard", "acceptable",
    "fair", "reasonable", "unremarkable", "so-so",  "adequate", "typical",  "alright"};

constexpr std::array<std::string_view, 8> kIntensifiers{"really",     "very",  "super",  "totally",
                                                        "absolutely", "truly", "pretty", "so"};

constexpr std::array<std::string_view, 10> kAspects{
    "battery life", "build quality", "screen",           "sound",     "price",
    "design",       "setup",         "customer service", "packaging", "performance"};

constexpr std::array<std::string_view, 20> kPositiveTemplates{
    "This {product} is {pos}!",
    "I {love} my new {product}, {int} {pos}.",
    "{int} {pos} {product}, would buy again",
    "The {aspect} on this {product} is {pos}.",
    "Best {product} I have ever owned. {Pos}!",
    "Five stars, the {product} is {int} {pos}",
    "Totally {pos}, the {product} exceeded my expectations",
    "Not bad at all, the {product} is {pos} and the {aspect} is {pos}",
    "lol this {product} is {pos}, my friends are jealous",
    "Highly recommend this {product}. {Pos} {aspect}.",
    "Worth every penny, {pos} {product}",
    "I was worried but the {product} turned out {int} {pos}",
    "{Pos} value, the {product} works like a charm",
    "Can't complain, this {product} is {pos}",
    "My kids {love} the {product}, {pos} purchase",
    "The {product} arrived early and it is {pos}",
    "{pos} {pos} {product}!!",
    "So happy with this {product}, {aspect} is {pos}",
    "Never had a {product} this {pos}",
    "A+ {product}, {int} {pos} {aspect}"};

constexpr std::array<std::string_view, 18> kNeutralTemplates{
    "The {product} is {neu}.",
    "It's an {neu} {product}, nothing special.",
    "The {product} works as described.",
    "The {aspect} of the {product} is {neu}, not great, not terrible",
    "{Neu} {product} for the price.",
    "It does the job. The {product} is {neu}",
    "The {product} arrived on Tuesday. Haven't used it much yet",
    "Some parts of the {product} are good, others are meh",
    "The {product} is {neu}, I expected it to be {pos} but it's {neu}",
    "Neither {pos} nor {neg}, just a {neu} {product}",
    "The {aspect} is {neu}. The {product} comes in black and white",
    "Not sure how I feel about the {product} yet",
    "It's a {product}. It works. {Neu}.",
    "The {product} is {neu}, similar to my old one",
    "Returned the first {product} for the wrong colour, this one is {neu}",
    "The {product} has an {neu} {aspect}, could be better could be worse",
    "{Neu} {product}, reviews said it was {neg} but it's fine",
    "Got the {product} as a gift, it is {neu}"};

constexpr std::array<std::string_view, 20> kNegativeTemplates{
    "This {product} is {neg}!",
    "I {hate} this {product}, {int} {neg}.",
    "{int} {neg} {product}, do not buy",
    "The {aspect} on this {product} is {neg}.",
    "Worst {product} I have ever owned. {Neg}.",
    "One star, the {product} is {int} {neg}",
    "Not good, the {product} stopped working after a week",
    "Not great, the {product} is {neg} and the {aspect} is {neg}",
    "ugh this {product} is {neg}, total waste of money",
    "Avoid this {product}. {Neg} {aspect}.",
    "Complete waste, {neg} {product}",
    "I had high hopes but the {product} turned out {int} {neg}",
    "{Neg} value, the {product} broke on day one",
    "Returned it, this {product} is {neg}",
    "The {product} arrived damaged and {neg}",
    "{neg} {neg} {product}!!",
    "So annoyed with this {product}, {aspect} is {neg}",
    "Never buying a {product} from them again, {neg}",
    "The {product} looked {pos} in the photos but it's {neg}",
    "meh, {neg} {product}, {aspect} is {int} {neg}"};

std::string_view pick(Random& random, Words words) {
    return words[static_cast<std::size_t>(random.below(words.size()))];
}

std::string capitalised(std::string_view word) {
    std::string out(word);
    if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 32);
    return out;
}

// Replaces each {slot} left to right, drawing one word per slot occurrence.
std::string fill(Random& random, std::string_view text) {
    std::string out;
    while (!text.empty()) {
        const std::size_t open = text.find('{');
        if (open == std::string_view::npos) break;
        const std::size_t close = text.find('}', open);
        out.append(text.substr(0, open));
        const std::string_view slot = text.substr(open + 1, close - open - 1);
        text.remove_prefix(close + 1);
        if (slot == "product")
            out += pick(random, kProducts);
        else if (slot == "pos")
            out += pick(random, kPositiveWords);
        else if (slot == "Pos")
            out += capitalised(pick(random, kPositiveWords));
        else if (slot == "neg")
            out += pick(random, kNegativeWords);
        else if (slot == "Neg")
            out += capitalised(pick(random, kNegativeWords));
        else if (slot == "neu")
            out += pick(random, kNeutralWords);
        else if (slot == "Neu")
            out += capitalised(pick(random, kNeutralWords));
        else if (slot == "int")
            out += pick(random, kIntensifiers);
        else if (slot == "aspect")
            out += pick(random, kAspects);
        else if (slot == "love")
            out += random.bernoulli(0.5) ? "love" : "luv";
        else if (slot == "hate")
            out += random.bernoulli(0.5) ? "hate" : "h8";
        else
            out += slot;  // unreachable with the templates above
    }
    out.append(text);
    return out;
}

void add_samples(Random& random, Words templates, std::string_view label, std::size_t count,
                 std::vector<LabelledText>& out) {
    for (std::size_t i = 0; i < count; ++i) {
        out.push_back({fill(random, pick(random, templates)), std::string(label)});
    }
}

}  // namespace

std::vector<LabelledText> generate_reviews(std::size_t samples, std::uint64_t seed) {
    Random random = Random::stream(seed, "reviews");
    const std::size_t positive = samples / 3;
    const std::size_t neutral = samples / 3;
    const std::size_t negative = samples - positive - neutral;
    std::vector<LabelledText> rows;
    rows.reserve(samples);
    add_samples(random, kPositiveTemplates, "positive", positive, rows);
    add_samples(random, kNeutralTemplates, "neutral", neutral, rows);
    add_samples(random, kNegativeTemplates, "negative", negative, rows);
    random.shuffle(std::span<LabelledText>(rows));
    return rows;
}

}  // namespace components::model
