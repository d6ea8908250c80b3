// The typed form of a scenario file (the contract: /work/shared/scenario-format.md, the user
// reference: docs/scenarios.md). load_scenario (loader.hpp) fills these structs and checks
// everything that can be checked without running; the runner only reads them.
//
// JSON values (a `patch.merge` body, an `equals` value) are carried as compact JSON text so this
// header stays free of nlohmann/json; parse them with sim::Json::parse where needed. YAML
// plain scalars keep their YAML 1.2 core type (1 -> number, true -> bool, null/~ -> null),
// quoted scalars are strings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "sim/kernel/time.hpp"
#include "sim/kube/quantity.hpp"

namespace sim::scenario {

using sim::kernel::Nanos;
using sim::kube::Quantity;

// Where something was written: 1-based line and column, as editors count.
struct SourceLocation {
    std::string file;
    int line = 0;
    int column = 0;
};

// "file:line:col", the prefix of every message that points into a scenario.
std::string format_location(const SourceLocation& where);

// A regular expression as written and compiled (std::regex, ECMAScript grammar).
struct Regex {
    std::string pattern;
    std::regex compiled;

    bool search(std::string_view text) const;  // true when it matches anywhere in `text`
};

// ---------------------------------------------------------------------------------------------
// Field paths: `status.state`, `a.0.b`, `status.conditions[type=Ready].status`,
// `metadata.annotations["deployment.kubernetes.io/revision"]`.

struct FieldPathSegment {
    enum class Kind { Key, Index, Match };
    Kind kind = Kind::Key;
    std::string key;          // Key: the map key; Match: the element's field to compare
    std::size_t index = 0;    // Index: the list position
    std::string match_value;  // Match: the value that field must equal (compared as text)
};

struct FieldPath {
    std::string text;  // as written, for messages ("no value at <text>")
    std::vector<FieldPathSegment> segments;
};

// Parses a field path; nullopt and a message in `error` when malformed.
std::optional<FieldPath> parse_field_path(std::string_view text, std::string* error = nullptr);

// ---------------------------------------------------------------------------------------------
// Object references.

// `Kind/namespace/name` (namespaced) or `Kind/name` (cluster-scoped: namespace empty).
struct ObjectRef {
    std::string kind;
    std::string namespace_;  // empty for cluster-scoped objects
    std::string name;
};

// Parses "Kind/ns/name" or "Kind/name"; nullopt and a message when malformed.
std::optional<ObjectRef> parse_object_ref(std::string_view text, std::string* error = nullptr);
std::string format_object_ref(const ObjectRef& ref);

// ---------------------------------------------------------------------------------------------
// metadata

struct Metadata {
    std::string name;
    std::string description;  // may be empty
};

// ---------------------------------------------------------------------------------------------
// spec.cluster

enum class TaintEffect { NoSchedule, PreferNoSchedule, NoExecute };
std::string_view to_string(TaintEffect effect);

struct Taint {
    std::string key;
    std::string value;  // may be empty
    TaintEffect effect = TaintEffect::NoSchedule;
};

struct NodeCapacity {
    Quantity cpu;
    Quantity memory;
    Quantity pods;  // default 110, the kubelet's default maxPods
};

// `count` nodes named namePrefix + 1..count ("node-1", "node-2", ...).
struct NodeGroup {
    std::string name_prefix;
    int count = 0;
    NodeCapacity capacity;
    std::vector<std::pair<std::string, std::string>> labels;  // file order
    std::vector<Taint> taints;
    SourceLocation where;

    std::string node_name(int ordinal) const;  // ordinal is 1-based
};

struct Cluster {
    std::vector<NodeGroup> nodes;
};

// ---------------------------------------------------------------------------------------------
// spec.images

// Built-in behaviours for `images.*.run`.
enum class Behaviour {
    SentimentModel,    // sentiment-model
    SklearnServer,     // sklearn-server
    Echo,              // echo
    RandomAbTest,      // random-abtest
    EpsilonGreedy,     // epsilon-greedy
    ThompsonSampling,  // thompson-sampling
    AverageCombiner,   // average-combiner
};
std::string_view to_string(Behaviour behaviour);
std::optional<Behaviour> parse_behaviour(std::string_view text);

struct ServiceTime {
    Nanos median = 0;
    Nanos p99 = 0;  // >= median
};

// One `images:` entry. Unset timings mean the simulator's defaults (kDefaultImageTimings).
struct ImageRule {
    std::string pattern;                         // glob on the image reference (`*`, `?`)
    std::optional<Behaviour> run;                // absent: the image keeps its built-in behaviour
    std::optional<std::filesystem::path> model;  // resolved against the scenario folder
    std::optional<Nanos> pull_time;
    std::optional<Nanos> startup_time;
    std::optional<ServiceTime> service_time;
    std::optional<Nanos> cpu_per_request;
    std::optional<int> concurrency;  // >= 1
    SourceLocation where;
};

// Timings used where no rule (or a rule without that field) says otherwise.
struct ImageTimings {
    Nanos pull_time;
    Nanos startup_time;
    ServiceTime service_time;
    Nanos cpu_per_request;
    int concurrency;
};
inline constexpr ImageTimings kDefaultImageTimings{
    .pull_time = 5 * sim::kernel::kSecond,
    .startup_time = 2 * sim::kernel::kSecond,
    .service_time = {.median = 2 * sim::kernel::kMillisecond,
                     .p99 = 10 * sim::kernel::kMillisecond},
    .cpu_per_request = 2 * sim::kernel::kMillisecond,
    .concurrency = 1,
};

// The first rule in file order whose pattern matches `image`, or nullptr.
const ImageRule* find_image_rule(const std::vector<ImageRule>& rules, std::string_view image);

// The rule's timings with kDefaultImageTimings filling what it leaves unset (rule may be null).
ImageTimings effective_timings(const ImageRule* rule);

// ---------------------------------------------------------------------------------------------
// spec.models

struct ModelFile {
    std::string model_uri;       // e.g. "gs://sentiment/v2"
    std::filesystem::path path;  // resolved, exists
    SourceLocation where;
};

// The model file for a modelUri, or nullptr.
const ModelFile* find_model(const std::vector<ModelFile>& models, std::string_view model_uri);

// ---------------------------------------------------------------------------------------------
// spec.traffic

struct ConstantRate {
    double per_second = 0;
};
// Linear from `from` at the source's start to `to` at its end.
struct RampRate {
    double from_per_second = 0;
    double to_per_second = 0;
};
struct RateStep {
    Nanos at = 0;  // offset from the scenario start
    double per_second = 0;
};
// Piecewise constant: each step's rate holds from its `at` until the next step; before the
// first step the rate is 0. Steps are strictly increasing in `at`.
struct StepRates {
    std::vector<RateStep> steps;
};
using Rate = std::variant<ConstantRate, RampRate, StepRates>;

enum class Arrivals { Poisson, Uniform };
enum class PayloadEncoding { Ndarray, StrData };
std::string_view to_string(Arrivals arrivals);
std::string_view to_string(PayloadEncoding encoding);

struct Payload {
    std::filesystem::path texts;  // CSV with a `text` column; resolved, exists
    PayloadEncoding encoding = PayloadEncoding::Ndarray;
};

enum class FeedbackReward { Correct };  // reward 1 when the predicted label is right, else 0

struct Feedback {
    FeedbackReward reward = FeedbackReward::Correct;
};

struct TrafficSource {
    std::string name;
    std::string target_namespace;  // SeldonDeployment namespace
    std::string target_name;       // SeldonDeployment name
    Nanos from = 0;
    Nanos to = 0;  // from < to <= duration
    Rate rate;
    Arrivals arrivals = Arrivals::Poisson;
    Payload payload;
    std::optional<Feedback> feedback;
    SourceLocation where;
};

// ---------------------------------------------------------------------------------------------
// spec.timeline

struct ApplyStep {
    std::filesystem::path manifest;  // resolved, exists
};

struct PatchStep {
    ObjectRef target;        // namespace empty for cluster-scoped kinds
    std::string merge_json;  // JSON merge patch (RFC 7386), compact JSON text of an object
};

struct ScaleStep {
    ObjectRef target;
    std::int64_t replicas = 0;  // >= 0
};

// Deletes one named object, or objects matching a label selector.
struct DeleteStep {
    std::string kind;
    std::string namespace_;               // empty for cluster-scoped kinds
    std::optional<std::string> name;      // exactly one of name / selector
    std::optional<std::string> selector;  // Kubernetes label selector syntax
    std::optional<int> count;  // with selector: at most this many (>= 1); absent: all matching
};

// Faults. `for_duration` absent means "until the end of the scenario".
struct PodKillFault {  // the container dies; the kubelet restarts it
    std::string namespace_;
    std::string selector;
    int count = 1;
};
struct OomKillFault {  // the container is OOM-killed (reason OOMKilled, exit code 137)
    std::string namespace_;
    std::string selector;
    int count = 1;
};
struct CrashLoopFault {  // containers of matching images exit soon after start
    std::string image;   // glob
    std::optional<Nanos> for_duration;
};
struct ImagePullErrorFault {  // pulls of matching images fail
    std::string image;        // glob
    std::optional<Nanos> for_duration;
};
struct SlowFault {      // matching components answer `add_latency` later
    std::string image;  // glob
    Nanos add_latency = 0;
    std::optional<Nanos> for_duration;
};
struct ErrorsFault {    // matching components answer 500 with probability `rate`
    std::string image;  // glob
    double rate = 0;    // in [0, 1]
    std::optional<Nanos> for_duration;
};
struct OperatorDownFault {  // the Seldon operator stops reconciling
    std::optional<Nanos> for_duration;
};
struct NodeDownFault {  // the node's kubelet stops reporting
    std::string node;
    std::optional<Nanos> for_duration;
};
using Fault = std::variant<PodKillFault, CrashLoopFault, ImagePullErrorFault, SlowFault,
                           ErrorsFault, OomKillFault, OperatorDownFault, NodeDownFault>;

struct FaultStep {
    Fault fault;
};

struct DrainStep {  // cordon, then evict honouring PodDisruptionBudgets
    std::string node;
};

using StepAction = std::variant<ApplyStep, PatchStep, ScaleStep, DeleteStep, FaultStep, DrainStep>;

struct TimelineStep {
    Nanos at = 0;
    StepAction action;
    bool expect_error = false;           // the API server must refuse this step
    std::optional<Regex> error_matches;  // only with expect_error
    std::size_t index = 0;               // position in the file's `timeline` list (0-based)
    SourceLocation where;
};

// ---------------------------------------------------------------------------------------------
// spec.expect

struct AtTime {  // holds at that instant
    Nanos at = 0;
};
struct ByTime {  // holds at some instant at or before it
    Nanos by = 0;
};
struct DuringWindow {  // holds at every instant in [from, to]
    Nanos from = 0;
    Nanos to = 0;
};
struct MetricWindow {  // a metric aggregated over [from, to]
    Nanos from = 0;
    Nanos to = 0;
};
using When = std::variant<AtTime, ByTime, DuringWindow, MetricWindow>;

struct ObjectFieldSubject {
    ObjectRef object;
    FieldPath field;
};
struct CountSubject {
    std::string kind;
    std::string namespace_;      // empty: all namespaces
    std::string selector;        // label selector, empty: everything
    std::string field_selector;  // field selector, empty: everything
};
struct MetricSubject {
    std::string name;                                         // one of kKnownMetrics
    std::vector<std::pair<std::string, std::string>> labels;  // sorted by key
};
// Counts Events; every filter is optional.
struct EventSubject {
    std::optional<std::string> reason;
    std::optional<ObjectRef> object;  // the Event's involvedObject
    std::optional<Regex> message;
};
using Subject = std::variant<ObjectFieldSubject, CountSubject, MetricSubject, EventSubject>;

struct EqualsComparison {
    std::string json;  // compact JSON of the expected value ("\"Available\"", "0", "true")
};
struct AtLeastComparison {
    double value = 0;
};
struct AtMostComparison {
    double value = 0;
};
struct BetweenComparison {  // lo <= observed <= hi
    double lo = 0;
    double hi = 0;
};
struct MatchesComparison {  // the observed value rendered as text matches (search)
    Regex regex;
};
using Comparison = std::variant<EqualsComparison, AtLeastComparison, AtMostComparison,
                                BetweenComparison, MatchesComparison>;

struct Expectation {
    std::string name;  // as written, or a generated description when absent
    bool name_given = false;
    When when;
    Subject subject;
    Comparison comparison;
    std::size_t index = 0;  // position in the file's `expect` list (0-based)
    SourceLocation where;
};

// Metric names the loader accepts, with the label keys each one takes.
struct MetricInfo {
    std::string_view name;
    std::vector<std::string_view> label_keys;
};
const std::vector<MetricInfo>& known_metrics();

// Short human-readable renderings for reports and failure messages, in the scenario's own words:
// "by 3m", "during [10m, 20m]", "Node/node-2 status.state", "count Pod in seldon matching
// app=x", "metric traffic_share{predictor=canary}", "events ScalingReplicaSet on Deployment/ns/x
// matching /^Scaled/", "atMost 13", "between [0.08, 0.12]", "equals \"Available\"".
std::string describe(const When& when);
std::string describe(const Subject& subject);
std::string describe(const Comparison& comparison);

// A duration the way people write it in scenarios: "3m", "1h30m", "250ms", "0s" (Go's
// format_duration without the trailing zero units: "3m0s" -> "3m").
std::string format_short_duration(Nanos d);

// ---------------------------------------------------------------------------------------------

// spec.ingress: the ingress the cluster has and the Seldon operator is installed for
// (Helm istio.enabled / ambassador.enabled). With Istio the operator also creates a
// VirtualService and DestinationRules per SeldonDeployment; with Ambassador, Mappings.
enum class Ingress { None, Istio, Ambassador };
std::string_view to_string(Ingress ingress);

inline constexpr std::uint64_t kDefaultSeed = 1;
inline constexpr std::string_view kDefaultStartTime = "2025-01-01T00:00:00Z";

struct Scenario {
    std::filesystem::path file;    // as given to load_scenario
    std::filesystem::path folder;  // relative paths in the file resolve against this
    Metadata metadata;
    std::uint64_t seed = kDefaultSeed;
    bool seed_given = false;
    Nanos duration = 0;
    std::int64_t start_time_unix_nanos = 0;
    Cluster cluster;
    std::vector<ImageRule> images;  // file order
    std::vector<ModelFile> models;  // file order
    std::vector<TrafficSource> traffic;
    std::vector<TimelineStep> timeline;     // stable-sorted by `at` (ties keep file order)
    std::vector<Expectation> expectations;  // file order
    Ingress ingress = Ingress::None;        // spec.ingress (default none)
};

}  // namespace sim::scenario
