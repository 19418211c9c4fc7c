// The desktop viewer's entry point: sign in, then the main window; with --tour DIR, the guided tour (tour.hpp).
#pragma once

namespace lifeline::viewer::ui {

int run_desktop(int argc, char** argv);

}  // namespace lifeline::viewer::ui
