// sim-run's subcommands: each is one file defining one Command.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace sim::cli {

// Exit codes shared by every subcommand (see docs/scenarios.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitExpectationFailed = 1;
inline constexpr int kExitBadInput = 2;

struct Command {
    std::string_view name;
    std::string_view summary;                        // one line for `sim-run --help`
    std::string_view help;                           // the full `sim-run NAME --help` text
    int (*main)(std::span<const std::string> args);  // args after the subcommand name
};

// Every subcommand, defined one per file.
extern const Command kRunCommand;
extern const Command kValidateCommand;
extern const Command kRenderCommand;
extern const Command kExplainCommand;
extern const Command kBenchCommand;
extern const Command kVersionCommand;
extern const Command kDataCommand;
extern const Command kTrainCommand;
extern const Command kPredictCommand;
extern const Command kServeCommand;
extern const Command kReplayCommand;
extern const Command kVerifyCommand;
extern const Command kSweepCommand;

// True when args hold -h or --help: prints the command's help to stdout.
bool wants_help(const Command& command, std::span<const std::string> args);
// Prints "sim-run NAME: message" and a hint to stderr; returns kExitBadInput.
int usage_error(const Command& command, std::string_view message);

}  // namespace sim::cli
