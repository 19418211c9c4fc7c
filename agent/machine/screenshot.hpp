// A PNG of the whole X display, for the screenshot a user attaches to "Get help".
#pragma once

#include "shared/core/error.hpp"

#include <string>

namespace lifeline::agent::machine {

// `display_name` "" means $DISPLAY. Errc::unavailable when there is no usable X display.
core::Result<std::string> capture_png(const std::string& display_name);

}  // namespace lifeline::agent::machine
