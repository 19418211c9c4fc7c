// The desktop viewer's guided tour (`lifeline-viewer --tour DIR`): drives the real windows through a
// technician's whole flow against a running relay and agent, and saves each main screen as a PNG. It signs
// in (saying yes to the relay's CA only when the prompt shows the fingerprint it was given), opens the
// queue and the machine's ticket, claims it, asks to control the screen, waits for the user's consent
// (given at the machine, by someone else), chats, ends the session, and then opens the review window
// (as a lead: the audit log with its chain verified, the sessions, the recording's playback).
//
// Screenshots, numbered in the flow's order: 01-sign-in, 02-trust-relay, 03-queue, 04-ticket,
// 05-waiting-for-consent, 08-remote-screen, 09-review-audit (leads), 10-review-sessions, 11-playback;
// 06 and 07 are left for the user's side (the consent prompt and the sharing banner on their display),
// which scripts/demo saves. On a failure, failed.png shows the window the tour was on.
#pragma once

#include <QString>
#include <QStringList>

#include <chrono>
#include <functional>

namespace lifeline::viewer::ui {

struct TourOptions {
    QString relay_url;  // https://HOST:PORT
    QString technician;
    QString technician_password;
    QString lead;  // reviews the audit log and the sessions; empty: the technician's own sessions instead
    QString lead_password;
    QString ca_fingerprint;  // sha256:HEX that the trust prompt must show; any other CA is refused
    QString ticket;          // the machine's ticket to work on, e.g. LL-000004
    QString directory;       // where the screenshots go (made if missing)
    QString chat_line;       // what the technician writes to the user during the session
    std::chrono::seconds consent_timeout{60};
    // After the first picture, before its screenshot: the user's side draws the sharing banner a moment later.
    std::chrono::milliseconds picture_settles{1500};
    bool playback = true;  // with a lead: also play the session's recording back
};

struct TourResult {
    QString failure;          // empty: every step was done
    QStringList screenshots;  // absolute paths, in the order taken
    QString session_id;
};

// Needs a QApplication on a display, and runs its event loop until the tour is over; blocks the caller
// (the UI thread) meanwhile. `progress` gets one line per step, as it starts.
TourResult run_tour(const TourOptions& options, const std::function<void(const QString&)>& progress = {});

}  // namespace lifeline::viewer::ui
