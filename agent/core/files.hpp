// Durable small files for the agent's config and queue: written whole or not at all.
#pragma once

#include "shared/core/error.hpp"

#include <sys/types.h>

#include <string>

namespace lifeline::agent {

// Writes `data` to a temp file beside `path` with `mode`, fsyncs it, renames it over `path` and
// fsyncs the directory, so a crash leaves either the old file or the new one. Creates missing
// parent directories with mode 0700.
core::Result<void> write_file_atomically(const std::string& path, const std::string& data, mode_t mode);

// The whole file, or an error naming it. Refuses files over `max_bytes`.
core::Result<std::string> read_small_file(const std::string& path, std::size_t max_bytes);

// mkdir -p with mode 0700 for the directories it creates.
core::Result<void> make_private_directories(const std::string& path);

}  // namespace lifeline::agent
