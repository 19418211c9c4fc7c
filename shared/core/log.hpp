// Process-wide structured logging (spdlog): "time level component: message key=value ...".
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace lifeline::core {

// Sets up the default logger once per process. `level` is trace|debug|info|warn|error|off.
// Returns false for an unknown level name (the logger is still usable, at info).
bool init_logging(std::string_view level, bool json = false);

// Parses a level name; false if unknown.
bool parse_log_level(std::string_view name, spdlog::level::level_enum& out);

}  // namespace lifeline::core
