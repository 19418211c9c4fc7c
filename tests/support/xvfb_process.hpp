// A private Xvfb X server for tests: started on a free display number, killed and reaped on
// destruction. For screenshots, system info, remote sessions and the tray.
#pragma once

#include <sys/types.h>

#include <string>

namespace lifeline::testing {

class XvfbProcess {
public:
    // Starts `Xvfb -screen 0 WIDTHxHEIGHTx24 -nolisten tcp -displayfd N`, which picks the first
    // free display number and writes it to us once it accepts connections. Throws if Xvfb cannot be
    // started or has not answered within 10 seconds. Xvfb gets SIGTERM when the constructing thread
    // ends, so construct it on a thread that outlives its use (the test's own thread does).
    explicit XvfbProcess(int width = 1024, int height = 768);
    ~XvfbProcess();
    XvfbProcess(const XvfbProcess&) = delete;
    XvfbProcess& operator=(const XvfbProcess&) = delete;

    const std::string& display() const { return display_; }  // ":N"
    pid_t pid() const { return pid_; }

private:
    void stop();

    pid_t pid_ = -1;
    std::string display_;
    std::string log_path_;  // Xvfb's chatter, kept for the error message when it fails to start
};

}  // namespace lifeline::testing
