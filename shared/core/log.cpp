// Logging set-up: one stderr sink, a fixed pattern that log collectors (journald, Loki) can split.
#include "shared/core/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

namespace lifeline::core {

bool parse_log_level(std::string_view name, spdlog::level::level_enum& out) {
    auto level = spdlog::level::from_str(std::string(name));
    // from_str answers `off` for anything it does not know.
    if (level == spdlog::level::off && name != "off") return false;
    out = level;
    return true;
}

bool init_logging(std::string_view level, bool json) {
    auto logger = spdlog::stderr_logger_mt("lifeline");
    spdlog::set_default_logger(logger);
    if (json) {
        spdlog::set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":"%v"})",
                            spdlog::pattern_time_type::utc);
    } else {
        spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
    }
    spdlog::level::level_enum parsed = spdlog::level::info;
    bool ok = parse_log_level(level, parsed);
    spdlog::set_level(ok ? parsed : spdlog::level::info);
    spdlog::flush_on(spdlog::level::warn);
    return ok;
}

}  // namespace lifeline::core
