// sim-run: the command line of the Seldon cluster simulator.
#include <array>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "sim/cli/command.hpp"

namespace sim::cli {

namespace {

const std::array kCommands{
    &kRunCommand,     &kValidateCommand, &kExplainCommand, &kRenderCommand,
    &kDataCommand,    &kTrainCommand,    &kPredictCommand, &kBenchCommand,
    &kVersionCommand, &kServeCommand,    &kReplayCommand,  &kVerifyCommand,
    &kSweepCommand};

void print_overview(std::ostream& out) {
    out << "sim-run: a deterministic simulator of Seldon Core v1 on Kubernetes.\n"
           "\n"
           "Runs scenario files (YAML) against an in-process fake Kubernetes API server, real\n"
           "reconcilers and simulated pods hosting a real sentiment model, in virtual time.\n"
           "The same scenario and seed always give a byte-identical trace.\n"
           "\n"
           "Usage: sim-run COMMAND [ARGS...]\n"
           "\n"
           "Commands:\n";
    for (const Command* c : kCommands) {
        out << "  " << c->name << std::string(10 - c->name.size(), ' ') << c->summary << "\n";
    }
    out << "\n"
           "Run `sim-run COMMAND --help` for a command's options and an example.\n"
           "Exit codes: 0 success, 1 an expectation failed, 2 bad input or usage.\n";
}

}  // namespace

bool wants_help(const Command& command, std::span<const std::string> args) {
    for (const std::string& a : args) {
        if (a == "-h" || a == "--help") {
            std::cout << command.help;
            return true;
        }
    }
    return false;
}

int usage_error(const Command& command, std::string_view message) {
    std::cerr << "sim-run " << command.name << ": " << message << "\n"
              << "Run `sim-run " << command.name << " --help` for usage.\n";
    return kExitBadInput;
}

}  // namespace sim::cli

int main(int argc, char** argv) {
    using namespace sim::cli;
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
        print_overview(args.empty() ? std::cerr : std::cout);
        return args.empty() ? kExitBadInput : kExitOk;
    }
    if (args[0] == "--version") return kVersionCommand.main({});
    for (const Command* c : kCommands) {
        if (c->name != args[0]) continue;
        const std::span<const std::string> rest(args.data() + 1, args.size() - 1);
        if (wants_help(*c, rest)) return kExitOk;
        try {
            return c->main(rest);
        } catch (const std::exception& e) {
            // A bug, not bad input: say so plainly rather than crash.
            std::cerr << "sim-run " << c->name << ": internal error: " << e.what() << "\n";
            return 3;
        }
    }
    std::cerr << "sim-run: unknown command \"" << args[0] << "\"\n\n";
    print_overview(std::cerr);
    return kExitBadInput;
}
